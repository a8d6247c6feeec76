/* vehicle.h — the vehicle model: German-market fields aligned with the
 * vocabularies of mobile.de and AutoScout24 (see shared/DOMAIN.md), enums with
 * stable API values and German/English labels, the feature catalogue, and
 * validation of a vehicle as a whole.
 *
 * Strings inside struct vehicle are owned by whoever filled the struct
 * (normally a request arena). */
#ifndef CC24_INVENTORY_VEHICLE_H
#define CC24_INVENTORY_VEHICLE_H

#include "core/enumdef.h"
#include <stdbool.h>

#include <stdint.h>

struct arena;
struct field_errors;

/* X(enum name, API value, German label, English label) */
#define VEHICLE_BODIES(X)                                                                          \
  X(BODY_SALOON, "saloon", "Limousine", "Saloon")                                                  \
  X(BODY_ESTATE, "estate", "Kombi", "Estate")                                                      \
  X(BODY_SMALL_CAR, "small_car", "Kleinwagen", "Small car")                                        \
  X(BODY_COMPACT, "compact", "Kompaktklasse", "Compact")                                           \
  X(BODY_CONVERTIBLE, "convertible", "Cabrio/Roadster", "Convertible")                             \
  X(BODY_COUPE, "coupe", "Sportwagen/Coupé", "Coupé/sports car")                                   \
  X(BODY_SUV, "suv", "SUV/Geländewagen", "SUV/off-road")                                           \
  X(BODY_VAN, "van", "Van/Kleinbus", "Van/minibus")                                                \
  X(BODY_PICKUP, "pickup", "Pick-up", "Pick-up")                                                   \
  X(BODY_OTHER, "other", "Andere", "Other")

#define VEHICLE_FUELS(X)                                                                           \
  X(FUEL_PETROL, "petrol", "Benzin", "Petrol")                                                     \
  X(FUEL_DIESEL, "diesel", "Diesel", "Diesel")                                                     \
  X(FUEL_ELECTRIC, "electric", "Elektro", "Electric")                                              \
  X(FUEL_HYBRID, "hybrid", "Hybrid (Benzin/Elektro)", "Hybrid (petrol/electric)")                  \
  X(FUEL_PLUGIN_HYBRID, "plugin_hybrid", "Plug-in-Hybrid", "Plug-in hybrid")                       \
  X(FUEL_HYBRID_DIESEL, "hybrid_diesel", "Hybrid (Diesel/Elektro)", "Hybrid (diesel/electric)")    \
  X(FUEL_LPG, "lpg", "Autogas (LPG)", "LPG")                                                       \
  X(FUEL_CNG, "cng", "Erdgas (CNG)", "CNG")                                                        \
  X(FUEL_HYDROGEN, "hydrogen", "Wasserstoff", "Hydrogen")                                          \
  X(FUEL_ETHANOL, "ethanol", "Ethanol (E85)", "Ethanol")                                           \
  X(FUEL_OTHER, "other", "Andere", "Other")

#define VEHICLE_GEARBOXES(X)                                                                       \
  X(GEARBOX_MANUAL, "manual", "Schaltgetriebe", "Manual")                                          \
  X(GEARBOX_AUTOMATIC, "automatic", "Automatik", "Automatic")                                      \
  X(GEARBOX_SEMI_AUTOMATIC, "semi_automatic", "Halbautomatik", "Semi-automatic")

#define VEHICLE_DRIVES(X)                                                                          \
  X(DRIVE_FRONT, "front", "Frontantrieb", "Front-wheel drive")                                     \
  X(DRIVE_REAR, "rear", "Heckantrieb", "Rear-wheel drive")                                         \
  X(DRIVE_ALL, "all_wheel", "Allradantrieb", "All-wheel drive")

#define VEHICLE_CONDITIONS(X)                                                                      \
  X(COND_NEW, "new", "Neuwagen", "New")                                                            \
  X(COND_USED, "used", "Gebrauchtwagen", "Used")                                                   \
  X(COND_DEMO, "demo", "Vorführwagen", "Demonstration car")                                        \
  X(COND_ANNUAL, "annual", "Jahreswagen", "Annual car")                                            \
  X(COND_CLASSIC, "classic", "Oldtimer/Youngtimer", "Classic/Youngtimer")

