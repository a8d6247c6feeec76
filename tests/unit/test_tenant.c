/* tenant profile without a database: VAT ID, tax and register numbers, contact
 * formats, brand colours against WCAG AA, opening hours (parse, validate, format),
 * "open now" in Europe/Berlin across both DST changes, whole-profile validation
 * from form fields, the Impressum completeness check and the dealer card. */
#include "core/arena.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "render/i18n.h"
#include "tenant/tenant.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void load_i18n(void)
{
  char dir[4096];
  const char *root = getenv("CC24_SOURCE_ROOT");
  snprintf(dir, sizeof dir, "%s/i18n", root ? root : ".");
  struct err e = {0};
  cr_assert_eq(i18n_load(dir, &e), 0, "%s", e.msg);
}

/* Unix seconds of a UTC wall time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
  return time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

/* ---- single fields ---- */

Test(tenant, vat_id_format_and_check_digit)
{
  char out[12];
  cr_assert(tenant_vat_id_valid("DE123475223", out));
  cr_assert_str_eq(out, "DE123475223");
  cr_assert(tenant_vat_id_valid("de 273 648 192", out), "spaces and case are ignored");
  cr_assert_str_eq(out, "DE273648192");
  cr_assert_not(tenant_vat_id_valid("DE123475224", NULL), "wrong check digit");
  cr_assert_not(tenant_vat_id_valid("DE12347522", NULL), "eight digits");
  cr_assert_not(tenant_vat_id_valid("DE1234752233", NULL), "ten digits");
  cr_assert_not(tenant_vat_id_valid("AT123475223", NULL), "not German");
  cr_assert_not(tenant_vat_id_valid("DE12347522X", NULL));
  cr_assert_not(tenant_vat_id_valid("", NULL));
  cr_assert_not(tenant_vat_id_valid(NULL, NULL));
  /* every check digit 0..9 occurs; exactly one is right */
  for (int base = 10000000; base < 10000100; base++) {
    int valid = 0;
    for (int c = 0; c <= 9; c++) {
      char s[16];
      snprintf(s, sizeof s, "DE%d%d", base, c);
      valid += tenant_vat_id_valid(s, NULL);
    }
    cr_assert_eq(valid, 1, "base %d", base);
  }
}

Test(tenant, tax_register_phone_email_url)
{
  cr_assert(tenant_tax_number_valid("43/721/01234"));
  cr_assert(tenant_tax_number_valid("2181508150"));
  cr_assert(tenant_tax_number_valid("143 815 08155"));
  cr_assert_not(tenant_tax_number_valid("43/721/0123"), "nine digits");
  cr_assert_not(tenant_tax_number_valid("43//721/01234"));
  cr_assert_not(tenant_tax_number_valid("/43/721/01234"));
  cr_assert_not(tenant_tax_number_valid("43-721-01234"));

  char t = 0;
  cr_assert(tenant_register_number_valid("HRB 123456", &t));
  cr_assert_eq(t, 'B');
  cr_assert(tenant_register_number_valid("HRA 1234", &t));
  cr_assert_eq(t, 'A');
  cr_assert(tenant_register_number_valid("HRB 98765 B", &t));
  cr_assert_not(tenant_register_number_valid("HRB123456", NULL));
  cr_assert_not(tenant_register_number_valid("HRC 1234", NULL));
  cr_assert_not(tenant_register_number_valid("HRB 0123", NULL));
  cr_assert_not(tenant_register_number_valid("HRB 1234567", NULL));
  cr_assert_not(tenant_register_number_valid("HRB 1234 xyz", NULL));

  cr_assert(tenant_phone_valid("+49 40 6891230"));
  cr_assert(tenant_phone_valid("040/689 12-30"));
  cr_assert_not(tenant_phone_valid("12345"), "too short");
  cr_assert_not(tenant_phone_valid("040 6891230 ext"), "letters");
  cr_assert_not(tenant_phone_valid("04+0 689123"), "plus only in front");

  cr_assert(tenant_email_valid("verkauf@autohaus-berger.de"));
  cr_assert_not(tenant_email_valid("verkauf@autohaus"));
  cr_assert_not(tenant_email_valid("ver kauf@autohaus.de"));
  cr_assert_not(tenant_email_valid("a@b@c.de"));
  cr_assert_not(tenant_email_valid("@autohaus.de"));

  cr_assert(tenant_url_valid("https://autohaus-berger.de/"));
  cr_assert(tenant_url_valid("http://www.example.org/a?b=c"));
  cr_assert_not(tenant_url_valid("javascript:alert(1)"));
  cr_assert_not(tenant_url_valid("https://"));
  cr_assert_not(tenant_url_valid("https://nohost"));
  cr_assert_not(tenant_url_valid("https://x.de/\"onmouseover"));

  cr_assert(tenant_logo_path_valid("/static/img/dealers/autohaus-berger.svg"));
  cr_assert_not(tenant_logo_path_valid("/static/../etc/passwd.png"));
  cr_assert_not(tenant_logo_path_valid("https://cdn.example.com/logo.png"), "no external hosts");
  cr_assert_not(tenant_logo_path_valid("/static/img/logo.gif"));
  cr_assert_not(tenant_logo_path_valid("/static/.svg"));
}

