/* The search index against an independent SQL reference on the same data:
 * hundreds of random queries (filters, free text, sorts, pages) must give the
 * same total, the same ordered page and the same facet counts. Runs on SQLite
 * and on PostgreSQL (CC24_TEST_DATABASE_URL). The index is loaded through the
 * same store function `serve` uses at start-up. */
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "inventory/seed_data.h"
#include "inventory/vehicle_store.h"
#include "search/search.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define NVEH     2000
#define NQUERIES 400

static db *d;
static struct search_index *ix;
static struct arena *pool; /* vehicles and their strings */
static struct vehicle *veh;
static int nveh;

struct load {
  struct arena *a;
};

static int tx_fill(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  const char *slugs[] = {"haendler-nord", "haendler-sued", "haendler-west"};
  int64_t tid[3];
  for (int i = 0; i < 3; i++) {
    struct tenant t = {.slug = slugs[i], .name = slugs[i]};
    if (tenant_store_create(c, &t, e) < 0)
      return -1;
    tid[i] = t.id;
  }
  struct seed_rng r;
  seed_rng_init(&r, 4242);
  int64_t now = time_now();
  for (int i = 0; i < NVEH; i++) {
    struct vehicle *v = &veh[i];
    vehicle_init(v);
    seed_vehicle(&r, pool, now, v);
    int k = (int)(seed_rng_next(&r) % 3);
    v->tenant_id = tid[k];
    v->dealer = slugs[k];
    /* ties on purpose: many equal prices and publication times */
    if (i % 7 == 0)
      v->price_cents = 1999000;
    if (i % 11 == 0)
      v->published_at = now - 3600;
    if (vehicle_store_insert(c, pool, v, e) < 0)
      return -1;
  }
  nveh = NVEH;
  return 0;
}

static void add(const struct vehicle *v, void *arg)
{
  search_upsert(arg, v);
}

static int tx_index(db_conn *c, void *arg, struct err *e)
{
  return vehicle_store_foreach_indexable(c, pool, add, arg, e);
}

static void setup(void)
{
  d = testdb_open();
  cr_assert_not_null(d);
  pool = arena_new(1 << 20);
  veh = arena_calloc(pool, NVEH, sizeof *veh);
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_fill, NULL, &e), 0, "%s", e.msg);
  ix = search_new();
  cr_assert_eq(db_tx(d, 0, DB_READ, tx_index, ix, &e), 0, "%s", e.msg);
}

static void teardown(void)
{
  search_free(ix);
  arena_free(pool);
  testdb_close(d);
}

/* ---- query generation ---- */

struct qgen {
  struct arena *a;
  const char *names[64], *values[64];
  int n;
};

static void put(struct qgen *g, const char *k, const char *v)
{
  g->names[g->n] = k;
  g->values[g->n] = arena_strdup(g->a, v);
  g->n++;
}

static const struct vehicle *any_vehicle(struct seed_rng *r)
{
  return &veh[seed_rng_range(r, 0, nveh - 1)];
}

static const char *enum_list(struct seed_rng *r, struct arena *a, const struct enum_def *e, int max)
{
  int k = seed_rng_range(r, 1, max);
  struct buf b;
  buf_init(&b, a);
  for (int i = 0; i < k; i++) {
    if (i)
      buf_putc(&b, ',');
    buf_puts(&b, e->values[seed_rng_range(r, 0, e->count - 1)]);
  }
  return buf_cstr(&b);
}

