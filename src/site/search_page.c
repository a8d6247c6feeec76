/* search_page.c — /fahrzeuge: every filter of the search index with facet counts,
 * sort, numbered paging, active-filter chips, a "no results" help that names the
 * filter to relax (with the count without it), canonical URLs with one stable
 * parameter order, and noindex for deep combinations.
 *
 * Without JavaScript the filters are a plain GET form. With it, static/js/app.js
 * fetches the same URL with fragment=1 and swaps in the filters and results
 * (one template, templates/search.mustache, renders both: the fragment is the
 * page without the layout). */
#include "app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "render/i18n.h"
#include "routes.h"
#include "search/search.h"
#include "site/site.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

/* Filter groups, in the order of the chips and of the "relax" help. */
enum grp {
  G_Q,
  G_MAKE,
  G_MODEL,
  G_BODY,
  G_FUEL,
  G_GEARBOX,
  G_COND,
  G_COLOUR,
  G_FEAT,
  G_PRICE,
  G_REG,
  G_MILEAGE,
  G_POWER,
  G_DEALER,
  G__COUNT
};

/* i18n keys (catalog section "filters") of the group labels. */
static const char *const grp_key[G__COUNT] = {
    "filters.g_q",        "filters.g_make",    "filters.g_model",     "filters.g_body",
    "filters.g_fuel",     "filters.g_gearbox", "filters.g_condition", "filters.g_colour",
    "filters.g_features", "filters.g_price",   "filters.g_first_reg", "filters.g_mileage",
    "filters.g_power",    "filters.g_dealer"};

static bool grp_active(const struct search_query *q, int g)
{
  switch (g) {
  case G_Q:
    return q->ntokens > 0;
  case G_MAKE:
    return q->nmake > 0;
  case G_MODEL:
    return q->nmodel > 0;
  case G_BODY:
    return q->body != 0;
  case G_FUEL:
    return q->fuel != 0;
  case G_GEARBOX:
    return q->gearbox != 0;
  case G_COND:
    return q->condition != 0;
  case G_COLOUR:
    return q->colour != 0;
  case G_FEAT:
    return q->features != 0;
  case G_PRICE:
    return q->price_min >= 0 || q->price_max >= 0;
  case G_REG:
    return q->first_reg_min >= 0 || q->first_reg_max >= 0;
  case G_MILEAGE:
    return q->mileage_min >= 0 || q->mileage_max >= 0;
  case G_POWER:
    return q->power_min >= 0 || q->power_max >= 0;
  case G_DEALER:
    return q->ndealer > 0;
  }
  return false;
}

static void grp_clear(struct search_query *q, int g)
{
  switch (g) {
  case G_Q:
    q->ntokens = 0;
    break;
  case G_MAKE:
    q->nmake = 0;
    q->nmodel = 0; /* models belong to the make */
    break;
  case G_MODEL:
    q->nmodel = 0;
    break;
  case G_BODY:
    q->body = 0;
    break;
  case G_FUEL:
    q->fuel = 0;
    break;
  case G_GEARBOX:
    q->gearbox = 0;
    break;
  case G_COND:
    q->condition = 0;
    break;
  case G_COLOUR:
    q->colour = 0;
    break;
  case G_FEAT:
    q->features = 0;
    break;
  case G_PRICE:
    q->price_min = q->price_max = -1;
    break;
  case G_REG:
    q->first_reg_min = q->first_reg_max = -1;
    break;
  case G_MILEAGE:
    q->mileage_min = q->mileage_max = -1;
    break;
  case G_POWER:
    q->power_min = q->power_max = -1;
    break;
  case G_DEALER:
    q->ndealer = 0;
    break;
  }
}

static const char *search_url(struct arena *a, const char *qs)
{
  return *qs ? arena_printf(a, "/fahrzeuge?%s", qs) : "/fahrzeuge";
}

/* Without page (a changed filter starts at page 1). */
static const char *url_of(struct arena *a, const struct search_query *q)
{
  return search_url(a, site_search_canonical(a, q, 0));
}

static void remove_at(const char **arr, int *n, int i)
{
  memmove(arr + i, arr + i + 1, sizeof *arr * (size_t)(*n - i - 1));
  (*n)--;
}

