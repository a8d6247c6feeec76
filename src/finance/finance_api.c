#include "finance/finance_api.h"
#include "site/site.h"
#include "web/web.h"

#include "app.h"
#include "core/arena.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "finance/conditions.h"
#include "finance/finance.h"
#include "finance/finance_json.h"
#include "finance/finance_text.h"
#include "inventory/vehicle_store.h"

#include <math.h>
#include <string.h>

static double round6(double x)
{
  return floor(x * 1e6 + 0.5) / 1e6;
}

/* The one way out of the JSON layer: the answer, the field list, or the engine's error
 * (all finance errors are 422: the request was well-formed but cannot be financed). */
static int answer(struct http_req *req, int rc, json_t *out, const struct field_errors *errs,
                  const struct err *e)
{
  if (rc == 0)
    return http_reply_json(req, 200, out);
  if (errs->n)
    return http_problem_fields(req, errs);
  return http_problem(req, 422, e->code ? e->code : CC24_E_INTERNAL, e->msg,
                      e->field[0] ? e->field : NULL);
}

typedef int (*json_fn)(struct arena *, json_t *, json_t **, struct field_errors *, struct err *);

static int run(struct http_req *req, json_fn fn)
{
  struct err e = {0};
  json_t *body = http_json_body(req, &e);
  if (!body)
    return http_problem_err(req, &e);
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  json_t *out = NULL;
  int rc = fn(req->a, body, &out, &errs, &e);
  return answer(req, rc, out, &errs, &e);
}

int finance_api_quote(struct http_req *req)
{
  return run(req, finance_json_quote);
}

int finance_api_apr(struct http_req *req)
{
  return run(req, finance_json_apr);
}

int finance_api_check(struct http_req *req)
{
  return run(req, finance_json_check);
}

int finance_api_solve(struct http_req *req)
{
  return run(req, finance_json_solve);
}

/* ---- bank partner conditions and vehicle examples ---- */

struct cond_arg {
  struct arena *a;
  int64_t tenant_id;
  int64_t at; /* the conditions valid at this instant (0 = now) */
  int64_t valid_from;
  struct fin_conditions c;
  int64_t version;
  int found;
  const char *vehicle_id;
  struct vehicle v;
};

static int tx_cond_load(db_conn *c, void *arg, struct err *e)
{
  struct cond_arg *x = arg;
  x->found = fin_conditions_load(c, x->a, x->tenant_id, x->at, &x->c, &x->version, e);
  if (x->found > 0)
    x->valid_from = fin_conditions_valid_from(c, x->tenant_id, x->version, e);
  return x->found < 0 ? -1 : 0;
}

/* ?at= (RFC 3339 or a date): reproduce what was shown then. 0 ok, -1 answered. */
static int parse_at(struct http_req *req, int64_t *at)
{
  const char *s = http_query(req, "at");
  *at = 0;
  if (!s)
    return 0;
  if (time_parse_iso(s, at) < 0 || *at <= 0) {
    http_problem(req, 422, CC24_E_VALIDATION,
                 "at must be an instant like 2026-11-24T06:00:00Z or a date 2026-11-24", "at");
    return -1;
  }
  return 0;
}

static void set_version(json_t *j, const struct cond_arg *x)
{
  char iso[32];
  json_object_set_new(j, "version", json_integer(x->version));
  time_iso_utc(x->valid_from, iso, sizeof iso);
  json_object_set_new(j, "valid_from", json_string(iso));
}

static int tx_cond_save(db_conn *c, void *arg, struct err *e)
{
  struct cond_arg *x = arg;
  return fin_conditions_save(c, x->a, x->tenant_id, &x->c, &x->version, e);
}

int finance_api_conditions_get(struct http_req *req)
{
  struct cond_arg x = {.a = req->a, .tenant_id = req->tenant_id};
  if (parse_at(req, &x.at) < 0)
    return 0;
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_READ, tx_cond_load, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_NOT_FOUND,
                        x.at ? "no financing conditions were valid at that time"
                             : "no financing conditions stored yet",
                        NULL);
  json_t *j = fin_conditions_to_json(&x.c);
  set_version(j, &x);
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
  web_cache_clear(); /* vehicle pages show the new example at once */
  json_t *j = fin_conditions_to_json(&x.c);
  x.valid_from = time_now();
  set_version(j, &x);
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
  x->found = fin_conditions_load(c, x->a, x->v.tenant_id, x->at, &x->c, &x->version, e);
  if (x->found > 0)
    x->valid_from = fin_conditions_valid_from(c, x->v.tenant_id, x->version, e);
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
  if (parse_at(req, &x.at) < 0)
    return 0;
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
  char iso[32];
  time_iso_utc(x.valid_from, iso, sizeof iso);
  json_object_set_new(j, "conditions_valid_from", json_string(iso));
  return http_reply_json(req, 200, j);
}
