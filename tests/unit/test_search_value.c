/* Unit tests for the search page's additions to the index: the dealer facet and
 * feature counts (extra_facets), and price ratings / best-value "featured" list. */
#include "core/arena.h"
#include "core/json.h"
#include "search/search.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static struct vehicle golf(int64_t id, const char *dealer, int year, int64_t euros, int km)
{
  struct vehicle v;
  vehicle_init(&v);
  v.id = id;
  snprintf(v.public_id, sizeof v.public_id, "v%015lld", (long long)id);
  v.dealer = dealer;
  v.make = "VW";
  v.model = "Golf";
  v.variant = "";
  v.body = BODY_COMPACT;
  v.condition = COND_USED;
  v.first_reg = year * 12 + 3;
  v.mileage_km = km;
  v.power_kw = 110;
  v.fuel = FUEL_PETROL;
  v.gearbox = GEARBOX_MANUAL;
  v.colour = COLOUR_BLACK;
  v.price_cents = euros * 100;
  v.status = STATUS_PUBLISHED;
  v.published_at = 1000 + id;
  return v;
}

Test(search_value, ratings_need_enough_comparables)
{
  struct search_index *ix = search_new();
  int64_t prices[] = {10000, 20000, 21000, 22000, 30000};
  for (int i = 0; i < 5; i++) {
    struct vehicle v = golf(i + 1, "a", 2020, prices[i], 50000);
    search_upsert(ix, &v);
  }
  /* three 2018 cars: too few to rate */
  for (int i = 0; i < 3; i++) {
    struct vehicle v = golf(10 + i, "b", 2018, 5000, 90000);
    search_upsert(ix, &v);
  }
  struct search_value sv;
  cr_assert_eq(search_value_of(ix, 1, &sv), 1);
  cr_expect_eq(sv.peers, 5);
  cr_expect_eq(sv.median_cents, 2100000);
  cr_expect_eq(sv.ratio_bp, 4762, "10,000 / 21,000 = 47.62 %%");
  cr_assert_eq(search_value_of(ix, 5, &sv), 1);
  cr_expect_eq(sv.ratio_bp, 14286);
  cr_expect_eq(search_value_of(ix, 10, &sv), 0, "only 3 comparables");
  cr_expect_eq(search_value_of(ix, 999, &sv), 0, "not indexed");

  struct arena *a = arena_new(0);
  struct search_hit hits[8];
  int n = search_featured(ix, 8, a, hits);
  cr_assert_eq(n, 1, "only the 10,000 € car is 10 %% under the median");
  cr_expect_eq(hits[0].id, 1);
  cr_expect_str_eq(hits[0].make, "VW");
  arena_free(a);
  search_free(ix);
}

Test(search_value, cheap_because_worn_out_is_not_featured)
{
  struct search_index *ix = search_new();
  int km[] = {300000, 50000, 50000, 50000, 50000};
  int64_t prices[] = {10000, 20000, 21000, 22000, 23000};
  for (int i = 0; i < 5; i++) {
    struct vehicle v = golf(i + 1, "a", 2020, prices[i], km[i]);
    search_upsert(ix, &v);
  }
  struct arena *a = arena_new(0);
  struct search_hit hits[4];
  cr_expect_eq(search_featured(ix, 4, a, hits), 0, "300,000 km is far over the median");
  arena_free(a);
  search_free(ix);
}

Test(search_value, median_of_an_even_group_rounds_half_up)
{
  struct search_index *ix = search_new();
  int64_t prices[] = {10000, 20001, 20002, 30000};
  for (int i = 0; i < 4; i++) {
    struct vehicle v = golf(i + 1, "a", 2021, prices[i], 1000);
    search_upsert(ix, &v);
  }
  struct search_value sv;
  cr_assert_eq(search_value_of(ix, 2, &sv), 1);
  cr_expect_eq(sv.median_cents, 2000150);
  search_free(ix);
}

