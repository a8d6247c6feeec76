/* tenant.h — dealers (tenants): the model and its store, and the dealer profile
 * behind showrooms, dealer cards and the Impressum: legal data (legal form,
 * managing directors, commercial register, VAT ID, tax number), geo position,
 * opening hours with the "open now" state in Europe/Berlin, brand colours with a
 * contrast check, about texts, team and social links.
 *
 * Every tenant-owned row elsewhere carries tenant_id; this module owns the
 * tenants table itself and the dealer_profiles, dealer_hours and dealer_team
 * tables (migration 0010). Strings returned live in the arena passed in. */
#ifndef CC24_TENANT_TENANT_H
#define CC24_TENANT_TENANT_H

#include "core/enumdef.h"
#include "db/db.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct field_errors;

struct tenant {
  int64_t id;
  char public_id[17];
  const char *slug; /* URL name, [a-z0-9-], 3..60 */
  const char *name;
  const char *street, *zip, *city, *country;
  const char *phone, *email, *website;
  int64_t created_at;
};

/* Validate name/slug/address fields; every bad field goes to errs. 0 or -1. */
int tenant_validate(const struct tenant *t, struct field_errors *errs);

/* Insert t (public_id and created_at are set here); t->id is filled. 0 or -1
 * (CC24_E_DB_CONSTRAINT when the slug is taken). */
int tenant_store_create(db_conn *c, struct tenant *t, struct err *e);

/* 1 found, 0 none, -1 error. */
int tenant_store_by_slug(db_conn *c, struct arena *a, const char *slug, struct tenant *t,
                         struct err *e);
int tenant_store_by_id(db_conn *c, struct arena *a, int64_t id, struct tenant *t, struct err *e);

/* All tenants ordered by slug; *out is an arena array of *n entries. 0 or -1. */
int tenant_store_list(db_conn *c, struct arena *a, struct tenant **out, int *n, struct err *e);

/* ---- dealer profile ---- */

/* X(enum name, stored value, German label, English label, register: 'A' HRA, 'B' HRB, 0 none) */
#define TENANT_LEGAL_FORMS(X)                                                                      \
  X(LF_SOLE, "sole", "Einzelunternehmen", "Sole proprietorship", 0)                                \
  X(LF_EK, "ek", "e.K. (eingetragener Kaufmann)", "e.K. (registered merchant)", 'A')               \
  X(LF_GBR, "gbr", "GbR", "GbR (civil-law partnership)", 0)                                        \
  X(LF_OHG, "ohg", "OHG", "OHG (general partnership)", 'A')                                        \
  X(LF_KG, "kg", "KG", "KG (limited partnership)", 'A')                                            \
  X(LF_GMBH_CO_KG, "gmbh_co_kg", "GmbH & Co. KG", "GmbH & Co. KG", 'A')                            \
  X(LF_GMBH, "gmbh", "GmbH", "GmbH (limited company)", 'B')                                        \
  X(LF_UG, "ug", "UG (haftungsbeschränkt)", "UG (haftungsbeschränkt)", 'B')                        \
  X(LF_AG, "ag", "AG", "AG (stock corporation)", 'B')

enum tenant_legal_form {
#define TENANT_LF_ENUM(e, v, de, en, reg) e,
  TENANT_LEGAL_FORMS(TENANT_LF_ENUM)
#undef TENANT_LF_ENUM
      LF__COUNT
};
extern const struct enum_def tenant_enum_legal_form;

/* The register a legal form is entered in: 'A' (HRA), 'B' (HRB) or 0 (none). */
char tenant_legal_form_register(int legal_form);

/* Social networks a profile may link (https URLs on the network's own host). */
#define TENANT_SOCIALS(X)                                                                          \
  X(SOCIAL_FACEBOOK, "facebook", "Facebook", "facebook.com")                                       \
  X(SOCIAL_INSTAGRAM, "instagram", "Instagram", "instagram.com")                                   \
  X(SOCIAL_YOUTUBE, "youtube", "YouTube", "youtube.com")                                           \
  X(SOCIAL_LINKEDIN, "linkedin", "LinkedIn", "linkedin.com")                                       \
  X(SOCIAL_TIKTOK, "tiktok", "TikTok", "tiktok.com")

