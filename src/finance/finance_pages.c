/* finance_pages.c — the dealer's financing conditions in the dashboard and the
 * public financing calculator (/finanzierung). */
#include "finance/finance_pages.h"
#include "app.h"
#include "auth/auth.h"
#include "auth/ratelimit.h"
#include "auth/session.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/money.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crm/lead_pages.h"
#include "finance/conditions.h"
#include "finance/finance_text.h"
#include "inventory/vehicle_json.h"
#include "inventory/vehicle_store.h"
#include "render/i18n.h"
#include "routes.h"
#include "search/search.h"
#include "site/site.h"
#include "tenant/tenant.h"
#include "web/web.h"
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct app *app_of(struct http_req *req)
{
  return req->app;
}

/* ---- the dealer's financing conditions ---- */

#define FORM_BANDS 4

struct fc_arg {
  struct arena *a;
  int64_t tenant_id;
  struct fin_conditions c;
  int64_t version;
  int found;
};

static int tx_fc_load(db_conn *c, void *arg, struct err *e)
{
  struct fc_arg *x = arg;
  x->found = fin_conditions_load(c, x->a, x->tenant_id, 0, &x->c, &x->version, e);
  return x->found < 0 ? -1 : 0;
}

static int tx_fc_save(db_conn *c, void *arg, struct err *e)
{
  struct fc_arg *x = arg;
  if (fin_conditions_save(c, x->a, x->tenant_id, &x->c, &x->version, e) < 0)
    return -1;
  return auth_audit(c, x->tenant_id, 0, "finance.conditions",
                    arena_printf(x->a, "version %lld", (long long)x->version), "", e);
}

static int render_fc(struct http_req *req, int status, json_t *f, const struct field_errors *errs,
                     json_t *problems, bool saved)
{
  json_t *ctx = web_dash_context(req);
  json_object_set_new(ctx, "f", f);
  json_t *err = json_object();
  for (int i = 0; errs && i < errs->n; i++)
    if (!json_object_get(err, errs->e[i].field))
      json_object_set_new(err, errs->e[i].field, json_string(errs->e[i].detail));
  json_object_set_new(ctx, "err", err);
  json_object_set_new(ctx, "has_errors",
                      json_boolean((errs && errs->n) || json_array_size(problems)));
  json_object_set_new(ctx, "problems", problems ? problems : json_array());
  json_object_set_new(ctx, "saved", json_boolean(saved));
  return web_render(req, status, "dash_finance", ctx);
}

/* The stored conditions as form values (rates in percent with a comma). */
static json_t *fc_form(const struct fin_conditions *c)
{
  json_t *f = json_object();
  json_object_set_new(f, "lender_name", json_string(c->lender_name ? c->lender_name : ""));
  json_object_set_new(f, "lender_address", json_string(c->lender_address ? c->lender_address : ""));
  json_object_set_new(f, "variable_rate", json_boolean(c->variable_rate));
  json_object_set_new(f, "fees", json_integer(c->fees_cents / 100));
  json_object_set_new(f, "default_term", json_integer(c->default_term ? c->default_term : 48));
  json_object_set_new(f, "default_down", json_integer(c->default_down_bp / 100));
  json_t *bands = json_array();
  for (int i = 0; i < FORM_BANDS; i++) {
    json_t *b = json_pack("{s:i,s:b}", "i", i, "representative",
                          c->nbands ? c->representative == i : i == 0);
    if (i < c->nbands) {
      json_object_set_new(b, "term_min", json_integer(c->bands[i].term_min));
      json_object_set_new(b, "term_max", json_integer(c->bands[i].term_max));
    }
    json_array_append_new(bands, b);
  }
  json_object_set_new(f, "bands", bands);
  return f;
}

int finance_page_conditions(struct http_req *req)
{
  struct fc_arg x = {.a = req->a, .tenant_id = req->tenant_id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_fc_load, &x, &e) < 0)
    return http_problem_err(req, &e);
  json_t *f = fc_form(&x.c);
  json_t *bands = json_object_get(f, "bands");
  for (int i = 0; i < x.c.nbands && i < FORM_BANDS; i++) {
    char r[32];
    snprintf(r, sizeof r, "%d,%02d", x.c.bands[i].rate_bp / 100, x.c.bands[i].rate_bp % 100);
    json_object_set_new(json_array_get(bands, (size_t)i), "rate", json_string(r));
  }
  json_object_set_new(f, "version", json_integer(x.found == 1 ? x.version : 0));
  return render_fc(req, 200, f, NULL, NULL, http_query(req, "saved") != NULL);
}

static double decimal(const char *s, bool *ok)
{
  *ok = false;
  if (!s || !*s)
    return 0;
  char buf[32];
  snprintf(buf, sizeof buf, "%s", s);
  for (char *p = buf; *p; p++)
    if (*p == ',')
      *p = '.';
  char *end;
  double d = strtod(buf, &end);
  *ok = end != buf && !*end && isfinite(d);
  return d;
}

