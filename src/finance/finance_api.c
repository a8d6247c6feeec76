#include "finance/finance_api.h"

#include "app.h"
#include "core/arena.h"
#include "core/enumdef.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/money.h"
#include "finance/conditions.h"
#include "finance/finance.h"
#include "finance/finance_text.h"
#include "inventory/vehicle_store.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static double round6(double x)
{
  return floor(x * 1e6 + 0.5) / 1e6;
}

static json_t *pct_json(double p)
{
  char s[32];
  fin_percent_display(p, s, sizeof s);
  return json_string(s);
}

static const char *const products[] = {"loan", "balloon", "leasing"};
static const char *const products_de[] = {"Ratenkredit", "Schlussratenfinanzierung", "Leasing"};
static const struct enum_def product_enum = {"product", 3, products, products_de, products};
#define PRODUCT_LEASING 2

/* Leasing: its own figures (monthly rate, special payment, term, mileage, transfer
 * costs, total, Leasingfaktor; the residual value for residual-value leasing). */
static int lease_quote(struct http_req *req, json_t *body)
{
  struct fin_lease_input in = {0};
  int product = PRODUCT_LEASING;
  bool residual_contract = false;
  char *lessor = NULL, *address = NULL;
  struct json_field spec[] = {
      JF_ENUM("product", &product, JF_REQUIRED, &product_enum),
      JF_I64("price_cents", &in.price_cents, JF_REQUIRED, 1, 100000000000LL),
      JF_I64("special_payment_cents", &in.special_payment_cents, 0, 0, 100000000000LL),
      JF_INT("term_months", &in.term_months, JF_REQUIRED, 6, 120),
      JF_INT("km_per_year", &in.km_per_year, JF_REQUIRED, 1000, 200000),
      JF_I64("residual_value_cents", &in.residual_value_cents, JF_REQUIRED, 0, 100000000000LL),
      JF_I64("transfer_costs_cents", &in.transfer_costs_cents, 0, 0, 100000000000LL),
      JF_NUMBER("nominal_rate_percent", &in.nominal_rate_percent, 0),
      JF_I64("monthly_rate_cents", &in.monthly_rate_cents, 0, 0, 100000000000LL),
      JF_BOOL("residual_value_contract", &residual_contract, 0),
      JF_STRING("lessor_name", &lessor, 0, 1, 200),
      JF_STRING("lessor_address", &address, 0, 1, 300),
      JF_END,
  };
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  if (json_parse_fields(req->a, body, spec, JSON_REJECT_UNKNOWN, &errs) < 0)
    return http_problem_fields(req, &errs);
  struct fin_lease_quote q;
  struct err e = {0};
  if (fin_lease_quote(&in, &q, &errs, &e) < 0)
    return errs.n ? http_problem_fields(req, &errs) : http_problem_err(req, &e);
  char factor[32], price[64], special[64], rate[64], transfer[64], total[64], residual[64];
  snprintf(factor, sizeof factor, "%.2f", q.leasing_factor);
  for (char *p = factor; *p; p++)
    if (*p == '.')
      *p = ',';
  money_format(in.price_cents, price, sizeof price);
  money_format(in.special_payment_cents, special, sizeof special);
  money_format(q.monthly_rate_cents, rate, sizeof rate);
  money_format(in.transfer_costs_cents, transfer, sizeof transfer);
  money_format(q.total_cost_cents, total, sizeof total);
  money_format(in.residual_value_cents, residual, sizeof residual);
  json_t *out = json_pack("{s:s,s:I,s:f,s:s,s:I,s:i,s:i,s:I}", "product", "leasing",
                          "monthly_rate_cents", (json_int_t)q.monthly_rate_cents, "leasing_factor",
                          floor(q.leasing_factor * 100 + 0.5) / 100, "leasing_factor_display",
                          factor, "total_cost_cents", (json_int_t)q.total_cost_cents, "term_months",
                          in.term_months, "km_per_year", in.km_per_year, "special_payment_cents",
                          (json_int_t)in.special_payment_cents);
  if (lessor && address) {
    const char *text = arena_printf(
        req->a,
        "Leasingbeispiel: Fahrzeugpreis (Listenpreis brutto) %s, Leasing-Sonderzahlung %s,"
        " Laufzeit %d Monate, Fahrleistung %d km pro Jahr, %d monatliche Leasingraten von je %s,"
        " Überführungskosten %s, Gesamtkosten %s%s%s, Leasingfaktor %s. Leasinggeber: %s, %s.",
        price, special, in.term_months, in.km_per_year, in.term_months, rate, transfer, total,
        residual_contract ? ", kalkulierter Restwert " : "", residual_contract ? residual : "",
        factor, lessor, address);
    json_object_set_new(out, "representative_text", json_string(text));
    json_object_set_new(out, "missing", json_array());
  } else {
    json_object_set_new(out, "representative_text", json_null());
    json_object_set_new(out, "missing",
                        json_pack("[s]", lessor ? "lessor_address" : "lessor_name"));
  }
  return http_reply_json(req, 200, out);
}

