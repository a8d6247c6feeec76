/* pages.c — the server-rendered pages of the foundation: homepage, search
 * page, vehicle page, and the OpenAPI document. */
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
#include "web/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "48.500" */
static const char *int_de(struct arena *a, int64_t v)
{
  char digits[32], out[48];
  int n = snprintf(digits, sizeof digits, "%lld", (long long)(v < 0 ? -v : v));
  size_t o = 0;
  if (v < 0)
    out[o++] = '-';
  for (int i = 0; i < n; i++) {
    if (i > 0 && (n - i) % 3 == 0)
      out[o++] = '.';
    out[o++] = digits[i];
  }
  out[o] = 0;
  return arena_strdup(a, out);
}

static const char *price_label(struct arena *a, int64_t cents)
{
  char s[64];
  money_format_euros(cents, s, sizeof s);
  return arena_strdup(a, s);
}

static const char *vehicle_url(struct arena *a, const char *make, const char *model,
                               const char *variant, const char *public_id)
{
  char *slug = str_slug(a, arena_printf(a, "%s %s %s", make, model, variant));
  return arena_printf(a, "/fahrzeuge/%s%s%s", slug, *slug ? "-" : "", public_id);
}

static const char *reg_label(struct http_req *req, int first_reg, int condition)
{
  if (first_reg < 0)
    return enum_label(&vehicle_enum_condition, condition, req->locale);
  return arena_printf(req->a, "%s %02d/%04d", i18n_get(req->locale, "vehicle.first_reg_short"),
                      first_reg % 12 + 1, first_reg / 12);
}

static json_t *card(struct http_req *req, const struct search_hit *h)
{
  struct arena *a = req->a;
  const char *loc = req->locale;
  json_t *c = json_object();
  json_object_set_new(c, "url",
                      json_string(vehicle_url(a, h->make, h->model, h->variant, h->public_id)));
  json_object_set_new(c, "id", json_string(h->public_id));
  json_object_set_new(c, "make", json_string(h->make));
  json_object_set_new(c, "model", json_string(h->model));
  json_object_set_new(c, "variant", json_string(h->variant));
  json_object_set_new(c, "price", json_string(price_label(a, h->price_cents)));
  json_object_set_new(
      c, "vat_label",
      json_string(i18n_get(loc, h->vat_mode == VAT_MARGIN ? "vehicle.vat_margin_short"
                                                          : "vehicle.vat_shown_short")));
  json_object_set_new(c, "first_reg_label",
                      json_string(reg_label(req, h->first_reg, h->condition)));
  json_object_set_new(c, "mileage",
                      json_string(arena_printf(a, "%s km", int_de(a, h->mileage_km))));
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
  return c;
}

json_t *web_cards(struct http_req *req, const struct search_result *res)
{
  json_t *arr = json_array();
  for (int i = 0; i < res->nhits; i++)
    json_array_append_new(arr, card(req, &res->hits[i]));
  return arr;
}

static json_t *facet_options(struct http_req *req, const struct search_facet *f,
                             const struct enum_def *en, uint32_t selected_mask,
                             const char *const *selected, int nselected)
{
  json_t *arr = json_array();
  if (!f)
    return arr;
  for (int i = 0; i < f->n; i++) {
    json_t *o = json_object();
    json_object_set_new(o, "value", json_string(f->v[i].value));
    int ix = en ? enum_parse(en, f->v[i].value) : -1;
    json_object_set_new(o, "label",
                        json_string(en ? enum_label(en, ix, req->locale) : f->v[i].value));
    json_object_set_new(o, "count", json_integer(f->v[i].count));
    struct buf qv;
    buf_init(&qv, req->a);
    buf_append_urlenc(&qv, f->v[i].value, strlen(f->v[i].value));
    json_object_set_new(o, "query", json_string(buf_cstr(&qv)));
    bool sel = en ? (ix >= 0 && (selected_mask & (1u << ix))) : false;
    for (int k = 0; k < nselected && !sel; k++)
      sel = str_ieq(selected[k], f->v[i].value);
    json_object_set_new(o, "selected", json_boolean(sel));
    json_array_append_new(arr, o);
  }
  return arr;
}

