/* finance_json.h — the financing API's JSON in and out, without HTTP (the route
 * handlers in finance_api.c are thin wrappers; tests and other callers use these
 * directly). Each function takes a parsed request body and an arena and either
 *   - returns 0 and sets *out to the answer (a new reference owned by the caller;
 *     http_reply_json steals it), or
 *   - returns -1 with errs->n > 0: the body's bad fields, each named by its path
 *     ("price_cents", "lender.address", "flows[3].t_years") → 422 CC24_E_VALIDATION, or
 *   - returns -1 with errs->n == 0 and e set: CC24_E_FINANCE_NO_SOLUTION (no rate
 *     solves the schedule) or CC24_E_FINANCE_INPUT, e->field naming the culprit → 422.
 * Every string in an answer is copied; the body is never modified.
 *
 * POST /api/v1/finance/quote — finance_json_quote
 *   in  {"product": "loan"|"balloon"|"leasing", "price_cents", "down_payment_cents",
 *        "trade_in_cents", "term_months", "nominal_rate_percent", "balloon_cents",
 *        "fees_cents" (up-front, paid at payout), "financed_fees_cents",
 *        "variable_rate": bool, "lender": {"name", "address", "broker"?}}
 *       absent amounts are 0; product, price_cents, term_months and nominal_rate_percent
 *       are required; a "lender" object, when present, needs name and address.
 *   out {"product", "net_loan_cents", "credit_cents", "monthly_installment_cents",
 *        "final_installment_cents", "installments", "total_interest_cents",
 *        "total_payable_cents", "nominal_rate_percent", "nominal_rate_display",
 *        "apr_percent" (6 decimals), "apr_display" ("3,99 %"),
 *        "representative_text", "representative_example" (struct fin_example as JSON),
 *        "missing"}
 *       Without a lender there is no ad text: representative_text and
 *       representative_example are null and "missing" holds the path of the first
 *       missing mandatory figure ("lender.name"); with one, "missing" is [].
 *   leasing in  {"product": "leasing", "price_cents" (gross list price), "term_months"
 *        (6..120), "km_per_year", "special_payment_cents", "transfer_costs_cents",
 *        "monthly_rate_cents" (the lessor's rate, taken as it is) — or, without it (or 0),
 *        "nominal_rate_percent" and "residual_value_cents" (both then required) from
 *        which the rate is derived (rates in advance, residual closes the account),
 *        "residual_value_contract": bool (Restwertleasing: the residual is shown),
 *        "lessor_name", "lessor_address"}
 *   leasing out {"product", "monthly_rate_cents", "leasing_factor" (2 decimals),
 *        "leasing_factor_display" ("0,99"), "total_cost_cents", "term_months",
 *        "km_per_year", "special_payment_cents", "transfer_costs_cents",
 *        "residual_value_cents", "effective_rate_percent" (or null),
 *        "representative_text" (null without lessor name and address), "missing"}
 *
 * POST /api/v1/finance/apr — finance_json_apr
 *   in  {"flows": [{"t_years": 0..100, "amount_cents": ±1e11}, …]} 2..1000 flows,
 *       payouts positive, repayments and fees negative
 *   out {"apr_percent", "apr_display"}; no payout, no repayment or no rate in
 *       (−99 %, 1000 %] → CC24_E_FINANCE_NO_SOLUTION, field "flows".
 *
 * POST /api/v1/finance/check — finance_json_check
 *   in  {"net_loan_cents", "installments", "installment_cents",
 *        "final_installment_cents" (default: installment_cents), "fees_cents" (t = 0),
 *        "financed_fees_cents", "nominal_rate_percent" (optional), "stated_apr_percent"}
 *   out {"consistent", "computed_apr_percent", "computed_apr_display",
 *        "stated_apr_percent", "stated_apr_display", "expected_installment_cents"
 *        (null without a Sollzins), "problems": [{"code", "detail" (German)}]}
 *       apr_mismatch: the stated APR is not the computed one rounded to two decimals
 *       (±0.01 allowed); installment_mismatch: the annuity at the stated Sollzins on
 *       net loan + financed fees differs from the stated instalment by more than
 *       2 cents or 1 ‰ (FIN_CHECK_TOLERANCE_* in finance.h; fin_check_example decides).
 *
 * POST /api/v1/finance/solve — finance_json_solve
 *   in  the quote's loan/balloon fields without the rate, plus "solve":
 *       "nominal_rate"|"installment" and "target_apr_percent" (0..100)
 *   out {"nominal_rate_percent", "nominal_rate_display"} or {"monthly_installment_cents"} */
#ifndef CC24_FINANCE_JSON_H
#define CC24_FINANCE_JSON_H

#include <jansson.h>

struct arena;
struct err;
struct field_errors;

#define FIN_JSON_MAX_FLOWS 1000

int finance_json_quote(struct arena *a, json_t *in, json_t **out, struct field_errors *errs,
                       struct err *e);
int finance_json_apr(struct arena *a, json_t *in, json_t **out, struct field_errors *errs,
                     struct err *e);
int finance_json_check(struct arena *a, json_t *in, json_t **out, struct field_errors *errs,
                       struct err *e);
int finance_json_solve(struct arena *a, json_t *in, json_t **out, struct field_errors *errs,
                       struct err *e);

#endif
