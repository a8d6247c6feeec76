/* Unit tests for the search index without a database: parameter parsing
 * (strict and lenient), filters, disjunctive facets, sorting ties, paging,
 * updates, free text, concurrency, hostile input. */
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "search/search.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

static struct vehicle car(int64_t id, const char *make, const char *model, const char *variant,
                          int64_t price_eur, int km, int fuel, int body)
{
  struct vehicle v;
  vehicle_init(&v);
  v.id = id;
  snprintf(v.public_id, sizeof v.public_id, "%016lld", (long long)id);
  v.dealer = id % 2 ? "nord" : "sued";
  v.make = make;
  v.model = model;
  v.variant = variant;
  v.price_cents = price_eur * 100;
  v.mileage_km = km;
  v.power_kw = 100 + (int)id;
  v.fuel = fuel;
  v.body = body;
  v.first_reg = 2020 * 12 + (int)(id % 12);
  v.status = STATUS_PUBLISHED;
  v.published_at = 1000 + id;
  return v;
}

static struct search_index *sample(void)
{
  struct search_index *ix = search_new();
  struct vehicle vs[] = {
      car(1, "BMW", "3er", "320d Touring M Sport", 32490, 48000, FUEL_DIESEL, BODY_ESTATE),
      car(2, "BMW", "3er", "330e Limousine", 28990, 61000, FUEL_PLUGIN_HYBRID, BODY_SALOON),
      car(3, "BMW", "X1", "sDrive18i", 28990, 12000, FUEL_PETROL, BODY_SUV),
      car(4, "Volkswagen", "Golf", "GTI Clubsport", 39990, 9000, FUEL_PETROL, BODY_COMPACT),
      car(5, "Volkswagen", "Käfer", "1303 Cabriolet", 15500, 120000, FUEL_PETROL, BODY_CONVERTIBLE),
      car(6, "Mercedes-Benz", "C-Klasse", "C 220 d T-Modell", 4990, 250000, FUEL_DIESEL,
          BODY_ESTATE),
      car(7, "Škoda", "Octavia", "Combi RS", 100000, 10, FUEL_DIESEL, BODY_ESTATE),
  };
  vs[6].first_reg = -1;
  vs[6].condition = COND_NEW;
  vs[0].features = (1u << FEAT_NAVIGATION) | (1u << FEAT_HEATED_SEATS);
  vs[1].features = 1u << FEAT_NAVIGATION;
  for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
    search_upsert(ix, &vs[i]);
  struct vehicle draft = car(8, "Audi", "A4", "Avant", 30000, 1000, FUEL_DIESEL, BODY_ESTATE);
  draft.status = STATUS_DRAFT;
  search_upsert(ix, &draft);
  return ix;
}

static struct search_result run(struct search_index *ix, struct arena *a, const char *qs, int *rc)
{
  const char *names[32], *values[32];
  int n = 0;
  char *copy = arena_strdup(a, qs), *save = NULL;
  for (char *p = strtok_r(copy, "&", &save); p && n < 32; p = strtok_r(NULL, "&", &save)) {
    char *eq = strchr(p, '=');
    names[n] = p;
    values[n] = eq ? eq + 1 : "";
    if (eq)
      *eq = 0;
    n++;
  }
  struct search_query q;
  struct field_errors errs;
  field_errors_init(&errs, a);
  *rc = search_query_parse(a, n, names, values, SEARCH_STRICT, &q, &errs);
  q.now_ym = 2026 * 12 + 10;
  struct search_result r;
  memset(&r, 0, sizeof r);
  if (*rc == 0)
    search_run(ix, &q, a, &r);
  return r;
}

static int64_t facet_count(const struct search_result *r, const char *facet, const char *value)
{
  const struct search_facet *f = search_facet(r, facet);
  for (int i = 0; f && i < f->n; i++)
    if (!strcmp(f->v[i].value, value))
      return f->v[i].count;
  return 0;
}