/* "282 Fahrzeuge anzeigen" from the catalog's "{n} Fahrzeuge anzeigen". */
static const char *show_n(struct http_req *req, int64_t n)
{
  const char *t = i18n_get(req->locale, "search.show_n");
  const char *p = strstr(t, "{n}");
  if (!p)
    return t;
  return arena_printf(req->a, "%.*s%s%s", (int)(p - t), t, int_de(req->a, n), p + 3);
}

static struct search_index *index_of(struct http_req *req)
{
  return ((struct app *)req->app)->search;
}

int web_home(struct http_req *req)
{
  struct search_query q;
  search_query_init(&q);
  q.sort = SORT_NEWEST;
  q.size = 8;
  struct search_result res;
  if (search_run(index_of(req), &q, req->a, &res) < 0)
    return -1;
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "newest", web_cards(req, &res));
  json_object_set_new(ctx, "makes",
                      facet_options(req, search_facet(&res, "make"), NULL, 0, NULL, 0));
  json_object_set_new(
      ctx, "fuels", facet_options(req, search_facet(&res, "fuel"), &vehicle_enum_fuel, 0, NULL, 0));
  json_object_set_new(
      ctx, "bodies",
      facet_options(req, search_facet(&res, "body"), &vehicle_enum_body, 0, NULL, 0));
  const struct search_facet *mk = search_facet(&res, "make");
  json_object_set_new(ctx, "make_count", json_integer(mk ? mk->n : 0));
  json_object_set_new(ctx, "total_label", json_string(int_de(req->a, res.total)));
  json_object_set_new(ctx, "show_total", json_string(show_n(req, res.total)));
  static const int steps[] = {5000, 10000, 15000, 20000, 25000, 30000, 40000, 50000, 75000, 100000};
  json_t *ps = json_array();
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    json_array_append_new(ps, json_pack("{s:i,s:s}", "value", steps[i], "label",
                                        price_label(req->a, (int64_t)steps[i] * 100)));
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

/* The current query string without `page`, for pager links. */
static const char *query_without_page(struct http_req *req)
{
  const char **names, **values;
  int n = http_query_pairs(req, &names, &values);
  struct buf b;
  buf_init(&b, req->a);
  for (int i = 0; i < n; i++) {
    if (!strcmp(names[i], "page") || !values[i][0])
      continue;
    if (b.len)
      buf_putc(&b, '&');
    buf_append_urlenc(&b, names[i], strlen(names[i]));
    buf_putc(&b, '=');
    buf_append_urlenc(&b, values[i], strlen(values[i]));
  }
  return buf_cstr(&b);
}

