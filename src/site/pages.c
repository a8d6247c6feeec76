/* pages.c — the homepage, the financing page and the OpenAPI document. The
 * search page is search_page.c, the vehicle page vehicle_page.c. */
#include "app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/money.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "finance/conditions.h"
#include "finance/finance_text.h"
#include "inventory/vehicle_store.h"
#include "render/i18n.h"
#include "search/search.h"
#include "site/site.h"
#include "tenant/tenant.h"
#include "web/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *site_cards(struct http_req *req, const struct search_result *res)
{
  json_t *arr = json_array();
  for (int i = 0; i < res->nhits; i++)
    json_array_append_new(arr, site_card(req, &res->hits[i]));
  return arr;
}

/* Make or enum facet values as {value, label, count, query} for chips and selects. */
static json_t *facet_options(struct http_req *req, const struct search_facet *f,
                             const struct enum_def *en)
{
  json_t *arr = json_array();
  for (int i = 0; f && i < f->n; i++) {
    int ix = en ? enum_parse(en, f->v[i].value) : -1;
    struct buf qv;
    buf_init(&qv, req->a);
    buf_append_urlenc(&qv, f->v[i].value, strlen(f->v[i].value));
    json_array_append_new(arr,
                          json_pack("{s:s,s:s,s:I,s:s,s:s}", "value", f->v[i].value, "label",
                                    en ? enum_label(en, ix, req->locale) : f->v[i].value, "count",
                                    (json_int_t)f->v[i].count, "count_label",
                                    site_int_de(req->a, f->v[i].count), "query", buf_cstr(&qv)));
  }
  return arr;
}

static struct search_index *index_of(struct http_req *req)
{
  return ((struct app *)req->app)->search;
}

int site_home(struct http_req *req)
{
  struct arena *a = req->a;
  struct search_query q;
  search_query_init(&q);
  q.sort = SORT_NEWEST;
  q.size = 8;
  struct search_result res;
  if (search_run(index_of(req), &q, a, &res) < 0)
    return -1;
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "newest", site_cards(req, &res));

  /* featured = best value against comparable vehicles (search_featured) */
  struct search_hit feat[4];
  int nf = search_featured(index_of(req), 4, a, feat);
  json_t *fa = json_array();
  for (int i = 0; i < nf; i++) {
    json_t *c = site_card(req, &feat[i]);
    struct search_value sv;
    if (search_value_of(index_of(req), feat[i].id, &sv) == 1)
      json_object_set_new(c, "value_label",
                          json_string(arena_printf(a, "%d %% %s", (10000 - sv.ratio_bp + 50) / 100,
                                                   i18n_get(req->locale, "featured.under"))));
    json_array_append_new(fa, c);
  }
  json_object_set_new(ctx, "featured", fa);

  const struct search_facet *mk = search_facet(&res, "make");
  json_t *makes = facet_options(req, mk, NULL);
  json_object_set_new(ctx, "makes", makes);
  json_t *top = json_array();
  for (size_t i = 0; i < json_array_size(makes) && i < 12; i++)
    json_array_append(top, json_array_get(makes, i));
  json_object_set_new(ctx, "top_makes", top);
  json_object_set_new(ctx, "fuels",
                      facet_options(req, search_facet(&res, "fuel"), &vehicle_enum_fuel));
  json_object_set_new(ctx, "bodies",
                      facet_options(req, search_facet(&res, "body"), &vehicle_enum_body));
  json_object_set_new(ctx, "make_count", json_integer(mk ? mk->n : 0));
  json_object_set_new(ctx, "total_label", json_string(site_int_de(a, res.total)));
  json_object_set_new(ctx, "show_total", json_string(site_show_n(req, res.total)));
  static const int steps[] = {5000, 10000, 15000, 20000, 25000, 30000, 40000, 50000, 75000, 100000};
  json_t *ps = json_array();
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    json_array_append_new(ps, json_pack("{s:i,s:s}", "value", steps[i], "label",
                                        site_price(a, (int64_t)steps[i] * 100)));
  json_object_set_new(ctx, "price_steps", ps);
  int y, m;
  time_berlin_ym(time_now(), &y, &m);
  json_t *ys = json_array();
  for (int k = y; k >= y - 20; k--)
    json_array_append_new(ys, json_integer(k));
  json_object_set_new(ctx, "year_steps", ys);
  json_object_set_new(ctx, "dealer_count", json_integer(search_dealer_count(index_of(req))));
  return web_render(req, 200, "home", ctx);
}

int site_openapi(struct http_req *req)
{
  FILE *f = fopen("docs/openapi.yaml", "rb");
  if (!f)
    return http_problem(req, 404, CC24_E_NOT_FOUND, "the API description is not installed", NULL);
  struct buf b;
  buf_init(&b, req->a);
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    buf_append(&b, chunk, n);
  fclose(f);
  return http_reply_arena(req, 200, "application/yaml; charset=utf-8", b.data, b.len);
}
