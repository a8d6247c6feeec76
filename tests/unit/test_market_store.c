/* Store tests of the Börse on SQLite and PostgreSQL (CC24_TEST_DATABASE_URL).
 * On PostgreSQL every market call runs through a second handle with the role
 * cc24_app, so row-level security is in force exactly as under `serve`.
 * Covers: listing rules, visibility to seller / other dealers / negotiating
 * buyers, offers and counter-offers with history and outbox, the deal
 * (commission, reserved vehicle, sold listing, other offers closed), withdrawal,
 * expiry, racing accepts and accept-vs-withdraw (exactly one wins), and RLS
 * on raw SQL. */
#include "core/arena.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/timeutil.h"
#include "inventory/seed_data.h"
#include "inventory/vehicle_store.h"
#include "market/market_store.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#define NVEH 40

static db *d;  /* owner: set-up and checks */
static db *dr; /* what the market code uses (role cc24_app on PostgreSQL) */
static struct arena *pool;
static int64_t A, B, C; /* dealers; A sells mostly */
static struct vehicle veh[NVEH];
static int nveh;
static int64_t now;

static bool pg(void)
{
  return strcmp(testdb_backend_name(), "postgresql") == 0;
}

static int tx_fill(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  const char *slugs[] = {"haendler-a", "haendler-b", "haendler-c"};
  int64_t *ids[] = {&A, &B, &C};
  for (int i = 0; i < 3; i++) {
    struct tenant t = {.slug = slugs[i],
                       .name = slugs[i],
                       .city = "Köln",
                       .email = arena_printf(pool, "info@%s.example", slugs[i])};
    if (tenant_store_create(c, &t, e) < 0)
      return -1;
    *ids[i] = t.id;
  }
  struct seed_rng r;
  seed_rng_init(&r, 11);
  for (int i = 0; i < NVEH; i++) {
    struct vehicle *v = &veh[i];
    vehicle_init(v);
    seed_vehicle(&r, pool, now, v);
    /* vehicles 0..29 are A's, 30..34 B's, 35..39 C's; every 7th a draft */
    v->tenant_id = i < 30 ? A : i < 35 ? B : C;
    v->status = i % 7 == 3 ? STATUS_DRAFT : STATUS_PUBLISHED;
    if (i == 2)
      v->status = STATUS_RESERVED;
    if (vehicle_store_insert(c, pool, v, e) < 0)
      return -1;
  }
  nveh = NVEH;
  return 0;
}

static void setup(void)
{
  ids_init();
  config_defaults();
  now = time_now();
  d = testdb_open();
  cr_assert_not_null(d);
  pool = arena_new(1 << 16);
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_fill, NULL, &e), 0, "%s", e.msg);
  dr = d;
  if (pg()) {
    dr = db_open(testdb_url(), 8, &e);
    cr_assert_not_null(dr, "%s", e.msg);
    cr_assert_eq(db_use_role(dr, "cc24_app", &e), 0, "role cc24_app: %s", e.msg);
  }
}

static void teardown(void)
{
  if (dr && dr != d)
    db_close(dr);
  arena_free(pool);
  testdb_close(d);
}

TestSuite(market_store, .init = setup, .fini = teardown, .timeout = 300);

/* ---- one operation per transaction, as the pages do it ---- */

enum {
  OP_LIST,
  OP_GET,
  OP_UPDATE,
  OP_WITHDRAW,
  OP_MINE,
  OP_OFFER,
  OP_OFFER_GET,
  OP_ACT,
  OP_OFFERS,
  OP_DEAL,
  OP_DEALS,
  OP_COUNT,
  OP_EXEC
};

struct op {
  int kind;
  int64_t tenant, at;
  const char *id, *sql;
  int64_t amount, until;
  int action, side;
  /* results */
  int rc;
  int64_t count;
  struct market_listing l, *ls;
  struct market_offer o, *os;
  struct market_event *ev;
  int n;
  struct market_outcome out;
  struct market_deal deal, *ds;
  char existing[17];
};

