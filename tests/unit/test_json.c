/* Unit tests for src/core/json: the declarative field parser (json_parse_fields with
 * struct json_field / JF_* specs), the field error list and json_arena.
 *
 * Most cases are table-driven over one spec that holds every field type: a document,
 * the options, and the one field error expected (field name and code) or none, plus
 * the value the output must hold afterwards. Body-level checks (duplicate keys,
 * nesting depth, invalid UTF-8 in the raw body) are http_json_body's job and are
 * tested in test_http; here the parser is fed what jansson gives it. */
#include "core/arena.h"
#include "core/enumdef.h"
#include "core/json.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

static const char *const fuel_values[] = {"petrol", "diesel", "electric"};
static const struct enum_def fuel_def = {"fuel", 3, fuel_values, fuel_values, fuel_values};

static const char *const feat_values[] = {"abs", "esp", "navigation", "towbar"};
static const struct enum_def feat_def = {"features", 4, feat_values, feat_values, feat_values};

/* One record with a field of every type. */
struct rec {
  char *name;     /* STRING, required, 2..5 code points */
  int year;       /* INT 1900..2100 */
  int64_t price;  /* I64 0..10^14 */
  bool sold;      /* BOOL */
  int fuel;       /* ENUM */
  int first_reg;  /* YM */
  uint64_t feats; /* FLAGS */
  double ratio;   /* NUMBER */
  char *note;     /* STRING, nullable, no upper bound */
  int doors;      /* INT 2..5, nullable */
  int64_t km;     /* I64 -1..2000000, nullable */
  bool name_present, year_present;
};

static struct rec r;
static struct json_field spec[16];
static struct arena *a;
static struct field_errors errs;

/* Every output starts with a sentinel, so "left as it was" can be checked. */
static void rec_reset(void)
{
  memset(&r, 0, sizeof r);
  r.name = "unset";
  r.year = 777;
  r.price = 777;
  r.sold = true;
  r.fuel = 77;
  r.first_reg = 77;
  r.feats = 0x77;
  r.ratio = 7.7;
  r.note = "unset";
  r.doors = 77;
  r.km = 77;
}

static void setup(void)
{
  a = arena_new(0);
  field_errors_init(&errs, a);
  rec_reset();
  struct json_field s[] = {
      JF_STRING("name", &r.name, JF_REQUIRED, 2, 5),
      JF_INT("year", &r.year, 0, 1900, 2100),
      JF_I64("price_cents", &r.price, 0, 0, 100000000000000LL),
      JF_BOOL("sold", &r.sold, 0),
      JF_ENUM("fuel", &r.fuel, 0, &fuel_def),
      JF_YM("first_reg", &r.first_reg, 0),
      JF_FLAGS("features", &r.feats, 0, &feat_def),
      JF_NUMBER("ratio", &r.ratio, 0),
      JF_STRING("note", &r.note, JF_NULLABLE, 0, 0),
      JF_INT("doors", &r.doors, JF_NULLABLE, 2, 5),
      JF_I64("mileage_km", &r.km, JF_NULLABLE, -1, 2000000),
      JF_END,
  };
  memcpy(spec, s, sizeof s);
  spec[0].present = &r.name_present;
  spec[1].present = &r.year_present;
}

static void teardown(void)
{
  arena_free(a);
}

/* Load text (must be valid JSON) into the arena. */
static json_t *doc(const char *text)
{
  json_error_t je;
  json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
  cr_assert_not_null(j, "test JSON %s: %s", text, je.text);
  return json_arena(a, j);
}

static int parse(const char *text, unsigned opts)
{
  rec_reset();
  field_errors_init(&errs, a);
  return json_parse_fields(a, doc(text), spec, opts, &errs);
}

/* ---- one table of rejected documents: each names exactly one field and a code ---- */

struct bad_case {
  const char *json;
  unsigned opts;
  const char *field;
  const char *code;
};

