/* deal.h — the deal pipeline: a dealer's stages in order (the defaults Anfrage →
 * Kontakt → Probefahrt → Angebot → Vertrag → Ausgeliefert, the last one is the sale),
 * deals on them (from a lead: its contact and vehicle; the offer price, a trade-in, a
 * financing quote), every move in deal_history with its time. A deal moved onto the
 * sale stage is won: its vehicle is sold (and leaves the public search at once) and
 * its lead's status is "won". A lost deal keeps its reason. Conversion per stage and
 * time in stage come from the history alone. All in the dealer's transaction. */
#ifndef CC24_CRM_DEAL_H
#define CC24_CRM_DEAL_H

#include "db/db.h"

#include <stdbool.h>
#include <stdint.h>

struct arena;

#define DEAL_STAGES_MAX 12
#define DEAL_REASON_MAX 300
#define DEAL_NOTE_MAX   500
#define DEAL_MONEY_MAX  100000000000LL /* 1 bn € in cents */

struct deal_stage {
  int64_t id;
  int position;
  const char *name;
  bool won;
};

struct deal {
  int64_t id, tenant_id, lead_id, contact_id, vehicle_id, stage_id;
  char public_id[17];
  const char *title, *state, *lost_reason, *trade_in_note, *finance_json;
  int64_t offer_cents, trade_in_cents, stage_since, created_at, updated_at, closed_at;
  int position;
  const char *contact_name, *contact_email, *vehicle_public_id, *vehicle_title, *lead_public_id;
  int64_t vehicle_price_cents;
};

/* The dealer's stages in order; the defaults are created on first use. */
int deal_stages(db_conn *c, struct arena *a, int64_t tenant_id, struct deal_stage **out, int *n,
                struct err *e);

/* Rename the stages (names[i] for the stage at position i; n must equal the number of
 * stages) — the pipeline's configuration. 0 or -1 (CC24_E_VALIDATION naming "stage_i"). */
int deal_stages_rename(db_conn *c, int64_t tenant_id, const char *const *names, int n,
                       struct err *e);

/* The pipeline's configuration beyond names. The sale stage (won) stays last and
 * cannot be removed; "lost" is a deal's state, not a stage. Errors are
 * CC24_E_VALIDATION (CC24_E_NOT_FOUND for a stage that is not the dealer's) with
 * e->field naming the reason: "name" (1 to 60 characters on one line), "position",
 * "full" (DEAL_STAGES_MAX reached), "won" (the sale stage), "last" (the only stage
 * before the sale), "target" (deals on the stage need another stage to go to). */

/* Add a stage named name before the stage at index `before` (0 = first; the number
 * of stages less one = just before the sale). *id receives its id. 0 or -1. */
int deal_stage_add(db_conn *c, int64_t tenant_id, const char *name, int before, int64_t *id,
                   struct err *e);

/* Remove stage stage_id. Its open deals go to target_id (another stage of the
 * dealer, not the sale stage — a removal never sells; 0 when the stage holds none), at
 * the end of that column, each move written to deal_history by deal_move as the
 * board's moves are. The stage is only marked removed (removed_at), so the history
 * keeps its name and lost deals that ended on it keep it. *moved (may be NULL)
 * receives the number of deals moved. 0 or -1. */
int deal_stage_remove(db_conn *c, struct arena *a, int64_t tenant_id, int64_t stage_id,
                      int64_t target_id, int64_t user_id, int *moved, struct err *e);

/* Swap stage_id with its neighbour before (dir < 0) or after (dir > 0). The sale stage
 * does not move and no stage moves past it. 0 or -1. */
int deal_stage_move(db_conn *c, int64_t tenant_id, int64_t stage_id, int dir, struct err *e);

/* A deal from the dealer's lead lead_public_id on the first stage (or the open deal the
 * lead already has). public_id receives its id. 1 created, 0 existed, -1 (not found:
 * CC24_E_NOT_FOUND). */
int deal_from_lead(db_conn *c, struct arena *a, int64_t tenant_id, const char *lead_public_id,
                   int64_t user_id, char public_id[17], struct err *e);

/* Open deals and those closed in the last 30 days, by stage and position. */
int deal_list(db_conn *c, struct arena *a, int64_t tenant_id, int64_t now, struct deal **out,
              int *n, struct err *e);

int deal_get(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
             struct deal *out, struct err *e);

/* Move an open deal to stage_id at position (-1: last). Onto the sale stage: won, the
 * vehicle sold (vehicle_sold receives its row id for the search index, else 0). 0, -1
 * (CC24_E_VALIDATION: not a stage of the dealer; CC24_E_CONFLICT: the deal is closed). */
int deal_move(db_conn *c, struct arena *a, int64_t tenant_id, struct deal *d, int64_t stage_id,
              int position, int64_t user_id, int64_t *vehicle_sold, struct err *e);

/* Lost, with a reason (required). */
int deal_lose(db_conn *c, int64_t tenant_id, struct deal *d, const char *reason, int64_t user_id,
              struct err *e);

/* Offer price, trade-in and its note, the financing quote (JSON from the finance engine, ""
 * for none). */
int deal_update(db_conn *c, int64_t tenant_id, int64_t deal_id, int64_t offer_cents,
                int64_t trade_in_cents, const char *trade_in_note, const char *finance_json,
                struct err *e);

struct deal_move {
  const char *from, *to, *state, *who;
  int64_t at;
};
int deal_history(db_conn *c, struct arena *a, int64_t tenant_id, int64_t deal_id,
                 struct deal_move **out, int *n, struct err *e);

/* Per stage (in the order of stages): deals that ever reached it, of those how many went
 * on to a later stage or were won there, and the mean time spent in it (completed stays;
 * seconds). From deal_history only. */
struct deal_stage_stats {
  int64_t reached, advanced, stays;
  double mean_seconds;
};
int deal_stats(db_conn *c, struct arena *a, int64_t tenant_id, const struct deal_stage *st, int nst,
               struct deal_stage_stats *out, struct err *e);

#endif
