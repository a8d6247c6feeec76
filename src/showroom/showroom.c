/* showroom.c — what the showroom pages share and tests reach without HTTP: the
 * per-dealer theme stylesheet, the schema.org AutoDealer document and the embed
 * snippet. */
#include "showroom/showroom.h"

#include "core/arena.h"
#include "core/buf.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void showroom_theme_css(const struct tenant_profile *p, struct buf *out)
{
  char primary[8], accent[8];
  bool has_p = tenant_color_parse(p->color_primary, primary) == 0;
  bool has_a = tenant_color_parse(p->color_accent, accent) == 0;
  buf_puts(out, "/* cc24 showroom theme: the dealer's brand colours on the design system's "
                "tokens */\n:root {\n");
  if (has_p) {
    char dark[8], soft[8], deep[8];
    tenant_color_mix(primary, 180, dark);
    tenant_color_mix(primary, -900, soft);
    tenant_color_mix(primary, 450, deep);
    buf_printf(out,
               "  --c-brand: %s;\n  --c-brand-dark: %s;\n  --c-brand-soft: %s;\n"
               "  --sr-hero-from: %s;\n  --sr-hero-to: %s;\n",
               primary, dark, soft, deep, primary);
  }
  if (has_a)
    buf_printf(out, "  --c-accent: %s;\n  --sr-accent: %s;\n", accent, accent);
  buf_puts(out, "}\n");
}

void showroom_theme_version(const char *css, size_t len, char out[17])
{
  unsigned char h[crypto_generichash_BYTES];
  crypto_generichash(h, sizeof h, (const unsigned char *)css, len, NULL, 0);
  for (int i = 0; i < 8; i++)
    snprintf(out + 2 * i, 3, "%02x", h[i]);
}

const char *showroom_theme_url(struct arena *a, const char *slug, const struct tenant_profile *p)
{
  struct buf b;
  buf_init(&b, a);
  showroom_theme_css(p, &b);
  char v[17];
  showroom_theme_version(b.data, b.len, v);
  return arena_printf(a, "/haendler/%s/theme.css?v=%s", slug, v);
}

static json_t *str_or_null(const char *s)
{
  return s && *s ? json_string(s) : NULL;
}

static void set_opt(json_t *o, const char *k, const char *v)
{
  json_t *j = str_or_null(v);
  if (j)
    json_object_set_new(o, k, j);
}

json_t *showroom_jsonld(const struct tenant *t, const struct tenant_profile *p,
                        const char *base_url, const char *logo_url, const char *locale)
{
  static const char *const days[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                     "Friday", "Saturday", "Sunday"};
  char url[512];
  snprintf(url, sizeof url, "%s/haendler/%s", base_url, t->slug);
  json_t *j = json_object();
  json_object_set_new(j, "@context", json_string("https://schema.org"));
  json_object_set_new(j, "@type", json_string("AutoDealer"));
  char id[600];
  snprintf(id, sizeof id, "%s#dealer", url);
  json_object_set_new(j, "@id", json_string(id));
  json_object_set_new(j, "name", json_string(t->name ? t->name : ""));
  set_opt(j, "legalName", p->legal_name);
  json_object_set_new(j, "url", json_string(url));
  const char *about = locale && !strcmp(locale, "en") && *p->about_en ? p->about_en : p->about_de;
  set_opt(j, "description", about);
  if (logo_url && *logo_url) {
    char logo[600];
    snprintf(logo, sizeof logo, "%s%s", base_url, logo_url);
    json_object_set_new(j, "logo", json_string(logo));
    json_object_set_new(j, "image", json_string(logo));
  }
  set_opt(j, "telephone", t->phone);
  set_opt(j, "email", t->email);
  set_opt(j, "vatID", p->vat_id);
  json_t *addr = json_pack("{s:s}", "@type", "PostalAddress");
  set_opt(addr, "streetAddress", t->street);
  set_opt(addr, "postalCode", t->zip);
  set_opt(addr, "addressLocality", t->city);
  json_object_set_new(addr, "addressCountry",
                      json_string(t->country && *t->country ? t->country : "DE"));
  json_object_set_new(j, "address", addr);
  if (p->has_geo)
    json_object_set_new(j, "geo",
                        json_pack("{s:s,s:f,s:f}", "@type", "GeoCoordinates", "latitude",
                                  (double)p->lat_e6 / 1e6, "longitude", (double)p->lon_e6 / 1e6));
  json_t *spec = json_array();
  for (int d = 0; d < 7; d++)
    for (int i = 0; i < p->hours.n[d]; i++) {
      char o[6], c[6];
      tenant_minutes_format(p->hours.iv[d][i].open, o);
      /* schema.org writes midnight as 23:59 */
      tenant_minutes_format(p->hours.iv[d][i].close == 1440 ? 1439 : p->hours.iv[d][i].close, c);
      char day[64];
      snprintf(day, sizeof day, "https://schema.org/%s", days[d]);
      json_array_append_new(spec,
                            json_pack("{s:s,s:s,s:s,s:s}", "@type", "OpeningHoursSpecification",
                                      "dayOfWeek", day, "opens", o, "closes", c));
    }
  json_object_set_new(j, "openingHoursSpecification", spec);
  json_t *same = json_array();
  if (t->website && *t->website)
    json_array_append_new(same, json_string(t->website));
  for (int i = 0; i < SOCIAL__COUNT; i++)
    if (p->social[i] && *p->social[i])
      json_array_append_new(same, json_string(p->social[i]));
  if (json_array_size(same))
    json_object_set_new(j, "sameAs", same);
  else
    json_decref(same);
  return j;
}

const char *showroom_jsonld_text(struct arena *a, json_t *j)
{
  char *s = json_dumps(j, JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_REAL_PRECISION(10));
  struct buf b;
  buf_init(&b, a);
  /* "<" only ever occurs inside strings, where its escape means the same */
  for (const char *c = s ? s : "{}"; *c; c++) {
    if (*c == '<')
      buf_puts(&b, "\\u003c");
    else
      buf_putc(&b, *c);
  }
  free(s);
  return buf_cstr(&b);
}

const char *showroom_embed_snippet(struct arena *a, const char *base_url, const char *slug)
{
  return arena_printf(a,
                      "<div id=\"cc24-bestand\"></div>\n"
                      "<script src=\"%s/static/js/embed.js\" data-dealer=\"%s\""
                      " data-target=\"cc24-bestand\" async></script>",
                      base_url, slug);
}