int web_search_page(struct http_req *req)
{
  const char **names, **values;
  int n = http_query_pairs(req, &names, &values);
  struct search_query q;
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  search_query_parse(req->a, n, names, values, 0, &q, &errs);
  struct search_result res;
  if (search_run(index_of(req), &q, req->a, &res) < 0)
    return -1;
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "cards", web_cards(req, &res));
  json_object_set_new(ctx, "total", json_integer(res.total));
  json_object_set_new(ctx, "total_label", json_string(int_de(req->a, res.total)));
  json_object_set_new(ctx, "empty", json_boolean(res.total == 0));
  json_object_set_new(ctx, "makes",
                      facet_options(req, search_facet(&res, "make"), NULL, 0, q.make, q.nmake));
  json_object_set_new(ctx, "models",
                      facet_options(req, search_facet(&res, "model"), NULL, 0, q.model, q.nmodel));
  json_object_set_new(
      ctx, "bodies",
      facet_options(req, search_facet(&res, "body"), &vehicle_enum_body, q.body, NULL, 0));
  json_object_set_new(
      ctx, "fuels",
      facet_options(req, search_facet(&res, "fuel"), &vehicle_enum_fuel, q.fuel, NULL, 0));
  json_object_set_new(
      ctx, "gearboxes",
      facet_options(req, search_facet(&res, "gearbox"), &vehicle_enum_gearbox, q.gearbox, NULL, 0));
  json_object_set_new(ctx, "conditions",
                      facet_options(req, search_facet(&res, "condition"), &vehicle_enum_condition,
                                    q.condition, NULL, 0));
  const char *qv = http_query(req, "q");
  json_object_set_new(ctx, "q", json_string(qv && utf8_valid(qv, strlen(qv)) ? qv : ""));
  const char *keep[] = {"price_min", "price_max", "year_min", "mileage_max", "power_min"};
  json_t *vals = json_object();
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
  int64_t pages = (res.total + res.size - 1) / res.size;
  const char *base = query_without_page(req);
  if (res.page > 1)
    json_object_set_new(ctx, "prev_url",
                        json_string(arena_printf(req->a, "/fahrzeuge?%s%spage=%d", base,
                                                 *base ? "&" : "", res.page - 1)));
  if (res.page < pages)
    json_object_set_new(ctx, "next_url",
                        json_string(arena_printf(req->a, "/fahrzeuge?%s%spage=%d", base,
                                                 *base ? "&" : "", res.page + 1)));
  json_object_set_new(
      ctx, "page_label",
      json_string(arena_printf(req->a, "%d / %lld", res.page, (long long)(pages ? pages : 1))));
  return web_render(req, 200, "search", ctx);
}

/* The financing box of a vehicle page: the dealer's example, or the buyer's own
 * down payment and term from the calculator form (?anzahlung=EUR&laufzeit=MONTHS). */
static json_t *vehicle_finance(struct http_req *req, const struct fin_conditions *c, int64_t price)
{
  struct fin_input in;
  struct err e = {0};
  int rc = fin_conditions_example(c, price, &in, &e);
  int64_t down;
  const char *ds = http_query(req, "anzahlung"), *ts = http_query(req, "laufzeit");
  bool custom = false;
  if (ds && money_parse_euros(ds, &down) == 0 && down >= 0 && down < price) {
    in.down_payment_cents = down;
    custom = true;
  }
  int64_t term;
  if (ts && str_to_i64(ts, &term) && term >= 12 && term <= 96) {
    in.term_months = (int)term;
    custom = true;
  }
  json_t *f = json_object();
  if (custom) {
    const struct fin_band *b = fin_conditions_band(
        c, in.term_months, (int)(in.down_payment_cents * 10000 / (price ? price : 1)));
    rc = b ? 0 : -1;
    if (b)
      in.nominal_rate_percent = b->rate_bp / 100.0;
  }
  struct fin_quote q;
  if (rc < 0 || fin_quote(&in, &q, &e) < 0) {
    json_object_set_new(f, "unavailable", json_true());
    return f;
  }
  struct fin_lender ld = {c->lender_name, c->lender_address, c->variable_rate};
  const char *text = NULL;
  /* the dealer's representative example (§ 17 PAngV); a buyer's own calculation is not one */
  if (!custom)
    fin_representative_text(req->a, &in, &q, &ld, &text, &e);
  json_object_set_new(f, "custom", json_boolean(custom));
  char s[64];
  money_format(q.monthly_installment_cents, s, sizeof s);
  json_object_set_new(f, "monthly", json_string(s));
  fin_percent_display(q.apr_percent, s, sizeof s);
  json_object_set_new(f, "apr", json_string(s));
  fin_percent_display(in.nominal_rate_percent, s, sizeof s);
  json_object_set_new(f, "nominal", json_string(s));
  json_object_set_new(f, "term", json_integer(in.term_months));
  json_object_set_new(f, "down_euros", json_integer(in.down_payment_cents / 100));
  json_object_set_new(f, "text", json_string(text ? text : ""));
  json_t *terms = json_array();
  static const int opts[] = {12, 24, 36, 48, 60, 72, 84, 96};
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
    json_array_append_new(
        terms, json_pack("{s:i,s:b}", "months", opts[i], "selected", opts[i] == in.term_months));
  json_object_set_new(f, "terms", terms);
  return f;
}