Test(search, filters_and_disjunctive_facets)
{
  struct search_index *ix = sample();
  struct arena *a = arena_new(0);
  int rc;
  cr_assert_eq(search_count(ix), 7, "drafts are not indexed");
  struct search_result r = run(ix, a, "make=BMW", &rc);
  cr_assert_eq(rc, 0);
  cr_assert_eq(r.total, 3);
  cr_assert_eq(facet_count(&r, "make", "Volkswagen"), 2, "the make facet ignores the make filter");
  cr_assert_eq(facet_count(&r, "model", "3er"), 2);
  cr_assert_eq(facet_count(&r, "fuel", "diesel"), 1);
  r = run(ix, a, "make=bmw,volkswagen&fuel=petrol", &rc);
  cr_assert_eq(r.total, 3, "lists are any-of, make is case-insensitive");
  r = run(ix, a, "features=navigation,heated_seats", &rc);
  cr_assert_eq(r.total, 1, "features are all-of");
  r = run(ix, a, "price_min=28990&price_max=32490", &rc);
  cr_assert_eq(r.total, 3, "ranges are inclusive");
  r = run(ix, a, "price_min=50000&price_max=1000", &rc);
  cr_assert_eq(rc, 0);
  cr_assert_eq(r.total, 0, "min above max matches nothing");
  cr_assert_eq(r.price_counts[SEARCH_PRICE_BUCKETS - 1], 1,
               "the price facet ignores the price filter");
  r = run(ix, a, "year_min=2026", &rc);
  cr_assert_eq(r.total, 1, "an unregistered new car counts as registered this month");
  r = run(ix, a, "make=Tesla", &rc);
  cr_assert_eq(rc, 0);
  cr_assert_eq(r.total, 0, "unknown makes simply match nothing");
  r = run(ix, a, "dealer=nord&body=estate", &rc);
  cr_assert_eq(r.total, 2);
  arena_free(a);
  search_free(ix);
}

Test(search, free_text_prefixes_and_umlauts)
{
  struct search_index *ix = sample();
  struct arena *a = arena_new(0);
  int rc;
  struct search_result r = run(ix, a, "q=kaef", &rc);
  cr_assert_eq(r.total, 1, "Käfer folds to kaefer");
  r = run(ix, a, "q=K%C3%A4fer", &rc);
  r = run(ix, a, "q=skoda+rs", &rc);
  cr_assert_eq(r.total, 1, "Škoda folds to skoda; every token must match");
  r = run(ix, a, "q=mercedes-benz+t-modell", &rc);
  cr_assert_eq(r.total, 1);
  r = run(ix, a, "q=bmw+3&sort=relevance", &rc);
  cr_assert_eq(r.total, 2, "3 is a prefix of 3er, 320d and 330e, not of X1 sDrive18i");
  cr_assert_str_eq(r.hits[0].model, "3er", "whole-word matches rank first");
  r = run(ix, a, "q=zzz", &rc);
  cr_assert_eq(r.total, 0);
  arena_free(a);
  search_free(ix);
}

Test(search, sorting_with_ties_and_paging)
{
  struct search_index *ix = sample();
  struct arena *a = arena_new(0);
  int rc;
  struct search_result r = run(ix, a, "sort=price_asc&size=3", &rc);
  cr_assert_eq(r.nhits, 3);
  cr_assert_eq(r.hits[0].id, 6);
  cr_assert_eq(r.hits[1].id, 5);
  cr_assert_eq(r.hits[2].id, 2, "equal prices: row id ascending");
  r = run(ix, a, "sort=price_desc&size=10", &rc);
  cr_assert_eq(r.hits[0].id, 7);
  cr_assert_eq(r.hits[3].id, 2);
  cr_assert_eq(r.hits[4].id, 3, "equal prices: row id ascending in descending sorts too");
  r = run(ix, a, "sort=year_desc&size=1", &rc);
  cr_assert_eq(r.hits[0].id, 7, "unregistered vehicles first");
  r = run(ix, a, "sort=newest&size=2&page=2", &rc);
  cr_assert_eq(r.nhits, 2);
  cr_assert_eq(r.hits[0].id, 5);
  r = run(ix, a, "page=50", &rc);
  cr_assert_eq(r.nhits, 0);
  cr_assert_eq(r.total, 7);
  arena_free(a);
  search_free(ix);
}