static const char *t_(struct http_req *req, const char *key)
{
  return i18n_get(req->locale, key);
}

static const char *range_label(struct http_req *req, int64_t lo, int64_t hi, const char *unit)
{
  struct arena *a = req->a;
  const char *l = lo >= 0 ? site_int_de(a, lo) : NULL, *h = hi >= 0 ? site_int_de(a, hi) : NULL;
  if (l && h)
    return arena_printf(a, "%s – %s%s", l, h, unit);
  if (l)
    return arena_printf(a, "%s %s%s", t_(req, "filters.from"), l, unit);
  return arena_printf(a, "%s %s%s", t_(req, "filters.to"), h ? h : "", unit);
}

static void chip(struct http_req *req, json_t *arr, int g, const char *value,
                 const struct search_query *without)
{
  struct arena *a = req->a;
  const char *label = arena_printf(a, "%s: %s", t_(req, grp_key[g]), value);
  json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "label", label, "url", url_of(a, without),
                                       "remove",
                                       arena_printf(a, "%s %s", t_(req, "filters.remove"), label)));
}

static void mask_chips(struct http_req *req, json_t *arr, const struct search_query *q, int g,
                       const struct enum_def *en, uint32_t mask, size_t off)
{
  for (int i = 0; i < en->count; i++) {
    if (!(mask & (1u << i)))
      continue;
    struct search_query w = *q;
    *(uint32_t *)((char *)&w + off) &= ~(1u << i);
    chip(req, arr, g, enum_label(en, i, req->locale), &w);
  }
}

/* One chip per active value, each with the URL that drops it. */
static json_t *active_chips(struct http_req *req, const struct search_query *q)
{
  struct arena *a = req->a;
  json_t *arr = json_array();
  if (q->ntokens) {
    struct search_query w = *q;
    w.ntokens = 0;
    struct buf b;
    buf_init(&b, a);
    for (int i = 0; i < q->ntokens; i++)
      buf_printf(&b, "%s%s", i ? " " : "", q->tokens[i]);
    chip(req, arr, G_Q, arena_printf(a, "„%s“", buf_cstr(&b)), &w);
  }
  for (int i = 0; i < q->nmake; i++) {
    struct search_query w = *q;
    remove_at(w.make, &w.nmake, i);
    if (!w.nmake)
      w.nmodel = 0;
    chip(req, arr, G_MAKE, q->make[i], &w);
  }
  for (int i = 0; i < q->nmodel; i++) {
    struct search_query w = *q;
    remove_at(w.model, &w.nmodel, i);
    chip(req, arr, G_MODEL, q->model[i], &w);
  }
  mask_chips(req, arr, q, G_BODY, &vehicle_enum_body, q->body, offsetof(struct search_query, body));
  mask_chips(req, arr, q, G_FUEL, &vehicle_enum_fuel, q->fuel, offsetof(struct search_query, fuel));
  mask_chips(req, arr, q, G_GEARBOX, &vehicle_enum_gearbox, q->gearbox,
             offsetof(struct search_query, gearbox));
  mask_chips(req, arr, q, G_COND, &vehicle_enum_condition, q->condition,
             offsetof(struct search_query, condition));
  mask_chips(req, arr, q, G_COLOUR, &vehicle_enum_colour, q->colour,
             offsetof(struct search_query, colour));
  for (int f = 0; f < FEAT__COUNT; f++)
    if (q->features & ((uint64_t)1 << f)) {
      struct search_query w = *q;
      w.features &= ~((uint64_t)1 << f);
      chip(req, arr, G_FEAT, enum_label(&vehicle_enum_feature, f, req->locale), &w);
    }
  struct search_query w;
  if (grp_active(q, G_PRICE)) {
    w = *q;
    grp_clear(&w, G_PRICE);
    chip(req, arr, G_PRICE,
         range_label(req, q->price_min >= 0 ? q->price_min / 100 : -1,
                     q->price_max >= 0 ? q->price_max / 100 : -1, " €"),
         &w);
  }
  if (grp_active(q, G_REG)) {
    w = *q;
    grp_clear(&w, G_REG);
    const char *lo = q->first_reg_min >= 0 ? arena_printf(a, "%d", q->first_reg_min / 12) : NULL;
    const char *hi = q->first_reg_max >= 0 ? arena_printf(a, "%d", q->first_reg_max / 12) : NULL;
    chip(req, arr, G_REG,
         lo && hi ? arena_printf(a, "%s – %s", lo, hi)
         : lo     ? arena_printf(a, "%s %s", t_(req, "filters.from"), lo)
                  : arena_printf(a, "%s %s", t_(req, "filters.to"), hi),
         &w);
  }
  if (grp_active(q, G_MILEAGE)) {
    w = *q;
    grp_clear(&w, G_MILEAGE);
    chip(req, arr, G_MILEAGE, range_label(req, q->mileage_min, q->mileage_max, " km"), &w);
  }
  if (grp_active(q, G_POWER)) {
    w = *q;
    grp_clear(&w, G_POWER);
    chip(req, arr, G_POWER, range_label(req, q->power_min, q->power_max, " kW"), &w);
  }
  for (int i = 0; i < q->ndealer; i++) {
    w = *q;
    remove_at(w.dealer, &w.ndealer, i);
    chip(req, arr, G_DEALER, q->dealer[i], &w);
  }
  return arr;
}

