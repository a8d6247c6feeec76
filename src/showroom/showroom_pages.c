/* showroom_pages.c — the public showroom pages of a dealer: /haendler/{slug}
 * (branding, about, hours with "open now", team, location, reviews placeholder,
 * 360° highlights, the whole stock with the search index's filters, sort and
 * paging in the URL, SEO with AutoDealer JSON-LD), the theme stylesheet, the
 * dealer Impressum and the embeddable stock widget /embed/{slug}. Unknown slugs
 * answer the 404 page; only published and reserved vehicles are ever shown. */
#include "app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/money.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "inventory/vehicle.h"
#include "inventory/vehicle_store.h"
#include "media/media.h"
#include "privacy/newsletter.h"
#include "render/i18n.h"
#include "search/search.h"
#include "showroom/showroom.h"
#include "site/site.h"
#include "web/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPINS_MAX 8

static struct app *app_of(struct http_req *req)
{
  return req->app;
}

static bool slug_shape(const char *s)
{
  size_t n = s ? strlen(s) : 0;
  if (n < 3 || n > 60)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
      return false;
  return true;
}

struct load_arg {
  struct arena *a;
  const char *slug;
  struct tenant t;
  struct tenant_profile p;
  struct media_photo logo; /* the uploaded logo, when has_logo */
  bool has_logo;
  int found;
  bool want_spins;
  struct vehicle spins[SPINS_MAX];
  int nspins;
};

static int tx_load(db_conn *c, void *arg, struct err *e)
{
  struct load_arg *x = arg;
  x->found = tenant_store_by_slug(c, x->a, x->slug, &x->t, e);
  if (x->found <= 0)
    return x->found;
  if (tenant_profile_load(c, x->a, x->t.id, &x->p, e) < 0)
    return -1;
  int rc = media_logo_get(c, x->a, x->t.id, &x->logo, e);
  if (rc < 0)
    return -1;
  x->has_logo = rc == 1;
  if (!x->want_spins)
    return 0;
  /* vehicles with a 360° spin (the media pipeline sets the flag) */
  db_stmt *st =
      db_query(c,
               "SELECT public_id FROM vehicles WHERE tenant_id = $1 AND has_spin = 1"
               " AND " VEHICLE_LISTED_SQL("") " ORDER BY published_at DESC, id DESC LIMIT 8",
               DB_PARAMS(db_i64(x->t.id)), e);
  if (!st)
    return -1;
  char *ids[SPINS_MAX];
  int n = 0;
  char *pub;
  while (n < SPINS_MAX && (rc = db_next(st, x->a, DB_ROW(db_out_text(&pub)), e)) == 1)
    ids[n++] = pub;
  db_finish(st);
  if (rc < 0)
    return -1;
  x->nspins = 0;
  for (int i = 0; i < n; i++) {
    rc = vehicle_store_get(c, x->a, 0, ids[i], &x->spins[x->nspins], e);
    if (rc < 0)
      return -1;
    if (rc == 1)
      x->nspins++;
  }
  return 0;
}

/* Tenant and profile by the {slug} of the route; answers 404 itself (returns 1). */
static int load_dealer(struct http_req *req, struct load_arg *x, bool spins)
{
  const char *slug = http_param(req, "slug");
  if (!slug_shape(slug)) {
    http_problem(req, 404, CC24_E_TENANT_NOT_FOUND, "no such dealer", NULL);
    return 1;
  }
  memset(x, 0, sizeof *x);
  x->a = req->a;
  x->slug = slug;
  x->want_spins = spins;
  struct err e = {0};
  if (db_tx(app_of(req)->db, 0, DB_READ, tx_load, x, &e) < 0) {
    http_problem_err(req, &e);
    return 1;
  }
  if (!x->found) {
    http_problem(req, 404, CC24_E_TENANT_NOT_FOUND, "no such dealer", NULL);
    return 1;
  }
  return 0;
}

/* The logo's served URL (content-hashed), or "" when the file is not an asset. */
static const char *logo_url(const struct tenant_profile *p)
{
  if (!p->logo_path || !tenant_logo_path_valid(p->logo_path))
    return "";
  const char *name = p->logo_path + strlen("/static/");
  const char *u = http_static_url(name);
  return strcmp(u + strlen("/static/"), name) != 0 ? u : "";
}

static const char *about_text(struct http_req *req, const struct tenant_profile *p)
{
  bool en = req->locale && !strcmp(req->locale, "en");
  return en && *p->about_en ? p->about_en : p->about_de;
}

