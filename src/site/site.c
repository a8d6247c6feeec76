/* site.c — helpers shared by the pages of the public website (see site.h). */
#include "site/site.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/ids.h"
#include "core/money.h"
#include "core/str.h"
#include "media/media.h"
#include "render/i18n.h"
#include "search/search.h"
#include "tenant/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *site_vehicle_slug(struct arena *a, const char *make, const char *model,
                              const char *variant)
{
  char *s = str_slug(
      a, arena_printf(a, "%s %s %s", make ? make : "", model ? model : "", variant ? variant : ""));
  size_t n = strlen(s);
  if (n > SITE_SLUG_MAX) {
    n = SITE_SLUG_MAX;
    /* cut at the last dash inside the limit, so no word is broken */
    while (n > 0 && s[n] != '-')
      n--;
    if (n == 0)
      n = SITE_SLUG_MAX;
    s[n] = 0;
    while (n > 0 && s[n - 1] == '-')
      s[--n] = 0;
  }
  return s;
}

const char *site_vehicle_path(struct arena *a, const char *make, const char *model,
                              const char *variant, const char *public_id)
{
  const char *slug = site_vehicle_slug(a, make, model, variant);
  return arena_printf(a, "/fahrzeuge/%s%s%s", slug, *slug ? "-" : "", public_id);
}

const char *site_slug_id(const char *segment)
{
  if (!segment)
    return NULL;
  size_t n = strlen(segment);
  if (n < ID_LEN)
    return NULL;
  const char *id = segment + n - ID_LEN;
  if (!id_valid(id))
    return NULL;
  if (n > ID_LEN && segment[n - ID_LEN - 1] != '-')
    return NULL;
  return id;
}

/* § 3a (1) Pkw-EnVKV as amended by Art. 1 of the Verordnung of 19.02.2024 (BGBl.
 * 2024 I Nr. 50), in force since 23.02.2024: the CO2 class follows the combined
 * WLTP CO2 emissions alone (mass no longer counts). A 0, B 1-95, C 96-115,
 * D 116-135, E 136-155, F 156-175, G 176 and more. Plug-in hybrids get a class
 * for the weighted combined value and one "bei entladener Batterie". */
const char *site_co2_class(int g)
{
  static const struct {
    int max;
    const char *cls;
  } bands[] = {{0, "A"}, {95, "B"}, {115, "C"}, {135, "D"}, {155, "E"}, {175, "F"}};
  if (g < 0)
    return NULL;
  for (size_t i = 0; i < sizeof bands / sizeof bands[0]; i++)
    if (g <= bands[i].max)
      return bands[i].cls;
  return "G";
}

const char *site_int_de(struct arena *a, int64_t v)
{
  char out[48];
  num_format_grouped(v, "de", out, sizeof out);
  return arena_strdup(a, out);
}

const char *site_price(struct arena *a, int64_t cents)
{
  char s[64];
  money_format_euros(cents, s, sizeof s);
  return arena_strdup(a, s);
}

const char *site_show_n(struct http_req *req, int64_t n)
{
  const char *t = i18n_get(req->locale, "search.show_n");
  const char *p = strstr(t, "{n}");
  if (!p)
    return t;
  return arena_printf(req->a, "%.*s%s%s", (int)(p - t), t, site_int_de(req->a, n), p + 3);
}

static const char *reg_label(struct http_req *req, int first_reg, int condition)
{
  if (first_reg < 0)
    return enum_label(&vehicle_enum_condition, condition, req->locale);
  return arena_printf(req->a, "%s %02d/%04d", i18n_get(req->locale, "vehicle.first_reg_short"),
                      first_reg % 12 + 1, first_reg / 12);
}

