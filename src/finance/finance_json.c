/* finance_json.c — JSON in and out for the financing API (see finance_json.h). */
#include "finance/finance_json.h"

#include "core/arena.h"
#include "core/enumdef.h"
#include "core/err.h"
#include "core/json.h"
#include "core/money.h"
#include "finance/finance.h"
#include "finance/finance_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAXC FIN_MAX_CENTS

static const char *const products[] = {"loan", "balloon", "leasing"};
static const char *const products_de[] = {"Ratenkredit", "Schlussratenfinanzierung", "Leasing"};
static const struct enum_def product_enum = {"product", 3, products, products_de, products};
enum { PRODUCT_LEASING = 2 };

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

/* Copy the errors of `more` under `prefix` ("lender." → "lender.name"), skipping
 * fields that already have one (a type error is not repeated as a range error). */
static void merge(struct arena *a, struct field_errors *errs, const struct field_errors *more,
                  const char *prefix)
{
  for (int i = 0; i < more->n; i++) {
    const char *f = *prefix ? arena_printf(a, "%s%s", prefix, more->e[i].field) : more->e[i].field;
    if (!field_error_get(errs, f))
      field_error_add(errs, f, more->e[i].code, "%s", more->e[i].detail);
  }
}

/* An engine error that names a field becomes a field error of the body. */
static int engine_fail(struct field_errors *errs, const struct err *e)
{
  if (e->code == CC24_E_FINANCE_INPUT && e->field[0])
    field_error_add(errs, e->field, "range", "%s", e->msg);
  return -1;
}

/* A shallow copy of obj without key, freed with the arena (the body stays intact). */
static json_t *without(struct arena *a, json_t *obj, const char *key)
{
  json_t *c = json_arena(a, json_copy(obj));
  json_object_del(c, key);
  return c;
}

/* ---- leasing ---- */