Test(search, strict_parsing_names_bad_parameters)
{
  struct search_index *ix = sample();
  struct arena *a = arena_new(0);
  int rc;
  const char *bad[] = {"fuel=banana", "size=0",           "size=101",
                       "page=0",      "price_min=-1",     "price_max=abc",
                       "sort=up",     "year_min=1800",    "first_reg_min=2020-13",
                       "bogus=1",     "features=jetpack", "mileage_max=99999999999"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    run(ix, a, bad[i], &rc);
    cr_assert_eq(rc, -1, "%s must be refused", bad[i]);
  }
  /* lenient: the same input is ignored or clamped */
  const char *names[] = {"fuel", "size", "page", "bogus"},
             *values[] = {"banana", "1000", "-4", "x"};
  struct search_query q;
  struct field_errors errs;
  field_errors_init(&errs, a);
  cr_assert_eq(search_query_parse(a, 4, names, values, 0, &q, &errs), 0);
  cr_assert_eq(q.size, 100);
  cr_assert_eq(q.page, 1);
  cr_assert_eq(q.fuel, 0);
  /* empty values and comma-only lists mean "any" */
  struct search_result r = run(ix, a, "make=&body=,,,&q=", &rc);
  cr_assert_eq(rc, 0);
  cr_assert_eq(r.total, 7);
  arena_free(a);
  search_free(ix);
}

Test(search, updates_move_vehicles_between_facets)
{
  struct search_index *ix = sample();
  struct arena *a = arena_new(0);
  int rc;
  struct search_result r = run(ix, a, "sort=price_asc", &rc); /* builds the sorted orders */
  struct vehicle v =
      car(6, "Mercedes-Benz", "E-Klasse", "E 220 d", 45990, 20000, FUEL_DIESEL, BODY_SALOON);
  search_upsert(ix, &v);
  r = run(ix, a, "model=C-Klasse", &rc);
  cr_assert_eq(r.total, 0);
  r = run(ix, a, "model=E-Klasse", &rc);
  cr_assert_eq(r.total, 1);
  r = run(ix, a, "sort=price_asc&size=1", &rc);
  cr_assert_eq(r.hits[0].id, 5, "the sorted order follows the new price");
  v.status = STATUS_SOLD;
  search_upsert(ix, &v);
  cr_assert_eq(search_count(ix), 6, "sold vehicles leave the index");
  search_remove(ix, 1);
  search_remove(ix, 12345);
  cr_assert_eq(search_count(ix), 5);
  r = run(ix, a, "make=BMW", &rc);
  cr_assert_eq(r.total, 2);
  struct vehicle again = car(9, "BMW", "3er", "318i", 19990, 80000, FUEL_PETROL, BODY_SALOON);
  search_upsert(ix, &again); /* reuses a free slot */
  r = run(ix, a, "make=BMW&sort=price_asc", &rc);
  cr_assert_eq(r.total, 3);
  cr_assert_eq(r.hits[0].id, 9);
  cr_assert_gt(search_memory(ix), 0);
  arena_free(a);
  search_free(ix);
}

static struct search_index *shared;
static volatile int stop_flag;
static _Atomic int reads, bad_reads;

/* Each answer read while the writer runs must be a consistent one: only BMWs, in price
 * order, at most a page, a total between the page and the index size. */
static void *reader(void *arg)
{
  (void)arg;
  while (!stop_flag) {
    struct arena *a = arena_new(0);
    int rc;
    struct search_result r = run(shared, a, "make=BMW&sort=price_asc&size=5", &rc);
    bool ok = rc == 0 && r.total >= r.nhits && r.total <= 57 && r.nhits <= 5 && r.nhits > 0;
    for (int i = 0; ok && i < r.nhits; i++) {
      ok = strcmp(r.hits[i].make, "BMW") == 0;
      if (ok && i > 0)
        ok = r.hits[i - 1].price_cents <= r.hits[i].price_cents;
    }
    reads++;
    if (!ok)
      bad_reads++;
    arena_free(a);
  }
  return NULL;
}

