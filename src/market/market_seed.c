/* market_seed.c — Börse demo data: listings of every demo dealer, an open offer
 * and a concluded deal (offer, counter-offer, acceptance) between the second and
 * third dealer by slug, made through the same store functions the pages use. */
#include "core/arena.h"
#include "core/money.h"
#include "core/timeutil.h"
#include "market/market_store.h"
#include "tenant/tenant.h"

#include <stdio.h>
#include <string.h>

#define PER_DEALER 3

/* A plausible trade price: about 86 % of the net consumer price, in whole 100 €. */
static int64_t trade_price(int64_t gross_cents, int k)
{
  int64_t net = gross_cents - money_vat_from_gross(gross_cents, 1900);
  int64_t p = money_div_round(net * (84 + 2 * k), 100);
  p = money_div_round(p, 10000) * 10000;
  return p > 0 ? p : 100000;
}

struct seed_arg {
  struct arena *a;
  int64_t now;
};

static int tx_seed(db_conn *c, void *arg, struct err *e)
{
  struct seed_arg *x = arg;
  struct arena *a = x->a;
  int64_t have = 0;
  if (db_query_one(c, a, "SELECT COUNT(*) FROM market_listings", DB_NOPARAMS,
                   DB_ROW(db_out_i64(&have)), e) < 0)
    return -1;
  struct tenant *ts;
  int nt;
  if (tenant_store_list(c, a, &ts, &nt, e) < 0)
    return -1;
  if (have > 0 || nt < 3)
    return 0;
  char listing[3][PER_DEALER][17];
  memset(listing, 0, sizeof listing);
  int64_t today = (x->now + time_berlin_offset(x->now)) / 86400;
  for (int d = 0; d < 3; d++) {
    db_stmt *st = db_query(c,
                           "SELECT public_id, price_cents FROM vehicles WHERE tenant_id = $1"
                           " AND status = 'published' ORDER BY id LIMIT $2",
                           DB_PARAMS(db_i64(ts[d].id), db_i64(PER_DEALER)), e);
    if (!st)
      return -1;
    char *pub[PER_DEALER];
    int64_t price[PER_DEALER];
    int n = 0, rc;
    while (n < PER_DEALER &&
           (rc = db_next(st, a, DB_ROW(db_out_text(&pub[n]), db_out_i64(&price[n])), e)) == 1)
      n++;
    db_finish(st);
    if (rc < 0)
      return -1;
    static const char *const notes[PER_DEALER] = {
        "Scheckheftgepflegt, zwei Schlüssel, Abholung ab Hof.",
        "Inzahlungnahme, kleine Gebrauchsspuren, HU neu.", ""};
    for (int k = 0; k < n; k++) {
      struct market_listing l;
      int64_t listed_at = x->now - 4 * 86400 + (d * PER_DEALER + k) * 3600;
      if (market_listing_create(c, a, ts[d].id, pub[k], trade_price(price[k], k),
                                market_berlin_day_end(today + 14 + 7 * k), notes[k], listed_at, &l,
                                e) < 0)
        return -1;
      snprintf(listing[d][k], 17, "%s", l.public_id);
    }
  }
  if (!listing[1][0][0] || !listing[2][0][0])
    return 0;
  /* an open offer: the third dealer bids on the second dealer's first listing */
  struct market_listing l;
  if (market_listing_get(c, a, ts[2].id, listing[1][0], x->now, &l, e) != 1)
    return err_set(e, CC24_E_INTERNAL, "demo listing missing");
  struct market_offer o;
  if (market_offer_create(c, a, ts[2].id, 0, listing[1][0],
                          money_div_round(l.price_cents * 94, 100),
                          "Guten Tag, wir hätten Interesse. Abholung nächste Woche möglich.",
                          x->now - 3 * 3600, &o, NULL, e) < 0)
    return -1;
  /* a deal: the second dealer bids on the third dealer's first listing, gets a
   * counter-offer and accepts it */
  if (market_listing_get(c, a, ts[1].id, listing[2][0], x->now, &l, e) != 1)
    return err_set(e, CC24_E_INTERNAL, "demo listing missing");
  if (market_offer_create(c, a, ts[1].id, 0, listing[2][0],
                          money_div_round(l.price_cents * 90, 100), "Wäre das ein Preis für Sie?",
                          x->now - 2 * 86400, &o, NULL, e) < 0)
    return -1;
  struct market_outcome out;
  if (market_offer_act(c, a, ts[2].id, 0, o.public_id, MARKET_ACT_COUNTER,
                       money_div_round(l.price_cents * 96, 100),
                       "Wir treffen uns gern bei diesem Betrag.", market_commission_bp(),
                       x->now - 86400, &out, e) != 1 ||
      market_offer_act(c, a, ts[1].id, 0, o.public_id, MARKET_ACT_ACCEPT, 0, "",
                       market_commission_bp(), x->now - 3600, &out, e) != 1)
    return -1;
  return 0;
}

int market_seed_demo(db *d, struct err *e)
{
  struct seed_arg x = {.a = arena_new(1 << 16), .now = time_now()};
  int rc = db_tx(d, 0, DB_WRITE, tx_seed, &x, e);
  arena_free(x.a);
  return rc < 0 ? -1 : 0;
}
