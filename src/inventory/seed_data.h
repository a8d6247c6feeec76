/* seed_data.h — a deterministic generator of plausible German-market vehicles
 * and demo dealers, for `cc24 seed` (demo data and benchmarks) and tests.
 * The catalogue holds real makes, models and variants with consistent body,
 * fuel, power, list price and WLTP figures; age, mileage, price, owners and
 * equipment are drawn consistently from a seeded PRNG (xoshiro256**). */
#ifndef CC24_INVENTORY_SEED_DATA_H
#define CC24_INVENTORY_SEED_DATA_H

#include "inventory/vehicle.h"

#include <stdint.h>

struct arena;

struct seed_rng {
  uint64_t s[4];
};

void seed_rng_init(struct seed_rng *r, uint64_t seed);
uint64_t seed_rng_next(struct seed_rng *r);
/* Uniform integer in [lo, hi]. */
int seed_rng_range(struct seed_rng *r, int lo, int hi);

struct seed_dealer {
  const char *slug, *name, *street, *zip, *city, *phone, *email, *website, *about_de, *about_en;
};
extern const struct seed_dealer seed_dealers[];
extern const int seed_dealer_count;

/* Fill v (vehicle_init first) with one plausible vehicle; tenant fields are left
 * to the caller. Strings point to static tables or into a. now: Unix seconds. */
void seed_vehicle(struct seed_rng *r, struct arena *a, int64_t now, struct vehicle *v);

/* Size of the catalogue (for tests): makes, models, variants. */
void seed_catalogue_size(int *makes, int *models, int *variants);

#endif