static const struct bad_case bad_cases[] = {
    /* required vs optional */
    {"{}", 0, "name", "required"},
    {"{\"year\":2000}", 0, "name", "required"},
    /* present but null: only JF_NULLABLE fields accept it */
    {"{\"name\":null}", 0, "name", "type"},
    {"{\"name\":\"Golf\",\"year\":null}", 0, "year", "type"},
    {"{\"name\":\"Golf\",\"sold\":null}", 0, "sold", "type"},
    {"{\"name\":\"Golf\",\"fuel\":null}", 0, "fuel", "type"},
    {"{\"name\":\"Golf\",\"features\":null}", 0, "features", "type"},
    /* strings: wrong JSON type, length in code points */
    {"{\"name\":5}", 0, "name", "type"},
    {"{\"name\":true}", 0, "name", "type"},
    {"{\"name\":[\"Golf\"]}", 0, "name", "type"},
    {"{\"name\":{\"de\":\"Golf\"}}", 0, "name", "type"},
    {"{\"name\":\"G\"}", 0, "name", "length"},
    {"{\"name\":\"\"}", 0, "name", "length"},
    {"{\"name\":\"Golf 8\"}", 0, "name", "length"},
    {"{\"name\":\"\\u00c4\\u00d6\\u00dc\\u00df\\u00e9\\u00e8\"}", 0, "name", "length"},
    /* integers: bounds inclusive, strings and fractions refused */
    {"{\"name\":\"Golf\",\"year\":1899}", 0, "year", "range"},
    {"{\"name\":\"Golf\",\"year\":2101}", 0, "year", "range"},
    {"{\"name\":\"Golf\",\"year\":-2147483649}", 0, "year", "range"},
    {"{\"name\":\"Golf\",\"year\":\"2000\"}", 0, "year", "type"},
    {"{\"name\":\"Golf\",\"year\":2000.5}", 0, "year", "type"},
    {"{\"name\":\"Golf\",\"year\":true}", 0, "year", "type"},
    {"{\"name\":\"Golf\",\"price_cents\":-1}", 0, "price_cents", "range"},
    {"{\"name\":\"Golf\",\"price_cents\":100000000000001}", 0, "price_cents", "range"},
    {"{\"name\":\"Golf\",\"price_cents\":9223372036854775807}", 0, "price_cents", "range"},
    {"{\"name\":\"Golf\",\"price_cents\":1e20}", 0, "price_cents", "type"},
    {"{\"name\":\"Golf\",\"price_cents\":9.5e15}", 0, "price_cents", "type"},
    {"{\"name\":\"Golf\",\"doors\":6}", 0, "doors", "range"},
    {"{\"name\":\"Golf\",\"mileage_km\":-2}", 0, "mileage_km", "range"},
    /* booleans are true/false only */
    {"{\"name\":\"Golf\",\"sold\":1}", 0, "sold", "type"},
    {"{\"name\":\"Golf\",\"sold\":\"true\"}", 0, "sold", "type"},
    /* enums: strings from the table, case-sensitive */
    {"{\"name\":\"Golf\",\"fuel\":\"kerosene\"}", 0, "fuel", "enum"},
    {"{\"name\":\"Golf\",\"fuel\":\"Diesel\"}", 0, "fuel", "enum"},
    {"{\"name\":\"Golf\",\"fuel\":\"\"}", 0, "fuel", "enum"},
    {"{\"name\":\"Golf\",\"fuel\":1}", 0, "fuel", "type"},
    /* year-month */
    {"{\"name\":\"Golf\",\"first_reg\":\"2021-13\"}", 0, "first_reg", "format"},
    {"{\"name\":\"Golf\",\"first_reg\":\"2021-3\"}", 0, "first_reg", "format"},
    {"{\"name\":\"Golf\",\"first_reg\":\"1899-12\"}", 0, "first_reg", "format"},
    {"{\"name\":\"Golf\",\"first_reg\":202103}", 0, "first_reg", "type"},
    /* flags: an array of enum strings; the bad element is named with its index */
    {"{\"name\":\"Golf\",\"features\":\"abs\"}", 0, "features", "type"},
    {"{\"name\":\"Golf\",\"features\":{\"abs\":true}}", 0, "features", "type"},
    {"{\"name\":\"Golf\",\"features\":[\"abs\",\"jetpack\"]}", 0, "features[1]", "enum"},
    {"{\"name\":\"Golf\",\"features\":[3]}", 0, "features[0]", "enum"},
    {"{\"name\":\"Golf\",\"features\":[[\"abs\"]]}", 0, "features[0]", "enum"},
    /* numbers */
    {"{\"name\":\"Golf\",\"ratio\":\"1.5\"}", 0, "ratio", "type"},
    {"{\"name\":\"Golf\",\"ratio\":false}", 0, "ratio", "type"},
    /* unknown keys only with JSON_REJECT_UNKNOWN; the key is the field */
    {"{\"name\":\"Golf\",\"colour\":\"red\"}", JSON_REJECT_UNKNOWN, "colour", "unknown"},
    {"{\"name\":\"Golf\",\"Name\":\"x\"}", JSON_REJECT_UNKNOWN, "Name", "unknown"},
    /* JSON_PATCH lifts "required" but not the checks of fields that are there */
    {"{\"name\":\"G\"}", JSON_PATCH, "name", "length"},
    {"{\"year\":3000}", JSON_PATCH, "year", "range"},
};

