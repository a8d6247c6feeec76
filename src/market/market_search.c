/* market_search.c — the Börse search in SQL with the semantics of the public
 * search index (search.h): the same parsed query, the same filters (any-of
 * lists, all-of features, inclusive ranges, unregistered vehicles counting as
 * this month, word-prefix free text), the same sorts and tie-breaks, and
 * disjunctive facets. The Börse holds few listings and they expire by the
 * clock, so SQL over the live rows is exact without a second index to keep in
 * step; tests/unit/test_market_search.c checks it against the index.
 *
 * Strings of the query (makes, models, dealers) travel as one parameter per
 * list (",a,b,"), matched with instr/strpos, so no query needs more than a few
 * dozen parameters; enum values are written into the SQL from the fixed
 * vocabularies of vehicle.h, never from the request. */
#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "market/market_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 60

enum { X_NONE, X_MAKE, X_MODEL, X_BODY, X_FUEL, X_GEARBOX, X_COND, X_COLOUR, X_PRICE };

struct sq {
  struct arena *a;
  db_conn *c;
  struct buf w;
  struct db_param p[MAX_PARAMS + 1];
  int np;
};

static const char *ph(struct sq *s, struct db_param p)
{
  if (s->np >= MAX_PARAMS)
    abort(); /* bounded by construction: 3 lists, 8 tokens, 7 bounds, a few more */
  s->p[s->np++] = p;
  return arena_printf(s->a, "$%d", s->np);
}

static void end_params(struct sq *s)
{
  s->p[s->np] = (struct db_param){.t = DB_T_END};
}

/* col matches one of vals, ASCII case-insensitively (like str_ieq). */
static void any_of(struct sq *s, const char *col, const char *const *vals, int n)
{
  struct buf b;
  buf_init(&b, s->a);
  buf_putc(&b, ',');
  for (int i = 0; i < n; i++) {
    buf_puts(&b, vals[i]);
    buf_putc(&b, ',');
  }
  buf_printf(&s->w, " AND %s(lower(%s), ',' || lower(%s) || ',') > 0",
             DB_SQL(s->c, "instr", "strpos"), ph(s, db_text(buf_cstr(&b))), col);
}

static void mask_in(struct sq *s, const char *col, const struct enum_def *en, uint32_t mask)
{
  buf_printf(&s->w, " AND %s IN (", col);
  bool first = true;
  for (int i = 0; i < en->count; i++)
    if (mask & (1u << i)) {
      buf_printf(&s->w, "%s'%s'", first ? "" : ", ", en->values[i]);
      first = false;
    }
  buf_puts(&s->w, ")");
}

static void range(struct sq *s, const char *col, int64_t lo, int64_t hi)
{
  if (lo >= 0)
    buf_printf(&s->w, " AND %s >= %s", col, ph(s, db_i64(lo)));
  if (hi >= 0)
    buf_printf(&s->w, " AND %s <= %s", col, ph(s, db_i64(hi)));
}

/* WHERE of the live listings matching q, leaving out filter `skip` (facets). */
static void build_where(struct sq *s, const struct search_query *q, int64_t now, int skip)
{
  buf_init(&s->w, s->a);
  s->np = 0;
  buf_printf(&s->w,
             "l.status = 'active' AND l.valid_until >= %s AND v.status IN ('draft', 'published')",
             ph(s, db_i64(now)));
  if (q->impossible)
    buf_puts(&s->w, " AND 1 = 0");
  if (q->nmake && skip != X_MAKE)
    any_of(s, "v.make", q->make, q->nmake);
  if (q->nmodel && skip != X_MODEL)
    any_of(s, "v.model", q->model, q->nmodel);
  if (q->ndealer)
    any_of(s, "t.slug", q->dealer, q->ndealer);
  if (q->body && skip != X_BODY)
    mask_in(s, "v.body", &vehicle_enum_body, q->body);
  if (q->fuel && skip != X_FUEL)
    mask_in(s, "v.fuel", &vehicle_enum_fuel, q->fuel);
  if (q->gearbox && skip != X_GEARBOX)
    mask_in(s, "v.gearbox", &vehicle_enum_gearbox, q->gearbox);
  if (q->condition && skip != X_COND)
    mask_in(s, "v.condition", &vehicle_enum_condition, q->condition);
  if (q->colour && skip != X_COLOUR)
    mask_in(s, "v.colour", &vehicle_enum_colour, q->colour);
  if (q->features) {
    const char *m = ph(s, db_i64((int64_t)q->features));
    buf_printf(&s->w, " AND (v.features & %s) = %s", m, m);
  }
  if (skip != X_PRICE)
    range(s, "l.price_cents", q->price_min, q->price_max);
  range(s, "v.mileage_km", q->mileage_min, q->mileage_max);
  range(s, "v.power_kw", q->power_min, q->power_max);
  if (q->first_reg_min >= 0 || q->first_reg_max >= 0) {
    const char *eff = arena_printf(s->a, "(CASE WHEN v.first_reg < 0 THEN %s ELSE v.first_reg END)",
                                   ph(s, db_i64(q->now_ym)));
    range(s, eff, q->first_reg_min, q->first_reg_max);
  }
  for (int i = 0; i < q->ntokens; i++)
    buf_printf(&s->w, " AND (' ' || v.search_text) LIKE %s",
               ph(s, db_text(arena_printf(s->a, "%% %s%%", q->tokens[i]))));
}

