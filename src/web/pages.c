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
#include "tenant/tenant.h"
#include "web/site.h"
#include "web/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *web_cards(struct http_req *req, const struct search_result *res)
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

int web_home(struct http_req *req)
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
  json_object_set_new(ctx, "newest", web_cards(req, &res));

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

int web_openapi(struct http_req *req)
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

/* ---- /finanzierung: the calculator (a plain GET form; no ad text without a lender) ---- */

/* A euro amount from the query; a malformed one names itself in *bad. */
static int64_t euros_param(struct http_req *req, const char *name, int64_t dflt, const char **bad)
{
  const char *s = http_query(req, name);
  int64_t c;
  if (!s || !*s)
    return dflt;
  if (money_parse_euros(s, &c) < 0) {
    *bad = name;
    return dflt;
  }
  return c;
}

/* Leasing on the calculator page: its own figures (rate, special payment, term,
 * mileage, residual value, total, Leasingfaktor). */
static int finance_page_leasing(struct http_req *req, json_t *ctx)
{
  const char *bad = NULL;
  struct fin_lease_input in = {0};
  in.price_cents = euros_param(req, "preis", 4000000, &bad);
  in.special_payment_cents = euros_param(req, "sonderzahlung", 300000, &bad);
  in.residual_value_cents = euros_param(req, "restwert", 2200000, &bad);
  in.transfer_costs_cents = euros_param(req, "ueberfuehrung", 99000, &bad);
  int64_t term = 36, km = 10000;
  const char *ts = http_query(req, "laufzeit"), *ks = http_query(req, "km");
  if (ts && *ts && !str_to_i64(ts, &term))
    bad = "laufzeit";
  if (ks && *ks && !str_to_i64(ks, &km))
    bad = "km";
  in.term_months = term < 0 || term > 1000 ? 0 : (int)term;
  in.km_per_year = km < 0 || km > 10000000 ? 0 : (int)km;
  in.nominal_rate_percent = 3.9;
  const char *rs = http_query(req, "sollzins");
  if (rs && *rs) {
    char *r = arena_strdup(req->a, rs), *end;
    for (char *p = r; *p; p++)
      if (*p == ',')
        *p = '.';
    in.nominal_rate_percent = strtod(r, &end);
    if (*end || end == r)
      bad = "sollzins";
  }
  json_t *form =
      json_pack("{s:I,s:I,s:I,s:I,s:i,s:i,s:f}", "price", (json_int_t)(in.price_cents / 100),
                "special", (json_int_t)(in.special_payment_cents / 100), "residual",
                (json_int_t)(in.residual_value_cents / 100), "transfer",
                (json_int_t)(in.transfer_costs_cents / 100), "term", in.term_months, "km",
                in.km_per_year, "rate", in.nominal_rate_percent);
  json_object_set_new(ctx, "lin", form);
  json_object_set_new(ctx, "leasing", json_true());
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  struct fin_lease_quote q;
  struct err e = {0};
  if (bad || fin_lease_quote(&in, &q, &errs, &e) < 0) {
    const char *t = i18n_get(req->locale, "finance.invalid");
    const char *p = strstr(t, "{field}");
    const char *field = errs.n ? errs.e[0].detail : (bad ? bad : "");
    json_object_set_new(
        ctx, "error",
        json_string(p ? arena_printf(req->a, "%.*s%s%s", (int)(p - t), t, field, p + 7) : t));
    return web_render(req, 200, "finance", ctx);
  }
  char s[64];
  json_t *r = json_object();
  money_format(q.monthly_rate_cents, s, sizeof s);
  json_object_set_new(r, "monthly", json_string(s));
  money_format(q.total_cost_cents, s, sizeof s);
  json_object_set_new(r, "total", json_string(s));
  snprintf(s, sizeof s, "%.2f", q.leasing_factor);
  for (char *p = s; *p; p++)
    if (*p == '.')
      *p = ',';
  json_object_set_new(r, "factor", json_string(s));
  json_object_set_new(ctx, "lq", r);
  return web_render(req, 200, "finance", ctx);
}