Test(json_fields, each_bad_document_names_its_field, .init = setup, .fini = teardown)
{
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
    const struct bad_case *c = &bad_cases[i];
    int rc = parse(c->json, c->opts);
    cr_assert_eq(rc, -1, "%s: accepted", c->json);
    cr_assert_eq(errs.n, 1, "%s: %d errors, first %s/%s", c->json, errs.n,
                 errs.n ? errs.e[0].field : "-", errs.n ? errs.e[0].code : "-");
    cr_assert_str_eq(errs.e[0].field, c->field, "%s", c->json);
    cr_assert_str_eq(errs.e[0].code, c->code, "%s: %s", c->json, errs.e[0].detail);
    cr_assert_not_null(strstr(errs.e[0].detail, c->field), "%s: detail \"%s\" names no field",
                       c->json, errs.e[0].detail);
    cr_assert_eq(field_error_get(&errs, c->field), &errs.e[0]);
  }
}

/* A refused value never reaches the output. */
Test(json_fields, refused_values_leave_outputs_untouched, .init = setup, .fini = teardown)
{
  cr_assert_eq(parse("{\"name\":\"G\",\"year\":1800,\"price_cents\":-5,\"sold\":0,"
                     "\"fuel\":\"coal\",\"first_reg\":\"x\",\"features\":[\"abs\",\"no\"],"
                     "\"ratio\":\"1\",\"doors\":9,\"mileage_km\":\"5\"}",
                     0),
               -1);
  cr_assert_eq(errs.n, 10, "every bad field is reported, not just the first");
  cr_assert_str_eq(r.name, "unset");
  cr_assert_eq(r.year, 777);
  cr_assert_eq(r.price, 777);
  cr_assert(r.sold);
  cr_assert_eq(r.fuel, 77);
  cr_assert_eq(r.first_reg, 77);
  cr_assert_eq(r.feats, 0x77, "a flags array with one bad element is not applied in part");
  cr_assert_float_eq(r.ratio, 7.7, 1e-9);
  cr_assert_eq(r.doors, 77);
  cr_assert_eq(r.km, 77);
  const char *expect[] = {"name",      "year",        "price_cents", "sold",  "fuel",
                          "first_reg", "features[1]", "ratio",       "doors", "mileage_km"};
  for (int i = 0; i < 10; i++)
    cr_assert_str_eq(errs.e[i].field, expect[i], "errors follow the spec order");
}

/* ---- accepted documents and the values they produce ---- */

Test(json_fields, every_type_is_decoded, .init = setup, .fini = teardown)
{
  int rc = parse("{\"name\":\"Golf\",\"year\":2021,\"price_cents\":2499900,\"sold\":false,"
                 "\"fuel\":\"diesel\",\"first_reg\":\"2021-03\",\"features\":[\"esp\",\"towbar\"],"
                 "\"ratio\":0.25,\"note\":\"zwei Halter\",\"doors\":5,\"mileage_km\":12000}",
                 JSON_REJECT_UNKNOWN);
  cr_assert_eq(rc, 0, "%s", errs.n ? errs.e[0].detail : "");
  cr_assert_eq(errs.n, 0);
  cr_assert_str_eq(r.name, "Golf");
  cr_assert_eq(r.year, 2021);
  cr_assert_eq(r.price, 2499900);
  cr_assert_not(r.sold);
  cr_assert_eq(r.fuel, 1);
  cr_assert_eq(r.first_reg, 2021 * 12 + 2);
  cr_assert_eq(r.feats, (1u << 1) | (1u << 3));
  cr_assert_float_eq(r.ratio, 0.25, 1e-12);
  cr_assert_str_eq(r.note, "zwei Halter");
  cr_assert_eq(r.doors, 5);
  cr_assert_eq(r.km, 12000);
  cr_assert(r.name_present);
  cr_assert(r.year_present);
}

