/* market_store.h — SQL of the Börse on both backends: listings, the search over
 * them, offers with their history, deals, and the outbox notifications.
 *
 * Every function takes the dealer it acts for (`viewer` / `tenant_id`) and
 * scopes by it: a listing is visible to its seller, to every dealer while it is
 * active, and to a buyer that negotiated on it; offers and deals only to seller
 * and buyer. PostgreSQL enforces the same rules a second time with row-level
 * security (migration 0011). Functions run inside the caller's db_tx for that
 * dealer and write nothing when they fail. Strings returned live in the arena.
 *
 * Errors (e->code): CC24_E_NOT_FOUND when the thing is not visible to the
 * dealer; CC24_E_CONFLICT when its state does not allow the step (already
 * listed, listing no longer active, offer no longer open, not your turn, the
 * vehicle is reserved/sold); CC24_E_FORBIDDEN for an offer on one's own
 * listing. */
#ifndef CC24_MARKET_MARKET_STORE_H
#define CC24_MARKET_MARKET_STORE_H

#include "db/db.h"
#include "market/market.h"
#include "search/search.h"

struct arena;

/* A listing with the summary of its vehicle and seller. */
struct market_listing {
  int64_t id;
  char public_id[17];
  int64_t tenant_id; /* the seller */
  const char *seller_slug, *seller_name, *seller_city;
  int64_t vehicle_id;
  char vehicle_public_id[17];
  const char *make, *model, *variant;
  int first_reg, mileage_km, power_kw;
  int fuel, gearbox, body, condition, colour, vat_mode, vehicle_status; /* inventory enums */
  uint64_t features;
  int64_t price_cents; /* net trade price */
  int64_t valid_until; /* last second of validity (Unix seconds) */
  const char *note;
  const char *cover; /* the vehicle's cover photo (media_cover descriptor), "" = none */
  int status;        /* enum market_listing_status as stored (see market_listing_effective) */
  int64_t created_at, updated_at;
  int open_offers;          /* open negotiations (filled for the seller's lists) */
  int64_t best_offer_cents; /* highest amount on the table among them, 0 = none */
};

/* One step in an offer's history. */
struct market_event {
  int actor;  /* enum market_side */
  int action; /* enum market_action */
  int64_t amount_cents;
  const char *message;
  int64_t created_at;
};

/* An offer (one negotiation between a buyer and the seller on one listing). */
struct market_offer {
  int64_t id;
  char public_id[17];
  int64_t tenant_id, buyer_tenant_id;
  const char *seller_name, *seller_slug, *buyer_name, *buyer_slug;
  int64_t listing_id;
  char listing_public_id[17];
  int listing_status; /* as stored */
  int64_t listing_valid_until, list_price_cents;
  const char *title; /* "BMW 320d Touring" */
  int vat_mode;
  int64_t vehicle_id;
  int64_t amount_cents; /* the amount on the table */
  int status;           /* enum market_offer_status */
  int turn;             /* the side that must answer (enum market_side) */
  int64_t created_at, updated_at;
  char deal_public_id[17]; /* "" unless accepted */
};

/* A concluded deal: what was agreed, kept even if the vehicle is deleted later. */
struct market_deal {
  int64_t id;
  char public_id[17];
  int64_t tenant_id, buyer_tenant_id;
  const char *seller_name, *seller_slug, *seller_city, *buyer_name, *buyer_slug, *buyer_city;
  const char *vehicle_title, *vehicle_vin;
  char vehicle_public_id[17]; /* "" when the vehicle was deleted since */
  int first_reg, mileage_km;
  int64_t net_cents;
  int vat_mode; /* enum vat_mode at the time of the deal */
  int commission_bp;
  int64_t commission_cents;
  char offer_public_id[17];
  int64_t created_at;
};

/* What accepting an offer did (for the caller's index refresh and redirect). */
struct market_outcome {
  int status, turn;        /* the offer after the step */
  char deal_public_id[17]; /* set when a deal was made */
  int64_t vehicle_id;      /* the reserved vehicle (deal) */
};

/* ---- listings ---- */

/* List the dealer's vehicle (by its public id) at price_cents until valid_until.
 * The vehicle must be the dealer's, in draft or published state, and not in
 * another active listing. Fills *out. 0 or -1. */
int market_listing_create(db_conn *c, struct arena *a, int64_t tenant_id,
                          const char *vehicle_public_id, int64_t price_cents, int64_t valid_until,
                          const char *note, int64_t now, struct market_listing *out, struct err *e);

/* A listing as `viewer` may see it at time now (strangers only while it is live:
 * active, unexpired, vehicle neither reserved nor sold). 1 found, 0 not
 * visible, -1 error. */
