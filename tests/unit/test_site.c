/* Unit tests for src/web/site.c: vehicle slugs and ids in URLs, the Pkw-EnVKV CO2
 * class, German number formatting, the canonical search query and the JSON-LD
 * of a vehicle (valid JSON, no way to close the <script> element early). */
#include "core/arena.h"
#include "core/json.h"
#include "search/search.h"
#include "site/site.h"
#include "tenant/tenant.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

Test(site, slugs_are_readable_ascii)
{
  struct arena *a = arena_new(0);
  struct {
    const char *make, *model, *variant, *want;
  } cases[] = {
      {"BMW", "3er", "320d Touring M Sport", "bmw-3er-320d-touring-m-sport"},
      {"Škoda", "Octavia", "Combi 2.0 TDI RS", "skoda-octavia-combi-2-0-tdi-rs"},
      {"Mercedes-Benz", "C-Klasse", "C 300 e T-Modell", "mercedes-benz-c-klasse-c-300-e-t-modell"},
      {"Citroën", "Ë-C4", "Größe & Weiß", "citroen-e-c4-groesse-weiss"},
      {"Opel", "Grandland", "", "opel-grandland"},
      {"", "", "", ""},
      {"VW", "Golf", "<script>alert(1)</script>", "vw-golf-script-alert-1-script"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    cr_expect_str_eq(site_vehicle_slug(a, cases[i].make, cases[i].model, cases[i].variant),
                     cases[i].want, "%s %s %s", cases[i].make, cases[i].model, cases[i].variant);
  const char *longv = "Sportback 40 TFSI quattro S line Black Edition Matrix LED Panorama "
                      "Bang Olufsen Head-up Standheizung AHK";
  const char *s = site_vehicle_slug(a, "Audi", "A5", longv);
  cr_expect_leq(strlen(s), SITE_SLUG_MAX);
  cr_expect_neq(s[strlen(s) - 1], '-', "no trailing dash");
  cr_expect(strncmp(s, "audi-a5-sportback-40-tfsi", 25) == 0, "%s", s);
  /* words are not cut: the slug ends where a word of the full slug ends */
  const char *full = "audi-a5-sportback-40-tfsi-quattro-s-line-black-edition-matrix-led-panorama-"
                     "bang-olufsen-head-up-standheizung-ahk";
  cr_expect(strncmp(full, s, strlen(s)) == 0 && full[strlen(s)] == '-', "%s", s);
  cr_expect_str_eq(site_vehicle_path(a, "VW", "Golf", "GTI", "abcdefghjkmnpqrs"),
                   "/fahrzeuge/vw-golf-gti-abcdefghjkmnpqrs");
  cr_expect_str_eq(site_vehicle_path(a, "", "", "", "abcdefghjkmnpqrs"),
                   "/fahrzeuge/abcdefghjkmnpqrs");
  arena_free(a);
}

Test(site, the_id_is_the_end_of_the_slug)
{
  cr_expect_str_eq(site_slug_id("vw-golf-gti-abcdefghjkmnpqrs"), "abcdefghjkmnpqrs");
  cr_expect_str_eq(site_slug_id("abcdefghjkmnpqrs"), "abcdefghjkmnpqrs");
  cr_expect_str_eq(site_slug_id("wrong-slug-abcdefghjkmnpqrs"), "abcdefghjkmnpqrs");
  cr_expect_null(site_slug_id("vw-golf-gtiabcdefghjkmnpqrs"), "no dash before the id");
  cr_expect_null(site_slug_id("vw-golf"));
  cr_expect_null(site_slug_id(""));
  cr_expect_null(site_slug_id("vw-golf-ABCDEFGHJKMNPQRS"), "ids are lower case");
  cr_expect_null(site_slug_id("vw-golf-abcdefghjkmnpq<s"));
  cr_expect_null(site_slug_id(NULL));
}

Test(site, co2_class_boundaries_of_the_2024_pkw_envkv)
{
  struct {
    int g;
    const char *cls;
  } cases[] = {{0, "A"},   {1, "B"},   {95, "B"},  {96, "C"},  {115, "C"}, {116, "D"}, {135, "D"},
               {136, "E"}, {155, "E"}, {156, "F"}, {175, "F"}, {176, "G"}, {250, "G"}, {999, "G"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    cr_expect_str_eq(site_co2_class(cases[i].g), cases[i].cls, "%d g/km", cases[i].g);
  cr_expect_null(site_co2_class(-1), "unknown");
}

Test(site, german_numbers)
{
  struct arena *a = arena_new(0);
  cr_expect_str_eq(site_int_de(a, 0), "0");
  cr_expect_str_eq(site_int_de(a, 999), "999");
  cr_expect_str_eq(site_int_de(a, 1000), "1.000");
  cr_expect_str_eq(site_int_de(a, 213457), "213.457");
  cr_expect_str_eq(site_int_de(a, -1234567), "-1.234.567");
  cr_expect_str_eq(site_int_de(a, INT64_MIN), "-9.223.372.036.854.775.808");
  arena_free(a);
}

static const char *canon(struct arena *a, const char *qs, int page)
{
  const char **names, **values;
  int n = http_parse_urlencoded(a, qs, strlen(qs), &names, &values);
  struct search_query q;
  struct field_errors errs;
  field_errors_init(&errs, a);
  search_query_parse(a, n, names, values, 0, &q, &errs);
  return site_search_canonical(a, &q, page);
}

Test(site, canonical_search_query_has_one_stable_form)
{
  struct arena *a = arena_new(0);
  cr_expect_str_eq(canon(a, "", 1), "");
  cr_expect_str_eq(canon(a, "page=1&sort=relevance&make=", 1), "");
  const char *x =
      canon(a, "sort=price_asc&fuel=petrol&make=VW&fuel=diesel&price_max=20000&q=Golf++GTI", 1);
  const char *y =
      canon(a, "q=golf%20gti&make=VW&fuel=diesel,petrol&price_max=20000&sort=price_asc", 1);
  cr_expect_str_eq(x, y);
  cr_expect_str_eq(x, "q=golf%20gti&make=VW&fuel=petrol%2Cdiesel&price_max=20000&sort=price_asc");
  cr_expect_str_eq(canon(a, "make=BMW,Audi,bmw", 1), "make=Audi%2CBMW");
  cr_expect_str_eq(canon(a, "year_min=2019&year_max=2022&page=3", 1),
                   "year_min=2019&year_max=2022&page=3");
  cr_expect_str_eq(canon(a, "year_min=2019&page=3", 0), "year_min=2019");
  cr_expect_str_eq(canon(a, "first_reg_min=2019-04", 1), "first_reg_min=2019-04");
  cr_expect_str_eq(canon(a, "price_min=-5&fuel=rocket&unknown=1&power_min=100", 1), "power_min=100",
                   "bad values are dropped");
  arena_free(a);
}

Test(site, search_depth_counts_filter_groups)
{
  struct arena *a = arena_new(0);
  const char *qs =
      "make=VW&model=Golf&fuel=diesel,petrol&price_min=1000&price_max=9000&sort=price_asc&page=2";
  const char **names, **values;
  int n = http_parse_urlencoded(a, qs, strlen(qs), &names, &values);
  struct search_query q;
  struct field_errors errs;
  field_errors_init(&errs, a);
  search_query_parse(a, n, names, values, 0, &q, &errs);
  cr_expect_eq(site_search_depth(&q), 4);
  arena_free(a);
}

Test(site, jsonld_is_valid_and_cannot_close_the_script)
{
  struct arena *a = arena_new(0);
  struct vehicle v;
  vehicle_init(&v);
  v.make = "VW";
  v.model = "Golf";
  v.variant = "GTI </script><script>alert(1)</script> & Co";
  v.fuel = FUEL_PETROL;
  v.gearbox = GEARBOX_AUTOMATIC;
  v.first_reg = 2021 * 12 + 2;
  v.mileage_km = 45000;
  v.power_kw = 180;
  v.price_cents = 2899050;
  v.vin = "WVWZZZ1KZAW000001";
  v.status = STATUS_PUBLISHED;
  v.condition = COND_USED;
  struct tenant t = {.name = "Autohaus \"Berger\"",
                     .street = "Hauptstr. 1",
                     .zip = "10115",
                     .city = "Berlin",
                     .country = "DE",
                     .phone = "+49 30 1234",
                     .email = "a@b.de"};
  const char *ld = site_vehicle_jsonld(a, &v, "https://cc24.example/fahrzeuge/x", &t, NULL, 0);
  cr_expect_null(strstr(ld, "</"), "no closing tag inside: %s", ld);
  cr_expect_null(strchr(ld, '<'));
  json_error_t je;
  json_t *j = json_loads(ld, 0, &je);
  cr_assert_not_null(j, "%s", je.text);
  cr_expect_str_eq(json_string_value(json_object_get(j, "@type")), "Car");
  cr_expect_str_eq(json_string_value(json_object_get(j, "vehicleConfiguration")),
                   "GTI </script><script>alert(1)</script> & Co", "the text survives intact");
  cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "brand"), "name")), "VW");
  cr_expect_str_eq(json_string_value(json_object_get(j, "vehicleIdentificationNumber")),
                   "WVWZZZ1KZAW000001");
  cr_expect_str_eq(json_string_value(json_object_get(j, "dateVehicleFirstRegistered")), "2021-03");
  cr_expect_eq(
      json_integer_value(json_object_get(json_object_get(j, "mileageFromOdometer"), "value")),
      45000);
  json_t *o = json_object_get(j, "offers");
  cr_expect_str_eq(json_string_value(json_object_get(o, "price")), "28990.50");
  cr_expect_str_eq(json_string_value(json_object_get(o, "priceCurrency")), "EUR");
  cr_expect_str_eq(json_string_value(json_object_get(o, "availability")),
                   "https://schema.org/InStock");
  cr_expect_str_eq(json_string_value(json_object_get(json_object_get(o, "seller"), "name")),
                   "Autohaus \"Berger\"");
  json_decref(j);

  v.vin = "";
  v.status = STATUS_SOLD;
  j = json_loads(site_vehicle_jsonld(a, &v, "u", NULL, NULL, 0), 0, &je);
  cr_assert_not_null(j);
  cr_expect_null(json_object_get(j, "vehicleIdentificationNumber"), "no VIN, no field");
  cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "offers"), "availability")),
                   "https://schema.org/SoldOut");
  json_decref(j);
  arena_free(a);
}
