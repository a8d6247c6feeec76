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

/* Parse and validate (see fin_conditions_validate). Strings go to a. 0 or -1 with errs
 * naming each bad field ("lender_name", "bands[2].rate_percent", "bands[1]" for an
 * overlap, "bands" for a gap). */
int fin_conditions_from_json(struct arena *a, json_t *j, struct fin_conditions *c,
                             struct field_errors *errs);
/* The stored form (new reference): what fin_conditions_from_json reads back unchanged. */
json_t *fin_conditions_to_json(const struct fin_conditions *c);

/* Check a table built in code or parsed: 1..FIN_MAX_BANDS bands, each inside 1..120
 * months and 0..10000 bp with min <= max, rates 0..30 %; no two bands overlap; no gaps:
 * every term between the shortest and the longest band is covered, and for each term
 * the covered down-payment shares form one unbroken range (a table may require more
 * down payment for long terms, but not leave a hole in the middle); amount limits
 * ordered; the representative band exists. 0 or -1, every problem in errs. */
int fin_conditions_validate(struct arena *a, const struct fin_conditions *c,
                            struct field_errors *errs);

/* The band for a term and down-payment share, or NULL when none covers them. */
const struct fin_band *fin_conditions_band(const struct fin_conditions *c, int term, int down_bp);

/* The down-payment share of a price in basis points, rounded down (20 % = 2000). */
int fin_down_share_bp(int64_t price_cents, int64_t down_payment_cents);

/* The Sollzins (percent p.a.) these conditions give for a price, down payment and term:
 * the band covering the term and the down-payment share, within the amount limits on
 * the net loan. -1 with CC24_E_FINANCE_MISSING (no band; field "term_months") or
 * CC24_E_FINANCE_INPUT (bad figures or net loan outside the limits; field names it). */
int fin_conditions_rate(const struct fin_conditions *c, int64_t price_cents,
                        int64_t down_payment_cents, int term_months, double *rate_percent,
                        struct err *e);

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
/* When the dealer's stored version (as returned by load/save) took effect, Unix
 * seconds; 0 when unknown. */
int64_t fin_conditions_valid_from(db_conn *db, int64_t tenant_id, int64_t version, struct err *e);

#endif
