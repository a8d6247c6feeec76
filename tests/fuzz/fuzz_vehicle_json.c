/* libFuzzer: arbitrary bytes as a vehicle JSON body (create and PATCH). */
#include "core/arena.h"
#include "core/json.h"
#include "inventory/vehicle_json.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  json_error_t je;
  json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
  if (!j)
    return 0;
  struct arena *a = arena_new(0);
  for (int create = 0; create < 2; create++) {
    struct vehicle v;
    vehicle_init(&v);
    struct field_errors errs;
    field_errors_init(&errs, a);
    if (vehicle_from_json(a, j, create, &v, &errs) == 0) {
      json_t *out = vehicle_to_json(&v);
      json_decref(out);
    }
  }
  arena_free(a);
  json_decref(j);
  return 0;
}