static int tx_op(db_conn *c, void *arg, struct err *e)
{
  struct op *x = arg;
  struct arena *a = pool;
  int64_t at = x->at ? x->at : now;
  switch (x->kind) {
  case OP_LIST:
    x->rc =
        market_listing_create(c, a, x->tenant, x->id, x->amount,
                              x->until ? x->until : at + 7 * 86400, "Testinserat", at, &x->l, e);
    break;
  case OP_GET:
    x->rc = market_listing_get(c, a, x->tenant, x->id, at, &x->l, e);
    break;
  case OP_UPDATE:
    x->rc = market_listing_update(c, a, x->tenant, x->id, x->amount, x->until, "neu", at, e);
    break;
  case OP_WITHDRAW:
    x->rc = market_listing_withdraw(c, a, x->tenant, 0, x->id, at, e);
    break;
  case OP_MINE:
    x->rc = market_listings_mine(c, a, x->tenant, &x->ls, &x->n, e);
    break;
  case OP_OFFER:
    x->rc = market_offer_create(c, a, x->tenant, 0, x->id, x->amount, "Interesse", at, &x->o,
                                x->existing, e);
    break;
  case OP_OFFER_GET:
    x->rc = market_offer_get(c, a, x->tenant, x->id, &x->o, &x->ev, &x->n, e);
    break;
  case OP_ACT:
    x->rc =
        market_offer_act(c, a, x->tenant, 0, x->id, x->action, x->amount, "", 1358, at, &x->out, e);
    break;
  case OP_OFFERS:
    x->rc = market_offers_list(c, a, x->tenant, x->side, &x->os, &x->n, e);
    break;
  case OP_DEAL:
    x->rc = market_deal_get(c, a, x->tenant, x->id, &x->deal, e);
    break;
  case OP_DEALS:
    x->rc = market_deals_list(c, a, x->tenant, &x->ds, &x->n, e);
    break;
  case OP_COUNT:
    x->rc = db_query_one(c, a, x->sql, DB_NOPARAMS, DB_ROW(db_out_i64(&x->count)), e);
    break;
  case OP_EXEC:
    x->rc = db_exec(c, x->sql, DB_NOPARAMS, e);
    break;
  }
  return x->rc < 0 ? -1 : 0;
}

/* Run op on the market handle; returns the function's result (and fills e). */
static int run(struct op *o, struct err *e)
{
  memset(e, 0, sizeof *e);
  int rc = db_tx(dr, o->tenant, DB_WRITE, tx_op, o, e);
  return rc < 0 ? -1 : o->rc;
}

static const char *list(int64_t tenant, int vi, int64_t price)
{
  struct op o = {.kind = OP_LIST, .tenant = tenant, .id = veh[vi].public_id, .amount = price};
  struct err e;
  cr_assert_eq(run(&o, &e), 0, "listing vehicle %d: %s", vi, e.msg);
  return arena_strdup(pool, o.l.public_id);
}

static const char *offer(int64_t buyer, const char *listing, int64_t amount)
{
  struct op o = {.kind = OP_OFFER, .tenant = buyer, .id = listing, .amount = amount};
  struct err e;
  cr_assert_eq(run(&o, &e), 0, "offer: %s", e.msg);
  return arena_strdup(pool, o.o.public_id);
}

static int act(int64_t who, const char *offer_id, int action, int64_t amount, struct err *e,
               struct market_outcome *out)
{
  struct op o = {.kind = OP_ACT, .tenant = who, .id = offer_id, .action = action, .amount = amount};
  int rc = run(&o, e);
  if (out)
    *out = o.out;
  return rc;
}

static int64_t count_owner(const char *sql)
{
  struct op o = {.kind = OP_COUNT, .sql = sql};
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_READ, tx_op, &o, &e), 0, "%s: %s", sql, e.msg);
  return o.count;
}

static int vehicle_status(int vi)
{
  struct vehicle v;
  struct op dummy;
  (void)dummy;
  struct err e = {0};
  db_conn *c = db_acquire(d, &e);
  cr_assert_not_null(c);
  cr_assert_eq(vehicle_store_get_by_id(c, pool, veh[vi].id, &v, &e), 1);
  db_release(c);
  return v.status;
}

/* ---- listings ---- */