static void gen(struct seed_rng *r, struct qgen *g)
{
  g->n = 0;
  const struct vehicle *v = any_vehicle(r);
  if (seed_rng_range(r, 0, 2) == 0) {
    const char *mk = v->make;
    if (seed_rng_range(r, 0, 3) == 0)
      mk = arena_printf(g->a, "%s,%s", mk, any_vehicle(r)->make);
    else if (seed_rng_range(r, 0, 4) == 0 && !strcmp(mk, "BMW"))
      mk = "bmw"; /* case-insensitive */
    put(g, "make", mk);
    if (seed_rng_range(r, 0, 2) == 0)
      put(g, "model", v->model);
  }
  if (seed_rng_range(r, 0, 5) == 0)
    put(g, "model", any_vehicle(r)->model);
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
  if (seed_rng_range(r, 0, 4) == 0)
    put(g, "features", enum_list(r, g->a, &vehicle_enum_feature, 2));
  if (seed_rng_range(r, 0, 2) == 0)
    put(g, "price_min", arena_printf(g->a, "%d", seed_rng_range(r, 0, 40) * 1000));
  if (seed_rng_range(r, 0, 2) == 0)
    put(g, "price_max", arena_printf(g->a, "%d", seed_rng_range(r, 5, 80) * 1000));
  if (seed_rng_range(r, 0, 3) == 0)
    put(g, "mileage_max", arena_printf(g->a, "%d", seed_rng_range(r, 0, 200) * 1000));
  if (seed_rng_range(r, 0, 5) == 0)
    put(g, "mileage_min", arena_printf(g->a, "%d", seed_rng_range(r, 0, 100) * 1000));
  if (seed_rng_range(r, 0, 4) == 0)
    put(g, "power_min", arena_printf(g->a, "%d", seed_rng_range(r, 50, 200)));
  if (seed_rng_range(r, 0, 5) == 0)
    put(g, "power_max", arena_printf(g->a, "%d", seed_rng_range(r, 80, 400)));
  if (seed_rng_range(r, 0, 3) == 0)
    put(g, "year_min", arena_printf(g->a, "%d", seed_rng_range(r, 2010, 2027)));
  if (seed_rng_range(r, 0, 5) == 0)
    put(g, "year_max", arena_printf(g->a, "%d", seed_rng_range(r, 2012, 2027)));
  if (seed_rng_range(r, 0, 6) == 0) {
    int ym = (2015 + seed_rng_range(r, 0, 11)) * 12 + seed_rng_range(r, 0, 11);
    char s[8];
    vehicle_ym_format(ym, s);
    put(g, "first_reg_min", s);
  }
  if (seed_rng_range(r, 0, 4) == 0)
    put(g, "dealer", seed_rng_range(r, 0, 1) ? "haendler-nord" : "haendler-sued,haendler-west");
  if (seed_rng_range(r, 0, 2) == 0) {
    /* words (or prefixes of words) of some vehicle's text */
    const struct vehicle *w = any_vehicle(r);
    char *text =
        str_search_text(g->a, arena_printf(g->a, "%s %s %s", w->make, w->model, w->variant));
    char *words[16];
    int nw = 0;
    for (char *save = NULL, *t = strtok_r(text, " ", &save); t && nw < 16;
         t = strtok_r(NULL, " ", &save))
      words[nw++] = t;
    int k = seed_rng_range(r, 1, nw < 3 ? nw : 3);
    struct buf q;
    buf_init(&q, g->a);
    for (int i = 0; i < k; i++) {
      char *wd = words[seed_rng_range(r, 0, nw - 1)];
      size_t len = strlen(wd);
      if (len > 2 && seed_rng_range(r, 0, 2) == 0)
        len = (size_t)seed_rng_range(r, 1, (int)len - 1); /* a prefix */
      while (len > 1 && ((unsigned char)wd[len] & 0xC0) == 0x80)
        len--; /* never cut a UTF-8 sequence */
      if (i)
        buf_putc(&q, ' ');
      buf_append(&q, wd, len);
    }
    put(g, "q", buf_cstr(&q));
  }
  /* a repeated list parameter means any-of, like a comma list: merge for the reference */
  for (int i = 0; i < g->n; i++)
    for (int j = i + 1; j < g->n; j++)
      if (!strcmp(g->names[i], g->names[j])) {
        g->values[i] = arena_printf(g->a, "%s,%s", g->values[i], g->values[j]);
        g->names[j] = g->names[g->n - 1];
        g->values[j] = g->values[g->n - 1];
        g->n--;
        j--;
      }
  put(g, "sort", search_sort_names[seed_rng_range(r, 0, SORT__COUNT - 1)]);
  put(g, "page", arena_printf(g->a, "%d", seed_rng_range(r, 1, 3)));
  put(g, "size", arena_printf(g->a, "%d", seed_rng_range(r, 1, 50)));
}