enum tenant_social {
#define TENANT_SOCIAL_ENUM(e, key, label, host) e,
  TENANT_SOCIALS(TENANT_SOCIAL_ENUM)
#undef TENANT_SOCIAL_ENUM
      SOCIAL__COUNT
};
/* Key ("facebook"), display label ("Facebook") and host ("facebook.com") of a network. */
extern const char *const tenant_social_keys[SOCIAL__COUNT];
extern const char *const tenant_social_labels[SOCIAL__COUNT];
extern const char *const tenant_social_hosts[SOCIAL__COUNT];

#define TENANT_HOURS_PER_DAY 4
#define TENANT_TEAM_MAX      8

/* One opening interval of a day in minutes since local midnight: 0 <= open < close <= 1440. */
struct tenant_interval {
  int open, close;
};

/* Opening hours per weekday (0 = Monday … 6 = Sunday), intervals sorted by start,
 * not overlapping. A day with n[d] == 0 is closed. */
struct tenant_hours {
  int n[7];
  struct tenant_interval iv[7][TENANT_HOURS_PER_DAY];
};

/* A person shown in the showroom. */
struct tenant_member {
  const char *name, *role, *phone, *email;
};

/* The profile; every string is "" when not given (never NULL after
 * tenant_profile_init or a load). */
struct tenant_profile {
  const char *legal_name;         /* "Autohaus Berger GmbH" (name with legal form) */
  int legal_form;                 /* enum tenant_legal_form, -1 = not given */
  const char *managing_directors; /* Geschäftsführer / Inhaber, comma separated */
  const char *register_court;     /* "Amtsgericht Hamburg" */
  const char *register_number;    /* "HRB 123456" */
  const char *vat_id;             /* "DE123456789" (normalised) */
  const char *tax_number;         /* Steuernummer "43/721/01234" */
  bool has_geo;
  int64_t lat_e6, lon_e6; /* WGS84 in millionths of a degree */
  const char *about_de, *about_en;
  const char *logo_path;                  /* "/static/img/dealers/x.svg" or "" */
  char color_primary[8], color_accent[8]; /* "#rrggbb" or "" (platform colours) */
  struct tenant_hours hours;
  int nteam;
  struct tenant_member team[TENANT_TEAM_MAX];
  const char *social[SOCIAL__COUNT]; /* https URL or "" */
  int64_t updated_at;
};

/* Empty profile (strings "", legal_form -1, no hours, no team). */
void tenant_profile_init(struct tenant_profile *p);

/* Validate the dealer's base data t (name, address, contact) and the profile p
 * together; every bad field goes to errs under its form name ("vat_id",
 * "hours_0" … "hours_6", "team_2_email", "social_facebook", "color_primary", …). 0 or -1.
 * Texts in errs are English; the code is one of required, length, format, range,
 * order, overlap, too_many, contrast, enum, register_type. For "contrast" the detail
 * ends with the suggested darker colour ("… try #1d4ed8"). */
int tenant_profile_validate(const struct tenant *t, const struct tenant_profile *p,
                            struct field_errors *errs);

/* Form values by name (NULL when absent) for tenant_profile_from_fields. */
typedef const char *(*tenant_field_fn)(void *ctx, const char *name);

/* Build t's base fields and p from named form values and validate them: "name",
 * "street", "zip", "city", "phone", "email", "website", "legal_name", "legal_form",
 * "managing_directors", "register_court", "register_number", "vat_id", "tax_number",
 * "lat", "lon", "about_de", "about_en", "logo_path", "color_primary", "color_accent",
 * "hours_0" … "hours_6", "team_N_name|role|phone|email" (N < TENANT_TEAM_MAX; empty
 * rows are dropped) and "social_KEY". t keeps id, slug and country as they were.
 * Strings are trimmed copies in a. 0 when valid, -1 with every problem in errs. */