Test(json_fields, limits_are_inclusive, .init = setup, .fini = teardown)
{
  cr_assert_eq(parse("{\"name\":\"Go\",\"year\":1900,\"price_cents\":0,\"doors\":2}", 0), 0);
  cr_assert_str_eq(r.name, "Go");
  cr_assert_eq(r.year, 1900);
  cr_assert_eq(r.price, 0);
  cr_assert_eq(r.doors, 2);
  cr_assert_eq(parse("{\"name\":\"Golf8\",\"year\":2100,\"price_cents\":100000000000000}", 0), 0);
  cr_assert_str_eq(r.name, "Golf8");
  cr_assert_eq(r.year, 2100);
  cr_assert_eq(r.price, 100000000000000LL, "an I64 beyond 32 bits is kept whole");
}

Test(json_fields, string_length_counts_code_points_not_bytes, .init = setup, .fini = teardown)
{
  /* "ÄÖÜßé": five code points, ten bytes */
  cr_assert_eq(parse("{\"name\":\"\\u00c4\\u00d6\\u00dc\\u00df\\u00e9\"}", 0), 0);
  cr_assert_str_eq(r.name, "\xC3\x84\xC3\x96\xC3\x9C\xC3\x9F\xC3\xA9");
  cr_assert_eq(strlen(r.name), 10);
  /* two emoji outside the BMP (surrogate pairs in JSON): 2 code points, 8 bytes */
  cr_assert_eq(parse("{\"name\":\"\\ud83d\\ude97\\ud83d\\ude99\"}", 0), 0);
  cr_assert_eq(strlen(r.name), 8);
  /* max 0 means no upper bound */
  char big[5000];
  memset(big, 'x', sizeof big);
  const char *pre = "{\"name\":\"Golf\",\"note\":\"";
  memcpy(big, pre, strlen(pre));
  memcpy(big + sizeof big - 3, "\"}", 3);
  cr_assert_eq(parse(big, 0), 0);
  cr_assert_eq(strlen(r.note), sizeof big - 3 - strlen(pre));
}

Test(json_fields, integral_reals_are_integers, .init = setup, .fini = teardown)
{
  cr_assert_eq(parse("{\"name\":\"Golf\",\"year\":2000.0,\"price_cents\":1e3}", 0), 0);
  cr_assert_eq(r.year, 2000);
  cr_assert_eq(r.price, 1000);
  cr_assert_eq(parse("{\"name\":\"Golf\",\"price_cents\":8.9e13}", 0), 0);
  cr_assert_eq(r.price, 89000000000000LL);
}

Test(json_fields, null_on_nullable_fields_gives_the_empty_value, .init = setup, .fini = teardown)
{
  cr_assert_eq(parse("{\"name\":\"Golf\",\"note\":null,\"doors\":null,\"mileage_km\":null}", 0), 0);
  cr_assert_str_eq(r.note, "");
  cr_assert_eq(r.doors, -1);
  cr_assert_eq(r.km, -1);
}

Test(json_fields, absent_fields_keep_their_value_and_are_not_present, .init = setup,
     .fini = teardown)
{
  cr_assert_eq(parse("{\"year\":2001}", JSON_PATCH), 0, "PATCH: name may be missing");
  cr_assert_str_eq(r.name, "unset", "PATCH pre-fills from the stored row");
  cr_assert_not(r.name_present);
  cr_assert(r.year_present);
  cr_assert_eq(r.year, 2001);
  cr_assert_eq(r.price, 777);
  cr_assert_eq(r.feats, 0x77);
  /* present is set even when the value is refused */
  cr_assert_eq(parse("{\"name\":\"Golf\",\"year\":\"x\"}", 0), -1);
  cr_assert(r.year_present);
}

Test(json_fields, empty_flags_array_clears_every_bit, .init = setup, .fini = teardown)
{
  cr_assert_eq(parse("{\"name\":\"Golf\",\"features\":[]}", 0), 0);
  cr_assert_eq(r.feats, 0);
  cr_assert_eq(parse("{\"name\":\"Golf\",\"features\":[\"abs\",\"abs\",\"navigation\"]}", 0), 0);
  cr_assert_eq(r.feats, (1u << 0) | (1u << 2), "repeats set the bit once");
}

Test(json_fields, unknown_keys_without_the_option_are_ignored, .init = setup, .fini = teardown)
{
  cr_assert_eq(parse("{\"name\":\"Golf\",\"colour\":\"red\",\"deep\":[[[[{\"x\":[1]}]]]]}", 0), 0);
  cr_assert_eq(errs.n, 0);
  cr_assert_eq(parse("{\"name\":\"Golf\",\"colour\":\"red\",\"deep\":[[[[{\"x\":[1]}]]]]}",
                     JSON_REJECT_UNKNOWN),
               -1);
  cr_assert_eq(errs.n, 2);
  cr_assert_not_null(field_error_get(&errs, "colour"));
  cr_assert_not_null(field_error_get(&errs, "deep"));
  cr_assert_str_eq(field_error_get(&errs, "deep")->code, "unknown");
}