/* "AB" from "Autohaus Berger" for the monogram when there is no logo. */
static const char *initials(struct arena *a, const char *name)
{
  char out[3] = {0};
  int n = 0;
  bool word = true;
  for (const char *s = name ? name : ""; *s && n < 2; s++) {
    bool letter = ((unsigned char)*s >= 'A' && (unsigned char)*s <= 'Z') ||
                  ((unsigned char)*s >= 'a' && (unsigned char)*s <= 'z');
    if (word && letter)
      out[n++] = (char)(*s >= 'a' ? *s - 'a' + 'A' : *s);
    word = *s == ' ' || *s == '-';
  }
  return arena_strdup(a, out);
}

/* The dealer's card plus what the showroom adds. */
static json_t *dealer_json(struct http_req *req, const struct load_arg *x)
{
  json_t *d = tenant_card_json(req->a, &x->t, &x->p, req->locale, time_now());
  json_arena(req->a, d);
  /* an uploaded logo first, else a logo file among the assets */
  json_t *up = x->has_logo ? media_logo_json(req->a, &x->logo, 64) : NULL;
  const char *logo = up ? json_string_value(json_object_get(up, "url")) : logo_url(&x->p);
  json_object_set_new(d, "logo_url", json_string(logo));
  json_object_set_new(d, "logo_width",
                      up ? json_incref(json_object_get(up, "width")) : json_integer(240));
  json_object_set_new(d, "logo_height", json_integer(64));
  json_object_set_new(d, "has_logo", json_boolean(*logo != 0));
  json_decref(up);
  json_object_set_new(d, "initials", json_string(initials(req->a, x->t.name)));
  json_object_set_new(d, "legal_name", json_string(*x->p.legal_name ? x->p.legal_name : x->t.name));
  json_object_set_new(d, "about", json_string(about_text(req, &x->p)));
  json_object_set_new(d, "website_label",
                      json_string(str_starts(x->t.website, "https://")  ? x->t.website + 8
                                  : str_starts(x->t.website, "http://") ? x->t.website + 7
                                                                        : x->t.website));
  json_t *team = json_array();
  for (int i = 0; i < x->p.nteam; i++) {
    const struct tenant_member *m = &x->p.team[i];
    json_t *tm = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", m->name, "role", m->role, "phone",
                           m->phone, "email", m->email, "initials", initials(req->a, m->name));
    json_object_set_new(tm, "phone_href", json_string(str_tel_uri(req->a, m->phone)));
    json_array_append_new(team, tm);
  }
  json_object_set_new(d, "team", team);
  json_object_set_new(d, "has_team", json_boolean(x->p.nteam > 0));
  json_t *social = json_array();
  for (int i = 0; i < SOCIAL__COUNT; i++)
    if (*x->p.social[i])
      json_array_append_new(social,
                            json_pack("{s:s,s:s,s:s}", "key", tenant_social_keys[i], "label",
                                      tenant_social_labels[i], "url", x->p.social[i]));
  json_object_set_new(d, "has_social", json_boolean(json_array_size(social) > 0));
  json_object_set_new(d, "social", social);
  json_object_set_new(d, "theme_url", json_string(showroom_theme_url(req->a, x->t.slug, &x->p)));
  return d;
}

/* ---- the stock: the search index with the dealer filter ---- */

static const char *int_de(struct arena *a, int64_t v)
{
  char out[48];
  num_format_grouped(v, "de", out, sizeof out);
  return arena_strdup(a, out);
}

static json_t *facet_options(struct http_req *req, const struct search_result *res,
                             const char *name, const struct enum_def *en, uint32_t mask,
                             const char *const *selected, int nselected)
{
  json_t *arr = json_array();
  const struct search_facet *f = search_facet(res, name);
  for (int i = 0; f && i < f->n; i++) {
    int ix = en ? enum_parse(en, f->v[i].value) : -1;
    bool sel = en ? (ix >= 0 && (mask & (1u << ix))) : false;
    for (int k = 0; k < nselected && !sel; k++)
      sel = str_ieq(selected[k], f->v[i].value);
    json_array_append_new(arr, json_pack("{s:s,s:s,s:I,s:b}", "value", f->v[i].value, "label",
                                         en ? enum_label(en, ix, req->locale) : f->v[i].value,
                                         "count", (json_int_t)f->v[i].count, "selected", sel));
  }
  return arr;
}