/* Options of an enum facet as checkboxes: every value with matches, plus the
 * selected ones (so they can be unticked even when nothing matches). */
static json_t *enum_checks(struct http_req *req, const struct search_facet *f,
                           const struct enum_def *en, uint64_t mask, const char *param,
                           const int64_t *counts)
{
  json_t *arr = json_array();
  for (int i = 0; i < en->count; i++) {
    int64_t n = 0;
    if (counts) {
      n = counts[i];
    } else if (f) {
      for (int k = 0; k < f->n; k++)
        if (!strcmp(f->v[k].value, en->values[i]))
          n = f->v[k].count;
    }
    bool sel = mask & ((uint64_t)1 << i);
    if (!n && !sel)
      continue;
    json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:I,s:s,s:b}", "value", en->values[i],
                                         "label", enum_label(en, i, req->locale), "id",
                                         arena_printf(req->a, "f-%s-%s", param, en->values[i]),
                                         "count", (json_int_t)n, "count_label",
                                         site_int_de(req->a, n), "checked", sel));
  }
  return arr;
}

/* Options of a name facet (make, model, dealer) as <option>s. */
static json_t *name_options(struct http_req *req, const struct search_facet *f,
                            const char *const *sel, int nsel)
{
  json_t *arr = json_array();
  bool seen[SEARCH_MAX_VALUES] = {0};
  for (int i = 0; f && i < f->n; i++) {
    bool s = false;
    for (int k = 0; k < nsel; k++)
      if (str_ieq(sel[k], f->v[i].value))
        s = seen[k] = true;
    json_array_append_new(arr, json_pack("{s:s,s:s,s:b}", "value", f->v[i].value, "label",
                                         arena_printf(req->a, "%s (%s)", f->v[i].value,
                                                      site_int_de(req->a, f->v[i].count)),
                                         "selected", s));
  }
  for (int k = 0; k < nsel; k++)
    if (!seen[k])
      json_array_append_new(arr, json_pack("{s:s,s:s,s:b}", "value", sel[k], "label",
                                           arena_printf(req->a, "%s (0)", sel[k]), "selected", 1));
  return arr;
}

static json_t *year_options(int selected, int now_y)
{
  json_t *arr = json_array();
  for (int y = now_y; y >= now_y - 30; y--)
    json_array_append_new(arr, json_pack("{s:i,s:b}", "value", y, "selected", y == selected));
  return arr;
}

/* Numbered pager: first, last, and two either side of the current page. */
static json_t *pager(struct http_req *req, const struct search_query *q, int page, int64_t pages)
{
  json_t *arr = json_array();
  int64_t last_shown = 0;
  for (int64_t p = 1; p <= pages; p++) {
    if (p != 1 && p != pages && (p < page - 2 || p > page + 2))
      continue;
    if (p > last_shown + 1)
      json_array_append_new(arr, json_pack("{s:b}", "gap", 1));
    struct search_query w = *q;
    w.page = (int)p;
    json_array_append_new(arr, json_pack("{s:I,s:s,s:b}", "n", (json_int_t)p, "url",
                                         search_url(req->a, site_search_canonical(req->a, &w, 1)),
                                         "current", p == page));
    last_shown = p;
  }
  return arr;
}