#define VEHICLE_COLOURS(X)                                                                         \
  X(COLOUR_BLACK, "black", "Schwarz", "Black")                                                     \
  X(COLOUR_GREY, "grey", "Grau", "Grey")                                                           \
  X(COLOUR_SILVER, "silver", "Silber", "Silver")                                                   \
  X(COLOUR_WHITE, "white", "Weiß", "White")                                                        \
  X(COLOUR_BLUE, "blue", "Blau", "Blue")                                                           \
  X(COLOUR_RED, "red", "Rot", "Red")                                                               \
  X(COLOUR_GREEN, "green", "Grün", "Green")                                                        \
  X(COLOUR_BROWN, "brown", "Braun", "Brown")                                                       \
  X(COLOUR_BEIGE, "beige", "Beige", "Beige")                                                       \
  X(COLOUR_YELLOW, "yellow", "Gelb", "Yellow")                                                     \
  X(COLOUR_ORANGE, "orange", "Orange", "Orange")                                                   \
  X(COLOUR_GOLD, "gold", "Gold", "Gold")                                                           \
  X(COLOUR_PURPLE, "purple", "Violett", "Purple")                                                  \
  X(COLOUR_OTHER, "other", "Andere", "Other")

#define VEHICLE_EMISSION_CLASSES(X)                                                                \
  X(EURO_NONE, "none", "keine", "none")                                                            \
  X(EURO_1, "euro1", "Euro 1", "Euro 1")                                                           \
  X(EURO_2, "euro2", "Euro 2", "Euro 2")                                                           \
  X(EURO_3, "euro3", "Euro 3", "Euro 3")                                                           \
  X(EURO_4, "euro4", "Euro 4", "Euro 4")                                                           \
  X(EURO_5, "euro5", "Euro 5", "Euro 5")                                                           \
  X(EURO_6, "euro6", "Euro 6", "Euro 6")                                                           \
  X(EURO_6C, "euro6c", "Euro 6c", "Euro 6c")                                                       \
  X(EURO_6D_TEMP, "euro6d_temp", "Euro 6d-TEMP", "Euro 6d-TEMP")                                   \
  X(EURO_6D, "euro6d", "Euro 6d", "Euro 6d")                                                       \
  X(EURO_6E, "euro6e", "Euro 6e", "Euro 6e")

#define VEHICLE_VAT_MODES(X)                                                                       \
  X(VAT_SHOWN, "vat", "MwSt. ausweisbar", "VAT deductible")                                        \
  X(VAT_MARGIN, "margin", "Differenzbesteuert nach §25a UStG", "Margin scheme (§25a UStG)")

#define VEHICLE_STATUSES(X)                                                                        \
  X(STATUS_DRAFT, "draft", "Entwurf", "Draft")                                                     \
  X(STATUS_PUBLISHED, "published", "Online", "Published")                                          \
  X(STATUS_RESERVED, "reserved", "Reserviert", "Reserved")                                         \
  X(STATUS_SOLD, "sold", "Verkauft", "Sold")

/* Equipment catalogue: X(enum, API key, German, English, group). At most 64 entries
 * (a vehicle's features are a bitmask). Groups: comfort, safety, multimedia, exterior. */