int tenant_profile_from_fields(struct arena *a, tenant_field_fn get, void *ctx, struct tenant *t,
                               struct tenant_profile *p, struct field_errors *errs);

/* Mandatory Impressum items (§ 5 DDG) that t/p do not give, as item keys
 * ("legal_name", "legal_form", "street", "zip", "city", "email", "phone",
 * "managing_directors", "register_court", "register_number") in keys[0..n-1];
 * returns n (0 = complete). Directors are mandatory for companies, the register
 * for legal forms entered in the commercial register. */
int tenant_imprint_missing(const struct tenant *t, const struct tenant_profile *p,
                           const char **keys, int max);

/* ---- single fields ---- */

/* "DE" + 9 digits whose last is the ISO 7064 MOD 11,10 check digit of the first 8
 * (the Bundeszentralamt für Steuern rule). Spaces are ignored, case too; the
 * normalised form ("DE123456789") goes to out when out is not NULL. */
bool tenant_vat_id_valid(const char *s, char out[12]);

/* Steuernummer: 10 to 13 digits, optionally grouped by "/" or spaces. */
bool tenant_tax_number_valid(const char *s);

/* "HRA 1234" / "HRB 123456", optionally with a court suffix ("HRB 12345 B").
 * *type becomes 'A' or 'B'. */
bool tenant_register_number_valid(const char *s, char *type);

/* Phone number for a German business: digits, spaces, + / - ( ), 6 to 20 digits. */
bool tenant_phone_valid(const char *s);

/* An e-mail address of the form local@domain.tld (no spaces, one @). */
bool tenant_email_valid(const char *s);

/* An absolute http(s) URL with a host and no spaces or quotes. */
bool tenant_url_valid(const char *s);

/* A logo path inside the static assets: "/static/" + [A-Za-z0-9/._-], no "..",
 * ending .svg, .png, .webp or .jpg. (Whether the file exists is for the caller.) */
bool tenant_logo_path_valid(const char *s);

/* A decimal degree ("53.5731", "9,99"; at most 6 decimals) within ±max_deg, as
 * millionths of a degree. 0 or -1. */
int tenant_geo_parse(const char *s, int max_deg, int64_t *out_e6);
/* Millionths of a degree as "53.573100" trimmed to "53.5731". */
void tenant_geo_format(int64_t e6, char *out, size_t n);

/* ---- colours (WCAG 2.x) ---- */

/* "#RRGGBB" or "#rrggbb" (also without "#") → "#rrggbb" in out. 0 or -1. */
int tenant_color_parse(const char *s, char out[8]);
/* Contrast ratio of two "#rrggbb" colours, 1.0 … 21.0. */
double tenant_contrast_ratio(const char *a, const char *b);
/* The colour mixed towards black (amount > 0) or white (amount < 0) by |amount|
 * per mille, "#rrggbb" in out. */
void tenant_color_mix(const char *hex, int amount, char out[8]);
/* The lightest darkening of hex that reaches min_ratio against white, in out
 * (hex itself when it already does). */
void tenant_color_darken_for_white(const char *hex, double min_ratio, char out[8]);

/* WCAG AA for normal text. */
#define TENANT_MIN_CONTRAST 4.5

/* ---- opening hours ---- */

/* Parse one day: "" or "geschlossen"/"closed" = closed; otherwise intervals
 * "08:00-12:30, 13:30-18:00" ('-' or '–', optional spaces; 24:00 allowed as a
 * closing time). Fills iv/n (at most TENANT_HOURS_PER_DAY); 0, or -1 with *code
 * "format", "order" (open >= close), "overlap" or "too_many". */
int tenant_hours_parse_day(const char *s, struct tenant_interval iv[TENANT_HOURS_PER_DAY], int *n,
                           const char **code);

/* "08:00-12:30, 13:30-18:00" for the form ("" when closed); sep is the range sign. */
void tenant_hours_format_day(const struct tenant_hours *h, int weekday, const char *sep, char *out,
                             size_t n);