/* ---- the SQL reference ---- */

struct sqlq {
  struct buf where;
  struct db_param p[64];
  int np;
};

static const char *ph(struct sqlq *s, struct arena *a, struct db_param p)
{
  s->p[s->np++] = p;
  return arena_printf(a, "$%d", s->np);
}

enum { X_NONE, X_MAKE, X_MODEL, X_BODY, X_FUEL, X_GEARBOX, X_COND, X_COLOUR, X_PRICE };

static void in_list(struct sqlq *s, struct arena *a, const char *col, const char *csv, bool ci)
{
  buf_printf(&s->where, " AND %s%s%s IN (", ci ? "lower(" : "", col, ci ? ")" : "");
  char *copy = arena_strdup(a, csv), *save = NULL;
  bool first = true;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    buf_printf(&s->where, "%s%s%s%s", first ? "" : ", ", ci ? "lower(" : "", ph(s, a, db_text(t)),
               ci ? ")" : "");
    first = false;
  }
  buf_puts(&s->where, ")");
}

/* WHERE for the query, leaving out filter `skip`. */
static void build_where(struct sqlq *s, struct arena *a, struct qgen *g, int skip, int now_ym)
{
  buf_init(&s->where, a);
  s->np = 0;
  buf_puts(&s->where, "v.status IN ('published', 'reserved')");
  int64_t reg_lo = -1, reg_hi = -1;
  for (int i = 0; i < g->n; i++) {
    const char *k = g->names[i], *v = g->values[i];
    if (!strcmp(k, "make") && skip != X_MAKE)
      in_list(s, a, "v.make", v, true);
    else if (!strcmp(k, "model") && skip != X_MODEL)
      in_list(s, a, "v.model", v, true);
    else if (!strcmp(k, "dealer"))
      in_list(s, a, "t.slug", v, true);
    else if (!strcmp(k, "body") && skip != X_BODY)
      in_list(s, a, "v.body", v, false);
    else if (!strcmp(k, "fuel") && skip != X_FUEL)
      in_list(s, a, "v.fuel", v, false);
    else if (!strcmp(k, "gearbox") && skip != X_GEARBOX)
      in_list(s, a, "v.gearbox", v, false);
    else if (!strcmp(k, "condition") && skip != X_COND)
      in_list(s, a, "v.condition", v, false);
    else if (!strcmp(k, "colour") && skip != X_COLOUR)
      in_list(s, a, "v.colour", v, false);
    else if (!strcmp(k, "features")) {
      uint64_t m = 0;
      char *copy = arena_strdup(a, v), *save = NULL;
      for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        m |= (uint64_t)1 << enum_parse(&vehicle_enum_feature, t);
      const char *x = ph(s, a, db_i64((int64_t)m));
      buf_printf(&s->where, " AND (v.features & %s) = %s", x, x);
    } else if (!strcmp(k, "price_min") && skip != X_PRICE)
      buf_printf(&s->where, " AND v.price_cents >= %s", ph(s, a, db_i64(atoll(v) * 100)));
    else if (!strcmp(k, "price_max") && skip != X_PRICE)
      buf_printf(&s->where, " AND v.price_cents <= %s", ph(s, a, db_i64(atoll(v) * 100)));
    else if (!strcmp(k, "mileage_min"))
      buf_printf(&s->where, " AND v.mileage_km >= %s", ph(s, a, db_i64(atoll(v))));
    else if (!strcmp(k, "mileage_max"))
      buf_printf(&s->where, " AND v.mileage_km <= %s", ph(s, a, db_i64(atoll(v))));
    else if (!strcmp(k, "power_min"))
      buf_printf(&s->where, " AND v.power_kw >= %s", ph(s, a, db_i64(atoll(v))));
    else if (!strcmp(k, "power_max"))
      buf_printf(&s->where, " AND v.power_kw <= %s", ph(s, a, db_i64(atoll(v))));
    else if (!strcmp(k, "year_min"))
      reg_lo = reg_lo > atoll(v) * 12 ? reg_lo : atoll(v) * 12;
    else if (!strcmp(k, "year_max"))
      reg_hi = atoll(v) * 12 + 11;
    else if (!strcmp(k, "first_reg_min")) {
      int ym = time_parse_ym(v);
      reg_lo = reg_lo > ym ? reg_lo : ym;
    } else if (!strcmp(k, "q")) {
      char *t = str_search_text(a, v), *save = NULL;
      for (char *w = strtok_r(t, " ", &save); w; w = strtok_r(NULL, " ", &save))
        buf_printf(&s->where, " AND (' ' || v.search_text) LIKE %s",
                   ph(s, a, db_text(arena_printf(a, "%% %s%%", w))));
    }
  }
  if (reg_lo >= 0 || reg_hi >= 0) {
    const char *eff = arena_printf(a, "(CASE WHEN v.first_reg < 0 THEN %s ELSE v.first_reg END)",
                                   ph(s, a, db_i64(now_ym)));
    if (reg_lo >= 0)
      buf_printf(&s->where, " AND %s >= %s", eff, ph(s, a, db_i64(reg_lo)));
    if (reg_hi >= 0)
      buf_printf(&s->where, " AND %s <= %s", eff, ph(s, a, db_i64(reg_hi)));
  }
}