json_t *site_card(struct http_req *req, const struct search_hit *h)
{
  struct arena *a = req->a;
  const char *loc = req->locale;
  json_t *c = json_object();
  json_object_set_new(
      c, "url", json_string(site_vehicle_path(a, h->make, h->model, h->variant, h->public_id)));
  json_object_set_new(c, "id", json_string(h->public_id));
  json_object_set_new(c, "make", json_string(h->make));
  json_object_set_new(c, "model", json_string(h->model));
  json_object_set_new(c, "variant", json_string(h->variant));
  json_object_set_new(c, "price", json_string(site_price(a, h->price_cents)));
  json_object_set_new(
      c, "vat_label",
      json_string(i18n_get(loc, h->vat_mode == VAT_MARGIN ? "vehicle.vat_margin_short"
                                                          : "vehicle.vat_shown_short")));
  json_object_set_new(c, "first_reg_label",
                      json_string(reg_label(req, h->first_reg, h->condition)));
  json_object_set_new(c, "mileage",
                      json_string(arena_printf(a, "%s km", site_int_de(a, h->mileage_km))));
  json_object_set_new(
      c, "power",
      json_string(arena_printf(a, "%d kW (%d PS)", h->power_kw, vehicle_ps(h->power_kw))));
  json_object_set_new(c, "fuel_label", json_string(enum_label(&vehicle_enum_fuel, h->fuel, loc)));
  json_object_set_new(c, "gearbox_label",
                      json_string(enum_label(&vehicle_enum_gearbox, h->gearbox, loc)));
  json_object_set_new(c, "condition_label",
                      json_string(enum_label(&vehicle_enum_condition, h->condition, loc)));
  json_object_set_new(c, "is_new", json_boolean(h->condition != COND_USED));
  json_object_set_new(c, "reserved", json_boolean(h->status == STATUS_RESERVED));
  json_t *photo =
      media_cover_json(a, h->cover, arena_printf(a, "%s %s %s", h->make, h->model, h->variant),
                       "(max-width: 560px) 100vw, (max-width: 960px) 50vw, 360px");
  if (photo)
    json_object_set_new(c, "photo", photo);
  return c;
}

static const char *nz(const char *s)
{
  return s ? s : "";
}

json_t *site_dealer_json(struct http_req *req, const struct tenant *t)
{
  struct arena *a = req->a;
  json_t *d = json_object();
  json_object_set_new(d, "name", json_string(nz(t->name)));
  json_object_set_new(d, "slug", json_string(nz(t->slug)));
  json_object_set_new(d, "street", json_string(nz(t->street)));
  json_object_set_new(d, "zip", json_string(nz(t->zip)));
  json_object_set_new(d, "city", json_string(nz(t->city)));
  json_object_set_new(d, "phone", json_string(nz(t->phone)));
  json_object_set_new(d, "email", json_string(nz(t->email)));
  json_object_set_new(d, "website", json_string(nz(t->website)));
  json_object_set_new(d, "phone_href", json_string(str_tel_uri(a, t->phone)));
  if (*nz(t->street) || *nz(t->city)) {
    const char *addr = arena_printf(a, "%s, %s %s", nz(t->street), nz(t->zip), nz(t->city));
    struct buf m;
    buf_init(&m, a);
    buf_puts(&m, "https://www.openstreetmap.org/search?query=");
    buf_append_urlenc(&m, addr, strlen(addr));
    json_object_set_new(d, "map_url", json_string(buf_cstr(&m)));
  }
  return d;
}

/* ---- JSON-LD ---- */

static void set_str(json_t *o, const char *k, const char *v)
{
  if (v && *v)
    json_object_set_new(o, k, json_string(v));
}

