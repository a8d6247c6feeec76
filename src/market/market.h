/* market.h — the Börse (dealer-to-dealer exchange): the model of listings,
 * offers and deals, their validation, the negotiation state machine and the
 * platform commission.
 *
 * A dealer lists one of its own vehicles at a net trade price (B2B) until a
 * validity date; other dealers make offers; seller and buyer take turns
 * (counter-offers) until one side accepts or rejects, or the buyer withdraws.
 * An accepted offer becomes a deal for both sides, reserves the vehicle and
 * records the platform commission (basis points of the net price, commercially
 * rounded). No database and no HTTP here; the commission rate comes from cfg.
 *
 * Ownership: tenant_id on every market row is the seller (the dealer whose
 * vehicle is listed); buyer_tenant_id is the other party. Strings in the
 * structs below belong to whoever filled them (normally a request arena). */
#ifndef CC24_MARKET_MARKET_H
#define CC24_MARKET_MARKET_H

#include "core/err.h"

#include <stdbool.h>
#include <stdint.h>

struct field_errors;

/* Largest trade price or offer: 100 million euros (in cents). */
#define MARKET_MAX_CENTS 10000000000LL
/* A listing is valid for at most this many days from today (Berlin). */
#define MARKET_MAX_VALID_DAYS 90
/* Default validity of a new listing, in days. */
#define MARKET_DEFAULT_VALID_DAYS 14
/* Longest seller note on a listing and longest message with an offer (code points). */
#define MARKET_NOTE_MAX    1000
#define MARKET_MESSAGE_MAX 1000
/* Default platform commission: 13.58 % of the net trade price. */
#define MARKET_DEFAULT_COMMISSION_BP 1358

/* Stored listing states. An 'active' listing past its valid_until counts as
 * expired everywhere (market_listing_effective) without a write. */
enum market_listing_status {
  MARKET_LISTING_ACTIVE,
  MARKET_LISTING_WITHDRAWN,
  MARKET_LISTING_SOLD,
  MARKET_LISTING_EXPIRED,
  MARKET_LISTING__COUNT
};

/* Offer (negotiation) states: open until accepted, rejected, withdrawn by the
 * buyer, or closed because the listing ended (sold to another dealer, withdrawn,
 * expired). */
enum market_offer_status {
  MARKET_OFFER_OPEN,
  MARKET_OFFER_ACCEPTED,
  MARKET_OFFER_REJECTED,
  MARKET_OFFER_WITHDRAWN,
  MARKET_OFFER_CLOSED,
  MARKET_OFFER__COUNT
};

/* The two parties (and the platform, which closes offers when a listing ends). */
enum market_side { MARKET_SELLER, MARKET_BUYER, MARKET_PLATFORM, MARKET_SIDE__COUNT };

/* What a party does to an offer; each step is one row of the offer's history. */
enum market_action {
  MARKET_ACT_OFFER,    /* the buyer's first offer */
  MARKET_ACT_COUNTER,  /* a new amount from the side whose turn it is */
  MARKET_ACT_ACCEPT,   /* the side whose turn it is accepts the amount on the table */
  MARKET_ACT_REJECT,   /* the side whose turn it is ends the negotiation */
  MARKET_ACT_WITHDRAW, /* the buyer takes back its pending offer */
  MARKET_ACT_CLOSE,    /* the platform ends it: the listing is gone */
  MARKET_ACT__COUNT
};

/* Stable names as stored and used in forms ("active", "open", "seller", "counter"). */
extern const char *const market_listing_status_names[MARKET_LISTING__COUNT];
extern const char *const market_offer_status_names[MARKET_OFFER__COUNT];
extern const char *const market_side_names[MARKET_SIDE__COUNT];
extern const char *const market_action_names[MARKET_ACT__COUNT];

/* Index of name in names[0..n), or -1 (NULL or unknown). */
int market_name_parse(const char *const *names, int n, const char *name);

/* The platform commission on a net amount: round_half_up(net × bp / 10000) in
 * cents (half away from zero, exact in 128-bit arithmetic). bp within 0..10000. */
int64_t market_commission(int64_t net_cents, int bp);

/* The commission rate in force: cfg's market-commission-bp. */
int market_commission_bp(void);

/* VAT at 19 % on a net amount (commercially rounded), for the gross shown next to
 * a net trade price of a vehicle with VAT shown. */
int64_t market_vat(int64_t net_cents);

/* One step of a negotiation. status/turn: the offer now (turn is the side that
 * must answer); actor/action: what is asked. On success fills *status_out and
 * *turn_out and returns 0; otherwise returns -1 with e set to CC24_E_CONFLICT
 * (the offer is no longer open, or it is not the actor's turn) or
 * CC24_E_FORBIDDEN (the action is not the actor's to take, e.g. a seller
 * "withdrawing"). ACT_OFFER is not a step (it creates the offer with turn seller). */
int market_offer_step(int status, int turn, int actor, int action, int *status_out, int *turn_out,
                      struct err *e);

/* The state a listing is in at time now: ACTIVE past valid_until reads EXPIRED. */
int market_listing_effective(int status, int64_t valid_until, int64_t now);

/* Validate an amount in cents (a trade price or an offer): 1 cent to
 * MARKET_MAX_CENTS. Adds to errs under field; 0 or -1. */
int market_amount_check(int64_t cents, const char *field, struct field_errors *errs);

/* Parse a form amount in euros ("12.345", "12345,50"), then check it as above.
 * Missing, malformed, zero, negative and too large amounts are errors under field. */
int market_amount_parse(const char *s, const char *field, int64_t *cents,
                        struct field_errors *errs);

/* "YYYY-MM-DD" (a Berlin calendar day) → the last second of that day in Berlin
 * as Unix seconds. The day must be today (Berlin, at now) or later, and at most
 * MARKET_MAX_VALID_DAYS ahead; errors go to errs under field. 0 or -1. */
int market_valid_until_parse(const char *ymd, int64_t now, const char *field, int64_t *out,
                             struct field_errors *errs);

/* The last second of Berlin day `days` (days since 1970-01-01). */
int64_t market_berlin_day_end(int64_t days);

/* "YYYY-MM-DD" of instant t in Berlin, into out[11]. */
void market_berlin_ymd(int64_t t, char out[11]);

/* Validate a free text (note or message): valid UTF-8, at most max code points. */
int market_text_check(const char *s, int max, const char *field, struct field_errors *errs);

#endif
