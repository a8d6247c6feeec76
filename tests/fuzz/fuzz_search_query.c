/* libFuzzer: arbitrary query strings through the search parameter parser and a
 * query against a small index (strict and lenient parsing). */
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "http/http.h"
#include "search/search.h"

#include <string.h>

static struct search_index *ix;

static void build(void)
{
  ix = search_new();
  const char *makes[] = {"BMW", "Škoda", "Volkswagen"};
  for (int i = 0; i < 60; i++) {
    struct vehicle v;
    vehicle_init(&v);
    v.id = i + 1;
    snprintf(v.public_id, sizeof v.public_id, "%016d", i);
    v.dealer = i % 2 ? "a" : "b";
    v.make = makes[i % 3];
    v.model = i % 4 ? "Golf" : "3er";
    v.variant = "1.5 TSI Käfer-Edition";
    v.price_cents = 100000 + i * 77777;
    v.mileage_km = i * 1000;
    v.power_kw = 50 + i;
    v.first_reg = i % 5 ? 2015 * 12 + i : -1;
    v.fuel = i % FUEL__COUNT;
    v.body = i % BODY__COUNT;
    v.features = (uint64_t)i * 2654435761u & ((1ull << FEAT__COUNT) - 1);
    v.status = i % 7 ? STATUS_PUBLISHED : STATUS_RESERVED;
    search_upsert(ix, &v);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (!ix)
    build();
  struct arena *a = arena_new(0);
  const char **names, **values;
  int n = http_parse_urlencoded(a, (const char *)data, size, &names, &values);
  if (n >= 0) {
    for (unsigned flags = 0; flags < 2; flags++) {
      struct search_query q;
      struct field_errors errs;
      field_errors_init(&errs, a);
      if (search_query_parse(a, n, names, values, flags, &q, &errs) == 0) {
        struct search_result res;
        search_run(ix, &q, a, &res);
        struct buf b;
        buf_init(&b, a);
        search_result_json(&res, &b);
      }
    }
  }
  arena_free(a);
  return 0;
}