Test(market_store, listing_rules_and_visibility)
{
  struct err e;
  const char *l = list(A, 0, 1500000);
  struct op o = {.kind = OP_LIST, .tenant = A, .id = veh[0].public_id, .amount = 100};
  cr_assert_eq(run(&o, &e), -1, "listed twice");
  cr_assert_eq(e.code, CC24_E_CONFLICT);
  cr_assert_str_eq(e.field, "listing");
  o = (struct op){.kind = OP_LIST, .tenant = A, .id = veh[2].public_id, .amount = 100};
  cr_assert_eq(run(&o, &e), -1, "a reserved vehicle cannot be listed");
  cr_assert_eq(e.code, CC24_E_CONFLICT);
  cr_assert_str_eq(e.field, "vehicle");
  o = (struct op){.kind = OP_LIST, .tenant = A, .id = veh[31].public_id, .amount = 100};
  cr_assert_eq(run(&o, &e), -1, "another dealer's vehicle");
  cr_assert_eq(e.code, CC24_E_VEHICLE_NOT_FOUND);
  const char *draft = list(A, 3, 900000); /* a draft: in the Börse, not on the public site */

  o = (struct op){.kind = OP_GET, .tenant = C, .id = l};
  cr_assert_eq(run(&o, &e), 1, "every dealer sees a live listing: %s", e.msg);
  cr_assert_eq(o.l.price_cents, 1500000);
  cr_assert_eq(o.l.tenant_id, A);
  cr_assert_str_eq(o.l.make, veh[0].make);
  cr_assert_str_eq(o.l.seller_slug, "haendler-a");
  o = (struct op){.kind = OP_GET, .tenant = C, .id = draft};
  cr_assert_eq(run(&o, &e), 1, "also when the vehicle is a draft");
  cr_assert_eq(o.l.vehicle_status, STATUS_DRAFT);
  o = (struct op){.kind = OP_GET, .tenant = 0, .id = l};
  cr_assert_eq(run(&o, &e), 0, "never the public");

  o = (struct op){.kind = OP_UPDATE, .tenant = C, .id = l, .amount = 1, .until = now + 86400};
  cr_assert_eq(run(&o, &e), 0, "only the seller changes a listing");
  o = (struct op){.kind = OP_UPDATE, .tenant = A, .id = l, .amount = 1450000, .until = now + 86400};
  cr_assert_eq(run(&o, &e), 1, "%s", e.msg);
  o = (struct op){.kind = OP_WITHDRAW, .tenant = B, .id = l};
  cr_assert_eq(run(&o, &e), 0);
  o = (struct op){.kind = OP_WITHDRAW, .tenant = A, .id = l};
  cr_assert_eq(run(&o, &e), 1, "%s", e.msg);
  o = (struct op){.kind = OP_WITHDRAW, .tenant = A, .id = l};
  cr_assert_eq(run(&o, &e), -1, "withdrawn twice");
  cr_assert_eq(e.code, CC24_E_CONFLICT);
  o = (struct op){.kind = OP_UPDATE, .tenant = A, .id = l, .amount = 1, .until = now + 86400};
  cr_assert_eq(run(&o, &e), -1, "a withdrawn listing stays withdrawn");
  cr_assert_eq(e.code, CC24_E_CONFLICT);
  o = (struct op){.kind = OP_GET, .tenant = C, .id = l};
  cr_assert_eq(run(&o, &e), 0, "withdrawn: gone for other dealers");
  o = (struct op){.kind = OP_GET, .tenant = A, .id = l};
  cr_assert_eq(run(&o, &e), 1, "the seller still sees it");
  cr_assert_eq(o.l.status, MARKET_LISTING_WITHDRAWN);
  cr_assert_eq(o.l.price_cents, 1450000);
  list(A, 0, 1400000); /* and may list the vehicle again */

  o = (struct op){.kind = OP_MINE, .tenant = A};
  cr_assert_eq(run(&o, &e), 0);
  cr_assert_eq(o.n, 3);
  o = (struct op){.kind = OP_MINE, .tenant = C};
  cr_assert_eq(run(&o, &e), 0);
  cr_assert_eq(o.n, 0, "only one's own listings");
}

