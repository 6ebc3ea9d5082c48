/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * model.h: keytui's snapshot of the kernel/keyd state. The SAD and SPD are
 * refreshed from DUMP / SPDDUMP replies and kept current by applying the
 * broadcasts the event socket receives; the Events ring keeps the last
 * TUI_EVENTS_MAX raw messages. Views only read from here.
 *
 * Lifetimes: every struct pfk_sa held here may carry keys (Linux dumps and
 * ADD broadcasts include them); rows are wiped with pfk_sa_wipe when
 * removed and when the model is freed. Event payloads are wiped likewise.
 */
#ifndef TUI_MODEL_H
#define TUI_MODEL_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "pfk.h"

#define TUI_ADDR_TXT 64

struct tui_sa {
	struct pfk_sa sa;
	char src[TUI_ADDR_TXT], dst[TUI_ADDR_TXT];	/* formatted once */
	char spihex[12], spidec[12];	/* "1a2b" (no leading zeros), "6699": filter */
	uint64_t seen;			/* wall clock when first seen, if no addtime */
};

struct tui_pol {
	struct pfk_policy pol;
	char src[TUI_ADDR_TXT], dst[TUI_ADDR_TXT];
};

#define TUI_EVENTS_MAX 4096
struct tui_event {
	uint64_t ts_us;			/* wall clock, microseconds */
	enum pfk_msgtype type;
	enum pfk_satype satype;
	uint8_t errno_;
	bool has_spi;
	uint32_t spi, seq, pid;
	char src[TUI_ADDR_TXT], dst[TUI_ADDR_TXT];
	uint8_t *raw;			/* the message as received (may hold keys) */
	size_t len;
};

/* A growable table with a hash index on its identity (SA: satype, spi, dst;
 * policy: id) so applying 10k events/s to 100k rows stays O(1) each. */
struct tui_table {
	void *rows;			/* struct tui_sa[] or struct tui_pol[] */
	size_t n, cap, rowsz;
	int32_t *bucket, *next;		/* chained hash, -1 terminated */
	size_t nbucket;
	uint64_t gen;			/* bumped on every change: views re-index */
};

struct tui_model {
	struct tui_table sad, spd;
	/* Events ring: ev[(head + i) % TUI_EVENTS_MAX] for i < nev, oldest first */
	struct tui_event ev[TUI_EVENTS_MAX];
	size_t head, nev;
	uint64_t ev_total, ev_gen;
	/* event rate: events counted in the current and the previous second */
	uint64_t rate_sec, rate_cur, rate_prev;
};

void tui_model_init(struct tui_model *m);
void tui_model_free(struct tui_model *m);
/* Move src's tables into dst (dst's old rows wiped); src left empty. */
void tui_model_take_tables(struct tui_model *dst, struct tui_model *src, bool sad, bool spd);

static inline struct tui_sa *tui_model_sa(const struct tui_model *m, size_t i)
{
	return (struct tui_sa *)m->sad.rows + i;
}
static inline struct tui_pol *tui_model_pol(const struct tui_model *m, size_t i)
{
	return (struct tui_pol *)m->spd.rows + i;
}
static inline const struct tui_event *tui_model_event(const struct tui_model *m, size_t i)
{
	return &m->ev[(m->head + i) % TUI_EVENTS_MAX];
}

/* Whether the table holds this SA (satype, spi, dst) / policy id. */
bool tui_model_sa_has(const struct tui_model *m, const struct pfk_sa *sa);
bool tui_model_pol_has(const struct tui_model *m, uint32_t id);
int tui_model_sa_upsert(struct tui_model *m, const struct pfk_sa *sa, uint64_t now);
int tui_model_sa_remove(struct tui_model *m, const struct pfk_sa *sa);
void tui_model_sa_flush(struct tui_model *m, enum pfk_satype t);
int tui_model_pol_upsert(struct tui_model *m, const struct pfk_policy *p);
int tui_model_pol_remove(struct tui_model *m, const struct pfk_policy *p);
void tui_model_pol_flush(struct tui_model *m);

/* Apply one parsed broadcast (ADD, UPDATE, DELETE, FLUSH, EXPIRE, SPD*) to
 * the tables. Returns true when a table changed. */
bool tui_model_apply(struct tui_model *m, const struct pfk_msg *msg, uint64_t now);
/* Record a received message in the Events ring (copies raw). */
int tui_model_event_add(struct tui_model *m, const void *raw, size_t len,
			const struct pfk_msg *msg, uint64_t ts_us);
void tui_model_events_clear(struct tui_model *m);
/* Events per second over the last complete second. */
uint64_t tui_model_event_rate(struct tui_model *m, uint64_t now_s);

#endif /* TUI_MODEL_H */