int market_listing_get(db_conn *c, struct arena *a, int64_t viewer, const char *public_id,
                       int64_t now, struct market_listing *out, struct err *e);

/* Change price, validity and note of the seller's listing (active or expired;
 * an expired one becomes active again). 1 done, 0 not the seller's, -1 error
 * (CONFLICT when withdrawn or sold). */
int market_listing_update(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
                          int64_t price_cents, int64_t valid_until, const char *note, int64_t now,
                          struct err *e);

/* Withdraw the seller's listing; its open offers are closed and their buyers
 * notified. 1 done, 0 not the seller's, -1 error (CONFLICT when sold/withdrawn). */
int market_listing_withdraw(db_conn *c, struct arena *a, int64_t tenant_id, int64_t user_id,
                            const char *public_id, int64_t now, struct err *e);

/* The seller's listings, newest first, with open offer counts. *out in the arena. */
int market_listings_mine(db_conn *c, struct arena *a, int64_t tenant_id,
                         struct market_listing **out, int *n, struct err *e);

/* The dealer's vehicles that could be listed now (draft or published, no active
 * listing), newest first, at most max. */
int market_listable_vehicles(db_conn *c, struct arena *a, int64_t tenant_id, int64_t now, int max,
                             struct market_listing **out, int *n, struct err *e);

/* ---- search ---- */

/* The Börse search: the active, unexpired listings of every dealer whose vehicle
 * is not reserved or sold, filtered, sorted, paged and faceted with exactly the
 * semantics of the public search index (search.h), where "price" is the net
 * trade price and "newest" the time of listing. res->hits carry the vehicle
 * data (price_cents = trade price, published_at = listed at, dealer = seller
 * slug); items[i] is the listing of hits[i]. 0 or -1. */
int market_search(db_conn *c, struct arena *a, const struct search_query *q, int64_t now,
                  struct search_result *res, struct market_listing **items, struct err *e);

/* ---- offers ---- */

/* The buyer's first offer on a listing (message may be ""). The listing must be
 * active and not the buyer's own (FORBIDDEN); one open offer per buyer and
 * listing (CONFLICT; *existing gets its public id when given). Notifies both. */
int market_offer_create(db_conn *c, struct arena *a, int64_t buyer, int64_t user_id,
                        const char *listing_public_id, int64_t amount_cents, const char *message,
                        int64_t now, struct market_offer *out, char existing[17], struct err *e);

/* An offer as one of its parties sees it, with its history (oldest first) when
 * events is not NULL. 1 found, 0 not a party, -1 error. */
int market_offer_get(db_conn *c, struct arena *a, int64_t viewer, const char *public_id,
                     struct market_offer *out, struct market_event **events, int *nevents,
                     struct err *e);

/* A step by `viewer` on the offer: counter (amount_cents), accept, reject or
 * withdraw (market_offer_step decides who may). Accepting makes the deal at the
 * amount on the table with commission_bp, marks the listing sold, reserves the
 * vehicle, closes the listing's other open offers and notifies everyone
 * involved — all or nothing; of two racing accepts (or an accept and a
 * withdrawal) exactly one succeeds, the other gets CONFLICT. 1 done, 0 not a
 * party, -1 error. */
int market_offer_act(db_conn *c, struct arena *a, int64_t viewer, int64_t user_id,
                     const char *public_id, int action, int64_t amount_cents, const char *message,
                     int commission_bp, int64_t now, struct market_outcome *out, struct err *e);

/* The public id of the buyer's open offer on the listing into out[17] ("" when
 * none). 1 found, 0 none, -1 error. */
int market_offer_open_for(db_conn *c, struct arena *a, int64_t buyer, int64_t listing_id,
                          char out[17], struct err *e);

/* Offers the dealer received (as seller) or sent (as buyer), most recently
 * changed first. */
int market_offers_list(db_conn *c, struct arena *a, int64_t viewer, int side,
                       struct market_offer **out, int *n, struct err *e);

/* ---- deals ---- */

/* 1 found, 0 not a party, -1 error. */
int market_deal_get(db_conn *c, struct arena *a, int64_t viewer, const char *public_id,
                    struct market_deal *out, struct err *e);

/* The dealer's deals as seller or buyer, newest first. */
int market_deals_list(db_conn *c, struct arena *a, int64_t viewer, struct market_deal **out, int *n,
                      struct err *e);

/* ---- demo data ---- */

/* A few Börse listings of the demo dealers, one open offer and one deal between
 * two of them (none of it involving the first dealer by slug, so isolation
 * tests have a third party). Does nothing when there are listings already or
 * fewer than three dealers. 0 or -1. */
int market_seed_demo(db *d, struct err *e);

#endif