Test(market_store, an_expired_listing_drops_out_and_takes_no_offers)
{
  struct err e;
  struct op o = {
      .kind = OP_LIST, .tenant = A, .id = veh[4].public_id, .amount = 800000, .until = now + 3600};
  cr_assert_eq(run(&o, &e), 0, "%s", e.msg);
  const char *l = arena_strdup(pool, o.l.public_id);
  const char *early = offer(B, l, 700000);
  int64_t later = now + 7200;
  o = (struct op){.kind = OP_GET, .tenant = C, .id = l, .at = later};
  cr_assert_eq(run(&o, &e), 0, "expired: gone for strangers");
  o = (struct op){.kind = OP_GET, .tenant = A, .id = l, .at = later};
  cr_assert_eq(run(&o, &e), 1);
  cr_assert_eq(market_listing_effective(o.l.status, o.l.valid_until, later),
               MARKET_LISTING_EXPIRED);
  o = (struct op){.kind = OP_OFFER, .tenant = B, .id = l, .amount = 1, .at = later};
  cr_assert_eq(run(&o, &e), -1, "the negotiating buyer sees it but cannot bid");
  cr_assert_eq(e.code, CC24_E_CONFLICT);
  o = (struct op){.kind = OP_OFFER, .tenant = C, .id = l, .amount = 1, .at = later};
  cr_assert_eq(run(&o, &e), -1);
  cr_assert_eq(e.code, CC24_E_NOT_FOUND);
  struct market_outcome out;
  o = (struct op){
      .kind = OP_ACT, .tenant = A, .id = early, .action = MARKET_ACT_ACCEPT, .at = later};
  cr_assert_eq(run(&o, &e), -1, "an offer on an expired listing cannot be accepted");
  cr_assert_eq(e.code, CC24_E_CONFLICT);
  (void)out;
  /* extending the validity brings it back */
  o = (struct op){.kind = OP_UPDATE,
                  .tenant = A,
                  .id = l,
                  .amount = 800000,
                  .until = later + 86400,
                  .at = later};
  cr_assert_eq(run(&o, &e), 1, "%s", e.msg);
  o = (struct op){.kind = OP_GET, .tenant = C, .id = l, .at = later};
  cr_assert_eq(run(&o, &e), 1);
  /* relisting after expiry: the stale listing is marked expired, its offers closed */
  o = (struct op){.kind = OP_UPDATE, .tenant = A, .id = l, .amount = 800000, .until = now + 3600};
  cr_assert_eq(run(&o, &e), 1);
  o = (struct op){.kind = OP_LIST,
                  .tenant = A,
                  .id = veh[4].public_id,
                  .amount = 750000,
                  .at = later,
                  .until = later + 86400};
  cr_assert_eq(run(&o, &e), 0, "%s", e.msg);
  o = (struct op){.kind = OP_OFFER_GET, .tenant = B, .id = early};
  cr_assert_eq(run(&o, &e), 1);
  cr_assert_eq(o.o.status, MARKET_OFFER_CLOSED);
}

/* ---- offers and deals ---- */