Test(json_fields, nested_values_are_a_type_error_not_a_crash, .init = setup, .fini = teardown)
{
  /* A spec is flat: an object or array where a scalar belongs is refused by type. */
  cr_assert_eq(parse("{\"name\":\"Golf\",\"year\":{\"a\":{\"b\":{\"c\":1}}},"
                     "\"ratio\":[[[[[[1.0]]]]]],\"fuel\":[\"diesel\"]}",
                     0),
               -1);
  cr_assert_eq(errs.n, 3);
  cr_assert_str_eq(field_error_get(&errs, "year")->code, "type");
  cr_assert_str_eq(field_error_get(&errs, "ratio")->code, "type");
  cr_assert_str_eq(field_error_get(&errs, "fuel")->code, "type");
}

Test(json_fields, duplicate_keys, .init = setup, .fini = teardown)
{
  /* The API loads bodies with JSON_REJECT_DUPLICATES (http_json_body): a document that
   * says two things about one field never reaches the parser. */
  json_error_t je;
  cr_assert_null(json_loads("{\"name\":\"Golf\",\"name\":\"Polo\"}", JSON_REJECT_DUPLICATES, &je));
  /* Without the flag jansson keeps the last value; the parser sees one key only. */
  json_t *j = json_arena(a, json_loads("{\"name\":\"Golf\",\"name\":\"Polo\"}", 0, &je));
  cr_assert_not_null(j);
  rec_reset();
  cr_assert_eq(json_parse_fields(a, j, spec, JSON_REJECT_UNKNOWN, &errs), 0);
  cr_assert_str_eq(r.name, "Polo");
}

Test(json_fields, invalid_utf8_and_nul_are_refused, .init = setup, .fini = teardown)
{
  /* jansson refuses invalid UTF-8 when loading, but a json_t built by code can hold it */
  const char *bad[][2] = {
      {"\xFF\xFE", "lone bytes"},   {"G\xC3", "cut-off sequence"},
      {"\xC0\xAF\x41", "overlong"}, {"\xED\xA0\x80\x41", "surrogate"},
      {"G\0lf", "embedded NUL"},
  };
  size_t lens[] = {2, 2, 3, 4, 4};
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    json_t *o = json_arena(a, json_object());
    json_object_set_new(o, "name", json_stringn_nocheck(bad[i][0], lens[i]));
    rec_reset();
    field_errors_init(&errs, a);
    cr_assert_eq(json_parse_fields(a, o, spec, 0, &errs), -1, "%s accepted", bad[i][1]);
    cr_assert_eq(errs.n, 1);
    cr_assert_str_eq(errs.e[0].field, "name");
    cr_assert_str_eq(errs.e[0].code, "format", "%s", bad[i][1]);
    cr_assert_str_eq(r.name, "unset");
  }
}

Test(json_fields, strings_are_copied_into_the_arena, .init = setup, .fini = teardown)
{
  json_error_t je;
  json_t *j = json_loads("{\"name\":\"Golf\",\"note\":\"gepflegt\"}", 0, &je);
  rec_reset();
  cr_assert_eq(json_parse_fields(a, j, spec, 0, &errs), 0);
  const char *in_doc = json_string_value(json_object_get(j, "note"));
  cr_assert_neq((const void *)r.note, (const void *)in_doc);
  json_decref(j); /* the document is gone; the copies live on with the arena */
  cr_assert_str_eq(r.name, "Golf");
  cr_assert_str_eq(r.note, "gepflegt");
}

Test(json_fields, body_must_be_an_object, .init = setup, .fini = teardown)
{
  const char *docs[] = {"[1,2]", "\"Golf\"", "42", "null", "true"};
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
    json_error_t je;
    json_t *j = json_arena(a, json_loads(docs[i], JSON_DECODE_ANY, &je));
    cr_assert_not_null(j);
    field_errors_init(&errs, a);
    cr_assert_eq(json_parse_fields(a, j, spec, 0, &errs), -1, "%s", docs[i]);
    cr_assert_eq(errs.n, 1, "no field errors on top of the body error");
    cr_assert_str_eq(errs.e[0].field, "");
    cr_assert_str_eq(errs.e[0].code, "type");
  }
  field_errors_init(&errs, a);
  cr_assert_eq(json_parse_fields(a, NULL, spec, 0, &errs), -1, "no document at all");
}