Test(search, concurrent_queries_while_writing)
{
  shared = sample();
  stop_flag = 0;
  reads = bad_reads = 0;
  pthread_t th[3];
  for (int i = 0; i < 3; i++)
    pthread_create(&th[i], NULL, reader, NULL);
  for (int i = 0; i < 2000; i++) {
    struct vehicle v =
        car(100 + i % 50, i % 2 ? "BMW" : "Audi", "X", "Y", 1000 + i, i, FUEL_PETROL, BODY_SUV);
    search_upsert(shared, &v);
  }
  stop_flag = 1;
  for (int i = 0; i < 3; i++)
    pthread_join(th[i], NULL);
  cr_assert_eq(search_count(shared), 57);
  cr_assert_gt(reads, 0, "the readers ran while the writer did");
  cr_assert_eq(bad_reads, 0, "%d of %d answers were inconsistent", (int)bad_reads, (int)reads);
  search_free(shared);
}

Test(search, json_answer_shape)
{
  struct search_index *ix = sample();
  struct arena *a = arena_new(0);
  int rc;
  struct search_result r = run(ix, a, "make=BMW&size=2", &rc);
  struct buf b;
  buf_init(&b, a);
  search_result_json(&r, &b);
  json_error_t je;
  json_t *j = json_loads(buf_cstr(&b), 0, &je);
  cr_assert_not_null(j, "%s", je.text);
  cr_assert_eq(json_integer_value(json_object_get(j, "total")), 3);
  json_t *item = json_array_get(json_object_get(j, "items"), 0);
  const char *keys[] = {"id",          "make",     "model",      "variant",
                        "price_cents", "vat_mode", "mileage_km", "first_registration",
                        "fuel",        "gearbox",  "body",       "power_kw",
                        "condition",   "dealer",   "status"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    cr_assert_not_null(json_object_get(item, keys[i]), "%s", keys[i]);
  json_t *price = json_object_get(json_object_get(j, "facets"), "price");
  cr_assert_eq(json_array_size(price), SEARCH_PRICE_BUCKETS);
  cr_assert(json_is_null(json_object_get(json_array_get(price, SEARCH_PRICE_BUCKETS - 1), "max")));
  json_decref(j);
  buf_reset(&b);
  search_makes_json(ix, &b);
  j = json_loads(buf_cstr(&b), 0, &je);
  cr_assert_not_null(j);
  json_t *first = json_array_get(json_object_get(j, "makes"), 0);
  cr_assert_str_eq(json_string_value(json_object_get(first, "make")), "BMW");
  cr_assert_eq(json_integer_value(json_object_get(first, "count")), 3);
  json_decref(j);
  arena_free(a);
  search_free(ix);
}

Test(search, an_empty_index_answers_every_query)
{
  struct search_index *ix = search_new();
  struct arena *a = arena_new(0);
  static const char *sorts[] = {"relevance",   "price_asc", "price_desc",
                                "mileage_asc", "year_desc", "newest"};
  for (size_t i = 0; i < sizeof sorts / sizeof sorts[0]; i++) {
    const char *names[] = {"sort", "make", "q"}, *values[] = {sorts[i], "BMW", "golf"};
    struct search_query q;
    struct field_errors errs;
    field_errors_init(&errs, a);
    cr_assert_eq(search_query_parse(a, 3, names, values, 0, &q, &errs), 0);
    struct search_result r;
    cr_assert_eq(search_run(ix, &q, a, &r), 0);
    cr_assert_eq(r.total, 0);
    cr_assert_eq(r.nhits, 0);
  }
  arena_free(a);
  search_free(ix);
}