static int facet_cmp(const void *a, const void *b)
{
  const struct search_facet_value *x = a, *y = b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return strcmp(x->value, y->value);
}

/* One facet: counts of col over the matches without the facet's own filter. */
static int facet(db_conn *c, struct arena *a, const struct search_query *q, int64_t now, int skip,
                 const char *col, const char *group, const char *name, struct search_facet *f,
                 struct err *e)
{
  struct sq s = {.a = a, .c = c};
  build_where(&s, q, now, skip);
  end_params(&s);
  f->name = name;
  f->n = 0;
  f->v = NULL;
  db_stmt *st =
      db_query(c,
               arena_printf(a, "SELECT %s, COUNT(*)" MARKET_LISTING_FROM " WHERE %s GROUP BY %s",
                            col, buf_cstr(&s.w), group),
               s.p, e);
  if (!st)
    return -1;
  int cap = 0, rc;
  char *val;
  int64_t n;
  while ((rc = db_next(st, a, DB_ROW(db_out_text(&val), db_out_i64(&n)), e)) == 1) {
    if (f->n == cap) {
      int nc = cap ? cap * 2 : 16;
      f->v = arena_realloc(a, f->v, sizeof *f->v * (size_t)cap, sizeof *f->v * (size_t)nc);
      cap = nc;
    }
    f->v[f->n].value = val ? val : "";
    f->v[f->n].count = n;
    f->n++;
  }
  db_finish(st);
  if (rc < 0)
    return -1;
  if (!f->v)
    f->v = arena_calloc(a, 1, sizeof *f->v);
  if (f->n > 1)
    qsort(f->v, (size_t)f->n, sizeof *f->v, facet_cmp);
  return 0;
}

static const char *order_sql(struct sq *s, const struct search_query *q)
{
  switch (q->sort) {
  case SORT_PRICE_ASC:
    return "l.price_cents ASC, v.id ASC";
  case SORT_PRICE_DESC:
    return "l.price_cents DESC, v.id ASC";
  case SORT_MILEAGE_ASC:
    return "v.mileage_km ASC, v.id ASC";
  case SORT_YEAR_DESC:
    return "CASE WHEN v.first_reg < 0 THEN 1 ELSE 0 END DESC, v.first_reg DESC, v.id ASC";
  case SORT_RELEVANCE:
    if (q->ntokens) {
      /* words matched whole count, prefixes only filter */
      struct buf b;
      buf_init(&b, s->a);
      buf_puts(&b, "(0");
      for (int i = 0; i < q->ntokens; i++)
        buf_printf(&b, " + CASE WHEN (' ' || v.search_text || ' ') LIKE %s THEN 1 ELSE 0 END",
                   ph(s, db_text(arena_printf(s->a, "%% %s %%", q->tokens[i]))));
      buf_puts(&b, ") DESC, l.created_at DESC, v.id ASC");
      return buf_cstr(&b);
    }
    return "l.created_at DESC, v.id ASC";
  default:
    return "l.created_at DESC, v.id ASC";
  }
}

static void hit_from(struct search_hit *h, const struct market_listing *l)
{
  memset(h, 0, sizeof *h);
  h->id = l->vehicle_id;
  snprintf(h->public_id, sizeof h->public_id, "%s", l->vehicle_public_id);
  h->dealer = l->seller_slug;
  h->make = l->make;
  h->model = l->model;
  h->variant = l->variant;
  h->price_cents = l->price_cents;
  h->vat_mode = l->vat_mode;
  h->mileage_km = l->mileage_km;
  h->first_reg = l->first_reg;
  h->power_kw = l->power_kw;
  h->fuel = l->fuel;
  h->gearbox = l->gearbox;
  h->body = l->body;
  h->condition = l->condition;
  h->colour = l->colour;
  h->status = l->vehicle_status;
  h->features = l->features;
  h->published_at = l->created_at;
}

