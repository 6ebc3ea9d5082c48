# SPDX-License-Identifier: BSD-2-Clause
# keysh: PF_KEY v2 manual-keying toolkit. See README.md and ARCHITECTURE.md.
#
#   make            userspace tools (+ pfkeyv2.ko when kernel headers exist)
#   make run        build, then start keysh interactively (auto backend)
#   make check      every test that runs without a VM, then the VM suite
#   make install    PREFIX=/usr/local DESTDIR=
#   make kmod | vm-check | bench | fuzz

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
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

# Every .c under a directory belongs to its component; new files need no
# Makefile edit.
CORE_SRC := $(filter-out kmod/core/selftest%,$(wildcard kmod/core/*.c))
LIBP_SRC := $(wildcard src/lib/*.c) kmod/core/walker.c kmod/core/alg.c
ENGINE_SRC := $(wildcard src/engine/*.c)
SHELL_SRC := $(wildcard src/shell/*.c)
TUI_SRC := $(wildcard src/tui/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
DRIVER_SRC := $(wildcard tests/driver/*.c)

obj = $(patsubst %.c,$(B)/%.o,$(1))

BINS := $(B)/keyd $(B)/keysh $(B)/keytui

.PHONY: all userspace kmod run check unit driver bats vm-check bench fuzz \
	install uninstall clean deps

all: userspace kmod-if-headers

userspace: $(BINS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libcore.a: $(call obj,$(CORE_SRC))
	@rm -f $@; ar rcs $@ $^
$(B)/libpfkey.a: $(call obj,$(LIBP_SRC))
	@rm -f $@; ar rcs $@ $^

$(B)/keyd: $(call obj,$(ENGINE_SRC)) $(B)/libcore.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_SSL) -lpthread
$(B)/keysh: $(call obj,$(SHELL_SRC)) $(B)/libpfkey.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_EDIT) $(LIBS_SSL)
$(B)/keytui: $(call obj,$(TUI_SRC)) $(B)/libpfkey.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_CURSES) $(LIBS_SSL)

# Unit tests link everything userspace except the programs' main()s.
$(B)/unit: $(call obj,$(UNIT_SRC)) $(filter-out %/main.o,$(call obj,$(ENGINE_SRC) $(SHELL_SRC))) \
		$(B)/libpfkey.a $(B)/libcore.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_EDIT) $(LIBS_SSL) -lpthread
$(B)/driver: $(call obj,$(DRIVER_SRC)) $(B)/libpfkey.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_SSL)

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
	@sh tests/deps.sh build test vm
	$(MAKE) WERROR=1 userspace $(B)/unit $(B)/driver kmod-if-headers
	@sh tests/run.sh

vm-check:
	@sh tests/deps.sh vm
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
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d
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

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,keyd keysh keytui)

clean:
	rm -rf $(B)
	[ ! -f kmod/Makefile ] || $(MAKE) -C kmod clean KDIR=$(KDIR) || true

-include $(shell find $(B) -name '*.d' 2>/dev/null)
