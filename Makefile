# SPDX-License-Identifier: BSD-2-Clause
# keysh: PF_KEY v2 manual-keying toolkit. See README.md and ARCHITECTURE.md.
#
#   make            userspace tools (+ pfkeyv2.ko when kernel headers exist)
#   make run        build, then start keysh interactively (auto backend)
#   make check      every test that runs without a VM, then the VM suite
#   make install    PREFIX=/usr/local DESTDIR= (uninstall: the same variables)
#   make deb        Debian packages (dpkg-buildpackage) into build/deb/
#   make kmod | vm-check | bench | fuzz

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
DOCDIR ?= $(DATADIR)/doc/keysh
# keysh-load (the commands of keysh-load.service), units and tmpfiles.d:
# under PREFIX, which systemd reads for /usr and /usr/local alike; the
# Debian packages use UNITDIR=/lib/systemd/system (bookworm's place).
LIBDIR ?= $(PREFIX)/lib/keysh
UNITDIR ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
B := build

CC ?= cc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra $(if $(WERROR),-Werror)
CPPFLAGS += -MMD -MP -D_GNU_SOURCE -DKEYSH_VERSION='"$(VERSION)"' -Ikmod/core -Isrc/lib
ALL_CFLAGS = $(CFLAGS) $(WARN) $(CPPFLAGS) $(EXTRA_CFLAGS)
LDFLAGS ?=
LIBS_SSL := -lcrypto
LIBS_EDIT := -ledit
LIBS_CURSES := -lncursesw
LIBS_MNL := -lmnl

