/* The Börse search (SQL) against the public search index on the same data:
 * the live listings are loaded into an index of their own — price = net trade
 * price, publication = time of listing — and hundreds of random queries must
 * give the same total, the same ordered page, the same facets and price
 * buckets. Expired, withdrawn and sold listings and listings whose vehicle was
 * reserved or sold meanwhile must not appear. Runs on SQLite and PostgreSQL. */
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "inventory/seed_data.h"
#include "inventory/vehicle_store.h"
#include "market/market_store.h"
#include "search/search.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define NVEH     900
#define NQUERIES 300

static db *d;
static struct arena *pool;
static struct search_index *ix;
static struct vehicle *veh;
static int64_t now, tid[3];
static const char *slugs[] = {"boerse-nord", "boerse-sued", "boerse-west"};
static int nlive;

static int tx_fill(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  for (int i = 0; i < 3; i++) {
    struct tenant t = {.slug = slugs[i], .name = slugs[i]};
    if (tenant_store_create(c, &t, e) < 0)
      return -1;
    tid[i] = t.id;
  }
  struct seed_rng r;
  seed_rng_init(&r, 5150);
  for (int i = 0; i < NVEH; i++) {
    struct vehicle *v = &veh[i];
    vehicle_init(v);
    seed_vehicle(&r, pool, now, v);
    int k = (int)(seed_rng_next(&r) % 3);
    v->tenant_id = tid[k];
    v->dealer = slugs[k];
    v->status = i % 5 == 1 ? STATUS_DRAFT : STATUS_PUBLISHED;
    if (vehicle_store_insert(c, pool, v, e) < 0)
      return -1;
    if (i % 10 == 9)
      continue; /* never listed */
    /* ties on purpose: equal trade prices and equal listing times */
    int64_t price = i % 7 == 0 ? 1999000 : (int64_t)seed_rng_range(&r, 30, 900) * 10000 + i;
    int64_t at = i % 6 == 0 ? now - 3600 : now - 86400 + i * 13;
    int64_t until = i % 11 == 4 ? now - 60 : now + 86400 * (1 + i % 20);
    struct market_listing l;
    if (market_listing_create(c, pool, v->tenant_id, v->public_id, price, until, "", at, &l, e) < 0)
      return -1;
    bool live = until >= now;
    if (i % 13 == 5) {
      if (market_listing_withdraw(c, pool, v->tenant_id, 0, l.public_id, now, e) < 0)
        return -1;
      live = false;
    } else if (i % 17 == 8) {
      /* reserved or sold in the dashboard after listing */
      v->status = i % 2 ? STATUS_RESERVED : STATUS_SOLD;
      if (vehicle_store_update(c, pool, v, e) != 1)
        return -1;
      live = false;
    }
    if (live) {
      struct vehicle x = *v;
      x.price_cents = price;
      x.published_at = at;
      x.status = STATUS_PUBLISHED; /* the index keeps published vehicles only */
      search_upsert(ix, &x);
      nlive++;
    }
  }
  return 0;
}

static void setup(void)
{
  now = time_now();
  d = testdb_open();
  cr_assert_not_null(d);
  pool = arena_new(1 << 20);
  veh = arena_calloc(pool, NVEH, sizeof *veh);
  ix = search_new();
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_fill, NULL, &e), 0, "%s", e.msg);
  cr_assert_eq((int)search_count(ix), nlive);
}

static void teardown(void)
{
  search_free(ix);
  arena_free(pool);
  testdb_close(d);
}

TestSuite(market_search, .init = setup, .fini = teardown, .timeout = 600);

/* ---- random queries (the parameters of the public search) ---- */

struct qgen {
  struct arena *a;
  const char *names[48], *values[48];
  int n;
};

static void put(struct qgen *g, const char *k, const char *v)
{
  g->names[g->n] = k;
  g->values[g->n] = arena_strdup(g->a, v);
  g->n++;
}

static const char *enum_list(struct seed_rng *r, struct arena *a, const struct enum_def *e, int max)
{
  int k = seed_rng_range(r, 1, max);
  struct buf b;
  buf_init(&b, a);
  for (int i = 0; i < k; i++)
    buf_printf(&b, "%s%s", i ? "," : "", e->values[seed_rng_range(r, 0, e->count - 1)]);
  return buf_cstr(&b);
}