static int lease_quote(struct arena *a, json_t *body, json_t **out, struct field_errors *errs,
                       struct err *e)
{
  struct fin_lease_input in = {0};
  int product = PRODUCT_LEASING;
  bool residual_contract = false, has_rate = false, has_nominal = false, has_residual = false;
  char *lessor = NULL, *address = NULL;
  struct json_field spec[] = {
      JF_ENUM("product", &product, JF_REQUIRED, &product_enum),
      JF_I64("price_cents", &in.price_cents, JF_REQUIRED, 1, MAXC),
      JF_I64("special_payment_cents", &in.special_payment_cents, 0, 0, MAXC),
      JF_INT("term_months", &in.term_months, JF_REQUIRED, 6, 120),
      JF_INT("km_per_year", &in.km_per_year, JF_REQUIRED, 1000, 200000),
      {"residual_value_cents", JF_T_I64, &in.residual_value_cents, 0, 0, MAXC, NULL, &has_residual},
      JF_I64("transfer_costs_cents", &in.transfer_costs_cents, 0, 0, MAXC),
      {"nominal_rate_percent", JF_T_NUMBER, &in.nominal_rate_percent, 0, 0, 0, NULL, &has_nominal},
      {"monthly_rate_cents", JF_T_I64, &in.monthly_rate_cents, 0, 0, MAXC, NULL, &has_rate},
      JF_BOOL("residual_value_contract", &residual_contract, 0),
      JF_STRING("lessor_name", &lessor, 0, 1, 200),
      JF_STRING("lessor_address", &address, 0, 1, 300),
      JF_END,
  };
  json_parse_fields(a, body, spec, JSON_REJECT_UNKNOWN, errs);
  has_rate &= in.monthly_rate_cents > 0; /* 0 = derive it, as if absent */
  if (!has_rate) {
    /* the rate is derived: it needs the money rate and the residual value */
    if (!has_nominal && !field_error_get(errs, "nominal_rate_percent"))
      field_error_add(errs, "nominal_rate_percent", "required",
                      "nominal_rate_percent is required unless monthly_rate_cents is given");
    if (!has_residual && !field_error_get(errs, "residual_value_cents"))
      field_error_add(errs, "residual_value_cents", "required",
                      "residual_value_cents is required unless monthly_rate_cents is given");
  }
  struct field_errors more;
  field_errors_init(&more, a);
  struct fin_lease_quote q;
  int rc = fin_lease_quote(&in, &q, &more, e);
  merge(a, errs, &more, "");
  if (errs->n || rc < 0)
    return -1;
  char factor[32], price[64], special[64], rate[64], transfer[64], total[64], residual[64];
  fin_factor_display(&q, factor, sizeof factor);
  money_format(in.price_cents, price, sizeof price);
  money_format(in.special_payment_cents, special, sizeof special);
  money_format(q.monthly_rate_cents, rate, sizeof rate);
  money_format(in.transfer_costs_cents, transfer, sizeof transfer);
  money_format(q.total_cost_cents, total, sizeof total);
  money_format(in.residual_value_cents, residual, sizeof residual);
  json_t *o = json_object();
  json_object_set_new(o, "product", json_string("leasing"));
  json_object_set_new(o, "monthly_rate_cents", json_integer(q.monthly_rate_cents));
  json_object_set_new(o, "leasing_factor", json_real((double)q.leasing_factor_hundredths / 100));
  json_object_set_new(o, "leasing_factor_display", json_string(factor));
  json_object_set_new(o, "total_cost_cents", json_integer(q.total_cost_cents));
  json_object_set_new(o, "term_months", json_integer(in.term_months));
  json_object_set_new(o, "km_per_year", json_integer(in.km_per_year));
  json_object_set_new(o, "special_payment_cents", json_integer(in.special_payment_cents));
  json_object_set_new(o, "transfer_costs_cents", json_integer(in.transfer_costs_cents));
  json_object_set_new(o, "residual_value_cents", json_integer(in.residual_value_cents));
  json_object_set_new(o, "effective_rate_percent",
                      q.effective_rate_percent >= 0 ? json_real(round6(q.effective_rate_percent))
                                                    : json_null());
  if (lessor && address) {
    const char *text = arena_printf(
        a,
        "Leasingbeispiel: Fahrzeugpreis (Listenpreis brutto) %s, Leasing-Sonderzahlung %s,"
        " Laufzeit %d Monate, Fahrleistung %d km pro Jahr, %d monatliche Leasingraten von je %s,"
        " Überführungskosten %s, Gesamtkosten %s%s%s, Leasingfaktor %s. Leasinggeber: %s, %s.",
        price, special, in.term_months, in.km_per_year, in.term_months, rate, transfer, total,
        residual_contract ? ", kalkulierter Restwert " : "", residual_contract ? residual : "",
        factor, lessor, address);
    json_object_set_new(o, "representative_text", json_string(text));
    json_object_set_new(o, "missing", json_array());
  } else {
    json_object_set_new(o, "representative_text", json_null());
    json_object_set_new(o, "missing", json_pack("[s]", lessor ? "lessor_address" : "lessor_name"));
  }
  *out = o;
  return 0;
}

/* ---- quote ---- */

static json_t *quote_json(const struct fin_input *in, const struct fin_quote *q)
{
  json_t *o = json_object();
  json_object_set_new(o, "product", json_string(products[in->product]));
  json_object_set_new(o, "net_loan_cents", json_integer(q->net_loan_cents));
  json_object_set_new(o, "credit_cents", json_integer(q->credit_cents));
  json_object_set_new(o, "monthly_installment_cents", json_integer(q->monthly_installment_cents));
  json_object_set_new(o, "final_installment_cents", json_integer(q->final_installment_cents));
  json_object_set_new(o, "installments", json_integer(q->installments));
  json_object_set_new(o, "total_interest_cents", json_integer(q->total_interest_cents));
  json_object_set_new(o, "total_payable_cents", json_integer(q->total_payable_cents));
  json_object_set_new(o, "nominal_rate_percent", json_real(in->nominal_rate_percent));
  json_object_set_new(o, "nominal_rate_display", pct_json(in->nominal_rate_percent));
  json_object_set_new(o, "apr_percent", json_real(round6(q->apr_percent)));
  json_object_set_new(o, "apr_display", pct_json(q->apr_percent));
  return o;
}