Test(search_value, dealer_facet_and_feature_counts)
{
  struct search_index *ix = search_new();
  for (int i = 0; i < 6; i++) {
    struct vehicle v = golf(i + 1, i < 4 ? "autohaus-a" : "autohaus-b", 2020, 20000 + i, 1000);
    if (i % 2)
      v.features = (uint64_t)1 << FEAT_NAVIGATION;
    if (i == 0)
      v.fuel = FUEL_DIESEL;
    search_upsert(ix, &v);
  }
  struct arena *a = arena_new(0);
  const char *names[] = {"dealer", "fuel"};
  const char *values[] = {"autohaus-b", "petrol"};
  struct search_query q;
  struct field_errors errs;
  field_errors_init(&errs, a);
  cr_assert_eq(search_query_parse(a, 2, names, values, 0, &q, &errs), 0);
  q.extra_facets = true;
  struct search_result res;
  cr_assert_eq(search_run(ix, &q, a, &res), 0);
  cr_expect_eq(res.total, 2);
  /* the dealer facet ignores the dealer filter but keeps fuel=petrol */
  cr_assert_eq(res.dealer.n, 2);
  cr_expect_str_eq(res.dealer.v[0].value, "autohaus-a");
  cr_expect_eq(res.dealer.v[0].count, 3);
  cr_expect_eq(res.dealer.v[1].count, 2);
  /* features count within the matches: vehicles 5 and 6 → only 6 (i=5) has navigation */
  cr_expect_eq(res.feature_counts[FEAT_NAVIGATION], 1);
  cr_expect_eq(res.feature_counts[FEAT_HUD], 0);

  q.extra_facets = false;
  cr_assert_eq(search_run(ix, &q, a, &res), 0);
  cr_expect_eq(res.dealer.n, 0, "the API does not pay for them");
  arena_free(a);
  search_free(ix);
}

/* Both counting paths (scan for few matches, bitmaps for many) agree with a count
 * done by hand, over enough vehicles that the bitmap path is taken. */
Test(search_value, extra_facets_agree_with_brute_force)
{
  struct search_index *ix = search_new();
  enum { N = 12000 };
  static struct vehicle vs[N];
  static char dealers[7][16];
  for (int d = 0; d < 7; d++)
    snprintf(dealers[d], sizeof dealers[d], "dealer-%d", d);
  uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < N; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    vs[i] = golf(i + 1, dealers[x % 7], 2015 + (int)(x >> 8) % 8, 5000 + (int64_t)(x >> 16) % 40000,
                 (int)(x >> 24) % 200000);
    vs[i].features = (x >> 20) & ((1ULL << FEAT__COUNT) - 1);
    vs[i].fuel = (int)(x >> 40) % 3;
    search_upsert(ix, &vs[i]);
  }
  struct arena *a = arena_new(0);
  const char *qs[][2] = {{"sort", "newest"},
                         {"fuel", "petrol"},
                         {"price_max", "6000"},
                         {"price_max", "40000"},
                         {"dealer", "dealer-3"}};
  for (size_t t = 0; t < sizeof qs / sizeof qs[0]; t++) {
    struct search_query q;
    struct field_errors errs;
    field_errors_init(&errs, a);
    const char *names[] = {qs[t][0]}, *values[] = {qs[t][1]};
    cr_assert_eq(search_query_parse(a, 1, names, values, 0, &q, &errs), 0);
    q.extra_facets = true;
    struct search_result res;
    cr_assert_eq(search_run(ix, &q, a, &res), 0);
    int64_t feat[FEAT__COUNT] = {0}, per[7] = {0};
    for (int i = 0; i < N; i++) {
      const struct vehicle *v = &vs[i];
      bool fuel_ok = strcmp(qs[t][0], "fuel") || v->fuel == FUEL_PETROL;
      bool price_ok = strcmp(qs[t][0], "price_max") || v->price_cents <= atoll(qs[t][1]) * 100;
      bool dealer_ok = strcmp(qs[t][0], "dealer") || !strcmp(v->dealer, "dealer-3");
      if (fuel_ok && price_ok && dealer_ok)
        for (int f = 0; f < FEAT__COUNT; f++)
          feat[f] += (v->features >> f) & 1;
      if (fuel_ok && price_ok)
        per[v->dealer[7] - '0']++;
    }
    for (int f = 0; f < FEAT__COUNT; f++)
      cr_expect_eq(res.feature_counts[f], feat[f], "%s=%s feature %d", qs[t][0], qs[t][1], f);
    for (int k = 0; k < res.dealer.n; k++)
      cr_expect_eq(res.dealer.v[k].count, per[res.dealer.v[k].value[7] - '0'], "%s=%s %s", qs[t][0],
                   qs[t][1], res.dealer.v[k].value);
  }
  arena_free(a);
  search_free(ix);
}