int web_finance_page(struct http_req *req)
{
  const char *product = http_query(req, "produkt");
  if (product && !strcmp(product, "leasing")) {
    json_t *lctx = web_context(req);
    return finance_page_leasing(req, lctx);
  }
  const char *bad = NULL; /* the malformed parameter */
  struct fin_input in = {.product = FIN_LOAN};
  in.price_cents = euros_param(req, "preis", 2500000, &bad);
  in.down_payment_cents = euros_param(req, "anzahlung", 500000, &bad);
  in.balloon_cents = euros_param(req, "schlussrate", 0, &bad);
  in.fees_cents = euros_param(req, "gebuehren", 0, &bad);
  int64_t term = 48;
  const char *ts = http_query(req, "laufzeit");
  if (ts && *ts && !str_to_i64(ts, &term))
    bad = "laufzeit";
  in.term_months = term < 0 || term > 1000 ? 0 : (int)term;
  in.nominal_rate_percent = 4.99;
  const char *rs = http_query(req, "sollzins");
  if (rs && *rs) {
    char *end;
    char *r = arena_strdup(req->a, rs);
    for (char *p = r; *p; p++)
      if (*p == ',')
        *p = '.';
    in.nominal_rate_percent = strtod(r, &end);
    if (*end || end == r)
      bad = "sollzins";
  }
  if (in.balloon_cents > 0)
    in.product = FIN_BALLOON;
  json_t *ctx = web_context(req);
  json_t *form = json_object();
  json_object_set_new(form, "price", json_integer(in.price_cents / 100));
  json_object_set_new(form, "down", json_integer(in.down_payment_cents / 100));
  json_object_set_new(form, "term", json_integer(in.term_months));
  json_object_set_new(form, "rate", json_real(in.nominal_rate_percent));
  json_object_set_new(form, "balloon", json_integer(in.balloon_cents / 100));
  json_object_set_new(form, "fees", json_integer(in.fees_cents / 100));
  json_object_set_new(ctx, "in", form);
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  struct fin_quote q;
  struct err e = {0};
  if (bad || fin_validate(&in, &errs) < 0 || fin_quote(&in, &q, &e) < 0) {
    const char *t = i18n_get(req->locale, "finance.invalid");
    const char *p = strstr(t, "{field}");
    static const struct {
      const char *param, *key;
    } labels[] = {{"preis", "finance.price"},         {"anzahlung", "finance.down_payment"},
                  {"laufzeit", "finance.term"},       {"sollzins", "finance.nominal_input"},
                  {"schlussrate", "finance.balloon"}, {"gebuehren", "finance.fees"}};
    const char *field = errs.n ? errs.e[0].detail : "";
    for (size_t k = 0; bad && k < sizeof labels / sizeof labels[0]; k++)
      if (!strcmp(bad, labels[k].param))
        field = i18n_get(req->locale, labels[k].key);
    json_object_set_new(
        ctx, "error",
        json_string(p ? arena_printf(req->a, "%.*s%s%s", (int)(p - t), t, field, p + 7) : t));
    return web_render(req, 200, "finance", ctx);
  }
  char s[64];
  json_t *r = json_object();
  money_format(q.monthly_installment_cents, s, sizeof s);
  json_object_set_new(r, "monthly", json_string(s));
  money_format(q.final_installment_cents, s, sizeof s);
  json_object_set_new(r, "final", json_string(s));
  money_format(q.net_loan_cents, s, sizeof s);
  json_object_set_new(r, "net_loan", json_string(s));
  money_format(q.total_payable_cents, s, sizeof s);
  json_object_set_new(r, "total", json_string(s));
  money_format(q.total_interest_cents, s, sizeof s);
  json_object_set_new(r, "interest", json_string(s));
  json_object_set_new(r, "installments", json_integer(q.installments));
  fin_percent_display(q.apr_percent, s, sizeof s);
  json_object_set_new(r, "apr", json_string(s));
  fin_percent_display(in.nominal_rate_percent, s, sizeof s);
  json_object_set_new(r, "nominal", json_string(s));
  /* every figure in one sentence, as an ad would print it (no lender: not an ad) */
  const char *text = fin_calculation_text(req->a, &in, &q, false, &e);
  if (text)
    json_object_set_new(r, "text", json_string(text));
  json_object_set_new(ctx, "q", r);
  return web_render(req, 200, "finance", ctx);
}