int finance_api_quote(struct http_req *req)
{
  struct err e = {0};
  json_t *body = http_json_body(req, &e);
  if (!body)
    return http_problem_err(req, &e);
  json_t *pj = json_object_get(body, "product");
  if (json_is_string(pj) && strcmp(json_string_value(pj), "leasing") == 0)
    return lease_quote(req, body);
  struct fin_input in = {0};
  int product = FIN_LOAN;
  json_t *lender = NULL;
  bool variable = false;
  struct json_field spec[] = {
      JF_ENUM("product", &product, JF_REQUIRED, &product_enum),
      JF_I64("price_cents", &in.price_cents, JF_REQUIRED, 1, 100000000000LL),
      JF_I64("down_payment_cents", &in.down_payment_cents, 0, 0, 100000000000LL),
      JF_I64("trade_in_cents", &in.trade_in_cents, 0, 0, 100000000000LL),
      JF_INT("term_months", &in.term_months, JF_REQUIRED, 1, 120),
      JF_NUMBER("nominal_rate_percent", &in.nominal_rate_percent, JF_REQUIRED),
      JF_I64("balloon_cents", &in.balloon_cents, 0, 0, 100000000000LL),
      JF_I64("fees_cents", &in.fees_cents, 0, 0, 100000000000LL),
      JF_I64("financed_fees_cents", &in.financed_fees_cents, 0, 0, 100000000000LL),
      JF_BOOL("variable_rate", &variable, 0),
      JF_END,
  };
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  lender = json_object_get(body, "lender");
  if (lender)
    json_incref(lender), json_object_del(body, "lender");
  if (lender)
    json_arena(req->a, lender);
  json_parse_fields(req->a, body, spec, JSON_REJECT_UNKNOWN, &errs);
  in.product = product == PRODUCT_LEASING ? FIN_LOAN : product;
  struct fin_lender ld = {.variable_rate = variable};
  if (lender) {
    char *name = NULL, *address = NULL;
    struct json_field lspec[] = {JF_STRING("name", &name, JF_REQUIRED, 1, 200),
                                 JF_STRING("address", &address, JF_REQUIRED, 1, 300), JF_END};
    struct field_errors lerrs;
    field_errors_init(&lerrs, req->a);
    if (json_parse_fields(req->a, lender, lspec, JSON_REJECT_UNKNOWN, &lerrs) < 0)
      for (int i = 0; i < lerrs.n; i++)
        field_error_add(&errs, arena_printf(req->a, "lender.%s", lerrs.e[i].field), lerrs.e[i].code,
                        "%s", lerrs.e[i].detail);
    ld.name = name;
    ld.address = address;
  }
  if (errs.n == 0)
    fin_validate(&in, &errs);
  if (errs.n)
    return http_problem_fields(req, &errs);
  struct fin_quote q;
  if (fin_quote(&in, &q, &e) < 0)
    return http_problem_err(req, &e);
  json_t *out = json_object();
  json_object_set_new(out, "product", json_string(products[in.product]));
  json_object_set_new(out, "net_loan_cents", json_integer(q.net_loan_cents));
  json_object_set_new(out, "credit_cents", json_integer(q.credit_cents));
  json_object_set_new(out, "monthly_installment_cents", json_integer(q.monthly_installment_cents));
  json_object_set_new(out, "final_installment_cents", json_integer(q.final_installment_cents));
  json_object_set_new(out, "installments", json_integer(q.installments));
  json_object_set_new(out, "total_interest_cents", json_integer(q.total_interest_cents));
  json_object_set_new(out, "total_payable_cents", json_integer(q.total_payable_cents));
  json_object_set_new(out, "nominal_rate_percent", json_real(in.nominal_rate_percent));
  json_object_set_new(out, "nominal_rate_display", pct_json(in.nominal_rate_percent));
  json_object_set_new(out, "apr_percent", json_real(round6(q.apr_percent)));
  json_object_set_new(out, "apr_display", pct_json(q.apr_percent));
  const char *text = NULL;
  struct err te = {0};
  if (fin_representative_text(req->a, &in, &q, &ld, &text, &te) == 0) {
    json_object_set_new(out, "representative_text", json_string(text));
    json_object_set_new(out, "missing", json_array());
  } else {
    json_object_set_new(out, "representative_text", json_null());
    json_object_set_new(out, "missing", json_pack("[s]", te.field));
  }
  return http_reply_json(req, 200, out);
}