int market_search(db_conn *c, struct arena *a, const struct search_query *q, int64_t now,
                  struct search_result *res, struct market_listing **items, struct err *e)
{
  memset(res, 0, sizeof *res);
  *items = NULL;
  res->page = q->page < 1 ? 1 : q->page;
  res->size = q->size < 1 ? 1 : q->size;

  struct sq s = {.a = a, .c = c};
  build_where(&s, q, now, X_NONE);
  end_params(&s);
  if (db_query_one(
          c, a, arena_printf(a, "SELECT COUNT(*)" MARKET_LISTING_FROM " WHERE %s", buf_cstr(&s.w)),
          s.p, DB_ROW(db_out_i64(&res->total)), e) < 0)
    return -1;

  /* the page */
  int64_t offset = (int64_t)(res->page - 1) * res->size;
  if (offset < res->total) {
    const char *order = order_sql(&s, q);
    const char *lim = ph(&s, db_i64(res->size)), *off = ph(&s, db_i64(offset));
    end_params(&s);
    db_stmt *st = db_query(c,
                           arena_printf(a,
                                        "SELECT " MARKET_LISTING_COLS MARKET_LISTING_FROM
                                        " WHERE %s ORDER BY %s LIMIT %s OFFSET %s",
                                        buf_cstr(&s.w), order, lim, off),
                           s.p, e);
    if (!st)
      return -1;
    *items = arena_calloc(a, (size_t)res->size, sizeof **items);
    res->hits = arena_calloc(a, (size_t)res->size, sizeof *res->hits);
    int rc = 0;
    for (;;) {
      struct market_listing l;
      struct market_lrow t;
      struct db_out o[MARKET_LISTING_NCOLS + 1];
      market_listing_outs(o, &l, &t);
      if (res->nhits >= res->size)
        break;
      rc = db_next(st, a, o, e);
      if (rc <= 0)
        break;
      market_listing_finish(&l, &t);
      (*items)[res->nhits] = l;
      hit_from(&res->hits[res->nhits], &(*items)[res->nhits]);
      res->nhits++;
    }
    db_finish(st);
    if (rc < 0)
      return -1;
  }

  /* facets, in the order the index gives them */
  struct search_facet *f = res->facets;
  if (facet(c, a, q, now, X_MAKE, "v.make", "v.make", "make", &f[0], e) < 0)
    return -1;
  if (q->nmake) {
    if (facet(c, a, q, now, X_MODEL, "v.model", "v.make, v.model", "model", &f[1], e) < 0)
      return -1;
  } else {
    f[1] = (struct search_facet){.name = "model", .v = arena_calloc(a, 1, sizeof *f[1].v)};
  }
  if (facet(c, a, q, now, X_BODY, "v.body", "v.body", "body", &f[2], e) < 0 ||
      facet(c, a, q, now, X_FUEL, "v.fuel", "v.fuel", "fuel", &f[3], e) < 0 ||
      facet(c, a, q, now, X_GEARBOX, "v.gearbox", "v.gearbox", "gearbox", &f[4], e) < 0 ||
      facet(c, a, q, now, X_COND, "v.condition", "v.condition", "condition", &f[5], e) < 0 ||
      facet(c, a, q, now, X_COLOUR, "v.colour", "v.colour", "colour", &f[6], e) < 0)
    return -1;
  res->nfacets = 7;

  /* price buckets over the trade price, without the price filter */
  struct sq p = {.a = a, .c = c};
  build_where(&p, q, now, X_PRICE);
  struct buf cs;
  buf_init(&cs, a);
  buf_puts(&cs, "CASE");
  for (int b = SEARCH_PRICE_BUCKETS - 1; b > 0; b--)
    buf_printf(&cs, " WHEN l.price_cents >= %lld THEN %d", (long long)search_price_edges[b] * 100,
               b);
  buf_puts(&cs, " ELSE 0 END");
  end_params(&p);
  db_stmt *st =
      db_query(c,
               arena_printf(a, "SELECT %s, COUNT(*)" MARKET_LISTING_FROM " WHERE %s GROUP BY 1",
                            buf_cstr(&cs), buf_cstr(&p.w)),
               p.p, e);
  if (!st)
    return -1;
  int64_t bucket, n;
  int rc;
  while ((rc = db_next(st, a, DB_ROW(db_out_i64(&bucket), db_out_i64(&n)), e)) == 1)
    if (bucket >= 0 && bucket < SEARCH_PRICE_BUCKETS)
      res->price_counts[bucket] = n;
  db_finish(st);
  return rc < 0 ? -1 : 0;
}