/* For an empty result: each active filter group with the count without it, most
 * helpful first. */
static json_t *relax_help(struct http_req *req, const struct search_query *q)
{
  struct search_index *ix = ((struct app *)req->app)->search;
  struct {
    int g;
    int64_t n;
    const char *url;
  } r[G__COUNT];
  int nr = 0;
  for (int g = 0; g < G__COUNT; g++) {
    if (!grp_active(q, g))
      continue;
    struct search_query w = *q;
    grp_clear(&w, g);
    w.page = 1;
    const char *url = url_of(req->a, &w); /* the buyer's page size, not the probe's */
    w.size = 1;
    w.extra_facets = false;
    w.no_facets = true;
    struct search_result res;
    if (search_run(ix, &w, req->a, &res) < 0 || res.total == 0)
      continue;
    r[nr].g = g;
    r[nr].n = res.total;
    r[nr].url = url;
    nr++;
  }
  for (int i = 1; i < nr; i++) /* few entries: insertion sort by count, descending */
    for (int k = i; k > 0 && r[k].n > r[k - 1].n; k--) {
      __typeof__(r[0]) t = r[k];
      r[k] = r[k - 1];
      r[k - 1] = t;
    }
  json_t *arr = json_array();
  for (int i = 0; i < nr && i < 5; i++)
    json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "label", t_(req, grp_key[r[i].g]),
                                         "count", site_int_de(req->a, r[i].n), "url", r[i].url));
  return arr;
}

/* A readable name of the search for the title: "BMW 3er Diesel". */
static const char *headline(struct http_req *req, const struct search_query *q)
{
  struct buf b;
  buf_init(&b, req->a);
  if (q->nmake == 1)
    buf_puts(&b, q->make[0]);
  if (q->nmodel == 1)
    buf_printf(&b, "%s%s", b.len ? " " : "", q->model[0]);
  const struct {
    const struct enum_def *en;
    uint32_t mask;
  } single[] = {{&vehicle_enum_condition, q->condition},
                {&vehicle_enum_fuel, q->fuel},
                {&vehicle_enum_body, q->body}};
  for (size_t i = 0; i < sizeof single / sizeof single[0]; i++) {
    uint32_t m = single[i].mask;
    if (m && !(m & (m - 1)))
      buf_printf(&b, "%s%s", b.len ? " · " : "",
                 enum_label(single[i].en, __builtin_ctz(m), req->locale));
  }
  return buf_cstr(&b);
}

/* Where "save this search" points, once buyer accounts exist (the accounts work adds
 * GET /konto/suchen); NULL until then, so no dead link is shown. */
static const char *saved_search_url(struct http_req *req, const char *canonical_qs)
{
  struct http_req probe = {.a = req->a};
  int mismatch = 0;
  if (!http_route_match(cc24_routes, cc24_nroutes, "GET", "/konto/suchen", &probe, &mismatch))
    return NULL;
  struct buf b;
  buf_init(&b, req->a);
  buf_puts(&b, "/konto/suchen?query=");
  buf_append_urlenc(&b, canonical_qs, strlen(canonical_qs));
  return buf_cstr(&b);
}