int finance_api_apr(struct http_req *req)
{
  struct err e = {0};
  json_t *body = http_json_body(req, &e);
  if (!body)
    return http_problem_err(req, &e);
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  json_t *flows = json_object_get(body, "flows");
  const char *key;
  json_t *val;
  json_object_foreach(body, key, val)
  {
    if (strcmp(key, "flows"))
      field_error_add(&errs, key, "unknown", "unknown field %s", key);
  }
  size_t n = json_array_size(flows);
  if (!json_is_array(flows) || n < 2 || n > 1000)
    field_error_add(&errs, "flows", "length", "flows must be an array of 2 to 1000 flows");
  if (errs.n)
    return http_problem_fields(req, &errs);
  struct fin_flow *f = arena_calloc(req->a, n, sizeof *f);
  for (size_t i = 0; i < n; i++) {
    json_t *it = json_array_get(flows, i);
    double t = 0;
    int64_t amt = 0;
    struct json_field spec[] = {
        JF_NUMBER("t_years", &t, JF_REQUIRED),
        JF_I64("amount_cents", &amt, JF_REQUIRED, -100000000000LL, 100000000000LL), JF_END};
    struct field_errors fe;
    field_errors_init(&fe, req->a);
    if (json_parse_fields(req->a, it, spec, JSON_REJECT_UNKNOWN, &fe) < 0) {
      for (int k = 0; k < fe.n; k++)
        field_error_add(&errs, arena_printf(req->a, "flows[%zu].%s", i, fe.e[k].field),
                        fe.e[k].code, "%s", fe.e[k].detail);
      continue;
    }
    if (t < 0 || t > 100)
      field_error_add(&errs, arena_printf(req->a, "flows[%zu].t_years", i), "range",
                      "t_years must be between 0 and 100");
    f[i] = (struct fin_flow){t, amt};
  }
  if (errs.n)
    return http_problem_fields(req, &errs);
  double apr;
  if (fin_apr(f, n, &apr, &e) < 0)
    return http_problem(req, 422, e.code, e.msg, "flows");
  return http_reply_json(
      req, 200, json_pack("{s:f,s:o}", "apr_percent", round6(apr), "apr_display", pct_json(apr)));
}

int finance_api_check(struct http_req *req)
{
  struct err e = {0};
  json_t *body = http_json_body(req, &e);
  if (!body)
    return http_problem_err(req, &e);
  int64_t net = 0, inst = 0, final = -1, fees = 0;
  int n = 0;
  double nominal = -1, stated = 0;
  bool has_final = false, has_nominal = false;
  struct json_field spec[] = {
      JF_I64("net_loan_cents", &net, JF_REQUIRED, 1, 100000000000LL),
      JF_INT("installments", &n, JF_REQUIRED, 1, 120),
      JF_I64("installment_cents", &inst, JF_REQUIRED, 1, 100000000000LL),
      {"final_installment_cents", JF_T_I64, &final, 0, 1, 100000000000LL, NULL, &has_final},
      JF_I64("fees_cents", &fees, 0, 0, 100000000000LL),
      {"nominal_rate_percent", JF_T_NUMBER, &nominal, 0, 0, 0, NULL, &has_nominal},
      JF_NUMBER("stated_apr_percent", &stated, JF_REQUIRED),
      JF_END,
  };
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  if (json_parse_fields(req->a, body, spec, JSON_REJECT_UNKNOWN, &errs) < 0)
    return http_problem_fields(req, &errs);
  if (!has_final)
    final = inst;
  if (fees >= net)
    field_error_add(&errs, "fees_cents", "range", "fees must be below the net loan");
  if (has_nominal && (nominal < 0 || nominal > 30))
    field_error_add(&errs, "nominal_rate_percent", "range", "nominal_rate_percent must be 0 to 30");
  if (errs.n)
    return http_problem_fields(req, &errs);
  struct fin_stated st = {net, n, inst, final, fees, has_nominal ? nominal : -1, stated};
  struct fin_check ck;
  if (fin_check_example(&st, &ck, &e) < 0)
    return http_problem(req, 422, e.code, e.msg, "installment_cents");
  double apr = ck.computed_apr_percent;
  json_t *problems = json_array();
  char stated_s[32], computed_s[32];
  fin_percent_display(stated, stated_s, sizeof stated_s);
  fin_percent_display(apr, computed_s, sizeof computed_s);
  if (ck.apr_mismatch)
    json_array_append_new(
        problems, json_pack("{s:s,s:s}", "code", "apr_mismatch", "detail",
                            arena_printf(req->a,
                                         "Der angegebene effektive Jahreszins von %s passt nicht zu"
                                         " den Raten: aus ihnen ergeben sich %s.",
                                         stated_s, computed_s)));
  if (ck.installment_mismatch) {
    char nom_s[32];
    fin_percent_display(nominal, nom_s, sizeof nom_s);
    json_array_append_new(
        problems,
        json_pack("{s:s,s:s}", "code", "installment_mismatch", "detail",
                  arena_printf(req->a,
                               "Die Rate von %.2f € passt nicht zum Sollzins von %s: er"
                               " ergibt %.2f € (ohne weitere Kosten).",
                               (double)inst / 100, nom_s, ck.expected_installment_cents / 100)));
  }
  return http_reply_json(req, 200,
                         json_pack("{s:b,s:f,s:s,s:f,s:o}", "consistent",
                                   json_array_size(problems) == 0, "computed_apr_percent",
                                   round6(apr), "computed_apr_display", computed_s,
                                   "stated_apr_percent", stated, "problems", problems));
}

