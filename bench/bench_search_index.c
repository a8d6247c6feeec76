/* In-process search index benchmark: build time and memory for N generated
 * vehicles, then per-query latency for a mix of 1,000 queries and for the
 * reference case "all facets + top 24 by price". Usage: bench_search_index [N] */
#include "core/arena.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "http/http.h"
#include "inventory/seed_data.h"
#include "search/search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_i64(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_make_model(const void *a, const void *b)
{
  const struct vehicle *x = a, *y = b;
  int c = strcmp(x->make, y->make);
  if (!c)
    c = strcmp(x->model, y->model);
  return c ? c : x->id < y->id ? -1 : x->id > y->id;
}

static int64_t run_one(struct search_index *ix, int n, const char **names, const char **values)
{
  struct arena *a = arena_new(1 << 16);
  struct search_query q;
  struct field_errors errs;
  field_errors_init(&errs, a);
  search_query_parse(a, n, names, values, 0, &q, &errs);
  struct search_result r;
  int64_t t0 = time_mono_us();
  search_run(ix, &q, a, &r);
  int64_t dt = time_mono_us() - t0;
  arena_free(a);
  return dt;
}

/* BENCH_URLS=file: the request paths of bench/search.sh's query mix (one per line,
 * "/api/v1/vehicles/search?..."), e.g. under `valgrind --tool=callgrind
 * --toggle-collect=run_urls` for instruction counts that do not depend on what else
 * the machine is doing. */
__attribute__((noinline)) static void run_urls(struct search_index *ix, const char *urls)
{
  FILE *uf = fopen(urls, "r");
  if (!uf)
    return;
  char line[2048];
  int64_t usum = 0, un = 0;
  while (fgets(line, sizeof line, uf)) {
    char *qs = strchr(line, '?');
    if (!qs)
      continue;
    qs++;
    qs[strcspn(qs, "\r\n")] = 0;
    struct arena *ua = arena_new(1 << 14);
    const char **names, **values;
    int np = http_parse_urlencoded(ua, qs, strlen(qs), &names, &values);
    usum += run_one(ix, np, names, values);
    un++;
    arena_free(ua);
  }
  fclose(uf);
  printf("url mix (%lld queries): mean %lld us\n", (long long)un, (long long)(un ? usum / un : 0));
}