int site_search_page(struct http_req *req)
{
  struct arena *a = req->a;
  const char **names, **values;
  int n = http_query_pairs(req, &names, &values);
  struct search_query q;
  struct field_errors errs;
  field_errors_init(&errs, a);
  search_query_parse(a, n, names, values, 0, &q, &errs);
  q.extra_facets = true;
  /* the microcache: everything the page shows follows from these */
  const char *frag = http_query(req, "fragment");
  bool fragment = frag && !strcmp(frag, "1");
  const char *qraw = http_query(req, "q");
  const char *key =
      arena_printf(a, "%s|s|%d|%s|%s", req->locale ? req->locale : "de", fragment,
                   site_search_canonical(a, &q, 1), qraw && strlen(qraw) <= 200 ? qraw : "");
  if (fragment)
    http_set_header(req, "X-Robots-Tag", "noindex");
  if (web_cache_serve(req, key))
    return 0;
  struct search_result res;
  if (search_run(((struct app *)req->app)->search, &q, a, &res) < 0)
    return -1;

  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "cards", site_cards(req, &res));
  json_object_set_new(ctx, "total", json_integer(res.total));
  json_object_set_new(ctx, "total_label", json_string(site_int_de(a, res.total)));
  json_object_set_new(ctx, "empty", json_boolean(res.total == 0));
  int64_t pages = (res.total + res.size - 1) / res.size;
  bool beyond = res.total > 0 && res.page > pages;
  json_object_set_new(ctx, "beyond", json_boolean(beyond));
  if (beyond) {
    struct search_query w = q;
    w.page = (int)pages;
    json_object_set_new(ctx, "last_url",
                        json_string(search_url(a, site_search_canonical(a, &w, 1))));
  }

  /* filters */
  const struct search_facet *mk = search_facet(&res, "make"), *md = search_facet(&res, "model");
  json_object_set_new(ctx, "makes", name_options(req, mk, q.make, q.nmake));
  json_object_set_new(ctx, "models", name_options(req, md, q.model, q.nmodel));
  json_object_set_new(ctx, "has_make", json_boolean(q.nmake > 0));
  json_object_set_new(ctx, "dealers", name_options(req, &res.dealer, q.dealer, q.ndealer));
  json_object_set_new(
      ctx, "bodies",
      enum_checks(req, search_facet(&res, "body"), &vehicle_enum_body, q.body, "body", NULL));
  json_object_set_new(
      ctx, "fuels",
      enum_checks(req, search_facet(&res, "fuel"), &vehicle_enum_fuel, q.fuel, "fuel", NULL));
  json_object_set_new(ctx, "gearboxes",
                      enum_checks(req, search_facet(&res, "gearbox"), &vehicle_enum_gearbox,
                                  q.gearbox, "gearbox", NULL));
  json_object_set_new(ctx, "conditions",
                      enum_checks(req, search_facet(&res, "condition"), &vehicle_enum_condition,
                                  q.condition, "condition", NULL));
  json_object_set_new(ctx, "colours",
                      enum_checks(req, search_facet(&res, "colour"), &vehicle_enum_colour, q.colour,
                                  "colour", NULL));
  static const char *groups[] = {"comfort", "safety", "multimedia", "exterior"};
  json_t *fgroups = json_array();
  for (size_t g = 0; g < 4; g++) {
    json_t *items = json_array();
    json_t *all =
        enum_checks(req, NULL, &vehicle_enum_feature, q.features, "features", res.feature_counts);
    size_t i;
    json_t *it;
    json_array_foreach(all, i, it)
    {
      int f = enum_parse(&vehicle_enum_feature, json_string_value(json_object_get(it, "value")));
      if (f >= 0 && !strcmp(vehicle_feature_group[f], groups[g]))
        json_array_append(items, it);
    }
    json_decref(all);
    if (json_array_size(items)) {
      char key[64];
      snprintf(key, sizeof key, "vehicle.group_%s", groups[g]);
      json_array_append_new(fgroups, json_pack("{s:s,s:o}", "title", t_(req, key), "items", items));
    } else {
      json_decref(items);
    }
  }
  json_object_set_new(ctx, "feature_groups", fgroups);
  int nfeat = __builtin_popcountll(q.features);
  json_object_set_new(ctx, "features_open", json_boolean(nfeat > 0));
  json_object_set_new(ctx, "features_selected", json_integer(nfeat));

  const char *qv = http_query(req, "q");
  json_object_set_new(
      ctx, "q",
      json_string(qv && strlen(qv) <= 200 && utf8_valid(qv, strlen(qv)) ? str_trim(a, qv) : ""));
  json_t *vals = json_object();
  if (q.price_min >= 0)
    json_object_set_new(vals, "price_min", json_integer(q.price_min / 100));
  if (q.price_max >= 0)
    json_object_set_new(vals, "price_max", json_integer(q.price_max / 100));
  if (q.mileage_min >= 0)
    json_object_set_new(vals, "mileage_min", json_integer(q.mileage_min));
  if (q.mileage_max >= 0)
    json_object_set_new(vals, "mileage_max", json_integer(q.mileage_max));
  if (q.power_min >= 0)
    json_object_set_new(vals, "power_min", json_integer(q.power_min));
  if (q.power_max >= 0)
    json_object_set_new(vals, "power_max", json_integer(q.power_max));
  json_object_set_new(ctx, "v", vals);
  int now_y = q.now_ym / 12;
  json_object_set_new(ctx, "years_from",
                      year_options(q.first_reg_min >= 0 ? q.first_reg_min / 12 : -1, now_y));
  json_object_set_new(ctx, "years_to",
                      year_options(q.first_reg_max >= 0 ? q.first_reg_max / 12 : -1, now_y));

  json_t *sorts = json_array();
  for (int s = 0; s < SORT__COUNT; s++) {
    char key[64];
    snprintf(key, sizeof key, "search.sort_%s", search_sort_names[s]);
    json_array_append_new(sorts, json_pack("{s:s,s:s,s:b}", "value", search_sort_names[s], "label",
                                           t_(req, key), "selected", q.sort == s));
  }
  json_object_set_new(ctx, "sorts", sorts);
  json_object_set_new(ctx, "size", json_integer(q.size));
  json_object_set_new(ctx, "custom_size", json_boolean(q.size != 24));

  /* chips, help, pager */
  json_t *chips = active_chips(req, &q);
  json_object_set_new(ctx, "has_chips", json_boolean(json_array_size(chips) > 0));
  json_object_set_new(ctx, "chips", chips);
  json_object_set_new(ctx, "filter_count", json_integer((json_int_t)site_search_depth(&q)));
  if (res.total == 0)
    json_object_set_new(ctx, "relax", relax_help(req, &q));
  if (pages > 1) {
    json_object_set_new(ctx, "pages", pager(req, &q, res.page, pages));
    struct search_query w = q;
    if (res.page > 1 && res.page <= pages) {
      w.page = res.page - 1;
      json_object_set_new(ctx, "prev_url",
                          json_string(search_url(a, site_search_canonical(a, &w, 1))));
    }
    if (res.page < pages) {
      w.page = res.page + 1;
      json_object_set_new(ctx, "next_url",
                          json_string(search_url(a, site_search_canonical(a, &w, 1))));
    }
  }
  json_object_set_new(ctx, "show_n", json_string(site_show_n(req, res.total)));

  /* SEO: one canonical URL per state, deep combinations not indexed */
  const char *cqs = site_search_canonical(a, &q, 1);
  const char *canon = search_url(a, cqs);
  json_object_set_new(ctx, "canonical", json_string(canon));
  web_page_urls(req, ctx, "/fahrzeuge", cqs);
  bool multi = q.nmake > 1 || q.nmodel > 1 || q.ndealer > 1 || __builtin_popcount(q.body) > 1 ||
               __builtin_popcount(q.fuel) > 1 || __builtin_popcount(q.gearbox) > 1 ||
               __builtin_popcount(q.condition) > 1 || __builtin_popcount(q.colour) > 1;
  bool noindex = site_search_depth(&q) > 2 || q.ntokens || q.features || multi ||
                 q.sort != SORT_RELEVANCE || q.size != 24 || res.total == 0 || beyond;
  json_object_set_new(ctx, "noindex", json_boolean(noindex));
  const char *hl = headline(req, &q);
  json_object_set_new(ctx, "headline", json_string(hl));
  json_object_set_new(ctx, "page_title",
                      json_string(*hl ? arena_printf(a, "%s – %s %s", hl, site_int_de(a, res.total),
                                                     t_(req, "search.results"))
                                      : t_(req, "search.title")));
  const char *saved = saved_search_url(req, site_search_canonical(a, &q, 0));
  if (saved)
    json_object_set_new(ctx, "saved_search_url", json_string(saved));

  return web_render_cached(req, fragment ? "search_fragment" : "search", ctx, key);
}