Test(market_store, offers_follow_the_rules_and_are_private_to_the_parties)
{
  struct err e;
  const char *l = list(A, 5, 2000000);
  struct op o = {.kind = OP_OFFER, .tenant = A, .id = l, .amount = 1};
  cr_assert_eq(run(&o, &e), -1, "no offers on one's own listing");
  cr_assert_eq(e.code, CC24_E_FORBIDDEN);
  const char *oc = offer(C, l, 1800000);
  o = (struct op){.kind = OP_OFFER, .tenant = C, .id = l, .amount = 1850000};
  cr_assert_eq(run(&o, &e), -1, "one open offer per buyer and listing");
  cr_assert_eq(e.code, CC24_E_CONFLICT);
  cr_assert_str_eq(o.existing, oc, "the page can link to the open one");
  const char *ob = offer(B, l, 1700000);

  o = (struct op){.kind = OP_OFFER_GET, .tenant = B, .id = oc};
  cr_assert_eq(run(&o, &e), 0, "another buyer's offer is invisible");
  o = (struct op){.kind = OP_OFFER_GET, .tenant = A, .id = oc};
  cr_assert_eq(run(&o, &e), 1, "the seller sees it");
  cr_assert_eq(o.o.amount_cents, 1800000);
  cr_assert_eq(o.o.turn, MARKET_SELLER);
  cr_assert_eq(o.n, 1);
  cr_assert_eq(o.ev[0].action, MARKET_ACT_OFFER);
  cr_assert_str_eq(o.ev[0].message, "Interesse");
  o = (struct op){.kind = OP_OFFERS, .tenant = A, .side = MARKET_SELLER};
  cr_assert_eq(run(&o, &e), 0);
  cr_assert_eq(o.n, 2);
  o = (struct op){.kind = OP_OFFERS, .tenant = C, .side = MARKET_BUYER};
  cr_assert_eq(run(&o, &e), 0);
  cr_assert_eq(o.n, 1);
  cr_assert_str_eq(o.os[0].public_id, oc);
  o = (struct op){.kind = OP_OFFERS, .tenant = C, .side = MARKET_SELLER};
  cr_assert_eq(run(&o, &e), 0);
  cr_assert_eq(o.n, 0);

  /* the wrong side's moves */
  cr_assert_eq(act(C, oc, MARKET_ACT_ACCEPT, 0, &e, NULL), -1, "the buyer cannot accept its own");
  cr_assert_eq(e.code, CC24_E_CONFLICT);
  cr_assert_eq(act(A, oc, MARKET_ACT_WITHDRAW, 0, &e, NULL), -1);
  cr_assert_eq(e.code, CC24_E_FORBIDDEN);
  cr_assert_eq(act(B, oc, MARKET_ACT_REJECT, 0, &e, NULL), 0, "a third party: not found");

  /* A counters C, C counters, A counters, C accepts */
  cr_assert_eq(act(A, oc, MARKET_ACT_COUNTER, 1950000, &e, NULL), 1, "%s", e.msg);
  cr_assert_eq(act(A, oc, MARKET_ACT_COUNTER, 1940000, &e, NULL), -1, "not A's turn any more");
  cr_assert_eq(act(C, oc, MARKET_ACT_WITHDRAW, 0, &e, NULL), -1,
               "a counter is rejected, not withdrawn");
  cr_assert_eq(act(C, oc, MARKET_ACT_COUNTER, 1900000, &e, NULL), 1, "%s", e.msg);
  cr_assert_eq(act(A, oc, MARKET_ACT_COUNTER, 1925000, &e, NULL), 1, "%s", e.msg);
  int64_t mails_b =
      count_owner("SELECT COUNT(*) FROM outbox WHERE recipient = 'info@haendler-b.example'");
  struct market_outcome out;
  cr_assert_eq(act(C, oc, MARKET_ACT_ACCEPT, 0, &e, &out), 1, "the buyer accepts: %s", e.msg);
  cr_assert_eq(out.status, MARKET_OFFER_ACCEPTED);
  cr_assert_eq(strlen(out.deal_public_id), 16);
  cr_assert_eq(out.vehicle_id, veh[5].id);

  /* the deal */
  o = (struct op){.kind = OP_DEAL, .tenant = A, .id = out.deal_public_id};
  cr_assert_eq(run(&o, &e), 1, "%s", e.msg);
  cr_assert_eq(o.deal.net_cents, 1925000);
  cr_assert_eq(o.deal.commission_bp, 1358);
  cr_assert_eq(o.deal.commission_cents, 261415);
  cr_assert_eq(o.deal.tenant_id, A);
  cr_assert_eq(o.deal.buyer_tenant_id, C);
  cr_assert_str_eq(o.deal.offer_public_id, oc);
  cr_assert_eq(o.deal.vat_mode, veh[5].vat_mode);
  o = (struct op){.kind = OP_DEAL, .tenant = C, .id = out.deal_public_id};
  cr_assert_eq(run(&o, &e), 1, "the buyer sees the deal");
  cr_assert_str_eq(o.deal.vehicle_public_id, veh[5].public_id);
  o = (struct op){.kind = OP_DEAL, .tenant = B, .id = out.deal_public_id};
  cr_assert_eq(run(&o, &e), 0, "a third dealer does not");
  o = (struct op){.kind = OP_DEALS, .tenant = B};
  cr_assert_eq(run(&o, &e), 0);
  cr_assert_eq(o.n, 0);
  o = (struct op){.kind = OP_DEALS, .tenant = C};
  cr_assert_eq(run(&o, &e), 0);
  cr_assert_eq(o.n, 1);
  cr_assert_eq(vehicle_status(5), STATUS_RESERVED, "the vehicle is reserved");

  /* the history of the negotiation and the end of the others */
  o = (struct op){.kind = OP_OFFER_GET, .tenant = C, .id = oc};
  cr_assert_eq(run(&o, &e), 1);
  cr_assert_eq(o.n, 5);
  static const int want[] = {MARKET_ACT_OFFER, MARKET_ACT_COUNTER, MARKET_ACT_COUNTER,
                             MARKET_ACT_COUNTER, MARKET_ACT_ACCEPT};
  static const int who[] = {MARKET_BUYER, MARKET_SELLER, MARKET_BUYER, MARKET_SELLER, MARKET_BUYER};
  static const int64_t amounts[] = {1800000, 1950000, 1900000, 1925000, 1925000};
  for (int i = 0; i < 5; i++) {
    cr_assert_eq(o.ev[i].action, want[i], "event %d", i);
    cr_assert_eq(o.ev[i].actor, who[i], "event %d", i);
    cr_assert_eq(o.ev[i].amount_cents, amounts[i], "event %d", i);
  }
  cr_assert_str_eq(o.o.deal_public_id, out.deal_public_id);
  o = (struct op){.kind = OP_OFFER_GET, .tenant = B, .id = ob};
  cr_assert_eq(run(&o, &e), 1);
  cr_assert_eq(o.o.status, MARKET_OFFER_CLOSED, "the other buyer's offer ended");
  cr_assert_eq(o.ev[o.n - 1].action, MARKET_ACT_CLOSE);
  cr_assert_eq(o.ev[o.n - 1].actor, MARKET_PLATFORM);
  cr_assert_gt(
      count_owner("SELECT COUNT(*) FROM outbox WHERE recipient = 'info@haendler-b.example'"),
      mails_b, "and was told so");
  o = (struct op){.kind = OP_GET, .tenant = B, .id = l};
  cr_assert_eq(run(&o, &e), 1, "a buyer that negotiated still sees the listing");
  cr_assert_eq(o.l.status, MARKET_LISTING_SOLD);
  o = (struct op){.kind = OP_OFFER, .tenant = B, .id = l, .amount = 2100000};
  cr_assert_eq(run(&o, &e), -1, "no offers on a sold listing");
  cr_assert_eq(e.code, CC24_E_CONFLICT);

  /* accepting twice, or anything after the deal */
  cr_assert_eq(act(C, oc, MARKET_ACT_ACCEPT, 0, &e, NULL), -1);
  cr_assert_eq(e.code, CC24_E_CONFLICT);
  cr_assert_eq(act(A, oc, MARKET_ACT_REJECT, 0, &e, NULL), -1);
  cr_assert_eq(e.code, CC24_E_CONFLICT);
  cr_assert_eq(count_owner("SELECT COUNT(*) FROM market_deals"), 1);

  /* every step reached both dealers' outboxes */
  cr_assert_geq(
      count_owner("SELECT COUNT(*) FROM outbox WHERE recipient = 'info@haendler-a.example'"
                  " AND subject LIKE '%Abschluss%'"),
      1);
  cr_assert_geq(
      count_owner("SELECT COUNT(*) FROM outbox WHERE recipient = 'info@haendler-c.example'"
                  " AND subject LIKE '%Abschluss%'"),
      1);
  cr_assert_geq(
      count_owner("SELECT COUNT(*) FROM outbox WHERE recipient = 'info@haendler-c.example'"
                  " AND subject LIKE '%Gegenangebot%'"),
      2);
}