Test(tenant, geo_parse_and_format)
{
  int64_t v;
  cr_assert_eq(tenant_geo_parse("53.5731", 90, &v), 0);
  cr_assert_eq(v, 53573100);
  cr_assert_eq(tenant_geo_parse("-9,99", 180, &v), 0);
  cr_assert_eq(v, -9990000);
  cr_assert_eq(tenant_geo_parse("180", 180, &v), 0);
  cr_assert_eq(tenant_geo_parse("90.000001", 90, &v), -1);
  cr_assert_eq(tenant_geo_parse("1.1234567", 90, &v), -1, "at most six decimals");
  cr_assert_eq(tenant_geo_parse("abc", 90, &v), -1);
  cr_assert_eq(tenant_geo_parse("1.", 90, &v), -1);
  char s[24];
  tenant_geo_format(53573100, s, sizeof s);
  cr_assert_str_eq(s, "53.5731");
  tenant_geo_format(-9990000, s, sizeof s);
  cr_assert_str_eq(s, "-9.99");
  tenant_geo_format(11000000, s, sizeof s);
  cr_assert_str_eq(s, "11.0");
}

/* ---- colours ---- */

Test(tenant, contrast_ratio_against_white)
{
  cr_assert_float_eq(tenant_contrast_ratio("#000000", "#ffffff"), 21.0, 1e-9);
  cr_assert_float_eq(tenant_contrast_ratio("#ffffff", "#ffffff"), 1.0, 1e-9);
  /* published WCAG reference values */
  cr_assert_float_eq(tenant_contrast_ratio("#767676", "#ffffff"), 4.54, 0.01);
  cr_assert_float_eq(tenant_contrast_ratio("#777777", "#ffffff"), 4.48, 0.01);
  cr_assert_float_eq(tenant_contrast_ratio("#0b5bd3", "#ffffff"),
                     tenant_contrast_ratio("#ffffff", "#0b5bd3"), 1e-12, "symmetric");
  char c[8];
  cr_assert_eq(tenant_color_parse("#1D4ED8", c), 0);
  cr_assert_str_eq(c, "#1d4ed8");
  cr_assert_eq(tenant_color_parse("1d4ed8", c), 0);
  cr_assert_eq(tenant_color_parse("#1d4ed", c), -1);
  cr_assert_eq(tenant_color_parse("#1d4eg8", c), -1);
  cr_assert_eq(tenant_color_parse("blue", c), -1);
  /* a light yellow is darkened until white text on it passes AA, and no further */
  char d[8];
  tenant_color_darken_for_white("#facc15", TENANT_MIN_CONTRAST, d);
  cr_assert_geq(tenant_contrast_ratio(d, "#ffffff"), 4.5);
  char lighter[8];
  tenant_color_mix("#facc15", 0, lighter);
  cr_assert_str_eq(lighter, "#facc15");
  tenant_color_darken_for_white("#0b5bd3", TENANT_MIN_CONTRAST, d);
  cr_assert_str_eq(d, "#0b5bd3", "already fine");
  tenant_color_mix("#808080", 1000, d);
  cr_assert_str_eq(d, "#000000");
  tenant_color_mix("#808080", -1000, d);
  cr_assert_str_eq(d, "#ffffff");
}

/* ---- opening hours ---- */