struct page_arg {
  struct arena *a;
  const char *id;
  struct vehicle v;
  struct tenant t;
  int found;
  struct fin_conditions fc;
  int64_t fc_version;
  int has_fc;
};

static int tx_vehicle(db_conn *c, void *arg, struct err *e)
{
  struct page_arg *p = arg;
  p->found = vehicle_store_get(c, p->a, 0, p->id, &p->v, e);
  if (p->found == 1 && tenant_store_by_id(c, p->a, p->v.tenant_id, &p->t, e) < 0)
    return -1;
  if (p->found == 1) {
    p->has_fc = fin_conditions_load(c, p->a, p->v.tenant_id, 0, &p->fc, &p->fc_version, e);
    if (p->has_fc < 0)
      return -1;
  }
  return p->found < 0 ? -1 : 0;
}

static void fact(struct http_req *req, json_t *arr, const char *key, const char *value)
{
  if (!value || !*value)
    return;
  json_array_append_new(
      arr, json_pack("{s:s,s:s}", "label", i18n_get(req->locale, key), "value", value));
}

int web_vehicle_page(struct http_req *req)
{
  const char *slug = http_param(req, "slug");
  size_t sl = strlen(slug);
  const char *id = sl >= ID_LEN ? slug + sl - ID_LEN : "";
  if (!id_valid(id) || (sl > ID_LEN && slug[sl - ID_LEN - 1] != '-'))
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", NULL);
  struct page_arg p = {.a = req->a, .id = id};
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, 0, DB_READ, tx_vehicle, &p, &e) < 0)
    return http_problem_err(req, &e);
  if (!p.found)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", NULL);
  struct vehicle *v = &p.v;
  const char *canonical = vehicle_url(req->a, v->make, v->model, v->variant, v->public_id);
  if (strcmp(canonical + strlen("/fahrzeuge/"), slug) != 0)
    return http_redirect(req, 301, canonical);
  const char *loc = req->locale;
  struct arena *a = req->a;
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "canonical", json_string(canonical));
  json_object_set_new(ctx, "make", json_string(v->make));
  json_object_set_new(ctx, "model", json_string(v->model));
  json_object_set_new(ctx, "variant", json_string(v->variant));
  json_object_set_new(ctx, "price", json_string(price_label(a, v->price_cents)));
  json_object_set_new(ctx, "vat_label",
                      json_string(enum_label(&vehicle_enum_vat, v->vat_mode, loc)));
  if (v->vat_mode == VAT_SHOWN) {
    char net[64];
    money_format(v->price_cents - money_vat_from_gross(v->price_cents, 1900), net, sizeof net);
    json_object_set_new(ctx, "net_price", json_string(net));
  }
  json_object_set_new(ctx, "reserved", json_boolean(v->status == STATUS_RESERVED));
  json_t *facts = json_array();
  fact(req, facts, "vehicle.condition", enum_label(&vehicle_enum_condition, v->condition, loc));
  if (v->first_reg >= 0)
    fact(req, facts, "vehicle.first_registration",
         arena_printf(a, "%02d/%04d", v->first_reg % 12 + 1, v->first_reg / 12));
  fact(req, facts, "vehicle.mileage", arena_printf(a, "%s km", int_de(a, v->mileage_km)));
  fact(req, facts, "vehicle.power",
       arena_printf(a, "%d kW (%d PS)", v->power_kw, vehicle_ps(v->power_kw)));
  fact(req, facts, "vehicle.fuel", enum_label(&vehicle_enum_fuel, v->fuel, loc));
  fact(req, facts, "vehicle.gearbox", enum_label(&vehicle_enum_gearbox, v->gearbox, loc));
  fact(req, facts, "vehicle.body", enum_label(&vehicle_enum_body, v->body, loc));
  fact(req, facts, "vehicle.drive", enum_label(&vehicle_enum_drive, v->drive, loc));
  if (v->ccm > 0)
    fact(req, facts, "vehicle.ccm", arena_printf(a, "%s cm³", int_de(a, v->ccm)));
  fact(req, facts, "vehicle.colour",
       *v->colour_name ? v->colour_name : enum_label(&vehicle_enum_colour, v->colour, loc));
  if (v->doors > 0)
    fact(req, facts, "vehicle.doors", arena_printf(a, "%d", v->doors));
  if (v->seats > 0)
    fact(req, facts, "vehicle.seats", arena_printf(a, "%d", v->seats));
  if (v->previous_owners >= 0)
    fact(req, facts, "vehicle.previous_owners", arena_printf(a, "%d", v->previous_owners));
  if (v->hu_until >= 0)
    fact(req, facts, "vehicle.hu",
         arena_printf(a, "%02d/%04d", v->hu_until % 12 + 1, v->hu_until / 12));
  fact(req, facts, "vehicle.emission_class",
       enum_label(&vehicle_enum_emission, v->emission_class, loc));
  fact(req, facts, "vehicle.accident_free",
       i18n_get(loc, v->accident_free ? "common.yes" : "common.no"));
  json_object_set_new(ctx, "facts", facts);

  /* Pkw-EnVKV: official WLTP figures */
  json_t *env = json_array();
  if (v->consumption_x10 >= 0)
    fact(req, env, v->fuel == FUEL_ELECTRIC ? "vehicle.consumption_el" : "vehicle.consumption",
         arena_printf(a, "%d,%d %s", v->consumption_x10 / 10, v->consumption_x10 % 10,
                      v->fuel == FUEL_ELECTRIC ? "kWh/100 km" : "l/100 km"));
  if (v->consumption_el_x10 >= 0)
    fact(req, env, "vehicle.consumption_el",
         arena_printf(a, "%d,%d kWh/100 km", v->consumption_el_x10 / 10,
                      v->consumption_el_x10 % 10));
  if (v->co2_g_km >= 0)
    fact(req, env, "vehicle.co2", arena_printf(a, "%d g/km", v->co2_g_km));
  if (*v->co2_class)
    fact(req, env, "vehicle.co2_class", v->co2_class);
  if (v->range_km >= 0)
    fact(req, env, "vehicle.range", arena_printf(a, "%d km", v->range_km));
  json_object_set_new(ctx, "env", env);
  json_object_set_new(ctx, "has_env", json_boolean(json_array_size(env) > 0));

  static const char *groups[] = {"comfort", "safety", "multimedia", "exterior"};
  json_t *fg = json_array();
  for (size_t g = 0; g < 4; g++) {
    json_t *items = json_array();
    for (int f = 0; f < FEAT__COUNT; f++)
      if ((v->features & ((uint64_t)1 << f)) && !strcmp(vehicle_feature_group[f], groups[g]))
        json_array_append_new(items, json_string(enum_label(&vehicle_enum_feature, f, loc)));
    if (json_array_size(items)) {
      char key[64];
      snprintf(key, sizeof key, "vehicle.group_%s", groups[g]);
      json_array_append_new(fg,
                            json_pack("{s:s,s:o}", "title", i18n_get(loc, key), "items", items));
    } else {
      json_decref(items);
    }
  }
  json_object_set_new(ctx, "feature_groups", fg);
  json_object_set_new(ctx, "description", json_string(v->description));
  json_t *dealer = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "name", p.t.name ? p.t.name : "",
                             "street", p.t.street ? p.t.street : "", "zip", p.t.zip ? p.t.zip : "",
                             "city", p.t.city ? p.t.city : "", "phone", p.t.phone ? p.t.phone : "",
                             "email", p.t.email ? p.t.email : "");
  json_object_set_new(ctx, "dealer", dealer);
  if (p.has_fc == 1)
    json_object_set_new(ctx, "finance", vehicle_finance(req, &p.fc, v->price_cents));
  return web_render(req, 200, "vehicle", ctx);
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
  json_object_set_new(ctx, "q", r);
  return web_render(req, 200, "finance", ctx);
}

