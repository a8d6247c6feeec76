/* showroom pieces without HTTP: the theme stylesheet from the brand colours (and
 * nothing else from the profile can reach the CSS), the AutoDealer JSON-LD, and
 * the embed snippet. */
#include "core/arena.h"
#include "core/buf.h"
#include "showroom/showroom.h"

#include <criterion/criterion.h>
#include <string.h>

Test(showroom, theme_css_from_brand_colours)
{
  struct arena *a = arena_new(0);
  struct tenant_profile p;
  tenant_profile_init(&p);
  struct buf b;
  buf_init(&b, a);
  showroom_theme_css(&p, &b);
  cr_assert_not_null(strstr(buf_cstr(&b), ":root {"));
  cr_assert_null(strstr(buf_cstr(&b), "--c-brand"), "no colours: the platform's stay");
  snprintf(p.color_primary, sizeof p.color_primary, "#0b4f8a");
  snprintf(p.color_accent, sizeof p.color_accent, "#b45309");
  p.about_de = "*/ body { display: none } /*";
  buf_init(&b, a);
  showroom_theme_css(&p, &b);
  const char *css = buf_cstr(&b);
  cr_assert_not_null(strstr(css, "--c-brand: #0b4f8a;"));
  cr_assert_not_null(strstr(css, "--c-accent: #b45309;"));
  cr_assert_not_null(strstr(css, "--c-brand-dark: #"));
  cr_assert_not_null(strstr(css, "--sr-hero-from: #"));
  cr_assert_null(strstr(css, "display: none"), "profile text never reaches the stylesheet");
  /* the darker shade keeps white text readable */
  const char *dark = strstr(css, "--c-brand-dark: ") + strlen("--c-brand-dark: ");
  char d[8];
  memcpy(d, dark, 7);
  d[7] = 0;
  cr_assert_gt(tenant_contrast_ratio(d, "#ffffff"), tenant_contrast_ratio("#0b4f8a", "#ffffff"));
  /* a broken stored colour is ignored, not copied */
  snprintf(p.color_primary, sizeof p.color_primary, "red;}x{");
  buf_init(&b, a);
  showroom_theme_css(&p, &b);
  cr_assert_null(strstr(buf_cstr(&b), "red"));
  cr_assert_null(strstr(buf_cstr(&b), "--c-brand:"));
  arena_free(a);
}

/* The stylesheet's address carries a hash of its content: new colours, new address;
 * what the profile holds besides the colours does not change it. */
Test(showroom, theme_url_versioned_by_content)
{
  struct arena *a = arena_new(0);
  struct tenant_profile p;
  tenant_profile_init(&p);
  snprintf(p.color_primary, sizeof p.color_primary, "#0b4f8a");
  const char *u1 = showroom_theme_url(a, "autohaus-berger", &p);
  const char *prefix = "/haendler/autohaus-berger/theme.css?v=";
  cr_assert(strncmp(u1, prefix, strlen(prefix)) == 0, "%s", u1);
  const char *v = u1 + strlen(prefix);
  cr_assert_eq(strlen(v), 16);
  cr_assert_eq(strspn(v, "0123456789abcdef"), 16, "%s", v);
  struct buf b;
  buf_init(&b, a);
  showroom_theme_css(&p, &b);
  char ver[17];
  showroom_theme_version(b.data, b.len, ver);
  cr_assert_str_eq(v, ver, "the version is the stylesheet's hash");
  p.about_de = "Neuer Text";
  p.updated_at = 1234567;
  cr_assert_str_eq(showroom_theme_url(a, "autohaus-berger", &p), u1, "not the colours: same URL");
  snprintf(p.color_primary, sizeof p.color_primary, "#1d4ed8");
  const char *u2 = showroom_theme_url(a, "autohaus-berger", &p);
  cr_assert_str_neq(u2, u1, "a new colour is a new URL");
  snprintf(p.color_accent, sizeof p.color_accent, "#b45309");
  cr_assert_str_neq(showroom_theme_url(a, "autohaus-berger", &p), u2, "so is a new accent");
  snprintf(p.color_primary, sizeof p.color_primary, "#0b4f8a");
  p.color_accent[0] = 0;
  cr_assert_str_eq(showroom_theme_url(a, "autohaus-berger", &p), u1, "the same colours again");
  arena_free(a);
}