Test(tenant, hours_parse_day)
{
  struct tenant_interval iv[TENANT_HOURS_PER_DAY];
  int n;
  const char *code = NULL;
  cr_assert_eq(tenant_hours_parse_day("08:00-12:30, 13:30-18:00", iv, &n, &code), 0);
  cr_assert_eq(n, 2);
  cr_assert_eq(iv[0].open, 480);
  cr_assert_eq(iv[0].close, 750);
  cr_assert_eq(iv[1].open, 810);
  cr_assert_eq(iv[1].close, 1080);
  cr_assert_eq(tenant_hours_parse_day("13:30 \xe2\x80\x93 18:00; 9:00-12:00", iv, &n, &code), 0,
               "en dash, semicolon, one-digit hour, any order");
  cr_assert_eq(n, 2);
  cr_assert_eq(iv[0].open, 540, "sorted");
  cr_assert_eq(tenant_hours_parse_day("", iv, &n, &code), 0);
  cr_assert_eq(n, 0);
  cr_assert_eq(tenant_hours_parse_day("geschlossen", iv, &n, &code), 0);
  cr_assert_eq(n, 0);
  cr_assert_eq(tenant_hours_parse_day("00:00-24:00", iv, &n, &code), 0);
  cr_assert_eq(iv[0].close, 1440);

  static const struct {
    const char *in, *code;
  } bad[] = {{"8-18", "format"},
             {"08:00-18:60", "format"},
             {"25:00-26:00", "format"},
             {"24:00-24:00", "format"},
             {"08:00 18:00", "format"},
             {"08:00-18:00,", "format"},
             {"ab 8 Uhr", "format"},
             {"18:00-08:00", "order"},
             {"08:00-08:00", "order"},
             {"08:00-13:00, 12:00-18:00", "overlap"},
             {"06:00-07:00, 08:00-09:00, 10:00-11:00, 12:00-13:00, 14:00-15:00", "too_many"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    code = NULL;
    cr_assert_eq(tenant_hours_parse_day(bad[i].in, iv, &n, &code), -1, "%s", bad[i].in);
    cr_assert_str_eq(code, bad[i].code, "%s", bad[i].in);
  }
  cr_assert_eq(tenant_hours_parse_day("08:00-12:00, 12:00-18:00", iv, &n, &code), 0,
               "touching intervals are fine");
}

Test(tenant, hours_format_and_validate)
{
  struct tenant_hours h = {0};
  h.n[0] = 2;
  h.iv[0][0] = (struct tenant_interval){480, 750};
  h.iv[0][1] = (struct tenant_interval){810, 1080};
  char s[128];
  tenant_hours_format_day(&h, 0, "-", s, sizeof s);
  cr_assert_str_eq(s, "08:00-12:30, 13:30-18:00");
  tenant_hours_format_day(&h, 1, "-", s, sizeof s);
  cr_assert_str_eq(s, "");
  struct arena *a = arena_new(0);
  struct field_errors errs;
  field_errors_init(&errs, a);
  cr_assert_eq(tenant_hours_validate(&h, &errs), 0);
  h.iv[0][1].open = 700; /* overlaps the morning */
  cr_assert_eq(tenant_hours_validate(&h, &errs), -1);
  cr_assert_str_eq(field_error_get(&errs, "hours_0")->code, "overlap");
  h.iv[0][1] = (struct tenant_interval){1100, 1000};
  field_errors_init(&errs, a);
  cr_assert_eq(tenant_hours_validate(&h, &errs), -1);
  cr_assert_str_eq(field_error_get(&errs, "hours_0")->code, "order");
  arena_free(a);
}

/* Mo–Fr 08:00–18:00 (Fr 08:00–12:30, 13:30–18:00), Sa 09:00–14:00, Su closed. */
static void week(struct tenant_hours *h)
{
  memset(h, 0, sizeof *h);
  for (int d = 0; d < 4; d++) {
    h->n[d] = 1;
    h->iv[d][0] = (struct tenant_interval){480, 1080};
  }
  h->n[4] = 2;
  h->iv[4][0] = (struct tenant_interval){480, 750};
  h->iv[4][1] = (struct tenant_interval){810, 1080};
  h->n[5] = 1;
  h->iv[5][0] = (struct tenant_interval){540, 840};
}

Test(tenant, open_now_across_dst)
{
  load_i18n();
  struct tenant_hours h;
  week(&h);
  struct tenant_open_state st;
  struct arena *a = arena_new(0);

  /* winter, Monday 2026-03-23 06:30 UTC = 07:30 CET: not yet open */
  tenant_hours_state(&h, utc(2026, 3, 23, 6, 30), &st);
  cr_assert_eq(st.weekday, 0);
  cr_assert_eq(st.minute, 7 * 60 + 30);
  cr_assert_not(st.open);
  cr_assert_eq(st.next_days, 0);
  cr_assert_eq(st.next_open, 480);
  cr_assert_str_eq(tenant_open_label(a, &st, "de"), "Geschlossen · öffnet heute um 08:00");
  /* summer, the same UTC time a week later (Monday 2026-03-30) = 08:30 CEST: open */
  tenant_hours_state(&h, utc(2026, 3, 30, 6, 30), &st);
  cr_assert_eq(st.minute, 8 * 60 + 30);
  cr_assert(st.open);
  cr_assert_eq(st.closes, 1080);
  cr_assert_str_eq(tenant_open_label(a, &st, "de"), "Jetzt geöffnet · schließt um 18:00");
  cr_assert_str_eq(tenant_open_label(a, &st, "en"), "Open now · closes at 18:00");

  /* the spring-forward night: 00:59 UTC is 01:59 CET, 01:00 UTC is 03:00 CEST (Sunday) */
  tenant_hours_state(&h, utc(2026, 3, 29, 0, 59), &st);
  cr_assert_eq(st.weekday, 6);
  cr_assert_eq(st.minute, 119);
  tenant_hours_state(&h, utc(2026, 3, 29, 1, 0), &st);
  cr_assert_eq(st.minute, 180);
  cr_assert_not(st.open);
  cr_assert_eq(st.next_days, 1);
  cr_assert_str_eq(tenant_open_label(a, &st, "de"), "Geschlossen · öffnet morgen um 08:00");

  /* autumn: Friday 2026-10-23 16:30 UTC = 18:30 CEST, closed until Saturday 09:00 */
  tenant_hours_state(&h, utc(2026, 10, 23, 16, 30), &st);
  cr_assert_eq(st.weekday, 4);
  cr_assert_not(st.open);
  cr_assert_str_eq(tenant_open_label(a, &st, "en"), "Closed · opens tomorrow at 09:00");
  /* Friday 2026-10-30 16:30 UTC = 17:30 CET, still open */
  tenant_hours_state(&h, utc(2026, 10, 30, 16, 30), &st);
  cr_assert(st.open);
  cr_assert_eq(st.closes, 1080);
  /* the fall-back night (Sunday 2026-10-25): 00:59 UTC = 02:59 CEST, 01:00 UTC = 02:00 CET */
  tenant_hours_state(&h, utc(2026, 10, 25, 0, 59), &st);
  cr_assert_eq(st.minute, 179);
  tenant_hours_state(&h, utc(2026, 10, 25, 1, 0), &st);
  cr_assert_eq(st.minute, 120);
  cr_assert_eq(st.weekday, 6);

  /* lunch break on Friday 2026-11-06 12:00 UTC = 13:00 CET */
  tenant_hours_state(&h, utc(2026, 11, 6, 12, 0), &st);
  cr_assert_not(st.open);
  cr_assert_str_eq(tenant_open_label(a, &st, "de"), "Geschlossen · öffnet heute um 13:30");
  /* Saturday after closing → Monday: a weekday name */
  tenant_hours_state(&h, utc(2026, 11, 7, 14, 0), &st);
  cr_assert_eq(st.weekday, 5);
  cr_assert_eq(st.next_days, 2);
  cr_assert_str_eq(tenant_open_label(a, &st, "de"), "Geschlossen · öffnet Mo um 08:00");
  cr_assert_str_eq(tenant_open_label(a, &st, "en"), "Closed · opens Mon at 08:00");
  /* the closing minute itself is closed */
  tenant_hours_state(&h, utc(2026, 11, 9, 17, 0), &st);
  cr_assert_not(st.open, "18:00 CET is closing time");
  tenant_hours_state(&h, utc(2026, 11, 9, 16, 59), &st);
  cr_assert(st.open);

  /* no hours at all: no label */
  struct tenant_hours none = {0};
  tenant_hours_state(&none, utc(2026, 11, 9, 10, 0), &st);
  cr_assert_not(st.has_hours);
  cr_assert_eq(st.next_days, -1);
  cr_assert_str_eq(tenant_open_label(a, &st, "de"), "");
  /* open through midnight */
  struct tenant_hours late = {0};
  late.n[0] = 1;
  late.iv[0][0] = (struct tenant_interval){1200, 1440};
  late.n[1] = 1;
  late.iv[1][0] = (struct tenant_interval){0, 120};
  tenant_hours_state(&late, utc(2026, 11, 9, 22, 0), &st); /* Monday 23:00 CET */
  cr_assert(st.open);
  cr_assert_str_eq(tenant_open_label(a, &st, "de"), "Jetzt geöffnet · schließt morgen um 02:00");
  /* only one day a week, already past: next week */
  struct tenant_hours once = {0};
  once.n[0] = 1;
  once.iv[0][0] = (struct tenant_interval){480, 600};
  tenant_hours_state(&once, utc(2026, 11, 9, 12, 0), &st);
  cr_assert_eq(st.next_days, 7);
  arena_free(a);
}

/* ---- the whole profile from form fields ---- */

struct kv {
  const char *k, *v;
};

static const char *get(void *ctx, const char *name)
{
  for (const struct kv *p = ctx; p->k; p++)
    if (!strcmp(p->k, name))
      return p->v;
  return NULL;
}

static const struct kv good[] = {{"name", "Autohaus Berger"},
                                 {"street", "Wandsbeker Chaussee 212"},
                                 {"zip", "22089"},
                                 {"city", "Hamburg"},
                                 {"phone", "+49 40 6891230"},
                                 {"email", "verkauf@autohaus-berger.example"},
                                 {"website", "https://autohaus-berger.example"},
                                 {"legal_name", "Autohaus Berger GmbH"},
                                 {"legal_form", "gmbh"},
                                 {"managing_directors", "Thomas Berger, Anja Berger"},
                                 {"register_court", "Amtsgericht Hamburg"},
                                 {"register_number", "hrb 123456"},
                                 {"vat_id", "de273648192"},
                                 {"tax_number", "43/721/01234"},
                                 {"lat", "53.5731"},
                                 {"lon", "10.0712"},
                                 {"about_de", "  Familienbetrieb seit 1978.  "},
                                 {"color_primary", "#0B4F8A"},
                                 {"color_accent", "#b45309"},
                                 {"hours_0", "08:00-18:00"},
                                 {"hours_4", "08:00-12:30, 13:30-18:00"},
                                 {"hours_5", "09:00-14:00"},
                                 {"team_0_name", ""},
                                 {"team_1_name", "Anja Berger"},
                                 {"team_1_role", "Verkaufsleitung"},
                                 {"team_1_email", "anja.berger@autohaus-berger.example"},
                                 {"social_instagram", "https://www.instagram.com/autohausberger"},
                                 {NULL, NULL}};

Test(tenant, profile_from_fields_valid)
{
  struct arena *a = arena_new(0);
  struct tenant t = {.id = 1, .slug = "autohaus-berger", .country = "DE"};
  struct tenant_profile p;
  struct field_errors errs;
  field_errors_init(&errs, a);
  int rc = tenant_profile_from_fields(a, get, (void *)good, &t, &p, &errs);
  cr_assert_eq(rc, 0, "%s: %s", errs.n ? errs.e[0].field : "", errs.n ? errs.e[0].detail : "");
  cr_assert_str_eq(t.name, "Autohaus Berger");
  cr_assert_str_eq(t.slug, "autohaus-berger", "the slug is not a form field");
  cr_assert_eq(p.legal_form, LF_GMBH);
  cr_assert_str_eq(p.register_number, "HRB 123456", "normalised");
  cr_assert_str_eq(p.vat_id, "DE273648192", "normalised");
  cr_assert_str_eq(p.about_de, "Familienbetrieb seit 1978.", "trimmed");
  cr_assert_str_eq(p.color_primary, "#0b4f8a");
  cr_assert(p.has_geo);
  cr_assert_eq(p.lat_e6, 53573100);
  cr_assert_eq(p.hours.n[0], 1);
  cr_assert_eq(p.hours.n[1], 0, "an absent day is closed");
  cr_assert_eq(p.hours.n[4], 2);
  cr_assert_eq(p.nteam, 1, "the empty first row is dropped");
  cr_assert_str_eq(p.team[0].name, "Anja Berger");
  cr_assert_str_eq(p.social[SOCIAL_INSTAGRAM], "https://www.instagram.com/autohausberger");
  const char *missing[16];
  cr_assert_eq(tenant_imprint_missing(&t, &p, missing, 16), 0);
  arena_free(a);
}

/* good with one field replaced (or added) */
static int with(struct arena *a, const char *k, const char *v, struct field_errors *errs)
{
  struct kv *kv = arena_calloc(a, sizeof good / sizeof good[0] + 1, sizeof *kv);
  size_t n = 0;
  bool replaced = false;
  for (const struct kv *p = good; p->k; p++) {
    kv[n] = *p;
    if (!strcmp(p->k, k)) {
      kv[n].v = v;
      replaced = true;
    }
    n++;
  }
  if (!replaced)
    kv[n++] = (struct kv){k, v};
  struct tenant t = {.id = 1, .slug = "autohaus-berger", .country = "DE"};
  struct tenant_profile p;
  field_errors_init(errs, a);
  return tenant_profile_from_fields(a, get, kv, &t, &p, errs);
}

Test(tenant, profile_validation_names_each_field)
{
  struct arena *a = arena_new(0);
  static const struct {
    const char *k, *v, *field, *code;
  } cases[] = {
      {"name", "", "name", "required"},
      {"zip", "2208", "zip", "format"},
      {"phone", "call us", "phone", "format"},
      {"email", "verkauf(at)berger.de", "email", "format"},
      {"website", "autohaus-berger.de", "website", "format"},
      {"legal_form", "limited", "legal_form", "enum"},
      {"register_number", "HRA 1234", "register_number", "register_type"},
      {"register_number", "12345", "register_number", "format"},
      {"register_court", "", "register_court", "required"},
      {"vat_id", "DE273648193", "vat_id", "format"},
      {"vat_id", "DE 27364819", "vat_id", "format"},
      {"tax_number", "12345", "tax_number", "format"},
      {"lat", "95", "lat", "format"},
      {"lon", "east", "lon", "format"},
      {"logo_path", "https://example.com/logo.png", "logo_path", "format"},
      {"color_primary", "#ffee00", "color_primary", "contrast"},
      {"color_accent", "orange", "color_accent", "format"},
      {"hours_2", "9-17", "hours_2", "format"},
      {"hours_3", "17:00-09:00", "hours_3", "order"},
      {"hours_4", "08:00-13:00, 12:00-18:00", "hours_4", "overlap"},
      {"team_1_name", "", "team_0_name", "required"},
      {"team_1_email", "anja@", "team_0_email", "format"},
      {"social_instagram", "https://evil.example/instagram.com", "social_instagram", "format"},
      {"social_facebook", "http://facebook.com/x", "social_facebook", "format"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct field_errors errs;
    cr_assert_eq(with(a, cases[i].k, cases[i].v, &errs), -1, "%s=%s", cases[i].k, cases[i].v);
    const struct field_error *fe = field_error_get(&errs, cases[i].field);
    cr_assert_not_null(fe, "%s=%s: no error on %s (first: %s)", cases[i].k, cases[i].v,
                       cases[i].field, errs.n ? errs.e[0].field : "-");
    cr_assert_str_eq(fe->code, cases[i].code, "%s=%s", cases[i].k, cases[i].v);
    cr_assert_eq(errs.n, 1, "%s=%s: only that field (%d errors, second %s)", cases[i].k, cases[i].v,
                 errs.n, errs.n > 1 ? errs.e[1].field : "");
  }
  struct field_errors errs;
  with(a, "color_primary", "#ffee00", &errs);
  const struct field_error *fe = field_error_get(&errs, "color_primary");
  cr_assert_not_null(strstr(fe->detail, "try #"), "a darker colour is suggested: %s", fe->detail);
  /* every bad field at once */
  struct kv all[] = {{"name", "X"},
                     {"vat_id", "DE1"},
                     {"hours_0", "nope"},
                     {"color_accent", "#fff"},
                     {NULL, NULL}};
  struct tenant t = {.slug = "autohaus-berger"};
  struct tenant_profile p;
  field_errors_init(&errs, a);
  cr_assert_eq(tenant_profile_from_fields(a, get, all, &t, &p, &errs), -1);
  cr_assert_eq(errs.n, 4);
  arena_free(a);
}

Test(tenant, imprint_missing_items)
{
  struct tenant t = {
      .name = "Autohaus X", .street = "", .zip = "", .city = "Köln", .email = "", .phone = ""};
  struct tenant_profile p;
  tenant_profile_init(&p);
  const char *k[16];
  int n = tenant_imprint_missing(&t, &p, k, 16);
  cr_assert_eq(n, 6, "legal name, legal form, street, zip, email, phone");
  cr_assert_str_eq(k[0], "legal_name");
  p.legal_form = LF_GMBH;
  n = tenant_imprint_missing(&t, &p, k, 16);
  cr_assert_eq(n, 8, "a GmbH also needs directors, court and number... minus the form");
  p.legal_form = LF_SOLE;
  n = tenant_imprint_missing(&t, &p, k, 16);
  cr_assert_eq(n, 5, "a sole trader needs no register entry nor directors");
  p.legal_form = LF_EK;
  n = tenant_imprint_missing(&t, &p, k, 16);
  cr_assert_eq(n, 7, "an e.K. is in the register (HRA)");
  cr_assert_eq(tenant_legal_form_register(LF_GMBH_CO_KG), 'A');
  cr_assert_eq(tenant_legal_form_register(LF_UG), 'B');
  cr_assert_eq(tenant_legal_form_register(-1), 0);
}

Test(tenant, card_json)
{
  load_i18n();
  struct arena *a = arena_new(0);
  struct tenant t = {.name = "Autohaus Berger GmbH",
                     .slug = "autohaus-berger",
                     .street = "Wandsbeker Chaussee 212",
                     .zip = "22089",
                     .city = "Hamburg",
                     .phone = "+49 40 6891230",
                     .email = "verkauf@autohaus-berger.example"};
  struct tenant_profile p;
  tenant_profile_init(&p);
  week(&p.hours);
  json_t *c = tenant_card_json(a, &t, &p, "de", utc(2026, 3, 30, 6, 30));
  cr_assert_str_eq(json_string_value(json_object_get(c, "showroom_url")),
                   "/haendler/autohaus-berger");
  cr_assert_str_eq(json_string_value(json_object_get(c, "phone_href")), "tel:+49406891230");
  cr_assert_str_eq(json_string_value(json_object_get(c, "address")),
                   "Wandsbeker Chaussee 212, 22089 Hamburg");
  cr_assert(json_is_true(json_object_get(c, "open_now")));
  cr_assert_str_eq(json_string_value(json_object_get(c, "open_label")),
                   "Jetzt geöffnet · schließt um 18:00");
  const char *map = json_string_value(json_object_get(c, "map_url"));
  cr_assert(strstr(map, "https://www.openstreetmap.org/search?query=Wandsbeker") == map, "%s", map);
  json_t *hours = json_object_get(c, "hours");
  cr_assert_eq(json_array_size(hours), 7);
  json_t *fr = json_array_get(hours, 4);
  cr_assert_str_eq(json_string_value(json_object_get(fr, "day")), "Freitag");
  cr_assert_str_eq(json_string_value(json_object_get(fr, "text")), "08:00\xe2\x80\x93"
                                                                   "12:30, 13:30\xe2\x80\x93"
                                                                   "18:00");
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(hours, 6), "text")),
                   "geschlossen");
  cr_assert(json_is_true(json_object_get(json_array_get(hours, 0), "today")));
  json_decref(c);
  p.has_geo = true;
  p.lat_e6 = 53573100;
  p.lon_e6 = 10071200;
  c = tenant_card_json(a, &t, &p, "en", utc(2026, 3, 30, 6, 30));
  cr_assert_str_eq(
      json_string_value(json_object_get(c, "map_url")),
      "https://www.openstreetmap.org/?mlat=53.5731&mlon=10.0712#map=17/53.5731/10.0712");
  cr_assert_str_eq(
      json_string_value(json_object_get(json_array_get(json_object_get(c, "hours"), 6), "text")),
      "closed");
  json_decref(c);
  arena_free(a);
}