Test(market_store, the_seller_accepts_rejects_or_withdraws_the_listing)
{
  struct err e;
  struct market_outcome out;
  const char *l = list(A, 6, 1000000);
  const char *ob = offer(B, l, 900000);
  cr_assert_eq(act(A, ob, MARKET_ACT_REJECT, 0, &e, NULL), 1, "%s", e.msg);
  cr_assert_eq(act(B, ob, MARKET_ACT_WITHDRAW, 0, &e, NULL), -1, "rejected is final");
  const char *ob2 = offer(B, l, 950000); /* a fresh offer after the rejection */
  cr_assert_eq(act(B, ob2, MARKET_ACT_WITHDRAW, 0, &e, NULL), 1, "%s", e.msg);
  const char *oc = offer(C, l, 980000);
  cr_assert_eq(act(A, oc, MARKET_ACT_ACCEPT, 0, &e, &out), 1, "%s", e.msg);
  cr_assert_eq(vehicle_status(6), STATUS_RESERVED);

  /* withdrawing a listing ends its offers */
  const char *l2 = list(A, 7, 1200000);
  const char *oc2 = offer(C, l2, 1100000);
  struct op o = {.kind = OP_WITHDRAW, .tenant = A, .id = l2};
  cr_assert_eq(run(&o, &e), 1, "%s", e.msg);
  o = (struct op){.kind = OP_OFFER_GET, .tenant = C, .id = oc2};
  cr_assert_eq(run(&o, &e), 1);
  cr_assert_eq(o.o.status, MARKET_OFFER_CLOSED);
  cr_assert_eq(act(A, oc2, MARKET_ACT_ACCEPT, 0, &e, NULL), -1);
  cr_assert_eq(e.code, CC24_E_CONFLICT);
  cr_assert_eq(vehicle_status(7), STATUS_PUBLISHED, "nothing reserved");

  /* a vehicle reserved meanwhile in the dashboard cannot be sold twice */
  const char *l3 = list(A, 8, 1300000);
  const char *ob3 = offer(B, l3, 1250000);
  struct vehicle v;
  db_conn *c = db_acquire(d, &e);
  cr_assert_eq(vehicle_store_get_by_id(c, pool, veh[8].id, &v, &e), 1);
  v.status = STATUS_SOLD;
  cr_assert_eq(vehicle_store_update(c, pool, &v, &e), 1);
  db_release(c);
  cr_assert_eq(act(A, ob3, MARKET_ACT_ACCEPT, 0, &e, NULL), -1);
  cr_assert_eq(e.code, CC24_E_CONFLICT);
  cr_assert_eq(count_owner("SELECT COUNT(*) FROM market_deals"), 1, "only the one deal");
  o = (struct op){.kind = OP_GET, .tenant = A, .id = l3};
  cr_assert_eq(run(&o, &e), 1);
  cr_assert_eq(o.l.status, MARKET_LISTING_ACTIVE, "the failed accept changed nothing");
}

