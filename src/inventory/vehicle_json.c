#include "inventory/vehicle_json.h"

#include "core/arena.h"
#include "core/json.h"
#include "core/str.h"

#include <math.h>
#include <string.h>

static json_t *int_or_null(int v)
{
  return v < 0 ? json_null() : json_integer(v);
}

static json_t *ym_or_null(int ym)
{
  if (ym < 0)
    return json_null();
  char s[8];
  vehicle_ym_format(ym, s);
  return json_string(s);
}

static json_t *x10_or_null(int v)
{
  return v < 0 ? json_null() : json_real(v / 10.0);
}

json_t *vehicle_to_json(const struct vehicle *v)
{
  json_t *feats = json_array();
  for (int i = 0; i < FEAT__COUNT; i++)
    if (v->features & ((uint64_t)1 << i))
      json_array_append_new(feats, json_string(vehicle_enum_feature.values[i]));
  json_t *o = json_object();
  json_object_set_new(o, "id", json_string(v->public_id));
  json_object_set_new(o, "dealer", json_string(v->dealer ? v->dealer : ""));
  json_object_set_new(o, "make", json_string(v->make));
  json_object_set_new(o, "model", json_string(v->model));
  json_object_set_new(o, "variant", json_string(v->variant));
  json_object_set_new(o, "body", json_string(enum_value(&vehicle_enum_body, v->body)));
  json_object_set_new(o, "condition",
                      json_string(enum_value(&vehicle_enum_condition, v->condition)));
  json_object_set_new(o, "first_registration", ym_or_null(v->first_reg));
  json_object_set_new(o, "mileage_km", json_integer(v->mileage_km));
  json_object_set_new(o, "power_kw", json_integer(v->power_kw));
  json_object_set_new(o, "power_ps", json_integer(vehicle_ps(v->power_kw)));
  json_object_set_new(o, "ccm", int_or_null(v->ccm));
  json_object_set_new(o, "fuel", json_string(enum_value(&vehicle_enum_fuel, v->fuel)));
  json_object_set_new(o, "gearbox", json_string(enum_value(&vehicle_enum_gearbox, v->gearbox)));
  json_object_set_new(o, "drive", json_string(enum_value(&vehicle_enum_drive, v->drive)));
  json_object_set_new(o, "colour", json_string(enum_value(&vehicle_enum_colour, v->colour)));
  json_object_set_new(o, "colour_name", json_string(v->colour_name));
  json_object_set_new(o, "doors", int_or_null(v->doors));
  json_object_set_new(o, "seats", int_or_null(v->seats));
  json_object_set_new(o, "previous_owners", int_or_null(v->previous_owners));
  json_object_set_new(o, "emission_class",
                      json_string(enum_value(&vehicle_enum_emission, v->emission_class)));
  json_object_set_new(o, "co2_g_km", int_or_null(v->co2_g_km));
  json_object_set_new(o, "consumption_combined", x10_or_null(v->consumption_x10));
  json_object_set_new(o, "consumption_electric", x10_or_null(v->consumption_el_x10));
  json_object_set_new(o, "electric_range_km", int_or_null(v->range_km));
  json_object_set_new(o, "co2_class", *v->co2_class ? json_string(v->co2_class) : json_null());
  json_object_set_new(o, "vin", json_string(v->vin));
  json_object_set_new(o, "hu_until", ym_or_null(v->hu_until));
  json_object_set_new(o, "accident_free", json_boolean(v->accident_free));
  json_object_set_new(o, "roadworthy", json_boolean(v->roadworthy));
  json_object_set_new(o, "price_cents", json_integer(v->price_cents));
  json_object_set_new(o, "vat_mode", json_string(enum_value(&vehicle_enum_vat, v->vat_mode)));
  json_object_set_new(o, "features", feats);
  json_object_set_new(o, "description", json_string(v->description));
  json_object_set_new(o, "status", json_string(enum_value(&vehicle_enum_status, v->status)));
  json_object_set_new(o, "created_at", json_integer(v->created_at));
  json_object_set_new(o, "updated_at", json_integer(v->updated_at));
  json_object_set_new(o, "published_at",
                      v->published_at ? json_integer(v->published_at) : json_null());
  return o;
}

static const char *const read_only[] = {"id",         "dealer",       "power_ps",  "created_at",
                                        "updated_at", "published_at", "tenant_id", NULL};

/* A consumption number (one decimal) to ×10 integer; -1 for null. */
static void x10_field(json_t *obj, const char *name, int *out, struct field_errors *errs)
{
  json_t *j = json_object_get(obj, name);
  if (!j)
    return;
  if (json_is_null(j)) {
    *out = -1;
    return;
  }
  if (!json_is_number(j) || !isfinite(json_number_value(j))) {
    field_error_add(errs, name, "type", "%s must be a number", name);
    return;
  }
  double d = json_number_value(j);
  if (d < 0 || d > 100) {
    field_error_add(errs, name, "range", "%s must be between 0 and 100", name);
    return;
  }
  *out = (int)floor(d * 10 + 0.5);
}

int vehicle_from_json(struct arena *a, json_t *obj, bool create, struct vehicle *v,
                      struct field_errors *errs)
{
  int before = errs->n;
  if (!json_is_object(obj)) {
    field_error_add(errs, "", "type", "the body must be a JSON object");
    return -1;
  }
  for (int i = 0; read_only[i]; i++)
    if (json_object_get(obj, read_only[i]))
      field_error_add(errs, read_only[i], "read_only", "%s cannot be set", read_only[i]);