static const char *param(struct qgen *g, const char *k)
{
  const char *r = NULL;
  for (int i = 0; i < g->n; i++)
    if (!strcmp(g->names[i], k))
      r = g->values[i];
  return r;
}

struct ref {
  int64_t total;
  char **ids;
  int nids;
};

struct ctx {
  struct arena *a;
  struct qgen *g;
  const struct search_query *q;
  const struct search_result *res;
  char failure[2048];
};

static int fail(struct ctx *x, const char *fmt, const char *what, long long a, long long b)
{
  snprintf(x->failure, sizeof x->failure, fmt, what, a, b);
  return -1;
}

static int compare_facet(db_conn *c, struct ctx *x, int skip, const char *col,
                         const char *facet_name, struct err *e)
{
  struct sqlq s;
  build_where(&s, x->a, x->g, skip, x->q->now_ym);
  s.p[s.np].t = DB_T_END;
  char *sql =
      arena_printf(x->a,
                   "SELECT %s, COUNT(*) FROM vehicles v JOIN tenants t ON t.id = v.tenant_id"
                   " WHERE %s GROUP BY %s",
                   col, buf_cstr(&s.where), col);
  db_stmt *st = db_query(c, sql, s.p, e);
  if (!st)
    return -1;
  const struct search_facet *f = search_facet(x->res, facet_name);
  int rows = 0, rc;
  char *val;
  int64_t cnt;
  while ((rc = db_next(st, x->a, DB_ROW(db_out_text(&val), db_out_i64(&cnt)), e)) == 1) {
    rows++;
    int64_t got = -1;
    for (int i = 0; f && i < f->n; i++)
      if (!strcmp(f->v[i].value, val))
        got = f->v[i].count;
    if (got != cnt) {
      db_finish(st);
      snprintf(x->failure, sizeof x->failure, "facet %s value %s: sql %lld, index %lld", facet_name,
               val, (long long)cnt, (long long)got);
      return -1;
    }
  }
  db_finish(st);
  if (rc < 0)
    return -1;
  if (!f || f->n != rows)
    return fail(x, "facet %s: sql has %lld values, index %lld", facet_name, rows, f ? f->n : -1);
  return 0;
}

