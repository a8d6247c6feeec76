#include "inventory/vehicle.h"

#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"

#include <string.h>

#define VALUES(e, api, de, en) api,
#define DE(e, api, de, en)     de,
#define EN(e, api, de, en)     en,
#define TABLE(var, field, LIST)                                                                    \
  static const char *const var##_values[] = {LIST(VALUES)};                                        \
  static const char *const var##_de[] = {LIST(DE)};                                                \
  static const char *const var##_en[] = {LIST(EN)};                                                \
  const struct enum_def var = {field, (int)(sizeof var##_values / sizeof var##_values[0]),         \
                               var##_values, var##_de, var##_en};

TABLE(vehicle_enum_body, "body", VEHICLE_BODIES)
TABLE(vehicle_enum_fuel, "fuel", VEHICLE_FUELS)
TABLE(vehicle_enum_gearbox, "gearbox", VEHICLE_GEARBOXES)
TABLE(vehicle_enum_drive, "drive", VEHICLE_DRIVES)
TABLE(vehicle_enum_condition, "condition", VEHICLE_CONDITIONS)
TABLE(vehicle_enum_colour, "colour", VEHICLE_COLOURS)
TABLE(vehicle_enum_emission, "emission_class", VEHICLE_EMISSION_CLASSES)
TABLE(vehicle_enum_vat, "vat_mode", VEHICLE_VAT_MODES)
TABLE(vehicle_enum_status, "status", VEHICLE_STATUSES)

#define FVALUES(e, api, de, en, g) api,
#define FDE(e, api, de, en, g)     de,
#define FEN(e, api, de, en, g)     en,
#define FGROUP(e, api, de, en, g)  g,
static const char *const feature_values[] = {VEHICLE_FEATURES(FVALUES)};
static const char *const feature_de[] = {VEHICLE_FEATURES(FDE)};
static const char *const feature_en[] = {VEHICLE_FEATURES(FEN)};
const char *const vehicle_feature_group[FEAT__COUNT] = {VEHICLE_FEATURES(FGROUP)};
const struct enum_def vehicle_enum_feature = {"features", FEAT__COUNT, feature_values, feature_de,
                                              feature_en};

_Static_assert(FEAT__COUNT <= 64, "features must fit a 64-bit mask");

void vehicle_init(struct vehicle *v)
{
  memset(v, 0, sizeof *v);
  v->dealer = "";
  v->make = v->model = v->variant = "";
  v->colour_name = v->co2_class = v->vin = v->description = v->cover = "";
  v->body = BODY_SALOON;
  v->condition = COND_USED;
  v->first_reg = -1;
  v->mileage_km = 0;
  v->power_kw = 0;
  v->ccm = -1;
  v->fuel = FUEL_PETROL;
  v->gearbox = GEARBOX_MANUAL;
  v->drive = DRIVE_FRONT;
  v->colour = COLOUR_BLACK;
  v->doors = -1;
  v->seats = -1;
  v->previous_owners = -1;
  v->emission_class = EURO_NONE;
  v->co2_g_km = -1;
  v->consumption_x10 = -1;
  v->consumption_el_x10 = -1;
  v->range_km = -1;
  v->hu_until = -1;
  v->accident_free = true;
  v->roadworthy = true;
  v->vat_mode = VAT_SHOWN;
  v->status = STATUS_DRAFT;
}

int vehicle_ps(int kw)
{
  /* PS = kW × 1.35962, rounded half up; in integer arithmetic (× 135962 / 100000). */
  if (kw <= 0)
    return 0;
  return (int)(((int64_t)kw * 135962 + 50000) / 100000);
}

void vehicle_ym_format(int ym, char out[8])
{
  if (ym < 0) {
    out[0] = 0;
    return;
  }
  int y = ym / 12, m = ym % 12 + 1;
  out[0] = (char)('0' + y / 1000 % 10);
  out[1] = (char)('0' + y / 100 % 10);
  out[2] = (char)('0' + y / 10 % 10);
  out[3] = (char)('0' + y % 10);
  out[4] = '-';
  out[5] = (char)('0' + m / 10);
  out[6] = (char)('0' + m % 10);
  out[7] = 0;
}

bool vehicle_vin_valid(const char *vin)
{
  if (!vin || strlen(vin) != 17)
    return false;
  for (int i = 0; i < 17; i++) {
    char c = vin[i];
    bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    if (!ok || c == 'I' || c == 'O' || c == 'Q')
      return false;
  }
  return true;
}

static void check_text(struct field_errors *errs, const char *field, const char *s, size_t min,
                       size_t max)
{
  size_t n = s ? strlen(s) : 0;
  if (s && !utf8_valid(s, n)) {
    field_error_add(errs, field, "format", "%s must be valid UTF-8", field);
    return;
  }
  size_t cps = s ? utf8_len(s, n) : 0;
  if (cps < min || cps > max) {
    if (min > 0 && cps == 0)
      field_error_add(errs, field, "required", "%s is required", field);
    else
      field_error_add(errs, field, "length", "%s must have %zu to %zu characters", field, min, max);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
      field_error_add(errs, field, "format", "%s contains control characters", field);
      return;
    }
  }
}

static void check_range(struct field_errors *errs, const char *field, int64_t v, int64_t lo,
                        int64_t hi, bool unknown_ok)
{
  if (unknown_ok && v == -1)
    return;
  if (v < lo || v > hi)
    field_error_add(errs, field, "range", "%s must be between %lld and %lld", field, (long long)lo,
                    (long long)hi);
}

static void check_enum(struct field_errors *errs, const struct enum_def *e, int v)
{
  if (v < 0 || v >= e->count)
    field_error_add(errs, e->name, "enum", "%s is not one of the allowed values", e->name);
}

int vehicle_validate(const struct vehicle *v, struct field_errors *errs)
{
  int before = errs->n;
  int64_t now = time_now();
  int ny, nm;
  time_berlin_ym(now, &ny, &nm);
  int now_ym = ny * 12 + nm - 1;

  check_text(errs, "make", v->make, 1, 40);
  check_text(errs, "model", v->model, 1, 60);
  check_text(errs, "variant", v->variant, 0, 120);
  check_text(errs, "colour_name", v->colour_name, 0, 60);
  check_text(errs, "description", v->description, 0, 10000);
  check_enum(errs, &vehicle_enum_body, v->body);
  check_enum(errs, &vehicle_enum_condition, v->condition);
  check_enum(errs, &vehicle_enum_fuel, v->fuel);
  check_enum(errs, &vehicle_enum_gearbox, v->gearbox);
  check_enum(errs, &vehicle_enum_drive, v->drive);
  check_enum(errs, &vehicle_enum_colour, v->colour);
  check_enum(errs, &vehicle_enum_emission, v->emission_class);
  check_enum(errs, &vehicle_enum_vat, v->vat_mode);
  check_enum(errs, &vehicle_enum_status, v->status);

  if (v->first_reg >= 0) {
    if (v->first_reg < 1900 * 12 || v->first_reg > now_ym)
      field_error_add(errs, "first_registration", "range",
                      "first_registration must not lie in the future");
  } else if (v->condition != COND_NEW) {
    field_error_add(errs, "first_registration", "required",
                    "first_registration is required unless the vehicle is new");
  }
  check_range(errs, "mileage_km", v->mileage_km, 0, 2000000, false);
  check_range(errs, "power_kw", v->power_kw, 1, 1500, false);
  check_range(errs, "ccm", v->ccm, 1, 20000, true);
  check_range(errs, "doors", v->doors, 1, 7, true);
  check_range(errs, "seats", v->seats, 1, 9, true);
  check_range(errs, "previous_owners", v->previous_owners, 0, 99, true);
  check_range(errs, "co2_g_km", v->co2_g_km, 0, 1000, true);
  check_range(errs, "consumption_x10", v->consumption_x10, 0, 1000, true);
  check_range(errs, "consumption_el_x10", v->consumption_el_x10, 0, 1000, true);
  check_range(errs, "range_km", v->range_km, 0, 2000, true);
  check_range(errs, "price_cents", v->price_cents, 100, 100000000000LL, false);
  if (v->hu_until >= 0 && (v->hu_until < 1950 * 12 || v->hu_until > now_ym + 37))
    field_error_add(errs, "hu_until", "range", "hu_until must be within three years from now");
  if (v->vin && *v->vin && !vehicle_vin_valid(v->vin))
    field_error_add(errs, "vin", "format",
                    "vin must have 17 characters A-Z and 0-9 without I, O and Q");
  if (v->co2_class && *v->co2_class &&
      !(strlen(v->co2_class) == 1 && v->co2_class[0] >= 'A' && v->co2_class[0] <= 'G'))
    field_error_add(errs, "co2_class", "enum", "co2_class must be one of A to G");
  if (v->features >> FEAT__COUNT)
    field_error_add(errs, "features", "enum", "features contains unknown entries");
  if (v->condition == COND_NEW && v->mileage_km > 1000)
    field_error_add(errs, "mileage_km", "range", "a new vehicle cannot have more than 1000 km");
  if (v->fuel == FUEL_ELECTRIC && v->ccm > 0)
    field_error_add(errs, "ccm", "range", "an electric vehicle has no cubic capacity");
  return errs->n > before ? -1 : 0;
}

bool vehicle_listed(const struct vehicle *v)
{
  return v->status == STATUS_PUBLISHED || (v->status == STATUS_RESERVED && v->published_at > 0);
}
