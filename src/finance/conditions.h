/* conditions.h — a dealer's bank partner conditions: the lender, rate bands by
 * term and down-payment share, amount limits, fees, and which band is the
 * representative one (§ 17 PAngV). Stored as versioned JSON per dealer, so an
 * example shown yesterday can be reproduced with yesterday's conditions. */
#ifndef CC24_FINANCE_CONDITIONS_H
#define CC24_FINANCE_CONDITIONS_H

#include "core/err.h"
#include "db/db.h"
#include "finance/finance.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct arena;
struct field_errors;

#define FIN_MAX_BANDS 64

struct fin_band {
  int term_min, term_max;       /* months, inclusive */
  int down_min_bp, down_max_bp; /* down payment share of the price, basis points, inclusive */
  int rate_bp;                  /* Sollzins p.a. in basis points (3.99 % = 399) */
};

struct fin_conditions {
  const char *lender_name;
  const char *lender_address;
  bool variable_rate;
  int64_t min_amount_cents, max_amount_cents; /* net loan limits */
  int64_t fees_cents;                         /* up-front fees per contract */
  int default_term;                           /* months, for examples */
  int default_down_bp;                        /* down payment share for examples */
  int representative;                         /* index of the representative band */
  int nbands;
  struct fin_band bands[FIN_MAX_BANDS];
};

/* Parse and validate (bands inside 1..120 months and 0..10000 bp, no overlaps, the
 * representative band exists, rates 0..30 %). Strings go to a. 0 or -1 with errs. */
int fin_conditions_from_json(struct arena *a, json_t *j, struct fin_conditions *c,
                             struct field_errors *errs);
json_t *fin_conditions_to_json(const struct fin_conditions *c);

/* The band for a term and down-payment share, or NULL when none covers them. */
const struct fin_band *fin_conditions_band(const struct fin_conditions *c, int term, int down_bp);

/* A loan example for a cash price under these conditions (default term and down
 * payment, the matching band's rate). -1 with e when no band or limit fits. */
int fin_conditions_example(const struct fin_conditions *c, int64_t price_cents,
                           struct fin_input *in, struct err *e);

/* Store: each save is a new version; load the version valid at `at` (Unix seconds,
 * 0 = now). Returns 1 found, 0 none, -1 error. */
int fin_conditions_save(db_conn *db, struct arena *a, int64_t tenant_id,
                        const struct fin_conditions *c, int64_t *version, struct err *e);
int fin_conditions_load(db_conn *db, struct arena *a, int64_t tenant_id, int64_t at,
                        struct fin_conditions *c, int64_t *version, struct err *e);

#endif