/* Query string of the request without `page` (and without `dealer`, which the
 * showroom fixes), for pager links that keep the filters. */
static const char *query_keep(struct http_req *req)
{
  const char **names, **values;
  int n = http_query_pairs(req, &names, &values);
  struct buf b;
  buf_init(&b, req->a);
  for (int i = 0; i < n; i++) {
    if (!strcmp(names[i], "page") || !strcmp(names[i], "dealer") || !values[i][0])
      continue;
    if (b.len)
      buf_putc(&b, '&');
    buf_append_urlenc(&b, names[i], strlen(names[i]));
    buf_putc(&b, '=');
    buf_append_urlenc(&b, values[i], strlen(values[i]));
  }
  return buf_cstr(&b);
}

/* Run the dealer's search from the request's query; adds cards, counts, facets,
 * kept filter values, sorts and pager links (base: the page's path) to ctx. */
static int stock(struct http_req *req, const char *slug, const char *base, int size, json_t *ctx)
{
  const char **names, **values;
  int n = http_query_pairs(req, &names, &values);
  struct search_query q;
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  search_query_parse(req->a, n, names, values, 0, &q, &errs);
  q.dealer[0] = slug;
  q.ndealer = 1;
  if (size > 0)
    q.size = size;
  struct search_result res;
  if (search_run(app_of(req)->search, &q, req->a, &res) < 0)
    return -1;
  /* the dealer's whole stock (for "N vehicles online" and the empty state) */
  struct search_query all;
  search_query_init(&all);
  all.dealer[0] = slug;
  all.ndealer = 1;
  all.size = 1;
  struct search_result everything;
  if (search_run(app_of(req)->search, &all, req->a, &everything) < 0)
    return -1;
  json_object_set_new(ctx, "cards", site_cards(req, &res));
  json_object_set_new(ctx, "total", json_integer(res.total));
  json_object_set_new(ctx, "has_results", json_boolean(res.total > 0));
  json_object_set_new(ctx, "total_label", json_string(int_de(req->a, res.total)));
  json_object_set_new(ctx, "stock_total", json_integer(everything.total));
  json_object_set_new(ctx, "stock_total_label", json_string(int_de(req->a, everything.total)));
  json_object_set_new(ctx, "no_stock", json_boolean(everything.total == 0));
  json_object_set_new(ctx, "no_results", json_boolean(everything.total > 0 && res.total == 0));
  const struct search_facet *mk = search_facet(&everything, "make");
  json_object_set_new(ctx, "make_count", json_integer(mk ? mk->n : 0));
  json_object_set_new(ctx, "makes", facet_options(req, &res, "make", NULL, 0, q.make, q.nmake));
  json_object_set_new(ctx, "models", facet_options(req, &res, "model", NULL, 0, q.model, q.nmodel));
  json_object_set_new(ctx, "has_models", json_boolean(q.nmake > 0));
  json_object_set_new(ctx, "bodies",
                      facet_options(req, &res, "body", &vehicle_enum_body, q.body, NULL, 0));
  json_object_set_new(ctx, "fuels",
                      facet_options(req, &res, "fuel", &vehicle_enum_fuel, q.fuel, NULL, 0));
  json_object_set_new(
      ctx, "gearboxes",
      facet_options(req, &res, "gearbox", &vehicle_enum_gearbox, q.gearbox, NULL, 0));
  const char *qv = http_query(req, "q");
  json_object_set_new(ctx, "q", json_string(qv && utf8_valid(qv, strlen(qv)) ? qv : ""));
  json_t *vals = json_object();
  static const char *const keep[] = {"price_max", "mileage_max", "year_min"};
  for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
    const char *v = http_query(req, keep[i]);
    int64_t x;
    if (v && str_to_i64(v, &x) && x >= 0)
      json_object_set_new(vals, keep[i], json_integer(x));
  }
  json_object_set_new(ctx, "v", vals);
  json_t *sorts = json_array();
  for (int s = 0; s < SORT__COUNT; s++) {
    char key[64];
    snprintf(key, sizeof key, "search.sort_%s", search_sort_names[s]);
    json_array_append_new(sorts, json_pack("{s:s,s:s,s:b}", "value", search_sort_names[s], "label",
                                           i18n_get(req->locale, key), "selected", q.sort == s));
  }
  json_object_set_new(ctx, "sorts", sorts);
  int64_t pages = res.size ? (res.total + res.size - 1) / res.size : 1;
  const char *kept = query_keep(req);
  if (res.page > 1)
    json_object_set_new(ctx, "prev_url",
                        json_string(arena_printf(req->a, "%s?%s%spage=%d", base, kept,
                                                 *kept ? "&" : "", res.page - 1)));
  if (res.page < pages)
    json_object_set_new(ctx, "next_url",
                        json_string(arena_printf(req->a, "%s?%s%spage=%d", base, kept,
                                                 *kept ? "&" : "", res.page + 1)));
  json_object_set_new(ctx, "has_pages", json_boolean(pages > 1));
  json_object_set_new(
      ctx, "page_label",
      json_string(arena_printf(req->a, "%d / %lld", res.page, (long long)(pages ? pages : 1))));
  bool filtered = false;
  for (int i = 0; i < n; i++)
    filtered |= values[i][0] && strcmp(names[i], "page") && strcmp(names[i], "lang") &&
                strcmp(names[i], "dealer");
  json_object_set_new(ctx, "filtered", json_boolean(filtered));
  json_object_set_new(ctx, "page", json_integer(res.page));
  return 0;
}