int finance_page_conditions_post(struct http_req *req)
{
  struct arena *a = req->a;
  struct field_errors errs;
  field_errors_init(&errs, a);
  /* the form as the API's JSON, validated by the same code */
  json_t *j = json_arena(a, json_object());
  json_object_set_new(
      j, "lender_name",
      json_string(http_form(req, "lender_name") ? http_form(req, "lender_name") : ""));
  json_object_set_new(
      j, "lender_address",
      json_string(http_form(req, "lender_address") ? http_form(req, "lender_address") : ""));
  json_object_set_new(j, "variable_rate", json_boolean(http_form(req, "variable_rate") != NULL));
  int64_t fees = 0, x;
  if (http_form(req, "fees") && *http_form(req, "fees") &&
      money_parse_euros(http_form(req, "fees"), &fees) < 0)
    field_error_add(&errs, "fees", "format", "%s", i18n_get(req->locale, "errors.format"));
  json_object_set_new(j, "fees_cents", json_integer(fees));
  const char *dt = http_form(req, "default_term"), *dd = http_form(req, "default_down");
  json_object_set_new(j, "default_term",
                      dt && str_to_i64(dt, &x) ? json_integer(x) : json_string(dt ? dt : ""));
  json_object_set_new(j, "default_down_bp",
                      dd && str_to_i64(dd, &x) ? json_integer(x * 100) : json_string(dd ? dd : ""));
  int rep = 0;
  const char *rs = http_form(req, "representative");
  if (rs && str_to_i64(rs, &x) && x >= 0 && x < FORM_BANDS)
    rep = (int)x;
  json_t *bands = json_array();
  int kept = 0, rep_index = 0;
  for (int i = 0; i < FORM_BANDS; i++) {
    const char *tmin = http_form(req, arena_printf(a, "band%d_min", i));
    const char *tmax = http_form(req, arena_printf(a, "band%d_max", i));
    const char *rate = http_form(req, arena_printf(a, "band%d_rate", i));
    if ((!tmin || !*tmin) && (!tmax || !*tmax) && (!rate || !*rate))
      continue;
    bool ok;
    double r = decimal(rate, &ok);
    int64_t a1 = 0, a2 = 0;
    json_t *b = json_object();
    json_object_set_new(b, "term_min",
                        tmin && str_to_i64(tmin, &a1) ? json_integer(a1)
                                                      : json_string(tmin ? tmin : ""));
    json_object_set_new(b, "term_max",
                        tmax && str_to_i64(tmax, &a2) ? json_integer(a2)
                                                      : json_string(tmax ? tmax : ""));
    json_object_set_new(b, "rate_percent", ok ? json_real(r) : json_string(rate ? rate : ""));
    if (i == rep)
      rep_index = kept;
    json_array_append_new(bands, b);
    kept++;
  }
  json_object_set_new(j, "bands", bands);
  json_object_set_new(j, "representative", json_integer(rep_index));
  struct fc_arg fa = {.a = a, .tenant_id = req->tenant_id};
  fin_conditions_from_json(a, j, &fa.c, &errs);

  /* an example copied from the bank's sheet is checked before anything goes online */
  json_t *problems = json_array();
  const char *ex_net = http_form(req, "ex_net"), *ex_n = http_form(req, "ex_n"),
             *ex_rate = http_form(req, "ex_installment"), *ex_apr = http_form(req, "ex_apr");
  if (ex_net && *ex_net) {
    struct fin_stated st = {0};
    bool ok1, ok2;
    int64_t n = 0;
    bool ok = money_parse_euros(ex_net, &st.net_loan_cents) == 0 && ex_n && str_to_i64(ex_n, &n) &&
              ex_rate && money_parse_euros(ex_rate, &st.installment_cents) == 0;
    st.installments = (int)n;
    st.stated_apr_percent = decimal(ex_apr, &ok1);
    st.nominal_rate_percent = decimal(http_form(req, "ex_nominal"), &ok2);
    if (!ok2)
      st.nominal_rate_percent = -1;
    struct fin_check ck;
    struct err e = {0};
    if (!ok || !ok1 || fin_check_example(&st, &ck, &e) < 0) {
      field_error_add(&errs, "ex_net", "format", "%s",
                      i18n_get(req->locale, "finance_dash.example_incomplete"));
    } else if (!ck.consistent) {
      char c[32];
      fin_percent_display(ck.computed_apr_percent, c, sizeof c);
      const char *t = i18n_get(req->locale, "finance_dash.example_inconsistent");
      const char *p = strstr(t, "{apr}");
      json_array_append_new(
          problems, json_string(p ? arena_printf(a, "%.*s%s%s", (int)(p - t), t, c, p + 5) : t));
    }
  }
  if (errs.n || json_array_size(problems)) {
    json_t *f = json_object();
    const char **names, **values;
    int n = http_form_pairs(req, &names, &values);
    for (int i = 0; i < n; i++)
      if (strcmp(names[i], "_csrf"))
        json_object_set_new(f, names[i], json_string(values[i]));
    json_t *fb = json_array();
    for (int i = 0; i < FORM_BANDS; i++) {
      const char *v1 = http_form(req, arena_printf(a, "band%d_min", i));
      const char *v2 = http_form(req, arena_printf(a, "band%d_max", i));
      const char *v3 = http_form(req, arena_printf(a, "band%d_rate", i));
      json_array_append_new(fb, json_pack("{s:i,s:s,s:s,s:s,s:b}", "i", i, "term_min", v1 ? v1 : "",
                                          "term_max", v2 ? v2 : "", "rate", v3 ? v3 : "",
                                          "representative", i == rep));
    }
    json_object_set_new(f, "bands", fb);
    json_object_set_new(f, "variable_rate", json_boolean(http_form(req, "variable_rate") != NULL));
    return render_fc(req, 422, f, &errs, problems, false);
  }
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_fc_save, &fa, &e) < 0)
    return http_problem_err(req, &e);
  web_cache_clear(); /* vehicle pages show the new example at once */
  return http_redirect(req, 303, "/dashboard/finanzierung?saved=1");
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

int finance_page_calculator(struct http_req *req)
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