Test(showroom, jsonld_auto_dealer)
{
  struct tenant t = {.slug = "autohaus-berger",
                     .name = "Autohaus Berger",
                     .street = "Wandsbeker Chaussee 212",
                     .zip = "22089",
                     .city = "Hamburg",
                     .country = "DE",
                     .phone = "+49 40 6891230",
                     .email = "verkauf@autohaus-berger.example",
                     .website = "https://autohaus-berger.example"};
  struct tenant_profile p;
  tenant_profile_init(&p);
  p.legal_name = "Autohaus Berger GmbH";
  p.vat_id = "DE273648192";
  p.about_de = "Familienbetrieb";
  p.about_en = "Family business";
  p.has_geo = true;
  p.lat_e6 = 53571900;
  p.lon_e6 = 10067300;
  p.hours.n[0] = 2;
  p.hours.iv[0][0] = (struct tenant_interval){480, 750};
  p.hours.iv[0][1] = (struct tenant_interval){810, 1440};
  p.social[SOCIAL_INSTAGRAM] = "https://www.instagram.com/x";
  json_t *j = showroom_jsonld(&t, &p, "https://cc24.example", "/static/img/x.1234abcd.svg", "en");
  cr_assert_str_eq(json_string_value(json_object_get(j, "@type")), "AutoDealer");
  cr_assert_str_eq(json_string_value(json_object_get(j, "url")),
                   "https://cc24.example/haendler/autohaus-berger");
  cr_assert_str_eq(json_string_value(json_object_get(j, "legalName")), "Autohaus Berger GmbH");
  cr_assert_str_eq(json_string_value(json_object_get(j, "description")), "Family business");
  cr_assert_str_eq(json_string_value(json_object_get(j, "logo")),
                   "https://cc24.example/static/img/x.1234abcd.svg");
  cr_assert_str_eq(json_string_value(json_object_get(j, "vatID")), "DE273648192");
  json_t *addr = json_object_get(j, "address");
  cr_assert_str_eq(json_string_value(json_object_get(addr, "postalCode")), "22089");
  cr_assert_str_eq(json_string_value(json_object_get(addr, "addressCountry")), "DE");
  json_t *geo = json_object_get(j, "geo");
  cr_assert_float_eq(json_real_value(json_object_get(geo, "latitude")), 53.5719, 1e-9);
  json_t *spec = json_object_get(j, "openingHoursSpecification");
  cr_assert_eq(json_array_size(spec), 2);
  json_t *s1 = json_array_get(spec, 1);
  cr_assert_str_eq(json_string_value(json_object_get(s1, "dayOfWeek")),
                   "https://schema.org/Monday");
  cr_assert_str_eq(json_string_value(json_object_get(s1, "opens")), "13:30");
  cr_assert_str_eq(json_string_value(json_object_get(s1, "closes")), "23:59", "midnight");
  json_t *same = json_object_get(j, "sameAs");
  cr_assert_eq(json_array_size(same), 2);
  json_decref(j);
  /* without optional data: no empty keys */
  struct tenant_profile empty;
  tenant_profile_init(&empty);
  struct tenant bare = {.slug = "x-y-z", .name = "X"};
  j = showroom_jsonld(&bare, &empty, "http://h", "", "de");
  cr_assert_null(json_object_get(j, "geo"));
  cr_assert_null(json_object_get(j, "vatID"));
  cr_assert_null(json_object_get(j, "logo"));
  cr_assert_null(json_object_get(j, "sameAs"));
  cr_assert_eq(json_array_size(json_object_get(j, "openingHoursSpecification")), 0);
  json_decref(j);
}

Test(showroom, embed_snippet)
{
  struct arena *a = arena_new(0);
  const char *s = showroom_embed_snippet(a, "https://cc24.example", "autohaus-berger");
  cr_assert_not_null(strstr(s, "<script src=\"https://cc24.example/static/js/embed.js\""));
  cr_assert_not_null(strstr(s, "data-dealer=\"autohaus-berger\""));
  cr_assert_not_null(strstr(s, "data-target=\"cc24-bestand\""));
  cr_assert_not_null(strstr(s, "<div id=\"cc24-bestand\"></div>"));
  arena_free(a);
}

Test(showroom, jsonld_text_cannot_break_out_of_its_script)
{
  struct arena *a = arena_new(0);
  json_t *j = json_pack("{s:s,s:f}", "description", "</script><script>alert(1)</script><!-- x",
                        "latitude", 53.5719);
  const char *s = showroom_jsonld_text(a, j);
  cr_assert_null(strchr(s, '<'), "%s", s);
  cr_assert_null(strstr(s, "</"), "%s", s);
  cr_assert_not_null(strstr(s, "53.5719"), "%s", s);
  json_error_t je;
  json_t *back = json_loads(s, 0, &je);
  cr_assert_not_null(back, "%s", je.text);
  cr_assert_str_eq(json_string_value(json_object_get(back, "description")),
                   "</script><script>alert(1)</script><!-- x", "the same text after parsing");
  json_decref(back);
  json_decref(j);
  arena_free(a);
}