int main(int argc, char **argv)
{
  int n = argc > 1 ? atoi(argv[1]) : 100000;
  struct arena *pool = arena_new(1 << 24);
  struct vehicle *vs = arena_calloc(pool, (size_t)n, sizeof *vs);
  struct seed_rng r;
  seed_rng_init(&r, 24);
  int64_t now = time_now();
  for (int i = 0; i < n; i++) {
    vehicle_init(&vs[i]);
    seed_vehicle(&r, pool, now, &vs[i]);
    vs[i].id = i + 1;
    snprintf(vs[i].public_id, sizeof vs[i].public_id, "%016d", i);
    vs[i].dealer = i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "c";
    vs[i].status = STATUS_PUBLISHED;
  }
  /* the server loads the index from the database ordered by make and model */
  qsort(vs, (size_t)n, sizeof *vs, cmp_make_model);
  struct search_index *ix = search_new();
  int64_t t0 = time_mono_us();
  for (int i = 0; i < n; i++)
    search_upsert(ix, &vs[i]);
  /* the first query sorts the orders once */
  const char *sn[] = {"sort"}, *sv[] = {"price_asc"};
  run_one(ix, 1, sn, sv);
  int64_t build_us = time_mono_us() - t0;

  /* the reference case: every facet plus the top 24 by price, no filter */
  int64_t ref[200];
  for (int i = 0; i < 200; i++)
    ref[i] = run_one(ix, 1, sn, sv);
  qsort(ref, 200, sizeof ref[0], cmp_i64);

  static const char *makes[] = {"Volkswagen", "BMW",   "Mercedes-Benz", "Audi",
                                "Opel",       "Škoda", "Ford",          "Toyota"};
  static const char *fuels[] = {"petrol", "diesel", "electric", "hybrid"};
  static const char *sorts[] = {"relevance",   "price_asc", "price_desc",
                                "mileage_asc", "year_desc", "newest"};
  int64_t lat[1000];
  /* BENCH_PASSES=N runs the same mix N times (for profilers; the figures are the last pass) */
  int passes = getenv("BENCH_PASSES") ? atoi(getenv("BENCH_PASSES")) : 1;
  struct seed_rng mix0 = r;
  for (int pass = 0; pass < (passes < 1 ? 1 : passes); pass++) {
    r = mix0;
    for (int i = 0; i < 1000; i++) {
      const char *names[8], *values[8];
      char pmax[16], page[8], year[8];
      int k = 0;
      if (seed_rng_range(&r, 0, 9) < 7)
        names[k] = "make", values[k++] = makes[seed_rng_range(&r, 0, 7)];
      if (seed_rng_range(&r, 0, 9) < 4)
        names[k] = "fuel", values[k++] = fuels[seed_rng_range(&r, 0, 3)];
      if (seed_rng_range(&r, 0, 9) < 5) {
        snprintf(pmax, sizeof pmax, "%d", seed_rng_range(&r, 5, 60) * 1000);
        names[k] = "price_max", values[k++] = pmax;
      }
      if (seed_rng_range(&r, 0, 9) < 3) {
        snprintf(year, sizeof year, "%d", seed_rng_range(&r, 2012, 2024));
        names[k] = "year_min", values[k++] = year;
      }
      if (seed_rng_range(&r, 0, 9) < 1)
        names[k] = "q", values[k++] = "tdi";
      names[k] = "sort", values[k++] = sorts[seed_rng_range(&r, 0, 5)];
      snprintf(page, sizeof page, "%d", seed_rng_range(&r, 1, 3));
      names[k] = "page", values[k++] = page;
      lat[i] = run_one(ix, k, names, values);
      if (getenv("BENCH_SLOW") && lat[i] > atoi(getenv("BENCH_SLOW"))) {
        fprintf(stderr, "%lld us:", (long long)lat[i]);
        for (int j = 0; j < k; j++)
          fprintf(stderr, " %s=%s", names[j], values[j]);
        fputc('\n', stderr);
      }
    }
  }
  /* BENCH_URLS=file: also run the request paths of bench/search.sh's query mix (one
   * per line, "/api/v1/vehicles/search?..."), e.g. under callgrind for instruction
   * counts that do not depend on what else the machine is doing */
  const char *urls = getenv("BENCH_URLS");
  if (urls) {
    /* BENCH_PLAN=scan|bitmaps forces one counting strategy (to calibrate the model) */
    const char *plan = getenv("BENCH_PLAN");
    if (plan)
      search_set_plan(ix, !strcmp(plan, "scan")      ? SEARCH_PLAN_SCAN
                          : !strcmp(plan, "bitmaps") ? SEARCH_PLAN_BITMAPS
                                                     : SEARCH_PLAN_AUTO);
    run_urls(ix, urls);
    run_urls(ix, urls);
  }
  qsort(lat, 1000, sizeof lat[0], cmp_i64);
  int64_t sum = 0;
  for (int i = 0; i < 1000; i++)
    sum += lat[i];
  printf("index: %d vehicles built in %lld ms, %zu MB\n", n, (long long)(build_us / 1000),
         search_memory(ix) / (1024 * 1024));
  printf("all facets + top 24 by price: p50 %lld us, p99 %lld us\n", (long long)ref[100],
         (long long)ref[198]);
  printf("1000-query mix: mean %lld us, p50 %lld us, p99 %lld us\n", (long long)(sum / 1000),
         (long long)lat[500], (long long)lat[990]);
  search_free(ix);
  arena_free(pool);
  return 0;
}