static int tx_compare(db_conn *c, void *arg, struct err *e)
{
  struct ctx *x = arg;
  const struct search_query *q = x->q;
  struct sqlq s;
  build_where(&s, x->a, x->g, X_NONE, q->now_ym);
  const char *from = " FROM vehicles v JOIN tenants t ON t.id = v.tenant_id WHERE ";
  s.p[s.np].t = DB_T_END;
  int64_t total = 0;
  if (db_query_one(c, x->a, arena_printf(x->a, "SELECT COUNT(*)%s%s", from, buf_cstr(&s.where)),
                   s.p, DB_ROW(db_out_i64(&total)), e) < 0)
    return -1;
  if (total != x->res->total)
    return fail(x, "%s: sql %lld, index %lld", "total", total, x->res->total);

  /* ordered page */
  const char *order;
  switch (q->sort) {
  case SORT_PRICE_ASC:
    order = "v.price_cents ASC, v.id ASC";
    break;
  case SORT_PRICE_DESC:
    order = "v.price_cents DESC, v.id ASC";
    break;
  case SORT_MILEAGE_ASC:
    order = "v.mileage_km ASC, v.id ASC";
    break;
  case SORT_YEAR_DESC:
    order = "CASE WHEN v.first_reg < 0 THEN 1 ELSE 0 END DESC, v.first_reg DESC, v.id ASC";
    break;
  case SORT_RELEVANCE:
    if (q->ntokens) {
      struct buf score;
      buf_init(&score, x->a);
      buf_puts(&score, "(0");
      for (int i = 0; i < q->ntokens; i++)
        buf_printf(&score, " + CASE WHEN (' ' || v.search_text || ' ') LIKE %s THEN 1 ELSE 0 END",
                   ph(&s, x->a, db_text(arena_printf(x->a, "%% %s %%", q->tokens[i]))));
      buf_puts(&score, ") DESC, v.published_at DESC, v.id ASC");
      order = buf_cstr(&score);
      break;
    }
    /* fall through */
  default:
    order = "v.published_at DESC, v.id ASC";
  }
  const char *lim = ph(&s, x->a, db_i64(q->size));
  const char *off = ph(&s, x->a, db_i64((int64_t)(q->page - 1) * q->size));
  s.p[s.np].t = DB_T_END;
  db_stmt *st = db_query(c,
                         arena_printf(x->a, "SELECT v.public_id%s%s ORDER BY %s LIMIT %s OFFSET %s",
                                      from, buf_cstr(&s.where), order, lim, off),
                         s.p, e);
  if (!st)
    return -1;
  int k = 0, rc;
  char *pid;
  while ((rc = db_next(st, x->a, DB_ROW(db_out_text(&pid)), e)) == 1) {
    if (k >= x->res->nhits || strcmp(pid, x->res->hits[k].public_id) != 0) {
      db_finish(st);
      return fail(x, "%s: page differs at position %lld (index has %lld hits)", "order", k,
                  x->res->nhits);
    }
    k++;
  }
  db_finish(st);
  if (rc < 0)
    return -1;
  if (k != x->res->nhits)
    return fail(x, "%s: sql page has %lld rows, index %lld", "page", k, x->res->nhits);

  /* facets */
  if (compare_facet(c, x, X_MAKE, "v.make", "make", e) < 0 ||
      compare_facet(c, x, X_BODY, "v.body", "body", e) < 0 ||
      compare_facet(c, x, X_FUEL, "v.fuel", "fuel", e) < 0 ||
      compare_facet(c, x, X_GEARBOX, "v.gearbox", "gearbox", e) < 0 ||
      compare_facet(c, x, X_COND, "v.condition", "condition", e) < 0 ||
      compare_facet(c, x, X_COLOUR, "v.colour", "colour", e) < 0)
    return x->failure[0] ? -1 : -1;
  if (param(x->g, "make") && !strchr(param(x->g, "make"), ',') &&
      compare_facet(c, x, X_MODEL, "v.model", "model", e) < 0)
    return -1;
  /* price buckets */
  build_where(&s, x->a, x->g, X_PRICE, q->now_ym);
  for (int b = 0; b < SEARCH_PRICE_BUCKETS; b++) {
    int64_t lo = search_price_edges[b] * 100, hi = search_price_edges[b + 1];
    struct sqlq t = s;
    const char *cond = hi < 0
                           ? arena_printf(x->a, "v.price_cents >= %s", ph(&t, x->a, db_i64(lo)))
                           : arena_printf(x->a, "v.price_cents >= %s AND v.price_cents < %s",
                                          ph(&t, x->a, db_i64(lo)), ph(&t, x->a, db_i64(hi * 100)));
    t.p[t.np].t = DB_T_END;
    int64_t n = 0;
    if (db_query_one(
            c, x->a,
            arena_printf(x->a, "SELECT COUNT(*)%s%s AND %s", from, buf_cstr(&s.where), cond), t.p,
            DB_ROW(db_out_i64(&n)), e) < 0)
      return -1;
    if (n != x->res->price_counts[b])
      return fail(x, "%s bucket: sql %lld, index %lld", "price", n, x->res->price_counts[b]);
  }
  return 0;
}