Test(json_fields, errors_accumulate_across_calls, .init = setup, .fini = teardown)
{
  /* Two specs over one body (a handler validating in parts) share one error list; the
   * result of each call reflects only its own errors. */
  json_t *j = doc("{\"name\":\"G\",\"year\":2000}");
  rec_reset();
  cr_assert_eq(json_parse_fields(a, j, spec, 0, &errs), -1);
  cr_assert_eq(errs.n, 1);
  struct json_field only_year[] = {JF_INT("year", &r.year, JF_REQUIRED, 1900, 2100), JF_END};
  cr_assert_eq(json_parse_fields(a, j, only_year, 0, &errs), 0, "earlier errors do not count");
  cr_assert_eq(errs.n, 1);
  cr_assert_eq(r.year, 2000);
}

Test(json_fields, empty_spec_with_reject_unknown, .init = setup, .fini = teardown)
{
  struct json_field none[] = {JF_END};
  cr_assert_eq(json_parse_fields(a, doc("{}"), none, JSON_REJECT_UNKNOWN, &errs), 0);
  cr_assert_eq(json_parse_fields(a, doc("{\"a\":1,\"b\":2}"), none, JSON_REJECT_UNKNOWN, &errs),
               -1);
  cr_assert_eq(errs.n, 2);
}

/* ---- struct field_errors ---- */

Test(field_errors, add_get_and_format, .init = setup, .fini = teardown)
{
  cr_assert_null(field_error_get(&errs, "price_cents"));
  field_error_add(&errs, "price_cents", "range", "%s must be at most %d", "price_cents", 5);
  field_error_add(&errs, "make", "required", "make is required");
  field_error_add(&errs, "price_cents", "type", "second");
  cr_assert_eq(errs.n, 3);
  const struct field_error *e = field_error_get(&errs, "price_cents");
  cr_assert_not_null(e);
  cr_assert_str_eq(e->code, "range", "the first error of a field wins");
  cr_assert_str_eq(e->detail, "price_cents must be at most 5");
  cr_assert_str_eq(field_error_get(&errs, "make")->code, "required");
  cr_assert_null(field_error_get(&errs, "model"));
}

Test(field_errors, strings_are_copied, .init = setup, .fini = teardown)
{
  char name[16] = "features[3]";
  field_error_add(&errs, name, "enum", "x");
  memset(name, 0, sizeof name);
  cr_assert_str_eq(errs.e[0].field, "features[3]");
}

Test(field_errors, capped_at_the_maximum, .init = setup, .fini = teardown)
{
  for (int i = 0; i < FIELD_ERRORS_MAX + 10; i++)
    field_error_add(&errs, "f", "range", "error %d", i);
  cr_assert_eq(errs.n, FIELD_ERRORS_MAX);
  cr_assert_str_eq(errs.e[FIELD_ERRORS_MAX - 1].detail, "error 63");
  /* the parser stops adding too, and still reports failure */
  json_t *o = json_arena(a, json_object());
  field_errors_init(&errs, a);
  struct json_field many[FIELD_ERRORS_MAX + 6];
  static int outs[FIELD_ERRORS_MAX + 5];
  static char names[FIELD_ERRORS_MAX + 5][8];
  for (int i = 0; i < FIELD_ERRORS_MAX + 5; i++) {
    snprintf(names[i], sizeof names[i], "f%d", i);
    struct json_field f = JF_INT(names[i], &outs[i], JF_REQUIRED, 0, 1);
    many[i] = f;
  }
  struct json_field end = JF_END;
  many[FIELD_ERRORS_MAX + 5] = end;
  cr_assert_eq(json_parse_fields(a, o, many, 0, &errs), -1);
  cr_assert_eq(errs.n, FIELD_ERRORS_MAX);
}

/* ---- json_arena ---- */

Test(json_arena, reference_dropped_when_the_arena_is_freed)
{
  struct arena *b = arena_new(0);
  json_t *j = json_object();
  json_incref(j); /* ours */
  cr_assert_eq(json_arena(b, j), j);
  cr_assert_eq(j->refcount, 2);
  arena_free(b);
  cr_assert_eq(j->refcount, 1, "the arena let go of its reference");
  json_decref(j);
  struct arena *c = arena_new(0);
  cr_assert_null(json_arena(c, NULL), "a failed load passes through");
  arena_free(c);
}
