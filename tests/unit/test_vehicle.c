/* Unit tests for the vehicle model: enum tables, PS conversion, VIN, validation,
 * and the JSON shape in both directions (create and PATCH). */
#include "core/arena.h"
#include "core/json.h"
#include "inventory/vehicle.h"
#include "inventory/vehicle_json.h"

#include <criterion/criterion.h>
#include <string.h>

static struct vehicle good(void)
{
  struct vehicle v;
  vehicle_init(&v);
  v.make = "Volkswagen";
  v.model = "Golf";
  v.variant = "1.5 eTSI Life DSG";
  v.body = BODY_COMPACT;
  v.condition = COND_USED;
  v.first_reg = 2022 * 12 + 4;
  v.mileage_km = 31000;
  v.power_kw = 110;
  v.fuel = FUEL_PETROL;
  v.gearbox = GEARBOX_AUTOMATIC;
  v.price_cents = 2449000;
  v.vat_mode = VAT_SHOWN;
  return v;
}

Test(vehicle, enum_tables_are_complete)
{
  cr_assert_eq(vehicle_enum_body.count, BODY__COUNT);
  cr_assert_eq(vehicle_enum_fuel.count, FUEL__COUNT);
  cr_assert_eq(vehicle_enum_feature.count, FEAT__COUNT);
  cr_assert_eq(enum_parse(&vehicle_enum_fuel, "plugin_hybrid"), FUEL_PLUGIN_HYBRID);
  cr_assert_eq(enum_parse(&vehicle_enum_fuel, "Diesel"), -1, "values are case-sensitive");
  cr_assert_str_eq(enum_label(&vehicle_enum_vat, VAT_MARGIN, "de"),
                   "Differenzbesteuert nach §25a UStG");
  cr_assert_str_eq(enum_label(&vehicle_enum_condition, COND_DEMO, "en"), "Demonstration car");
  cr_assert_str_eq(enum_label(&vehicle_enum_body, 99, "de"), "");
  /* every API value is unique within its table */
  const struct enum_def *all[] = {
      &vehicle_enum_body,      &vehicle_enum_fuel,   &vehicle_enum_gearbox,  &vehicle_enum_drive,
      &vehicle_enum_condition, &vehicle_enum_colour, &vehicle_enum_emission, &vehicle_enum_vat,
      &vehicle_enum_status,    &vehicle_enum_feature};
  for (size_t t = 0; t < sizeof all / sizeof all[0]; t++)
    for (int i = 0; i < all[t]->count; i++)
      cr_assert_eq(enum_parse(all[t], all[t]->values[i]), i, "%s", all[t]->values[i]);
}

Test(vehicle, ps_from_kw)
{
  cr_assert_eq(vehicle_ps(110), 150);
  cr_assert_eq(vehicle_ps(140), 190);
  cr_assert_eq(vehicle_ps(100), 136);
  cr_assert_eq(vehicle_ps(1), 1);
  cr_assert_eq(vehicle_ps(0), 0);
}

Test(vehicle, vin_rules)
{
  cr_assert(vehicle_vin_valid("WVWZZZ1KZAW000001"));
  cr_assert_not(vehicle_vin_valid("WVWZZZ1KZAW00000"), "16 chars");
  cr_assert_not(vehicle_vin_valid("WVWZZZ1KZAW00000O"), "O");
  cr_assert_not(vehicle_vin_valid("IVWZZZ1KZAW000001"), "I");
  cr_assert_not(vehicle_vin_valid("QVWZZZ1KZAW000001"), "Q");
  cr_assert_not(vehicle_vin_valid("wvwzzz1kzaw000001"), "lower case");
}

Test(vehicle, validation_collects_every_field)
{
  struct arena *a = arena_new(0);
  struct field_errors errs;
  field_errors_init(&errs, a);
  struct vehicle v = good();
  cr_assert_eq(vehicle_validate(&v, &errs), 0);
  v.make = "";
  v.mileage_km = -5;
  v.power_kw = 0;
  v.price_cents = 0;
  v.vin = "XYZ";
  v.first_reg = 2999 * 12;
  v.co2_class = "H";
  cr_assert_eq(vehicle_validate(&v, &errs), -1);
  const char *fields[] = {"make", "mileage_km",         "power_kw", "price_cents",
                          "vin",  "first_registration", "co2_class"};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
    cr_assert_not_null(field_error_get(&errs, fields[i]), "%s", fields[i]);
  arena_free(a);
}

Test(vehicle, new_and_electric_rules)
{
  struct arena *a = arena_new(0);
  struct field_errors errs;
  field_errors_init(&errs, a);
  struct vehicle v = good();
  v.first_reg = -1;
  cr_assert_eq(vehicle_validate(&v, &errs), -1, "used cars need a first registration");
  v.condition = COND_NEW;
  v.mileage_km = 10;
  field_errors_init(&errs, a);
  cr_assert_eq(vehicle_validate(&v, &errs), 0, "new cars do not");
  v.mileage_km = 5000;
  cr_assert_eq(vehicle_validate(&v, &errs), -1);
  v = good();
  v.fuel = FUEL_ELECTRIC;
  v.ccm = 1498;
  field_errors_init(&errs, a);
  cr_assert_eq(vehicle_validate(&v, &errs), -1);
  cr_assert_not_null(field_error_get(&errs, "ccm"));
  v.description = "bad \x01 control";
  v.ccm = -1;
  field_errors_init(&errs, a);
  cr_assert_eq(vehicle_validate(&v, &errs), -1);
  cr_assert_not_null(field_error_get(&errs, "description"));
  arena_free(a);
}