int finance_json_quote(struct arena *a, json_t *in_json, json_t **out, struct field_errors *errs,
                       struct err *e)
{
  *out = NULL;
  if (!json_is_object(in_json)) {
    field_error_add(errs, "", "type", "the body must be a JSON object");
    return -1;
  }
  json_t *pj = json_object_get(in_json, "product");
  if (json_is_string(pj) && strcmp(json_string_value(pj), "leasing") == 0)
    return lease_quote(a, in_json, out, errs, e);
  struct fin_input in = {0};
  int product = FIN_LOAN;
  bool variable = false;
  struct json_field spec[] = {
      JF_ENUM("product", &product, JF_REQUIRED, &product_enum),
      JF_I64("price_cents", &in.price_cents, JF_REQUIRED, 1, MAXC),
      JF_I64("down_payment_cents", &in.down_payment_cents, 0, 0, MAXC),
      JF_I64("trade_in_cents", &in.trade_in_cents, 0, 0, MAXC),
      JF_INT("term_months", &in.term_months, JF_REQUIRED, 1, FIN_MAX_TERM),
      JF_NUMBER("nominal_rate_percent", &in.nominal_rate_percent, JF_REQUIRED),
      JF_I64("balloon_cents", &in.balloon_cents, 0, 0, MAXC),
      JF_I64("fees_cents", &in.fees_cents, 0, 0, MAXC),
      JF_I64("financed_fees_cents", &in.financed_fees_cents, 0, 0, MAXC),
      JF_BOOL("variable_rate", &variable, 0),
      JF_END,
  };
  json_t *lender = json_object_get(in_json, "lender");
  json_t *body = lender ? without(a, in_json, "lender") : in_json;
  json_parse_fields(a, body, spec, JSON_REJECT_UNKNOWN, errs);
  in.product = product == PRODUCT_LEASING ? FIN_LOAN : product;
  struct fin_lender ld = {.variable_rate = variable};
  char *broker = NULL;
  if (lender) {
    char *name = NULL, *address = NULL;
    struct json_field lspec[] = {
        JF_STRING("name", &name, JF_REQUIRED, 1, 200),
        JF_STRING("address", &address, JF_REQUIRED, 1, 300),
        JF_STRING("broker", &broker, 0, 1, 300),
        JF_END,
    };
    struct field_errors lerrs;
    field_errors_init(&lerrs, a);
    if (!json_is_object(lender))
      field_error_add(errs, "lender", "type", "lender must be an object with name and address");
    else if (json_parse_fields(a, lender, lspec, JSON_REJECT_UNKNOWN, &lerrs) < 0)
      merge(a, errs, &lerrs, "lender.");
    ld.name = name;
    ld.address = address;
  }
  /* relations between the figures, without repeating a field that is already bad */
  struct field_errors more;
  field_errors_init(&more, a);
  fin_validate(&in, &more);
  merge(a, errs, &more, "");
  if (errs->n)
    return -1;
  struct fin_quote q;
  if (fin_quote(&in, &q, e) < 0)
    return engine_fail(errs, e);
  json_t *o = quote_json(&in, &q);
  struct fin_example ex;
  struct err te = {0};
  if (fin_example_build(&in, &q, &ld, &ex, &te) == 0) {
    ex.broker = broker;
    json_t *exj = fin_example_json(a, &ex);
    json_object_set(o, "representative_text", json_object_get(exj, "text"));
    json_object_set_new(o, "representative_example", exj);
    json_object_set_new(o, "missing", json_array());
  } else {
    json_object_set_new(o, "representative_text", json_null());
    json_object_set_new(o, "representative_example", json_null());
    json_object_set_new(o, "missing", json_pack("[s]", te.field));
  }
  *out = o;
  return 0;
}

/* ---- apr ---- */