/* ---- bank partner conditions and vehicle examples ---- */

struct cond_arg {
  struct arena *a;
  int64_t tenant_id;
  struct fin_conditions c;
  int64_t version;
  int found;
  const char *vehicle_id;
  struct vehicle v;
};

static int tx_cond_load(db_conn *c, void *arg, struct err *e)
{
  struct cond_arg *x = arg;
  x->found = fin_conditions_load(c, x->a, x->tenant_id, 0, &x->c, &x->version, e);
  return x->found < 0 ? -1 : 0;
}

static int tx_cond_save(db_conn *c, void *arg, struct err *e)
{
  struct cond_arg *x = arg;
  return fin_conditions_save(c, x->a, x->tenant_id, &x->c, &x->version, e);
}

int finance_api_conditions_get(struct http_req *req)
{
  struct cond_arg x = {.a = req->a, .tenant_id = req->tenant_id};
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_READ, tx_cond_load, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no financing conditions stored yet", NULL);
  json_t *j = fin_conditions_to_json(&x.c);
  json_object_set_new(j, "version", json_integer(x.version));
  return http_reply_json(req, 200, j);
}

int finance_api_conditions_put(struct http_req *req)
{
  struct err e = {0};
  json_t *body = http_json_body(req, &e);
  if (!body)
    return http_problem_err(req, &e);
  struct cond_arg x = {.a = req->a, .tenant_id = req->tenant_id};
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  if (fin_conditions_from_json(req->a, body, &x.c, &errs) < 0)
    return http_problem_fields(req, &errs);
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_WRITE, tx_cond_save, &x, &e) < 0)
    return http_problem_err(req, &e);
  json_t *j = fin_conditions_to_json(&x.c);
  json_object_set_new(j, "version", json_integer(x.version));
  return http_reply_json(req, 200, j);
}

static int tx_example(db_conn *c, void *arg, struct err *e)
{
  struct cond_arg *x = arg;
  int rc = vehicle_store_get(c, x->a, 0, x->vehicle_id, &x->v, e);
  if (rc <= 0) {
    x->found = rc == 0 ? -2 : -1;
    return rc;
  }
  x->found = fin_conditions_load(c, x->a, x->v.tenant_id, 0, &x->c, &x->version, e);
  return x->found < 0 ? -1 : 0;
}