/* ---- /fahrzeuge/{slug}/angebot: the printable offer sheet ---- */

int web_offer_page(struct http_req *req)
{
  const char *slug = http_param(req, "slug");
  size_t sl = strlen(slug);
  const char *id = sl >= ID_LEN ? slug + sl - ID_LEN : "";
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", NULL);
  struct page_arg p = {.a = req->a, .id = id};
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, 0, DB_READ, tx_vehicle, &p, &e) < 0)
    return http_problem_err(req, &e);
  if (!p.found)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", NULL);
  struct vehicle *v = &p.v;
  struct arena *a = req->a;
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "make", json_string(v->make));
  json_object_set_new(ctx, "model", json_string(v->model));
  json_object_set_new(ctx, "variant", json_string(v->variant));
  json_object_set_new(ctx, "vin", json_string(*v->vin ? v->vin : "–"));
  json_object_set_new(ctx, "mileage",
                      json_string(arena_printf(a, "%s km", int_de(a, v->mileage_km))));
  json_object_set_new(
      ctx, "first_reg",
      json_string(v->first_reg >= 0
                      ? arena_printf(a, "%02d/%04d", v->first_reg % 12 + 1, v->first_reg / 12)
                      : "–"));
  char s[64];
  money_format(v->price_cents, s, sizeof s);
  json_object_set_new(ctx, "price", json_string(s));
  json_object_set_new(ctx, "vat_label",
                      json_string(enum_label(&vehicle_enum_vat, v->vat_mode, req->locale)));
  time_berlin_date(time_now(), s, sizeof s);
  json_object_set_new(ctx, "date", json_string(s));
  json_object_set_new(ctx, "dealer",
                      json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "name", p.t.name ? p.t.name : "",
                                "street", p.t.street ? p.t.street : "", "zip",
                                p.t.zip ? p.t.zip : "", "city", p.t.city ? p.t.city : "", "phone",
                                p.t.phone ? p.t.phone : "", "email", p.t.email ? p.t.email : ""));
  struct fin_input in;
  struct fin_quote q;
  if (p.has_fc == 1 && fin_conditions_example(&p.fc, v->price_cents, &in, &e) == 0 &&
      fin_quote(&in, &q, &e) == 0) {
    struct fin_lender ld = {p.fc.lender_name, p.fc.lender_address, p.fc.variable_rate};
    const char *text = "";
    fin_representative_text(a, &in, &q, &ld, &text, &e);
    json_t *f = json_object();
    json_object_set_new(
        f, "lender", json_string(arena_printf(a, "%s, %s", p.fc.lender_name, p.fc.lender_address)));
    money_format(q.net_loan_cents, s, sizeof s);
    json_object_set_new(f, "net_loan", json_string(s));
    json_object_set_new(f, "term", json_integer(in.term_months));
    char m[64], fin[64];
    money_format(q.monthly_installment_cents, m, sizeof m);
    money_format(q.final_installment_cents, fin, sizeof fin);
    json_object_set_new(f, "payments",
                        json_string(arena_printf(a, "%d × %s, %s %s", q.installments - 1, m,
                                                 i18n_get(req->locale, "finance.final"), fin)));
    money_format(q.total_payable_cents, s, sizeof s);
    json_object_set_new(f, "total", json_string(s));
    money_format(in.down_payment_cents, s, sizeof s);
    json_object_set_new(f, "down", json_string(s));
    fin_percent_display(in.nominal_rate_percent, s, sizeof s);
    json_object_set_new(f, "nominal", json_string(s));
    json_object_set_new(f, "rate_kind",
                        json_string(i18n_get(req->locale, p.fc.variable_rate ? "finance.variable"
                                                                             : "finance.fixed")));
    fin_percent_display(q.apr_percent, s, sizeof s);
    json_object_set_new(f, "apr", json_string(s));
    money_format(in.fees_cents, s, sizeof s);
    json_object_set_new(f, "fees", json_string(s));
    json_object_set_new(f, "text", json_string(text));
    json_object_set_new(ctx, "finance", f);
  }
  http_set_header(req, "X-Robots-Tag", "noindex");
  return web_render(req, 200, "offer", ctx);
}