#define VEHICLE_FEATURES(X)                                                                        \
  X(FEAT_NAVIGATION, "navigation", "Navigationssystem", "Navigation system", "multimedia")         \
  X(FEAT_TRAILER_HITCH, "trailer_hitch", "Anhängerkupplung (AHK)", "Trailer hitch", "exterior")    \
  X(FEAT_HEATED_SEATS, "heated_seats", "Sitzheizung", "Heated seats", "comfort")                   \
  X(FEAT_LED_HEADLIGHTS, "led_headlights", "LED-Scheinwerfer", "LED headlights", "exterior")       \
  X(FEAT_ACC, "adaptive_cruise_control", "Abstandstempomat (ACC)", "Adaptive cruise control",      \
    "safety")                                                                                      \
  X(FEAT_PANORAMA_ROOF, "panorama_roof", "Panorama-Dach", "Panoramic roof", "exterior")            \
  X(FEAT_SUNROOF, "sunroof", "Schiebedach", "Sunroof", "exterior")                                 \
  X(FEAT_PARKING_SENSORS, "parking_sensors", "Einparkhilfe (PDC)", "Parking sensors", "safety")    \
  X(FEAT_REAR_CAMERA, "rear_camera", "Rückfahrkamera", "Rear-view camera", "safety")               \
  X(FEAT_CAMERA_360, "camera_360", "360°-Kamera", "360° camera", "safety")                         \
  X(FEAT_LEATHER, "leather_seats", "Ledersitze", "Leather seats", "comfort")                       \
  X(FEAT_KEYLESS, "keyless_entry", "Keyless Entry", "Keyless entry", "comfort")                    \
  X(FEAT_HUD, "head_up_display", "Head-up-Display", "Head-up display", "multimedia")               \
  X(FEAT_SMARTPHONE, "smartphone_integration", "Apple CarPlay/Android Auto",                       \
    "Apple CarPlay/Android Auto", "multimedia")                                                    \
  X(FEAT_BLUETOOTH, "bluetooth", "Bluetooth", "Bluetooth", "multimedia")                           \
  X(FEAT_CLIMATE_AUTO, "automatic_climate_control", "Klimaautomatik", "Automatic climate control", \
    "comfort")                                                                                     \
  X(FEAT_AIR_CONDITIONING, "air_conditioning", "Klimaanlage", "Air conditioning", "comfort")       \
  X(FEAT_ALLOY_WHEELS, "alloy_wheels", "Leichtmetallfelgen", "Alloy wheels", "exterior")           \
  X(FEAT_SPORT_PACKAGE, "sport_package", "Sportpaket", "Sport package", "exterior")                \
  X(FEAT_ELECTRIC_TAILGATE, "electric_tailgate", "Elektrische Heckklappe", "Electric tailgate",    \
    "comfort")                                                                                     \
  X(FEAT_LANE_ASSIST, "lane_assist", "Spurhalteassistent", "Lane keeping assist", "safety")        \
  X(FEAT_BLIND_SPOT, "blind_spot_assist", "Totwinkel-Assistent", "Blind spot assist", "safety")    \
  X(FEAT_SEAT_VENTILATION, "seat_ventilation", "Sitzbelüftung", "Ventilated seats", "comfort")     \
  X(FEAT_MASSAGE_SEATS, "massage_seats", "Massagesitze", "Massage seats", "comfort")               \
  X(FEAT_HEATED_STEERING, "heated_steering_wheel", "Lenkradheizung", "Heated steering wheel",      \
    "comfort")                                                                                     \
  X(FEAT_ISOFIX, "isofix", "Isofix", "Isofix", "safety")                                           \
  X(FEAT_EMERGENCY_BRAKE, "emergency_brake_assist", "Notbremsassistent", "Emergency brake assist", \
    "safety")                                                                                      \
  X(FEAT_TRAFFIC_SIGN, "traffic_sign_recognition", "Verkehrszeichenerkennung",                     \
    "Traffic sign recognition", "safety")                                                          \
  X(FEAT_SOUND_SYSTEM, "sound_system", "Soundsystem", "Premium sound system", "multimedia")        \
  X(FEAT_DAB, "dab_radio", "Digitalradio (DAB)", "DAB radio", "multimedia")                        \
  X(FEAT_ELECTRIC_SEATS, "electric_seats", "Elektrische Sitze", "Power seats", "comfort")          \
  X(FEAT_AUX_HEATING, "auxiliary_heating", "Standheizung", "Auxiliary heating", "comfort")         \
  X(FEAT_AIR_SUSPENSION, "air_suspension", "Luftfederung", "Air suspension", "comfort")            \
  X(FEAT_AWD_OFFROAD, "hill_descent_control", "Bergabfahrassistent", "Hill descent control",       \
    "safety")                                                                                      \
  X(FEAT_TINTED_WINDOWS, "tinted_windows", "Getönte Scheiben", "Tinted windows", "exterior")       \
  X(FEAT_ROOF_RAILS, "roof_rails", "Dachreling", "Roof rails", "exterior")                         \
  X(FEAT_HEAT_PUMP, "heat_pump", "Wärmepumpe", "Heat pump", "comfort")                             \
  X(FEAT_FAST_CHARGING, "dc_fast_charging", "DC-Schnellladen", "DC fast charging", "multimedia")

#define VEHICLE_ENUM_VALUE(e, api, de, en) e,
enum body { VEHICLE_BODIES(VEHICLE_ENUM_VALUE) BODY__COUNT };
enum fuel { VEHICLE_FUELS(VEHICLE_ENUM_VALUE) FUEL__COUNT };
enum gearbox { VEHICLE_GEARBOXES(VEHICLE_ENUM_VALUE) GEARBOX__COUNT };
enum drive { VEHICLE_DRIVES(VEHICLE_ENUM_VALUE) DRIVE__COUNT };
enum condition { VEHICLE_CONDITIONS(VEHICLE_ENUM_VALUE) COND__COUNT };
enum colour { VEHICLE_COLOURS(VEHICLE_ENUM_VALUE) COLOUR__COUNT };
enum emission_class { VEHICLE_EMISSION_CLASSES(VEHICLE_ENUM_VALUE) EURO__COUNT };
enum vat_mode { VEHICLE_VAT_MODES(VEHICLE_ENUM_VALUE) VAT__COUNT };
enum vehicle_status { VEHICLE_STATUSES(VEHICLE_ENUM_VALUE) STATUS__COUNT };
#undef VEHICLE_ENUM_VALUE
#define VEHICLE_FEATURE_ENUM(e, api, de, en, group) e,
enum feature { VEHICLE_FEATURES(VEHICLE_FEATURE_ENUM) FEAT__COUNT };
#undef VEHICLE_FEATURE_ENUM