TestSuite(search_equiv, .init = setup, .fini = teardown, .timeout = 600);

Test(search_equiv, random_queries_match_sql)
{
  struct seed_rng r;
  int nonempty = 0, checked = 0;
  /* every plan: the cost model's choice, and each strategy forced everywhere */
  static const enum search_plan plans[] = {SEARCH_PLAN_AUTO, SEARCH_PLAN_SCAN, SEARCH_PLAN_BITMAPS};
  for (int p = 0; p < 3; p++) {
    search_set_plan(ix, plans[p]);
    seed_rng_init(&r, 777);
    for (int i = 0; i < NQUERIES; i++) {
      struct arena *a = arena_new(0);
      struct qgen g = {.a = a};
      gen(&r, &g);
      struct search_query q;
      struct field_errors errs;
      field_errors_init(&errs, a);
      int prc = search_query_parse(a, g.n, g.names, g.values, SEARCH_STRICT, &q, &errs);
      cr_assert_eq(prc, 0, "query %d does not parse: %s", i, errs.n ? errs.e[0].detail : "");
      struct search_result res;
      cr_assert_eq(search_run(ix, &q, a, &res), 0);
      struct ctx x = {.a = a, .g = &g, .q = &q, .res = &res};
      struct err e = {0};
      int rc = db_tx(d, 0, DB_READ, tx_compare, &x, &e);
      if (rc != 0) {
        struct buf qs;
        buf_init(&qs, a);
        for (int k = 0; k < g.n; k++)
          buf_printf(&qs, "%s%s=%s", k ? "&" : "", g.names[k], g.values[k]);
        cr_assert_fail("query %d (%s) on %s, plan %d: %s %s", i, buf_cstr(&qs),
                       testdb_backend_name(), p, x.failure, e.msg);
      }
      nonempty += res.total > 0;
      checked++;
      arena_free(a);
    }
  }
  search_set_plan(ix, SEARCH_PLAN_AUTO);
  cr_log_info("%d queries checked on %s, %d with results", checked, testdb_backend_name(),
              nonempty);
  cr_assert_gt(nonempty, 3 * NQUERIES / 4,
               "the generator must produce queries that find something");
}

Test(search_equiv, writes_keep_the_index_exact)
{
  /* change a few vehicles (price, status, make) and compare again */
  struct seed_rng r;
  seed_rng_init(&r, 99);
  for (int i = 0; i < 50; i++) {
    struct vehicle *v = &veh[seed_rng_range(&r, 0, nveh - 1)];
    v->price_cents = (int64_t)seed_rng_range(&r, 100, 9000) * 1000;
    v->status = seed_rng_range(&r, 0, 3);
    if (i % 5 == 0)
      v->make = "Volkswagen";
    search_upsert(ix, v);
  }
  cr_assert_eq(search_count(ix) > 0, true);
  /* the index alone must agree with a fresh index built from the same structs */
  struct search_index *fresh = search_new();
  for (int i = 0; i < nveh; i++)
    search_upsert(fresh, &veh[i]);
  struct arena *a = arena_new(0);
  const char *names[] = {"sort", "size"}, *values[] = {"price_asc", "100"};
  struct search_query q;
  struct field_errors errs;
  field_errors_init(&errs, a);
  cr_assert_eq(search_query_parse(a, 2, names, values, SEARCH_STRICT, &q, &errs), 0);
  struct search_result r1, r2;
  search_run(ix, &q, a, &r1);
  search_run(fresh, &q, a, &r2);
  cr_assert_eq(r1.total, r2.total);
  cr_assert_eq(r1.nhits, r2.nhits);
  for (int i = 0; i < r1.nhits; i++)
    cr_assert_str_eq(r1.hits[i].public_id, r2.hits[i].public_id);
  search_free(fresh);
  arena_free(a);
}