/* ---- races ---- */

struct racer {
  pthread_barrier_t *bar;
  struct op op;
  struct err e;
  int rc;
};

static void *race(void *arg)
{
  struct racer *r = arg;
  pthread_barrier_wait(r->bar);
  r->rc = db_tx(dr, r->op.tenant, DB_WRITE, tx_op, &r->op, &r->e);
  return NULL;
}

static void duel(struct racer *r1, struct racer *r2)
{
  pthread_barrier_t bar;
  pthread_barrier_init(&bar, NULL, 2);
  r1->bar = r2->bar = &bar;
  pthread_t t1, t2;
  pthread_create(&t1, NULL, race, r1);
  pthread_create(&t2, NULL, race, r2);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  pthread_barrier_destroy(&bar);
}

Test(market_store, two_racing_accepts_make_exactly_one_deal)
{
  for (int round = 0; round < 6; round++) {
    int vi = 10 + round;
    if (veh[vi].status != STATUS_PUBLISHED && veh[vi].status != STATUS_DRAFT)
      continue;
    const char *l = list(A, vi, 1000000);
    const char *ob = offer(B, l, 900000), *oc = offer(C, l, 910000);
    struct racer r1 = {.op = {.kind = OP_ACT, .tenant = A, .id = ob, .action = MARKET_ACT_ACCEPT}};
    struct racer r2 = {.op = {.kind = OP_ACT, .tenant = A, .id = oc, .action = MARKET_ACT_ACCEPT}};
    if (round % 2) {
      /* the same offer twice (a double click) */
      r2.op.id = ob;
    }
    duel(&r1, &r2);
    int wins = (r1.rc == 0) + (r2.rc == 0);
    cr_assert_eq(wins, 1, "round %d: exactly one accept wins (%s / %s)", round, r1.e.msg, r2.e.msg);
    struct racer *loser = r1.rc == 0 ? &r2 : &r1;
    cr_assert_eq(loser->e.code, CC24_E_CONFLICT, "round %d: the loser gets a conflict: %s", round,
                 loser->e.msg);
    struct op o = {.kind = OP_GET, .tenant = A, .id = l};
    struct err e;
    cr_assert_eq(run(&o, &e), 1);
    cr_assert_eq(o.l.status, MARKET_LISTING_SOLD);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM market_deals WHERE listing_id = %lld",
             (long long)o.l.id);
    cr_assert_eq(count_owner(sql), 1, "round %d: one deal", round);
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*) FROM market_offers WHERE listing_id = %lld AND status = 'accepted'",
             (long long)o.l.id);
    cr_assert_eq(count_owner(sql), 1, "round %d: one accepted offer", round);
    cr_assert_eq(vehicle_status(vi), STATUS_RESERVED);
  }
}

Test(market_store, accept_against_withdrawal_has_one_winner)
{
  int won_accept = 0, won_withdraw = 0;
  for (int round = 0; round < 8; round++) {
    int vi = 17 + round;
    if (veh[vi].status != STATUS_PUBLISHED && veh[vi].status != STATUS_DRAFT)
      continue;
    int before = vehicle_status(vi);
    const char *l = list(A, vi, 1000000);
    const char *ob = offer(B, l, 900000);
    struct racer r1 = {.op = {.kind = OP_ACT, .tenant = A, .id = ob, .action = MARKET_ACT_ACCEPT}};
    struct racer r2 = {
        .op = {.kind = OP_ACT, .tenant = B, .id = ob, .action = MARKET_ACT_WITHDRAW}};
    duel(round % 2 ? &r2 : &r1, round % 2 ? &r1 : &r2);
    cr_assert_eq((r1.rc == 0) + (r2.rc == 0), 1, "round %d: one wins (%s / %s)", round, r1.e.msg,
                 r2.e.msg);
    struct op o = {.kind = OP_OFFER_GET, .tenant = B, .id = ob};
    struct err e;
    cr_assert_eq(run(&o, &e), 1);
    if (r1.rc == 0) {
      won_accept++;
      cr_assert_eq(o.o.status, MARKET_OFFER_ACCEPTED);
      cr_assert_eq(vehicle_status(vi), STATUS_RESERVED);
    } else {
      won_withdraw++;
      cr_assert_eq(r1.e.code, CC24_E_CONFLICT);
      cr_assert_eq(o.o.status, MARKET_OFFER_WITHDRAWN);
      cr_assert_eq(vehicle_status(vi), before, "a lost accept reserves nothing");
      struct op g = {.kind = OP_GET, .tenant = A, .id = l};
      cr_assert_eq(run(&g, &e), 1);
      cr_assert_eq(g.l.status, MARKET_LISTING_ACTIVE, "and leaves the listing active");
    }
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM market_deals WHERE listing_id = %lld",
             (long long)o.o.listing_id);
    cr_assert_eq(count_owner(sql), r1.rc == 0 ? 1 : 0);
  }
  cr_log_info("accept won %d, withdrawal won %d", won_accept, won_withdraw);
}

