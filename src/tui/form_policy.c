// SPDX-License-Identifier: BSD-2-Clause
/*
 * form_policy.c: the compose-policy form (an `spdadd` statement): its
 * fields, what the action hides, and its ops table.
 */
#include <stdlib.h>
#include <string.h>
#include "form.h"
#include "view.h"

enum { P_SRC, P_DST, P_UPPER, P_DIR, P_ACTION, P_PROTO, P_MODE, P_TUNNEL, P_LEVEL, P_PRIO, P_N };

static const char *const protos[] = { "esp", "ah", "ipcomp" };
static const char *const pmodes[] = { "transport", "tunnel" };
static const char *const dirs[] = { "out", "in", "fwd" };
static const char *const actions[] = { "ipsec", "discard", "none" };
static const char *const levels[] = { "require", "use", "unique", "default" };

/* Only ipsec has a request; only tunnel mode has the outer addresses. */
static void pol_check(struct tui_form *f)
{
	bool ipsec = !strcmp(tui_form_val(f, P_ACTION), "ipsec");

	f->f[P_PROTO].hidden = f->f[P_MODE].hidden = f->f[P_LEVEL].hidden = !ipsec;
	f->f[P_TUNNEL].hidden = !ipsec || strcmp(tui_form_val(f, P_MODE), "tunnel");
}

static char *pol_text(struct tui_form *f, bool for_check)
{
	size_t n, cap = 2048;
	char *buf = calloc(1, cap);

	(void)for_check;
	if (!buf)
		return NULL;
	n = (size_t)snprintf(buf, cap, "spdadd %s %s %s -P %s", tui_form_val(f, P_SRC),
			     tui_form_val(f, P_DST), tui_form_val(f, P_UPPER),
			     tui_form_val(f, P_DIR));
	if (f->f[P_PRIO].len && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " prio %s", tui_form_val(f, P_PRIO));
	if (n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " %s", tui_form_val(f, P_ACTION));
	if (!strcmp(tui_form_val(f, P_ACTION), "ipsec") && n < cap)
		n += (size_t)snprintf(buf + n, cap - n, " %s/%s/%s/%s", tui_form_val(f, P_PROTO),
				      tui_form_val(f, P_MODE),
				      f->f[P_TUNNEL].hidden ? "" : tui_form_val(f, P_TUNNEL),
				      tui_form_val(f, P_LEVEL));
	if (n < cap)
		snprintf(buf + n, cap - n, " ;");
	return buf;
}

static const struct tui_form_ops pol_ops = {
	.title = "Compose policy (spdadd)",
	.enter_help = "apply",
	.check = pol_check,
	.text = pol_text,
	.draw = tui_form_fields_draw,
	.enter = tui_form_apply,
};

struct tui_form *tui_form_policy_new(struct tui *t)
{
	struct tui_form *f = tui_form_new(&pol_ops);
	const struct tui_field_ops *text = &tui_field_text;

	(void)t;
	if (!f)
		return NULL;
	tui_form_text_field(f, P_SRC, "Source range", text, tui_form_valid_range, "",
			    "address[/prefix][[port]]");
	tui_form_text_field(f, P_DST, "Dest range", text, tui_form_valid_range, "",
			    "address[/prefix][[port]]");
	tui_form_text_field(f, P_UPPER, "Upper proto", text, tui_form_valid_upper, "any",
			    "any, tcp, udp, icmp, icmp6 or a number");
	tui_form_pick_field(f, P_DIR, "Direction", dirs, 3);
	tui_form_pick_field(f, P_ACTION, "Action", actions, 3);
	tui_form_pick_field(f, P_PROTO, "IPsec proto", protos, 3);
	tui_form_pick_field(f, P_MODE, "Mode", pmodes, 2);
	tui_form_text_field(f, P_TUNNEL, "Tunnel", text, NULL, "",
			    "outer addresses: local-remote");
	tui_form_pick_field(f, P_LEVEL, "Level", levels, 4);
	tui_form_text_field(f, P_PRIO, "Priority", text, NULL, "",
			    "optional: number, low, def, high");
	f->f[P_PRIO].optional = true;
	tui_form_check(f);
	return f;
}
