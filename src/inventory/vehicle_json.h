/* vehicle_json.h — the vehicle's JSON shape in the API (both directions).
 *
 * API field names differ from the C struct where the API speaks in units:
 * first_registration/hu_until are "YYYY-MM", consumption_combined is a number
 * (l/100 km, kWh/100 km for EVs) with one decimal, unknown numbers are null. */
#ifndef CC24_INVENTORY_VEHICLE_JSON_H
#define CC24_INVENTORY_VEHICLE_JSON_H

#include "inventory/vehicle.h"

#include <jansson.h>
#include <stdbool.h>

struct arena;
struct field_errors;

/* Full vehicle object (new reference). */
json_t *vehicle_to_json(const struct vehicle *v);

/* Read fields from obj into v. create = true: required fields enforced and
 * v starts from vehicle_init defaults (call vehicle_init first); false (PATCH):
 * only present fields change. Unknown and read-only fields are errors. Then the
 * whole vehicle is validated. 0 or -1 with every problem in errs. */
int vehicle_from_json(struct arena *a, json_t *obj, bool create, struct vehicle *v,
                      struct field_errors *errs);

#endif