/* Cards for the 360° highlights, through the same card partial as the stock. */
static json_t *spin_cards(struct http_req *req, const struct load_arg *x)
{
  struct search_result res = {0};
  res.hits = arena_calloc(req->a, SPINS_MAX, sizeof *res.hits);
  for (int i = 0; i < x->nspins; i++) {
    const struct vehicle *v = &x->spins[i];
    struct search_hit *h = &res.hits[res.nhits++];
    search_hit_from_vehicle(v, h);
    h->dealer = x->t.slug;
  }
  return site_cards(req, &res);
}

static void seo(struct http_req *req, json_t *ctx, const struct load_arg *x, const char *logo)
{
  const char *about = about_text(req, &x->p);
  char desc[400];
  if (*about) {
    /* up to ~155 characters, cut at a word */
    snprintf(desc, sizeof desc, "%s", about);
    size_t n = strlen(desc);
    if (n > 155) {
      size_t cut = 150;
      while (cut > 80 && desc[cut] != ' ')
        cut--;
      while (cut > 0 && ((unsigned char)desc[cut] & 0xc0) == 0x80)
        cut--;
      snprintf(desc + cut, sizeof desc - cut, " …");
    }
  } else {
    const char *t = i18n_get(req->locale, "showroom.meta_description");
    const char *p = strstr(t, "{name}");
    snprintf(desc, sizeof desc, "%.*s%s%s", p ? (int)(p - t) : (int)strlen(t), t,
             p ? x->t.name : "", p ? p + 6 : "");
  }
  json_object_set_new(ctx, "meta_description", json_string(desc));
  web_page_urls(req, ctx, arena_printf(req->a, "/haendler/%s", x->t.slug), NULL);
  json_object_set_new(ctx, "og_image",
                      json_string(*logo ? arena_printf(req->a, "%s%s", cfg.base_url, logo) : ""));
  json_t *ld = showroom_jsonld(&x->t, &x->p, cfg.base_url, logo, req->locale);
  json_object_set_new(ctx, "jsonld", json_string(showroom_jsonld_text(req->a, ld)));
  json_decref(ld);
}

int showroom_page(struct http_req *req)
{
  struct load_arg x;
  if (load_dealer(req, &x, true))
    return 0;
  json_t *ctx = web_context(req);
  json_t *dealer = dealer_json(req, &x);
  json_object_set(ctx, "dealer", dealer);
  const char *base = arena_printf(req->a, "/haendler/%s", x.t.slug);
  json_object_set_new(ctx, "base", json_string(base));
  if (stock(req, x.t.slug, base, 12, ctx) < 0)
    return -1;
  json_object_set_new(ctx, "spins", spin_cards(req, &x));
  json_object_set_new(ctx, "has_spins", json_boolean(x.nspins > 0));
  const char *missing[16];
  json_object_set_new(ctx, "imprint_incomplete",
                      json_boolean(tenant_imprint_missing(&x.t, &x.p, missing, 16) > 0));
  json_object_set_new(ctx, "nl", newsletter_form_json(req, &x.t, "", NULL));
  seo(req, ctx, &x, json_string_value(json_object_get(dealer, "logo_url")));
  return web_render(req, 200, "showroom", ctx);
}