int finance_json_apr(struct arena *a, json_t *in, json_t **out, struct field_errors *errs,
                     struct err *e)
{
  *out = NULL;
  if (!json_is_object(in)) {
    field_error_add(errs, "", "type", "the body must be a JSON object");
    return -1;
  }
  const char *key;
  json_t *val;
  json_object_foreach(in, key, val)
  {
    if (strcmp(key, "flows"))
      field_error_add(errs, key, "unknown", "unknown field %s", key);
  }
  json_t *flows = json_object_get(in, "flows");
  size_t n = json_array_size(flows);
  if (!flows)
    field_error_add(errs, "flows", "required", "flows is required");
  else if (!json_is_array(flows) || n < 2 || n > FIN_JSON_MAX_FLOWS)
    field_error_add(errs, "flows", "length", "flows must be an array of 2 to %d flows",
                    FIN_JSON_MAX_FLOWS);
  if (errs->n)
    return -1;
  struct fin_flow *f = arena_calloc(a, n, sizeof *f);
  for (size_t i = 0; i < n; i++) {
    double t = 0;
    int64_t amt = 0;
    struct json_field spec[] = {
        JF_NUMBER("t_years", &t, JF_REQUIRED),
        JF_I64("amount_cents", &amt, JF_REQUIRED, -MAXC, MAXC),
        JF_END,
    };
    struct field_errors fe;
    field_errors_init(&fe, a);
    json_parse_fields(a, json_array_get(flows, i), spec, JSON_REJECT_UNKNOWN, &fe);
    if (!field_error_get(&fe, "t_years") && !(t >= 0 && t <= FIN_MAX_FLOW_YEARS))
      field_error_add(&fe, "t_years", "range", "t_years must be between 0 and 100");
    const char *prefix = arena_printf(a, "flows[%zu].", i);
    if (fe.n && !*fe.e[0].field) /* the flow itself is not an object */
      field_error_add(errs, arena_printf(a, "flows[%zu]", i), "type", "a flow must be an object");
    else
      merge(a, errs, &fe, prefix);
    f[i] = (struct fin_flow){t, amt};
  }
  if (errs->n)
    return -1;
  double apr;
  if (fin_apr(f, n, &apr, e) < 0)
    return -1;
  *out = json_pack("{s:f,s:o}", "apr_percent", round6(apr), "apr_display", pct_json(apr));
  return 0;
}

/* ---- check ---- */

static json_t *problem(const char *code, const char *detail)
{
  return json_pack("{s:s,s:s}", "code", code, "detail", detail);
}

int finance_json_check(struct arena *a, json_t *in, json_t **out, struct field_errors *errs,
                       struct err *e)
{
  *out = NULL;
  struct fin_stated st = {.nominal_rate_percent = -1};
  double nominal = 0;
  bool has_nominal = false;
  struct json_field spec[] = {
      JF_I64("net_loan_cents", &st.net_loan_cents, JF_REQUIRED, 1, MAXC),
      JF_INT("installments", &st.installments, JF_REQUIRED, 1, FIN_MAX_TERM),
      JF_I64("installment_cents", &st.installment_cents, JF_REQUIRED, 1, MAXC),
      JF_I64("final_installment_cents", &st.final_installment_cents, 0, 1, MAXC),
      JF_I64("fees_cents", &st.fees_cents, 0, 0, MAXC),
      JF_I64("financed_fees_cents", &st.financed_fees_cents, 0, 0, MAXC),
      {"nominal_rate_percent", JF_T_NUMBER, &nominal, 0, 0, 0, NULL, &has_nominal},
      JF_NUMBER("stated_apr_percent", &st.stated_apr_percent, JF_REQUIRED),
      JF_END,
  };
  json_parse_fields(a, in, spec, JSON_REJECT_UNKNOWN, errs);
  if (has_nominal && !(nominal >= 0 && nominal <= FIN_MAX_RATE) &&
      !field_error_get(errs, "nominal_rate_percent"))
    field_error_add(errs, "nominal_rate_percent", "range", "nominal_rate_percent must be 0 to 30");
  if (has_nominal && nominal >= 0)
    st.nominal_rate_percent = nominal;
  if (errs->n)
    return -1;
  struct fin_check ck;
  if (fin_check_example(&st, &ck, e) < 0)
    return engine_fail(errs, e);
  json_t *problems = json_array();
  char stated_s[32], computed_s[32];
  fin_percent_display(st.stated_apr_percent, stated_s, sizeof stated_s);
  fin_percent_display(ck.computed_apr_percent, computed_s, sizeof computed_s);
  if (ck.apr_mismatch)
    json_array_append_new(
        problems,
        problem("apr_mismatch", arena_printf(a,
                                             "Der angegebene effektive Jahreszins von %s passt"
                                             " nicht zu den Raten: aus ihnen ergeben sich %s.",
                                             stated_s, computed_s)));
  int64_t expect = (int64_t)floor(ck.expected_installment_cents + 0.5);
  if (ck.installment_mismatch) {
    char nom_s[32], inst_s[64], exp_s[64];
    fin_percent_display(st.nominal_rate_percent, nom_s, sizeof nom_s);
    money_format(st.installment_cents, inst_s, sizeof inst_s);
    money_format(expect, exp_s, sizeof exp_s);
    json_array_append_new(problems,
                          problem("installment_mismatch",
                                  arena_printf(a,
                                               "Die Rate von %s passt nicht zum Sollzinssatz von"
                                               " %s: er ergibt eine Rate von %s.",
                                               inst_s, nom_s, exp_s)));
  }
  json_t *o = json_object();
  json_object_set_new(o, "consistent", json_boolean(ck.consistent));
  json_object_set_new(o, "computed_apr_percent", json_real(round6(ck.computed_apr_percent)));
  json_object_set_new(o, "computed_apr_display", json_string(computed_s));
  json_object_set_new(o, "stated_apr_percent", json_real(st.stated_apr_percent));
  json_object_set_new(o, "stated_apr_display", json_string(stated_s));
  json_object_set_new(o, "expected_installment_cents",
                      has_nominal ? json_integer(expect) : json_null());
  json_object_set_new(o, "problems", problems);
  *out = o;
  return 0;
}

