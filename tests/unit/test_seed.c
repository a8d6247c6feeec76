/* The demo/benchmark data generator: deterministic, and every vehicle it makes
 * is plausible and passes the same validation as the API. */
#include "core/arena.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "inventory/seed_data.h"

#include <criterion/criterion.h>
#include <string.h>

Test(seed, deterministic_for_a_seed)
{
  struct arena *a = arena_new(0);
  struct seed_rng r1, r2;
  seed_rng_init(&r1, 7);
  seed_rng_init(&r2, 7);
  int64_t now = 1795000000;
  for (int i = 0; i < 500; i++) {
    struct vehicle x, y;
    vehicle_init(&x);
    vehicle_init(&y);
    seed_vehicle(&r1, a, now, &x);
    seed_vehicle(&r2, a, now, &y);
    cr_assert_str_eq(x.variant, y.variant);
    cr_assert_eq(x.price_cents, y.price_cents);
    cr_assert_str_eq(x.vin, y.vin);
    cr_assert_str_eq(x.description, y.description);
  }
  arena_free(a);
}

Test(seed, every_vehicle_is_plausible_and_valid)
{
  struct arena *a = arena_new(1 << 20);
  struct seed_rng r;
  seed_rng_init(&r, 24);
  int64_t now = time_now();
  int ny, nm;
  time_berlin_ym(now, &ny, &nm);
  int now_ym = ny * 12 + nm - 1;
  int makes, models, variants;
  seed_catalogue_size(&makes, &models, &variants);
  cr_assert_geq(makes, 25);
  cr_assert_geq(models, 60);
  int cond[COND__COUNT] = {0}, fuel[FUEL__COUNT] = {0};
  for (int i = 0; i < 100000; i++) {
    struct vehicle v;
    vehicle_init(&v);
    seed_vehicle(&r, a, now, &v);
    struct field_errors errs;
    field_errors_init(&errs, a);
    cr_assert_eq(vehicle_validate(&v, &errs), 0, "%s %s %s: %s %s", v.make, v.model, v.variant,
                 errs.n ? errs.e[0].field : "", errs.n ? errs.e[0].detail : "");
    cr_assert(vehicle_vin_valid(v.vin), "%s", v.vin);
    cr_assert_gt(v.price_cents, 0);
    cr_assert_eq(v.price_cents % 1000, 0, "whole ten euros");
    cond[v.condition]++;
    fuel[v.fuel]++;
    if (v.condition == COND_NEW) {
      cr_assert_eq(v.first_reg, -1);
      cr_assert_leq(v.mileage_km, 50);
      cr_assert_str_neq(v.co2_class, "", "new cars carry the Pkw-EnVKV CO2 class");
    } else {
      int age = now_ym - v.first_reg;
      cr_assert_geq(age, 0);
      if (v.condition == COND_CLASSIC)
        cr_assert_geq(age, 25 * 12, "classics are at least 25 years old");
      if (v.condition == COND_USED && age >= 36)
        cr_assert_gt(v.mileage_km, 5000, "a used car of %d months has driven", age);
      cr_assert_gt(v.hu_until, now_ym - 1, "HU is due in the future");
    }
    if (v.fuel == FUEL_ELECTRIC) {
      cr_assert_eq(v.ccm, -1);
      cr_assert_gt(v.range_km, 100);
      cr_assert_eq(v.co2_g_km, 0);
      cr_assert(v.features & (1ull << FEAT_FAST_CHARGING));
    }
    if (v.fuel == FUEL_PLUGIN_HYBRID)
      cr_assert_gt(v.consumption_el_x10, 0);
    if (v.consumption_x10 >= 0 && v.fuel != FUEL_ELECTRIC && v.fuel != FUEL_PLUGIN_HYBRID)
      cr_assert(v.consumption_x10 >= 30 && v.consumption_x10 <= 160, "%d", v.consumption_x10);
    cr_assert(v.features >> FEAT__COUNT == 0);
    cr_assert(v.published_at <= now);
    if ((i & 1023) == 0)
      arena_free(a), a = arena_new(1 << 20);
  }
  for (int c = 0; c < COND__COUNT; c++)
    cr_assert_gt(cond[c], 500, "condition %d occurs", c);
  cr_assert_gt(cond[COND_USED], 60000, "most are used cars");
  cr_assert_gt(fuel[FUEL_ELECTRIC], 3000);
  cr_assert_gt(fuel[FUEL_DIESEL], 15000);
  arena_free(a);
}

Test(seed, demo_dealers_are_complete)
{
  cr_assert_eq(seed_dealer_count, 3);
  for (int i = 0; i < seed_dealer_count; i++) {
    cr_assert_gt(strlen(seed_dealers[i].slug), 3);
    cr_assert_gt(strlen(seed_dealers[i].zip), 4);
    cr_assert(strchr(seed_dealers[i].email, '@'));
  }
}