extern const struct enum_def vehicle_enum_body, vehicle_enum_fuel, vehicle_enum_gearbox,
    vehicle_enum_drive, vehicle_enum_condition, vehicle_enum_colour, vehicle_enum_emission,
    vehicle_enum_vat, vehicle_enum_status, vehicle_enum_feature;

/* Feature groups ("comfort", "safety", "multimedia", "exterior"), parallel to enum feature. */
extern const char *const vehicle_feature_group[FEAT__COUNT];

/* Unknown numeric fields are -1 (shown as "k. A."). */
struct vehicle {
  int64_t id;         /* row id, never shown */
  char public_id[17]; /* unguessable id used in URLs and the API */
  int64_t tenant_id;
  const char *dealer;  /* tenant slug */
  const char *make;    /* "BMW" */
  const char *model;   /* "3er" */
  const char *variant; /* "320d Touring M Sport" */
  int body;            /* enum body */
  int condition;       /* enum condition */
  int first_reg;       /* year*12 + month-1, -1 = none (new cars) */
  int mileage_km;
  int power_kw;
  int ccm;                 /* cubic capacity, -1 unknown (EVs) */
  int fuel;                /* enum fuel */
  int gearbox;             /* enum gearbox */
  int drive;               /* enum drive */
  int colour;              /* enum colour */
  const char *colour_name; /* manufacturer's colour name, "" if none */
  int doors;
  int seats;
  int previous_owners;    /* -1 unknown */
  int emission_class;     /* enum emission_class */
  int co2_g_km;           /* WLTP combined, -1 unknown */
  int consumption_x10;    /* WLTP combined: l/100 km ×10 (kWh/100 km ×10 for EVs), -1 unknown */
  int consumption_el_x10; /* PHEV: kWh/100 km ×10 weighted; -1 when not applicable */
  int range_km;           /* electric range (EV/PHEV), -1 when not applicable */
  const char *co2_class;  /* Pkw-EnVKV CO2 class "A".."G", "" when not given */
  const char *vin;        /* 17 chars or "" */
  int hu_until;           /* HU/AU due, year*12+month-1, -1 unknown */
  bool accident_free;
  bool roadworthy;
  int64_t price_cents; /* gross consumer price */
  int vat_mode;        /* enum vat_mode */
  uint64_t features;   /* bit (1 << enum feature) */
  const char *description;
  int status;         /* enum vehicle_status */
  int64_t created_at; /* Unix seconds, UTC */
  int64_t updated_at;
  int64_t published_at; /* 0 = never */
  const char *cover;    /* the cover photo as a media_cover descriptor (media.h), "" = none;
                           kept by the media domain, never written by vehicle saves */
};

/* The SQL condition for a vehicle the public may see in lists and pages (`p` is the
 * table prefix, e.g. "v."): published, or reserved after having been published. A draft
 * reserved by a Börse deal was never offered to the public and stays hidden. */
#define VEHICLE_LISTED_SQL(p)                                                                      \
  "(" p "status = 'published' OR (" p "status = 'reserved' AND " p "published_at > 0))"

/* The same rule for a vehicle in memory. */
bool vehicle_listed(const struct vehicle *v);

/* Set every field to its "unknown"/default value. */
void vehicle_init(struct vehicle *v);

/* PS from kW (kW × 1.35962, rounded half up). */
int vehicle_ps(int kw);

/* Format first_reg / hu_until as "YYYY-MM" into out[8]; "" for -1. */
void vehicle_ym_format(int ym, char out[8]);

/* True for a syntactically valid VIN: 17 chars of A-Z (no I, O, Q) and 0-9. */
bool vehicle_vin_valid(const char *vin);

/* Validate a whole vehicle; every bad field is added to errs. Returns 0 or -1. */
int vehicle_validate(const struct vehicle *v, struct field_errors *errs);

#endif