/* ---- solve ---- */

int finance_json_solve(struct arena *a, json_t *in_json, json_t **out, struct field_errors *errs,
                       struct err *e)
{
  *out = NULL;
  static const char *const what[] = {"nominal_rate", "installment"};
  static const struct enum_def what_enum = {"solve", 2, what, what, what};
  struct fin_input in = {0};
  int product = FIN_LOAN, solve = 0;
  double target = 0;
  struct json_field spec[] = {
      JF_ENUM("solve", &solve, JF_REQUIRED, &what_enum),
      JF_NUMBER("target_apr_percent", &target, JF_REQUIRED),
      JF_ENUM("product", &product, JF_REQUIRED, &product_enum),
      JF_I64("price_cents", &in.price_cents, JF_REQUIRED, 1, MAXC),
      JF_I64("down_payment_cents", &in.down_payment_cents, 0, 0, MAXC),
      JF_I64("trade_in_cents", &in.trade_in_cents, 0, 0, MAXC),
      JF_INT("term_months", &in.term_months, JF_REQUIRED, 1, FIN_MAX_TERM),
      JF_I64("balloon_cents", &in.balloon_cents, 0, 0, MAXC),
      JF_I64("fees_cents", &in.fees_cents, 0, 0, MAXC),
      JF_I64("financed_fees_cents", &in.financed_fees_cents, 0, 0, MAXC),
      JF_END,
  };
  json_parse_fields(a, in_json, spec, JSON_REJECT_UNKNOWN, errs);
  if (product == PRODUCT_LEASING)
    field_error_add(errs, "product", "enum", "solving applies to loan and balloon");
  in.product = product == PRODUCT_LEASING ? FIN_LOAN : product;
  if (!(target >= 0 && target <= 100) && !field_error_get(errs, "target_apr_percent"))
    field_error_add(errs, "target_apr_percent", "range", "target_apr_percent must be 0 to 100");
  struct field_errors more;
  field_errors_init(&more, a);
  fin_validate(&in, &more);
  merge(a, errs, &more, "");
  if (errs->n)
    return -1;
  if (solve == 0) {
    double nominal;
    if (fin_nominal_for_apr(&in, target, &nominal, e) < 0)
      return -1;
    *out = json_pack("{s:f,s:o}", "nominal_rate_percent", round6(nominal), "nominal_rate_display",
                     pct_json(nominal));
    return 0;
  }
  int64_t inst;
  if (fin_installment_for_apr(&in, target, &inst, e) < 0)
    return -1;
  *out = json_pack("{s:I}", "monthly_installment_cents", (json_int_t)inst);
  return 0;
}