  char *make = (char *)v->make, *model = (char *)v->model, *variant = (char *)v->variant;
  char *colour_name = (char *)v->colour_name, *co2_class = (char *)v->co2_class;
  char *vin = (char *)v->vin, *description = (char *)v->description;
  struct json_field spec[] = {
      JF_STRING("make", &make, JF_REQUIRED, 1, 40),
      JF_STRING("model", &model, JF_REQUIRED, 1, 60),
      JF_STRING("variant", &variant, JF_NULLABLE, 0, 120),
      JF_ENUM("body", &v->body, JF_REQUIRED, &vehicle_enum_body),
      JF_ENUM("condition", &v->condition, JF_REQUIRED, &vehicle_enum_condition),
      JF_YM("first_registration", &v->first_reg, JF_NULLABLE),
      JF_INT("mileage_km", &v->mileage_km, JF_REQUIRED, 0, 2000000),
      JF_INT("power_kw", &v->power_kw, JF_REQUIRED, 1, 1500),
      JF_INT("ccm", &v->ccm, JF_NULLABLE, 1, 20000),
      JF_ENUM("fuel", &v->fuel, JF_REQUIRED, &vehicle_enum_fuel),
      JF_ENUM("gearbox", &v->gearbox, JF_REQUIRED, &vehicle_enum_gearbox),
      JF_ENUM("drive", &v->drive, 0, &vehicle_enum_drive),
      JF_ENUM("colour", &v->colour, 0, &vehicle_enum_colour),
      JF_STRING("colour_name", &colour_name, JF_NULLABLE, 0, 60),
      JF_INT("doors", &v->doors, JF_NULLABLE, 1, 7),
      JF_INT("seats", &v->seats, JF_NULLABLE, 1, 9),
      JF_INT("previous_owners", &v->previous_owners, JF_NULLABLE, 0, 99),
      JF_ENUM("emission_class", &v->emission_class, 0, &vehicle_enum_emission),
      JF_INT("co2_g_km", &v->co2_g_km, JF_NULLABLE, 0, 1000),
      JF_NUMBER("consumption_combined", NULL, 0),
      JF_NUMBER("consumption_electric", NULL, 0),
      JF_INT("electric_range_km", &v->range_km, JF_NULLABLE, 0, 2000),
      JF_STRING("co2_class", &co2_class, JF_NULLABLE, 0, 1),
      JF_STRING("vin", &vin, JF_NULLABLE, 0, 17),
      JF_YM("hu_until", &v->hu_until, JF_NULLABLE),
      JF_BOOL("accident_free", &v->accident_free, 0),
      JF_BOOL("roadworthy", &v->roadworthy, 0),
      JF_I64("price_cents", &v->price_cents, JF_REQUIRED, 100, 100000000000LL),
      JF_ENUM("vat_mode", &v->vat_mode, JF_REQUIRED, &vehicle_enum_vat),
      JF_FLAGS("features", &v->features, JF_NULLABLE, &vehicle_enum_feature),
      JF_STRING("description", &description, JF_NULLABLE, 0, 10000),
      JF_ENUM("status", &v->status, 0, &vehicle_enum_status),
      JF_END,
  };
  /* consumption numbers are converted separately; give the parser a dummy target */
  double dummy1 = 0, dummy2 = 0;
  for (struct json_field *f = spec; f->name; f++) {
    if (!strcmp(f->name, "consumption_combined"))
      f->out = &dummy1, f->flags = JF_NULLABLE;
    else if (!strcmp(f->name, "consumption_electric"))
      f->out = &dummy2, f->flags = JF_NULLABLE;
  }
  /* read-only keys are reported above; hide them from the unknown-field check */
  json_t *copy = json_copy(obj);
  for (int i = 0; read_only[i]; i++)
    json_object_del(copy, read_only[i]);
  json_parse_fields(a, copy, spec, JSON_REJECT_UNKNOWN | (create ? 0 : JSON_PATCH), errs);
  json_decref(copy);
  x10_field(obj, "consumption_combined", &v->consumption_x10, errs);
  x10_field(obj, "consumption_electric", &v->consumption_el_x10, errs);
  v->make = make;
  v->model = model;
  v->variant = variant ? variant : "";
  v->colour_name = colour_name ? colour_name : "";
  v->co2_class = co2_class ? co2_class : "";
  v->vin = vin ? vin : "";
  v->description = description ? description : "";
  /* Trim surrounding blanks from names so "BMW " and "BMW" are one make. */
  v->make = str_trim(a, v->make ? v->make : "");
  v->model = str_trim(a, v->model ? v->model : "");
  v->variant = str_trim(a, v->variant);
  /* Whole-vehicle rules run even when some fields failed to parse, so one answer
   * names every problem; a field already reported is not reported twice. */
  struct field_errors more;
  field_errors_init(&more, a);
  vehicle_validate(v, &more);
  for (int i = 0; i < more.n; i++) {
    bool seen = false;
    size_t fl = strlen(more.e[i].field);
    for (int j = before; j < errs->n && !seen; j++)
      seen = strncmp(errs->e[j].field, more.e[i].field, fl) == 0 &&
             (errs->e[j].field[fl] == 0 || errs->e[j].field[fl] == '[');
    if (!seen)
      field_error_add(errs, more.e[i].field, more.e[i].code, "%s", more.e[i].detail);
  }
  return errs->n > before ? -1 : 0;
}