/* Check every day of h (for hours that did not come from the parser). 0 or -1 with
 * errs "hours_D" entries. */
int tenant_hours_validate(const struct tenant_hours *h, struct field_errors *errs);

/* Where a dealer stands at instant now (Unix seconds), in Europe/Berlin time. */
struct tenant_open_state {
  bool open;     /* inside an interval now */
  int weekday;   /* today in Berlin, 0 = Monday */
  int minute;    /* minutes since local midnight now */
  int closes;    /* when open: end of the current interval (minutes; 1440 = midnight) */
  int next_days; /* when closed: days until the next opening (0 today, 1 tomorrow, …), -1 never */
  int next_weekday; /* weekday of the next opening */
  int next_open;    /* its start in minutes */
  bool has_hours;   /* any interval on any day */
};

/* Compute the state (an interval ending at 24:00 that continues at 00:00 the next
 * day is treated as one). */
void tenant_hours_state(const struct tenant_hours *h, int64_t now, struct tenant_open_state *st);

/* "Jetzt geöffnet · schließt um 18:00", "Geschlossen · öffnet morgen um 08:00",
 * "Geschlossen · öffnet Mo um 09:00" in locale (texts from the opening_hours catalog
 * section); "" without any hours. In a. */
const char *tenant_open_label(struct arena *a, const struct tenant_open_state *st,
                              const char *locale);

/* "08:00" from minutes. out has room for 6. */
void tenant_minutes_format(int minutes, char out[6]);

/* ---- store ---- */

/* Load the profile of tenant_id into p (initialised first). 1 when a profile row
 * exists, 0 when not (p stays empty), -1 on error. Strings in a. */
int tenant_profile_load(db_conn *c, struct arena *a, int64_t tenant_id, struct tenant_profile *p,
                        struct err *e);

/* Save: t's name, address and contact fields on the tenants row (t->id), the profile
 * row (insert or update; updated_at = now), and replace opening hours and team.
 * Validate first; the database only enforces its CHECKs. 0 or -1. */
int tenant_profile_save(db_conn *c, struct arena *a, const struct tenant *t,
                        const struct tenant_profile *p, struct err *e);

/* ---- presentation shared by showroom, vehicle page and embed ---- */

/* The dealer card as JSON (a new reference, the caller owns it):
 *   {"name", "slug", "showroom_url" ("/haendler/SLUG"), "street", "zip", "city",
 *    "address" (one line), "phone", "phone_href" ("tel:+49…"), "email", "website",
 *    "map_url" (OpenStreetMap: marker at the geo position, else an address search),
 *    "has_geo", "lat", "lon" (strings), "logo" (path or ""), "open_now" (bool),
 *    "open_label" ("Jetzt geöffnet · schließt um 18:00"), "has_hours",
 *    "hours": [{"day" ("Montag"), "day_short" ("Mo"), "text" ("08:00–12:30, 13:30–18:00"
 *    or "geschlossen"), "intervals" (["08:00–12:30", "13:30–18:00"]), "today" (bool),
 *    "closed" (bool)}] (Monday first)}
 * Texts in locale ("de"/"en"); now is the instant for open_now (Unix seconds). */
json_t *tenant_card_json(struct arena *a, const struct tenant *t, const struct tenant_profile *p,
                         const char *locale, int64_t now);

/* tenant_store_by_id + tenant_profile_load + tenant_card_json in one call for pages
 * that only know the tenant id (the vehicle page). 1 with *out set (caller owns the
 * reference), 0 when there is no such tenant, -1 on error. */
int tenant_card_load(db_conn *c, struct arena *a, int64_t tenant_id, const char *locale,
                     int64_t now, json_t **out, struct err *e);

/* OpenStreetMap link for the dealer (no external resource is loaded: a plain link). */
const char *tenant_map_url(struct arena *a, const struct tenant *t, const struct tenant_profile *p);

#endif