json_t *finance_example_json(struct arena *a, const struct fin_conditions *c, int64_t price_cents,
                             int64_t version, struct err *e)
{
  struct fin_input in;
  if (fin_conditions_example(c, price_cents, &in, e) < 0)
    return NULL;
  struct fin_quote q;
  if (fin_quote(&in, &q, e) < 0)
    return NULL;
  struct fin_lender ld = {c->lender_name, c->lender_address, c->variable_rate};
  const char *text;
  if (fin_representative_text(a, &in, &q, &ld, &text, e) < 0)
    return NULL;
  char apr[32], nominal[32];
  fin_percent_display(q.apr_percent, apr, sizeof apr);
  fin_percent_display(in.nominal_rate_percent, nominal, sizeof nominal);
  return json_pack(
      "{s:I,s:I,s:I,s:i,s:f,s:s,s:I,s:I,s:i,s:I,s:f,s:s,s:I,s:s,s:I}", "price_cents",
      (json_int_t)in.price_cents, "down_payment_cents", (json_int_t)in.down_payment_cents,
      "net_loan_cents", (json_int_t)q.net_loan_cents, "term_months", in.term_months,
      "nominal_rate_percent", in.nominal_rate_percent, "nominal_rate_display", nominal,
      "monthly_installment_cents", (json_int_t)q.monthly_installment_cents,
      "final_installment_cents", (json_int_t)q.final_installment_cents, "installments",
      q.installments, "total_payable_cents", (json_int_t)q.total_payable_cents, "apr_percent",
      round6(q.apr_percent), "apr_display", apr, "fees_cents", (json_int_t)in.fees_cents,
      "representative_text", text, "conditions_version", (json_int_t)version);
}

int finance_api_vehicle_example(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", "id");
  struct cond_arg x = {.a = req->a, .vehicle_id = id};
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, 0, DB_READ, tx_example, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (x.found == -2)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", "id");
  if (x.found == 0)
    return http_problem(req, 404, CC24_E_FINANCE_MISSING, "the dealer offers no financing", NULL);
  json_t *j = finance_example_json(req->a, &x.c, x.v.price_cents, x.version, &e);
  if (!j)
    return http_problem(req, 422, e.code, e.msg, NULL);
  json_object_set_new(j, "vehicle", json_string(x.v.public_id));
  return http_reply_json(req, 200, j);
}

int finance_api_solve(struct http_req *req)
{
  struct err e = {0};
  json_t *body = http_json_body(req, &e);
  if (!body)
    return http_problem_err(req, &e);
  static const char *const what[] = {"nominal_rate", "installment"};
  static const struct enum_def what_enum = {"solve", 2, what, what, what};
  struct fin_input in = {0};
  int product = FIN_LOAN, solve = 0;
  double target = 0;
  struct json_field spec[] = {
      JF_ENUM("solve", &solve, JF_REQUIRED, &what_enum),
      JF_NUMBER("target_apr_percent", &target, JF_REQUIRED),
      JF_ENUM("product", &product, JF_REQUIRED, &product_enum),
      JF_I64("price_cents", &in.price_cents, JF_REQUIRED, 1, 100000000000LL),
      JF_I64("down_payment_cents", &in.down_payment_cents, 0, 0, 100000000000LL),
      JF_I64("trade_in_cents", &in.trade_in_cents, 0, 0, 100000000000LL),
      JF_INT("term_months", &in.term_months, JF_REQUIRED, 1, 120),
      JF_I64("balloon_cents", &in.balloon_cents, 0, 0, 100000000000LL),
      JF_I64("fees_cents", &in.fees_cents, 0, 0, 100000000000LL),
      JF_I64("financed_fees_cents", &in.financed_fees_cents, 0, 0, 100000000000LL),
      JF_END,
  };
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  json_parse_fields(req->a, body, spec, JSON_REJECT_UNKNOWN, &errs);
  if (product == PRODUCT_LEASING)
    field_error_add(&errs, "product", "enum", "solving applies to loan and balloon");
  in.product = product == PRODUCT_LEASING ? FIN_LOAN : product;
  if (errs.n == 0 && (!isfinite(target) || target < 0 || target > 100))
    field_error_add(&errs, "target_apr_percent", "range", "target_apr_percent must be 0 to 100");
  if (errs.n == 0)
    fin_validate(&in, &errs);
  if (errs.n)
    return http_problem_fields(req, &errs);
  if (solve == 0) {
    double nominal;
    if (fin_nominal_for_apr(&in, target, &nominal, &e) < 0)
      return http_problem(req, 422, e.code, e.msg, "target_apr_percent");
    return http_reply_json(req, 200,
                           json_pack("{s:f,s:o}", "nominal_rate_percent", round6(nominal),
                                     "nominal_rate_display", pct_json(nominal)));
  }
  int64_t a;
  if (fin_installment_for_apr(&in, target, &a, &e) < 0)
    return http_problem(req, 422, e.code, e.msg, "target_apr_percent");
  return http_reply_json(req, 200, json_pack("{s:I}", "monthly_installment_cents", (json_int_t)a));
}