int showroom_theme(struct http_req *req)
{
  struct load_arg x;
  if (load_dealer(req, &x, false))
    return 0;
  struct buf b;
  buf_init(&b, req->a);
  showroom_theme_css(&x.p, &b);
  char ver[17];
  showroom_theme_version(b.data, b.len, ver);
  /* Pages link ?v=<hash of this stylesheet>, so what an address serves never changes
   * and is cached for a year. Another version (a page from before the colours changed)
   * is sent on to the current address rather than answered with other content under
   * its name; without a version the stylesheet is revalidated on every use. */
  const char *v = http_query(req, "v");
  if (v && strcmp(v, ver) != 0) {
    http_set_header(req, "Cache-Control", "no-cache");
    return http_redirect(req, 302, showroom_theme_url(req->a, x.t.slug, &x.p));
  }
  char etag[20];
  snprintf(etag, sizeof etag, "\"%s\"", ver);
  http_set_header(req, "ETag", etag);
  http_set_header(req, "Cache-Control", v ? "public, max-age=31536000, immutable" : "no-cache");
  if (http_not_modified(req, etag))
    return 0;
  return http_reply_arena(req, 200, "text/css; charset=utf-8", b.data, b.len);
}

int showroom_imprint(struct http_req *req)
{
  struct load_arg x;
  if (load_dealer(req, &x, false))
    return 0;
  json_t *ctx = web_context(req);
  json_t *dealer = dealer_json(req, &x);
  json_object_set(ctx, "dealer", dealer);
  const struct tenant_profile *p = &x.p;
  json_t *im = json_object();
  json_object_set_new(im, "legal_name", json_string(*p->legal_name ? p->legal_name : x.t.name));
  json_object_set_new(im, "legal_form",
                      json_string(p->legal_form >= 0 ? enum_label(&tenant_enum_legal_form,
                                                                  p->legal_form, req->locale)
                                                     : ""));
  bool sole = p->legal_form == LF_SOLE || p->legal_form == LF_EK;
  json_object_set_new(im, "directors_label",
                      json_string(i18n_get(req->locale, sole ? "dealer_imprint.owner"
                                                             : "dealer_imprint.directors")));
  json_object_set_new(im, "directors", json_string(p->managing_directors));
  json_object_set_new(im, "register_court", json_string(p->register_court));
  json_object_set_new(im, "register_number", json_string(p->register_number));
  json_object_set_new(im, "vat_id", json_string(p->vat_id));
  json_object_set_new(im, "tax_number", json_string(p->tax_number));
  const char *missing[16];
  int nm = tenant_imprint_missing(&x.t, p, missing, 16);
  json_t *miss = json_array();
  for (int i = 0; i < nm; i++) {
    char key[64];
    snprintf(key, sizeof key, "dealer_profile.f_%s", missing[i]);
    json_array_append_new(miss, json_string(i18n_get(req->locale, key)));
  }
  json_object_set_new(im, "missing", miss);
  json_object_set_new(im, "incomplete", json_boolean(nm > 0));
  json_object_set_new(ctx, "im", im);
  web_page_urls(req, ctx, arena_printf(req->a, "/haendler/%s/impressum", x.t.slug), NULL);
  return web_render(req, 200, "showroom_imprint", ctx);
}

int showroom_embed(struct http_req *req)
{
  struct load_arg x;
  if (load_dealer(req, &x, false))
    return 0;
  json_t *ctx = web_context(req);
  json_t *dealer = dealer_json(req, &x);
  json_object_set(ctx, "dealer", dealer);
  const char *base = arena_printf(req->a, "/embed/%s", x.t.slug);
  json_object_set_new(ctx, "base", json_string(base));
  if (stock(req, x.t.slug, base, 8, ctx) < 0)
    return -1;
  /* absolute links: the widget lives inside another site */
  json_t *cards = json_object_get(ctx, "cards");
  size_t i;
  json_t *c;
  json_array_foreach(cards, i, c)
  {
    const char *u = json_string_value(json_object_get(c, "url"));
    json_object_set_new(c, "url", json_string(arena_printf(req->a, "%s%s", cfg.base_url, u)));
  }
  json_object_set_new(ctx, "embed_js", json_string(http_static_url("js/embed.js")));
  json_object_set_new(ctx, "showroom_abs",
                      json_string(arena_printf(req->a, "%s/haendler/%s", cfg.base_url, x.t.slug)));
  http_set_header(req, "X-Robots-Tag", "noindex");
  return web_render(req, 200, "embed", ctx);
}