/* ---- row-level security (PostgreSQL) ---- */

static int64_t count_as(int64_t tenant, const char *sql)
{
  struct op o = {.kind = OP_COUNT, .tenant = tenant, .sql = sql};
  struct err e;
  cr_assert_eq(run(&o, &e), 1, "%s: %s", sql, e.msg);
  return o.count;
}

Test(market_store, row_level_security_hides_other_pairs)
{
  if (!pg())
    cr_skip_test("row-level security exists on PostgreSQL only");
  struct err e;
  struct market_outcome out;
  const char *l = list(A, 26, 1000000);
  const char *oc = offer(C, l, 950000);
  cr_assert_eq(act(A, oc, MARKET_ACT_ACCEPT, 0, &e, &out), 1, "%s", e.msg);
  const char *draft = list(A, 24, 500000); /* veh[24] is a draft */
  cr_assert_eq(veh[24].status, STATUS_DRAFT);
  (void)draft;
  /* raw SQL, no WHERE on tenant: the database itself hides the other pairs */
  cr_assert_eq(count_as(B, "SELECT COUNT(*) FROM market_deals"), 0);
  cr_assert_eq(count_as(B, "SELECT COUNT(*) FROM market_offers"), 0);
  cr_assert_eq(count_as(B, "SELECT COUNT(*) FROM market_offer_events"), 0);
  cr_assert_eq(count_as(C, "SELECT COUNT(*) FROM market_deals"), 1);
  cr_assert_eq(count_as(A, "SELECT COUNT(*) FROM market_deals"), 1);
  cr_assert_eq(count_as(0, "SELECT COUNT(*) FROM market_listings"), 0, "the public sees none");
  cr_assert_eq(count_as(B, "SELECT COUNT(*) FROM market_listings WHERE status <> 'active'"), 0,
               "others see only active listings");
  cr_assert_gt(count_as(B, "SELECT COUNT(*) FROM market_listings"), 0);
  char sql[512];
  snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM vehicles WHERE id = %lld", (long long)veh[24].id);
  cr_assert_eq(count_as(B, sql), 1, "a listed draft is visible to dealers");
  cr_assert_eq(count_as(0, sql), 0, "but not to the public");
  snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM vehicles WHERE id = %lld", (long long)veh[10].id);
  cr_assert_eq(veh[10].status, STATUS_DRAFT);
  cr_assert_eq(count_as(B, sql), 0, "an unlisted draft stays private");
  snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM vehicles WHERE id = %lld", (long long)veh[26].id);
  cr_assert_eq(count_as(C, sql), 1, "the buyer sees the vehicle it bought");
  /* writes across the line change nothing or fail */
  struct op o = {.kind = OP_EXEC, .tenant = B, .sql = "UPDATE market_listings SET price_cents = 1"};
  cr_assert_eq(run(&o, &e), 0, "no rows of others are writable");
  snprintf(sql, sizeof sql,
           "INSERT INTO market_offers (public_id, tenant_id, buyer_tenant_id, listing_id,"
           " amount_cents, status, turn, created_at, updated_at)"
           " SELECT 'forged0000000000', %lld, %lld, id, 1, 'open', 'seller', 0, 0"
           " FROM market_listings LIMIT 1",
           (long long)A, (long long)C);
  o = (struct op){.kind = OP_EXEC, .tenant = B, .sql = sql};
  cr_assert_eq(run(&o, &e), -1, "an offer between two other dealers cannot be forged");
}