const char *site_vehicle_jsonld(struct arena *a, const struct vehicle *v, const char *url,
                                const struct tenant *seller, const char *const *images, int nimages)
{
  json_t *car = json_object();
  json_object_set_new(car, "@context", json_string("https://schema.org"));
  json_object_set_new(car, "@type", json_string("Car"));
  set_str(car, "name", arena_printf(a, "%s %s %s", v->make, v->model, v->variant));
  json_object_set_new(car, "brand", json_pack("{s:s,s:s}", "@type", "Brand", "name", v->make));
  set_str(car, "model", v->model);
  set_str(car, "vehicleConfiguration", v->variant);
  set_str(car, "url", url);
  if (nimages > 0) {
    json_t *imgs = json_array();
    for (int i = 0; i < nimages; i++)
      json_array_append_new(imgs, json_string(images[i]));
    json_object_set_new(car, "image", imgs);
  }
  if (v->vin && *v->vin)
    set_str(car, "vehicleIdentificationNumber", v->vin);
  json_object_set_new(car, "mileageFromOdometer",
                      json_pack("{s:s,s:i,s:s}", "@type", "QuantitativeValue", "value",
                                v->mileage_km, "unitCode", "KMT"));
  set_str(car, "fuelType", enum_label(&vehicle_enum_fuel, v->fuel, "en"));
  set_str(car, "vehicleTransmission", enum_label(&vehicle_enum_gearbox, v->gearbox, "en"));
  set_str(car, "bodyType", enum_label(&vehicle_enum_body, v->body, "en"));
  set_str(car, "color",
          *v->colour_name ? v->colour_name : enum_label(&vehicle_enum_colour, v->colour, "en"));
  if (v->first_reg >= 0) {
    char ym[8];
    vehicle_ym_format(v->first_reg, ym);
    set_str(car, "dateVehicleFirstRegistered", ym);
  }
  if (v->doors > 0)
    json_object_set_new(car, "numberOfDoors", json_integer(v->doors));
  if (v->seats > 0)
    json_object_set_new(car, "seatingCapacity", json_integer(v->seats));
  if (v->previous_owners >= 0)
    json_object_set_new(car, "numberOfPreviousOwners", json_integer(v->previous_owners));
  json_object_set_new(car, "vehicleEngine",
                      json_pack("{s:s,s:{s:s,s:i,s:s}}", "@type", "EngineSpecification",
                                "enginePower", "@type", "QuantitativeValue", "value", v->power_kw,
                                "unitCode", "KWT"));
  if (v->co2_g_km >= 0)
    json_object_set_new(car, "emissionsCO2", json_integer(v->co2_g_km));
  set_str(car, "itemCondition",
          v->condition == COND_NEW ? "https://schema.org/NewCondition"
                                   : "https://schema.org/UsedCondition");

  json_t *offer = json_object();
  json_object_set_new(offer, "@type", json_string("Offer"));
  int64_t c = v->price_cents;
  json_object_set_new(
      offer, "price",
      json_string(arena_printf(a, "%lld.%02lld", (long long)(c / 100), (long long)(c % 100))));
  json_object_set_new(offer, "priceCurrency", json_string("EUR"));
  const char *avail = v->status == STATUS_SOLD       ? "https://schema.org/SoldOut"
                      : v->status == STATUS_RESERVED ? "https://schema.org/LimitedAvailability"
                                                     : "https://schema.org/InStock";
  json_object_set_new(offer, "availability", json_string(avail));
  set_str(offer, "url", url);
  set_str(offer, "itemCondition",
          v->condition == COND_NEW ? "https://schema.org/NewCondition"
                                   : "https://schema.org/UsedCondition");
  if (seller && seller->name) {
    json_t *s = json_object();
    json_object_set_new(s, "@type", json_string("AutoDealer"));
    set_str(s, "name", seller->name);
    set_str(s, "telephone", seller->phone);
    set_str(s, "email", seller->email);
    json_t *addr = json_object();
    json_object_set_new(addr, "@type", json_string("PostalAddress"));
    set_str(addr, "streetAddress", seller->street);
    set_str(addr, "postalCode", seller->zip);
    set_str(addr, "addressLocality", seller->city);
    set_str(addr, "addressCountry", seller->country && *seller->country ? seller->country : "DE");
    json_object_set_new(s, "address", addr);
    json_object_set_new(offer, "seller", s);
  }
  json_object_set_new(car, "offers", offer);

  char *raw = json_dumps(car, JSON_COMPACT);
  json_decref(car);
  if (!raw)
    return "{}";
  struct buf b;
  buf_init(&b, a);
  for (const char *p = raw; *p; p++) {
    /* outside strings JSON has none of these; inside, the escapes mean the same */
    if (*p == '<')
      buf_puts(&b, "\\u003c");
    else if (*p == '>')
      buf_puts(&b, "\\u003e");
    else if (*p == '&')
      buf_puts(&b, "\\u0026");
    else
      buf_putc(&b, *p);
  }
  free(raw);
  return buf_cstr(&b);
}

/* ---- canonical search URLs ---- */

static int ci_cmp(const void *x, const void *y)
{
  return strcasecmp(*(const char *const *)x, *(const char *const *)y);
}

static void put_kv(struct buf *b, const char *k, const char *v)
{
  if (b->len)
    buf_putc(b, '&');
  buf_puts(b, k);
  buf_putc(b, '=');
  buf_append_urlenc(b, v, strlen(v));
}