# Every .c under a directory belongs to its component; new files need no
# Makefile edit.
CORE_SRC := $(filter-out kmod/core/selftest%,$(wildcard kmod/core/*.c))
LIBP_SRC := $(wildcard src/lib/*.c) kmod/core/walker.c kmod/core/alg.c
ENGINE_SRC := $(wildcard src/engine/*.c)
SHELL_SRC := $(wildcard src/shell/*.c)
TUI_SRC := $(wildcard src/tui/*.c)
XFRM_SRC := $(wildcard src/xfrm/*.c)
# tests/lib: what every test program shares (the raw PF_KEY message builder).
TESTLIB_SRC := $(wildcard tests/lib/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c) $(TESTLIB_SRC)
DRIVER_SRC := $(wildcard tests/driver/*.c) $(TESTLIB_SRC)

obj = $(patsubst %.c,$(B)/%.o,$(1))

BINS := $(B)/keyd $(B)/keysh $(B)/keytui
UNITS := $(B)/systemd/keysh-load.service $(B)/systemd/keyd.service

.PHONY: all userspace kmod run check unit driver bats vm-check bench fuzz \
	install uninstall clean deps units deb

all: userspace kmod-if-headers

userspace: $(BINS) units

# The units and keysh-load with this install's paths filled in (made
# again every time: PREFIX may differ between make and make install).
units: $(UNITS) $(B)/systemd/keysh-load
$(B)/systemd/%: src/systemd/%.in FORCE
	@mkdir -p $(dir $@)
	sed -e 's|@SBINDIR@|$(BINDIR)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
		-e 's|@DOCDIR@|$(DOCDIR)|g' $< > $@
$(B)/systemd/keysh-load: src/systemd/keysh-load FORCE
	@mkdir -p $(dir $@)
	sed -e 's|@SBINDIR@|$(BINDIR)|g' $< > $@
	chmod 0755 $@

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libcore.a: $(call obj,$(CORE_SRC))
	@rm -f $@; ar rcs $@ $^
$(B)/libpfkey.a: $(call obj,$(LIBP_SRC))
	@rm -f $@; ar rcs $@ $^
# The XFRM netlink store (src/xfrm/store_nl.h): link before libcore.a, add $(LIBS_MNL).
$(B)/libxfrmnl.a: $(call obj,$(XFRM_SRC))
	@rm -f $@; ar rcs $@ $^

# keyd --store xfrm: the engine on the netlink store.
$(B)/keyd: $(call obj,$(ENGINE_SRC)) $(B)/libxfrmnl.a $(B)/libcore.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_SSL) $(LIBS_MNL) -lpthread
# libpfkey's xfrm backend runs the core's engine in process on the netlink
# store: keysh, keytui and everything else linking libpfkey link
# libxfrmnl and libcore after it.
$(B)/keysh: $(call obj,$(SHELL_SRC)) $(B)/libpfkey.a $(B)/libxfrmnl.a $(B)/libcore.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_EDIT) $(LIBS_SSL) $(LIBS_MNL) -lpthread
$(B)/keytui: $(call obj,$(TUI_SRC)) $(B)/libpfkey.a $(B)/libxfrmnl.a $(B)/libcore.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_CURSES) $(LIBS_SSL) $(LIBS_MNL) -lpthread

# Unit tests link everything userspace except the programs' main()s.
$(B)/unit: $(call obj,$(UNIT_SRC)) $(filter-out %/main.o,$(call obj,$(ENGINE_SRC) $(SHELL_SRC) $(TUI_SRC))) \
		$(B)/libpfkey.a $(B)/libxfrmnl.a $(B)/libcore.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_EDIT) $(LIBS_CURSES) $(LIBS_SSL) $(LIBS_MNL) -lpthread
$(B)/driver: $(call obj,$(DRIVER_SRC)) $(B)/libpfkey.a $(B)/libxfrmnl.a $(B)/libcore.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_SSL) $(LIBS_MNL) -lpthread

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(wildcard /usr/src/linux-headers-*-amd64))
kmod:
	@test -n "$(KDIR)" || { echo "kmod: no kernel headers (install linux-headers-amd64 or set KDIR=)"; exit 1; }
	$(MAKE) -C kmod KDIR=$(KDIR)
kmod-if-headers:
	@if [ -n "$(KDIR)" ] && [ -f kmod/Makefile ]; then $(MAKE) -C kmod KDIR=$(KDIR); \
	else echo "kmod: skipped (no kernel headers)"; fi

deps:
	@sh tests/deps.sh $(DEPS)

run: deps-build userspace
	@./$(B)/keysh
deps-build:
	@sh tests/deps.sh build

# Userspace suites, then the VM suite when qemu and a kernel image exist.
check:
	@sh tests/deps.sh build test vm ike
	$(MAKE) WERROR=1 userspace $(B)/unit $(B)/driver kmod-if-headers
	@sh tests/run.sh

vm-check:
	@sh tests/deps.sh vm ike
	$(MAKE) WERROR=1 userspace kmod
	@sh tests/vm/run.sh

bench: userspace
	@sh tests/bench/run.sh

fuzz:
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

install: userspace
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man4 $(DESTDIR)$(DATADIR)/keysh/bats \
		$(DESTDIR)$(DATADIR)/bash-completion/completions \
		$(DESTDIR)$(DATADIR)/zsh/vendor-completions \
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d \
		$(DESTDIR)$(LIBDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/default
	install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/keysh $(DESTDIR)$(SYSCONFDIR)/keysh/conf.d \
		$(DESTDIR)$(LOCALSTATEDIR)/lib/keyd
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	for m in man/*.8; do [ -f "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man8/; done; true
	sed -i 's|/usr/local/share/keysh|$(DATADIR)/keysh|g' $(DESTDIR)$(MANDIR)/man8/keysh.8
	for m in man/*.5; do [ -f "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man5/; done; true
	for m in man/*.4; do [ -f "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man4/; done; true
	[ ! -f completions/keysh.bash ] || install -m 0644 completions/keysh.bash \
		$(DESTDIR)$(DATADIR)/bash-completion/completions/keysh
	[ ! -f completions/_keysh ] || install -m 0644 completions/_keysh \
		$(DESTDIR)$(DATADIR)/zsh/vendor-completions/_keysh
	[ ! -f completions/keysh.fish ] || install -m 0644 completions/keysh.fish \
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d/keysh.fish
	for f in tests/bats/lib/keysh.bash; do [ -f "$$f" ] && install -m 0644 $$f \
		$(DESTDIR)$(DATADIR)/keysh/bats/; done; true
	install -m 0755 $(B)/systemd/keysh-load $(DESTDIR)$(LIBDIR)/keysh-load
	install -m 0644 $(UNITS) $(DESTDIR)$(UNITDIR)/
	install -m 0644 src/systemd/keyd.tmpfiles $(DESTDIR)$(TMPFILESDIR)/keyd.conf
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	[ -e $(DESTDIR)$(SYSCONFDIR)/default/keysh ] || \
		install -m 0644 src/systemd/keysh.default $(DESTDIR)$(SYSCONFDIR)/default/keysh

# Everything install put there. The configuration and state directories
# go only when empty: keys and keyd's state are never deleted.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,keyd keysh keytui)
	for m in man/*.8; do rm -f $(DESTDIR)$(MANDIR)/man8/$${m#man/}; done
	for m in man/*.5; do rm -f $(DESTDIR)$(MANDIR)/man5/$${m#man/}; done
	for m in man/*.4; do rm -f $(DESTDIR)$(MANDIR)/man4/$${m#man/}; done
	rm -f $(DESTDIR)$(DATADIR)/bash-completion/completions/keysh \
		$(DESTDIR)$(DATADIR)/zsh/vendor-completions/_keysh \
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d/keysh.fish \
		$(DESTDIR)$(DATADIR)/keysh/bats/keysh.bash \
		$(DESTDIR)$(LIBDIR)/keysh-load \
		$(DESTDIR)$(UNITDIR)/keysh-load.service $(DESTDIR)$(UNITDIR)/keyd.service \
		$(DESTDIR)$(TMPFILESDIR)/keyd.conf $(DESTDIR)$(DOCDIR)/README.md
	cmp -s src/systemd/keysh.default $(DESTDIR)$(SYSCONFDIR)/default/keysh && \
		rm -f $(DESTDIR)$(SYSCONFDIR)/default/keysh || true
	-rmdir $(DESTDIR)$(DATADIR)/keysh/bats $(DESTDIR)$(DATADIR)/keysh $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(DOCDIR) 2>/dev/null
	-rmdir $(DESTDIR)$(SYSCONFDIR)/keysh/conf.d $(DESTDIR)$(SYSCONFDIR)/keysh \
		$(DESTDIR)$(LOCALSTATEDIR)/lib/keyd 2>/dev/null

# Debian packages (debian/): built in a copy of the tree, build/deb/keysh
# (dpkg-buildpackage writes to the parent directory), so the .debs, .changes
# and .buildinfo land in build/deb/. In a git checkout the copy is what a
# clone would hold plus uncommitted edits (git ls-files: no ignored files). Then lintian: errors and warnings fail
# (the justified ones are in debian/*.lintian-overrides).
deb:
	@sh tests/deps.sh deb
	rm -rf $(B)/deb && mkdir -p $(B)/deb/keysh
	if git rev-parse --git-dir >/dev/null 2>&1; then \
		git ls-files -co --exclude-standard -z | \
			tar --null -T - --ignore-failed-read -cf - 2>/dev/null; \
	else tar --exclude=./$(B) --exclude=./.git -cf - .; fi | tar -C $(B)/deb/keysh -xf -
	cd $(B)/deb/keysh && dpkg-buildpackage -us -uc -b
	rm -rf $(B)/deb/keysh
	lintian --fail-on error,warning $(B)/deb/*.changes
	@ls -l $(B)/deb

clean:
	rm -rf $(B)
	[ ! -f kmod/Makefile ] || $(MAKE) -C kmod clean KDIR=$(KDIR) || true

FORCE:
.PHONY: FORCE

-include $(shell find $(B) -path $(B)/deb -prune -o -name '*.d' -type f -print 2>/dev/null)
