/* market_api.c — GET /api/v1/market/listings: the Börse search as JSON for a
 * dealer's API token. Parameters as /api/v1/vehicles/search (strict: unknown
 * names and bad values are 422), prices are net trade prices. */
#include "app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "market/market_pages.h"
#include "market/market_store.h"

#include <string.h>

struct api_arg {
  struct arena *a;
  const struct search_query *q;
  int64_t now;
  struct search_result res;
  struct market_listing *items;
};

static int tx_api(db_conn *c, void *arg, struct err *e)
{
  struct api_arg *x = arg;
  return market_search(c, x->a, x->q, x->now, &x->res, &x->items, e);
}

static void jstr(struct buf *b, const char *s)
{
  buf_append_json_str(b, s, strlen(s));
}

int market_api_search(struct http_req *req)
{
  if (req->tenant_id <= 0)
    return http_problem(req, 401, CC24_E_UNAUTHORIZED,
                        "the Börse is for dealers: send a dealer's"
                        " API token",
                        NULL);
  const char **names, **values;
  int n = http_query_pairs(req, &names, &values);
  struct search_query q;
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  if (search_query_parse(req->a, n, names, values, SEARCH_STRICT, &q, &errs) < 0)
    return http_problem_fields(req, &errs);
  struct api_arg x = {.a = req->a, .q = &q, .now = time_now()};
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_READ, tx_api, &x, &e) < 0)
    return http_problem_err(req, &e);
  const struct search_result *res = &x.res;
  struct buf b;
  buf_init(&b, req->a);
  buf_printf(&b, "{\"total\":%lld,\"page\":%d,\"size\":%d,\"items\":[", (long long)res->total,
             res->page, res->size);
  for (int i = 0; i < res->nhits; i++) {
    const struct market_listing *l = &x.items[i];
    char iso[32];
    time_iso_utc(l->valid_until, iso, sizeof iso);
    buf_puts(&b, i ? ",{\"id\":" : "{\"id\":");
    jstr(&b, l->public_id);
    buf_printf(&b,
               ",\"price_cents\":%lld,\"price_basis\":\"net\",\"valid_until\":\"%s\",\"seller\":",
               (long long)l->price_cents, iso);
    jstr(&b, l->seller_slug);
    buf_printf(&b, ",\"own\":%s,\"vehicle\":", l->tenant_id == req->tenant_id ? "true" : "false");
    search_hit_json(&res->hits[i], &b);
    buf_putc(&b, '}');
  }
  buf_puts(&b, "],\"facets\":{");
  for (int i = 0; i < res->nfacets; i++) {
    const struct search_facet *f = &res->facets[i];
    buf_printf(&b, "%s\"%s\":[", i ? "," : "", f->name);
    for (int k = 0; k < f->n; k++) {
      buf_puts(&b, k ? ",{\"value\":" : "{\"value\":");
      jstr(&b, f->v[k].value);
      buf_printf(&b, ",\"count\":%lld}", (long long)f->v[k].count);
    }
    buf_putc(&b, ']');
  }
  buf_puts(&b, ",\"price\":[");
  for (int i = 0; i < SEARCH_PRICE_BUCKETS; i++) {
    buf_printf(&b, "%s{\"min\":%lld,\"max\":", i ? "," : "", (long long)search_price_edges[i]);
    if (search_price_edges[i + 1] < 0)
      buf_puts(&b, "null");
    else
      buf_printf(&b, "%lld", (long long)search_price_edges[i + 1]);
    buf_printf(&b, ",\"count\":%lld}", (long long)res->price_counts[i]);
  }
  buf_puts(&b, "]}}");
  return http_reply_arena(req, 200, "application/json", b.data, b.len);
}