static void put_list(struct arena *a, struct buf *b, const char *k, const char *const *vals, int n)
{
  if (n <= 0)
    return;
  const char **s = arena_alloc(a, sizeof *s * (size_t)n);
  memcpy(s, vals, sizeof *s * (size_t)n);
  qsort(s, (size_t)n, sizeof *s, ci_cmp);
  struct buf v;
  buf_init(&v, a);
  for (int i = 0; i < n; i++) {
    if (i > 0 && strcasecmp(s[i], s[i - 1]) == 0)
      continue;
    if (v.len)
      buf_putc(&v, ',');
    buf_puts(&v, s[i]);
  }
  put_kv(b, k, buf_cstr(&v));
}

static void put_mask(struct buf *b, const char *k, const struct enum_def *en, uint64_t mask)
{
  if (!mask)
    return;
  if (b->len)
    buf_putc(b, '&');
  buf_puts(b, k);
  buf_putc(b, '=');
  bool first = true;
  for (int i = 0; i < en->count && i < 64; i++)
    if (mask & ((uint64_t)1 << i)) {
      if (!first)
        buf_puts(b, "%2C");
      buf_puts(b, en->values[i]);
      first = false;
    }
}

static void put_num(struct arena *a, struct buf *b, const char *k, int64_t v)
{
  if (v >= 0)
    put_kv(b, k, arena_printf(a, "%lld", (long long)v));
}

const char *site_search_canonical(struct arena *a, const struct search_query *q, int include_page)
{
  struct buf b;
  buf_init(&b, a);
  if (q->ntokens) {
    struct buf t;
    buf_init(&t, a);
    for (int i = 0; i < q->ntokens; i++) {
      if (i)
        buf_putc(&t, ' ');
      buf_puts(&t, q->tokens[i]);
    }
    put_kv(&b, "q", buf_cstr(&t));
  }
  put_list(a, &b, "make", q->make, q->nmake);
  put_list(a, &b, "model", q->model, q->nmodel);
  put_mask(&b, "body", &vehicle_enum_body, q->body);
  put_mask(&b, "fuel", &vehicle_enum_fuel, q->fuel);
  put_mask(&b, "gearbox", &vehicle_enum_gearbox, q->gearbox);
  put_mask(&b, "condition", &vehicle_enum_condition, q->condition);
  put_mask(&b, "colour", &vehicle_enum_colour, q->colour);
  put_mask(&b, "features", &vehicle_enum_feature, q->features);
  put_num(a, &b, "price_min", q->price_min >= 0 ? q->price_min / 100 : -1);
  put_num(a, &b, "price_max", q->price_max >= 0 ? q->price_max / 100 : -1);
  if (q->first_reg_min >= 0) {
    if (q->first_reg_min % 12 == 0)
      put_num(a, &b, "year_min", q->first_reg_min / 12);
    else
      put_kv(&b, "first_reg_min",
             arena_printf(a, "%04d-%02d", q->first_reg_min / 12, q->first_reg_min % 12 + 1));
  }
  if (q->first_reg_max >= 0) {
    if (q->first_reg_max % 12 == 11)
      put_num(a, &b, "year_max", q->first_reg_max / 12);
    else
      put_kv(&b, "first_reg_max",
             arena_printf(a, "%04d-%02d", q->first_reg_max / 12, q->first_reg_max % 12 + 1));
  }
  put_num(a, &b, "mileage_min", q->mileage_min);
  put_num(a, &b, "mileage_max", q->mileage_max);
  put_num(a, &b, "power_min", q->power_min);
  put_num(a, &b, "power_max", q->power_max);
  put_list(a, &b, "dealer", q->dealer, q->ndealer);
  if (q->sort != SORT_RELEVANCE)
    put_kv(&b, "sort", search_sort_names[q->sort]);
  if (q->size != 24)
    put_num(a, &b, "size", q->size);
  if (include_page && q->page > 1)
    put_num(a, &b, "page", q->page);
  return buf_cstr(&b);
}

int site_search_depth(const struct search_query *q)
{
  return (q->ntokens > 0) + (q->nmake > 0) + (q->nmodel > 0) + (q->ndealer > 0) + (q->body != 0) +
         (q->fuel != 0) + (q->gearbox != 0) + (q->condition != 0) + (q->colour != 0) +
         (q->features != 0) + (q->price_min >= 0 || q->price_max >= 0) +
         (q->mileage_min >= 0 || q->mileage_max >= 0) + (q->power_min >= 0 || q->power_max >= 0) +
         (q->first_reg_min >= 0 || q->first_reg_max >= 0);
}