static void gen(struct seed_rng *r, struct qgen *g)
{
  g->n = 0;
  const struct vehicle *v = &veh[seed_rng_range(r, 0, NVEH - 1)];
  if (seed_rng_range(r, 0, 2) == 0) {
    const char *mk = v->make;
    if (seed_rng_range(r, 0, 3) == 0)
      mk = arena_printf(g->a, "%s,%s", mk, veh[seed_rng_range(r, 0, NVEH - 1)].make);
    else if (seed_rng_range(r, 0, 3) == 0)
      mk = str_lower(g->a, mk); /* case-insensitive */
    put(g, "make", mk);
    if (seed_rng_range(r, 0, 2) == 0)
      put(g, "model", v->model);
  }
  if (seed_rng_range(r, 0, 3) == 0)
    put(g, "body", enum_list(r, g->a, &vehicle_enum_body, 3));
  if (seed_rng_range(r, 0, 3) == 0)
    put(g, "fuel", enum_list(r, g->a, &vehicle_enum_fuel, 2));
  if (seed_rng_range(r, 0, 4) == 0)
    put(g, "gearbox", enum_list(r, g->a, &vehicle_enum_gearbox, 1));
  if (seed_rng_range(r, 0, 4) == 0)
    put(g, "condition", enum_list(r, g->a, &vehicle_enum_condition, 2));
  if (seed_rng_range(r, 0, 5) == 0)
    put(g, "colour", enum_list(r, g->a, &vehicle_enum_colour, 3));
  if (seed_rng_range(r, 0, 5) == 0)
    put(g, "features", enum_list(r, g->a, &vehicle_enum_feature, 2));
  if (seed_rng_range(r, 0, 2) == 0)
    put(g, "price_min", arena_printf(g->a, "%d", seed_rng_range(r, 0, 40) * 1000));
  if (seed_rng_range(r, 0, 2) == 0)
    put(g, "price_max", arena_printf(g->a, "%d", seed_rng_range(r, 5, 80) * 1000));
  if (seed_rng_range(r, 0, 3) == 0)
    put(g, "mileage_max", arena_printf(g->a, "%d", seed_rng_range(r, 0, 200) * 1000));
  if (seed_rng_range(r, 0, 4) == 0)
    put(g, "power_min", arena_printf(g->a, "%d", seed_rng_range(r, 50, 200)));
  if (seed_rng_range(r, 0, 5) == 0)
    put(g, "power_max", arena_printf(g->a, "%d", seed_rng_range(r, 80, 400)));
  if (seed_rng_range(r, 0, 3) == 0)
    put(g, "year_min", arena_printf(g->a, "%d", seed_rng_range(r, 2010, 2027)));
  if (seed_rng_range(r, 0, 5) == 0)
    put(g, "year_max", arena_printf(g->a, "%d", seed_rng_range(r, 2012, 2027)));
  if (seed_rng_range(r, 0, 4) == 0)
    put(g, "dealer", seed_rng_range(r, 0, 1) ? "boerse-nord" : "Boerse-Sued,boerse-west");
  if (seed_rng_range(r, 0, 2) == 0) {
    char *text = str_search_text(g->a, arena_printf(g->a, "%s %s", v->model, v->variant));
    char *first = strtok(text, " ");
    if (first) {
      size_t len = strlen(first);
      if (len > 2 && seed_rng_range(r, 0, 1))
        first[len - 1] = 0; /* a prefix */
      put(g, "q", first);
    }
  }
  put(g, "sort", search_sort_names[seed_rng_range(r, 0, SORT__COUNT - 1)]);
  put(g, "page", arena_printf(g->a, "%d", seed_rng_range(r, 1, 3)));
  put(g, "size", arena_printf(g->a, "%d", seed_rng_range(r, 1, 40)));
}

struct ctx {
  struct arena *a;
  const struct search_query *q;
  struct search_result res;
  struct market_listing *items;
};

static int tx_search(db_conn *c, void *arg, struct err *e)
{
  struct ctx *x = arg;
  return market_search(c, x->a, x->q, now, &x->res, &x->items, e);
}

static const char *describe(struct qgen *g)
{
  struct buf b;
  buf_init(&b, g->a);
  for (int k = 0; k < g->n; k++)
    buf_printf(&b, "%s%s=%s", k ? "&" : "", g->names[k], g->values[k]);
  return buf_cstr(&b);
}