static json_t *parse(const char *s)
{
  json_error_t je;
  json_t *j = json_loads(s, 0, &je);
  cr_assert_not_null(j, "%s", je.text);
  return j;
}

Test(vehicle_json, create_round_trip)
{
  struct arena *a = arena_new(0);
  json_t *in =
      parse("{\"make\":\" BMW \",\"model\":\"3er\",\"variant\":\"320d Touring\","
            "\"body\":\"estate\",\"condition\":\"used\",\"first_registration\":\"2021-03\","
            "\"mileage_km\":48500,\"power_kw\":140,\"fuel\":\"diesel\","
            "\"gearbox\":\"automatic\",\"price_cents\":3249000,\"vat_mode\":\"margin\","
            "\"features\":[\"navigation\",\"heated_seats\"],\"consumption_combined\":5.14,"
            "\"co2_class\":\"D\",\"hu_until\":null}");
  struct vehicle v;
  vehicle_init(&v);
  struct field_errors errs;
  field_errors_init(&errs, a);
  cr_assert_eq(vehicle_from_json(a, in, true, &v, &errs), 0, "%s", errs.n ? errs.e[0].detail : "");
  cr_assert_str_eq(v.make, "BMW", "trimmed");
  cr_assert_eq(v.first_reg, 2021 * 12 + 2);
  cr_assert_eq(v.consumption_x10, 51);
  cr_assert_eq(v.features, (1u << FEAT_NAVIGATION) | (1u << FEAT_HEATED_SEATS));
  cr_assert_eq(v.vat_mode, VAT_MARGIN);
  cr_assert_eq(v.status, STATUS_DRAFT, "new vehicles start as drafts");
  strcpy(v.public_id, "0123456789abcdef");
  json_t *out = vehicle_to_json(&v);
  cr_assert_str_eq(json_string_value(json_object_get(out, "first_registration")), "2021-03");
  cr_assert_eq(json_integer_value(json_object_get(out, "power_ps")), 190);
  cr_assert(json_is_null(json_object_get(out, "hu_until")));
  cr_assert_float_eq(json_real_value(json_object_get(out, "consumption_combined")), 5.1, 1e-9);
  cr_assert_eq(json_array_size(json_object_get(out, "features")), 2);
  json_decref(out);
  json_decref(in);
  arena_free(a);
}

Test(vehicle_json, errors_name_fields_and_reject_unknown_and_read_only)
{
  struct arena *a = arena_new(0);
  json_t *in = parse("{\"make\":42,\"model\":\"\",\"body\":\"spaceship\",\"condition\":\"used\","
                     "\"mileage_km\":1.5,\"power_kw\":\"110\",\"fuel\":\"diesel\","
                     "\"gearbox\":\"automatic\",\"price_cents\":-1,\"vat_mode\":\"vat\","
                     "\"features\":[\"navigation\",\"jetpack\"],\"id\":\"x\",\"tenant_id\":2,"
                     "\"wings\":2}");
  struct vehicle v;
  vehicle_init(&v);
  struct field_errors errs;
  field_errors_init(&errs, a);
  cr_assert_eq(vehicle_from_json(a, in, true, &v, &errs), -1);
  const char *want[] = {
      "make",        "model", "body",      "mileage_km", "power_kw",          "price_cents",
      "features[1]", "id",    "tenant_id", "wings",      "first_registration"};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    cr_assert_not_null(field_error_get(&errs, want[i]), "missing error for %s", want[i]);
  cr_assert_str_eq(field_error_get(&errs, "tenant_id")->code, "read_only");
  cr_assert_str_eq(field_error_get(&errs, "wings")->code, "unknown");
  json_decref(in);
  arena_free(a);
}

Test(vehicle_json, patch_changes_only_present_fields)
{
  struct arena *a = arena_new(0);
  struct vehicle v = good();
  json_t *in = parse("{\"price_cents\": 1999000, \"status\": \"published\"}");
  struct field_errors errs;
  field_errors_init(&errs, a);
  cr_assert_eq(vehicle_from_json(a, in, false, &v, &errs), 0);
  cr_assert_eq(v.price_cents, 1999000);
  cr_assert_eq(v.status, STATUS_PUBLISHED);
  cr_assert_str_eq(v.make, "Volkswagen");
  cr_assert_eq(v.mileage_km, 31000);
  json_decref(in);
  in = parse("{\"make\": null}");
  field_errors_init(&errs, a);
  cr_assert_eq(vehicle_from_json(a, in, false, &v, &errs), -1, "make cannot be nulled");
  json_decref(in);
  arena_free(a);
}

Test(vehicle, listed_means_published_or_reserved_after_publication)
{
  struct vehicle v;
  vehicle_init(&v);
  v.status = STATUS_PUBLISHED;
  cr_assert(vehicle_listed(&v));
  v.status = STATUS_RESERVED;
  v.published_at = 0;
  cr_assert_not(vehicle_listed(&v), "a draft reserved by a Börse deal was never public");
  v.published_at = 1700000000;
  cr_assert(vehicle_listed(&v));
  v.status = STATUS_DRAFT;
  cr_assert_not(vehicle_listed(&v));
  v.status = STATUS_SOLD;
  cr_assert_not(vehicle_listed(&v), "sold vehicles leave the lists (their page says 410)");
}