static void compare(struct qgen *g, const struct search_result *want,
                    const struct search_result *got, const struct market_listing *items)
{
  const char *q = describe(g);
  cr_assert_eq(got->total, want->total, "%s: total sql %lld, index %lld", q, (long long)got->total,
               (long long)want->total);
  cr_assert_eq(got->nhits, want->nhits, "%s: page size", q);
  for (int i = 0; i < got->nhits; i++) {
    cr_assert_str_eq(got->hits[i].public_id, want->hits[i].public_id, "%s: position %d", q, i);
    cr_assert_eq(got->hits[i].price_cents, want->hits[i].price_cents);
    cr_assert_str_eq(items[i].vehicle_public_id, got->hits[i].public_id);
    cr_assert_eq(items[i].status, MARKET_LISTING_ACTIVE);
    cr_assert_geq(items[i].valid_until, now);
  }
  cr_assert_eq(got->nfacets, want->nfacets);
  for (int f = 0; f < want->nfacets; f++) {
    const struct search_facet *w = &want->facets[f], *h = search_facet(got, w->name);
    cr_assert_not_null(h, "%s: facet %s missing", q, w->name);
    cr_assert_eq(h->n, w->n, "%s: facet %s has %d values, index %d", q, w->name, h->n, w->n);
    for (int k = 0; k < w->n; k++) {
      cr_assert_str_eq(h->v[k].value, w->v[k].value, "%s: facet %s #%d", q, w->name, k);
      cr_assert_eq(h->v[k].count, w->v[k].count, "%s: facet %s %s", q, w->name, w->v[k].value);
    }
  }
  for (int b = 0; b < SEARCH_PRICE_BUCKETS; b++)
    cr_assert_eq(got->price_counts[b], want->price_counts[b], "%s: price bucket %d", q, b);
}

Test(market_search, random_queries_match_the_index)
{
  struct seed_rng r;
  seed_rng_init(&r, 2024);
  int nonempty = 0;
  for (int i = 0; i < NQUERIES; i++) {
    struct arena *a = arena_new(0);
    struct qgen g = {.a = a};
    gen(&r, &g);
    struct search_query q;
    struct field_errors errs;
    field_errors_init(&errs, a);
    cr_assert_eq(search_query_parse(a, g.n, g.names, g.values, SEARCH_STRICT, &q, &errs), 0,
                 "query %d does not parse: %s", i, errs.n ? errs.e[0].detail : "");
    struct search_result want;
    cr_assert_eq(search_run(ix, &q, a, &want), 0);
    struct ctx x = {.a = a, .q = &q};
    struct err e = {0};
    cr_assert_eq(db_tx(d, tid[i % 3], DB_READ, tx_search, &x, &e), 0, "%s", e.msg);
    compare(&g, &want, &x.res, x.items);
    nonempty += want.total > 0;
    arena_free(a);
  }
  cr_log_info("%d queries on %s, %d with results, %d live listings", NQUERIES,
              testdb_backend_name(), nonempty, nlive);
  cr_assert_gt(nonempty, NQUERIES / 4);
}

Test(market_search, only_live_listings_are_found)
{
  struct arena *a = arena_new(0);
  struct search_query q;
  search_query_init(&q);
  q.size = 100;
  int64_t seen = 0;
  for (q.page = 1;; q.page++) {
    struct ctx x = {.a = a, .q = &q};
    struct err e = {0};
    cr_assert_eq(db_tx(d, tid[0], DB_READ, tx_search, &x, &e), 0, "%s", e.msg);
    if (q.page == 1)
      cr_assert_eq(x.res.total, nlive);
    for (int i = 0; i < x.res.nhits; i++) {
      const struct market_listing *l = &x.items[i];
      cr_assert(l->vehicle_status == STATUS_PUBLISHED || l->vehicle_status == STATUS_DRAFT);
      cr_assert_eq(l->status, MARKET_LISTING_ACTIVE);
      cr_assert_geq(l->valid_until, now);
    }
    seen += x.res.nhits;
    if (x.res.nhits < q.size)
      break;
  }
  cr_assert_eq(seen, nlive, "paging reaches every live listing once");
  /* a page beyond the end is empty, not an error */
  q.page = 10000;
  struct ctx x = {.a = a, .q = &q};
  struct err e = {0};
  cr_assert_eq(db_tx(d, tid[1], DB_READ, tx_search, &x, &e), 0);
  cr_assert_eq(x.res.nhits, 0);
  cr_assert_eq(x.res.total, nlive);
  arena_free(a);
}
