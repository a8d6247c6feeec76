/* The financing engine: the analytic check, properties over random inputs,
 * edge cases, impossible input, APR for irregular schedules, display. */
#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "finance/finance.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct fin_input loan(int64_t amount, int months, double rate)
{
  struct fin_input in = {.product = FIN_LOAN,
                         .price_cents = amount,
                         .term_months = months,
                         .nominal_rate_percent = rate};
  return in;
}

Test(finance, analytic_check)
{
  struct fin_quote q;
  struct err e = {0};
  struct fin_input in = loan(1000000, 36, 5.0);
  cr_assert_eq(fin_quote(&in, &q, &e), 0);
  cr_assert_eq(q.monthly_installment_cents, 29971);
  cr_assert_float_eq(q.apr_percent, (pow(1 + 0.05 / 12, 12) - 1) * 100, 1e-6);
  cr_assert_float_eq(q.apr_percent, 5.116190, 1e-6);
  char s[16];
  fin_percent_display(q.apr_percent, s, sizeof s);
  cr_assert_str_eq(s, "5,12 %");
}

Test(finance, zero_percent_and_extreme_terms)
{
  struct fin_quote q;
  struct err e = {0};
  struct fin_input in = loan(1200000, 12, 0);
  cr_assert_eq(fin_quote(&in, &q, &e), 0);
  cr_assert_eq(q.monthly_installment_cents, 100000);
  cr_assert_eq(q.total_interest_cents, 0);
  cr_assert_float_eq(q.apr_percent, 0.0, 1e-9);
  in = loan(100, 1, 9.9);
  cr_assert_eq(fin_quote(&in, &q, &e), 0, "1 euro over 1 month");
  cr_assert_eq(q.installments, 1);
  in = loan(1000000000, 120, 29.9);
  cr_assert_eq(fin_quote(&in, &q, &e), 0, "10 million over 10 years at 29.9 %%");
  cr_assert(isfinite(q.apr_percent) && q.apr_percent > 29.9);
  in = loan(1000000, 120, 0.01);
  cr_assert_eq(fin_quote(&in, &q, &e), 0);
  struct fin_input b = {.product = FIN_BALLOON,
                        .price_cents = 3000000,
                        .term_months = 48,
                        .nominal_rate_percent = 4.9,
                        .balloon_cents = 2999000};
  cr_assert_eq(fin_quote(&b, &q, &e), 0, "balloon close to the amount");
  cr_assert_gt(q.monthly_installment_cents, 0);
}

Test(finance, impossible_input_is_refused_with_the_field)
{
  struct arena *a = arena_new(0);
  struct fin_input bad[] = {
      loan(-1, 36, 5),       loan(1000000, 0, 5),   loan(1000000, 121, 5),
      loan(1000000, 36, -1), loan(1000000, 36, 31), loan(1000000, 36, NAN),
  };
  const char *fields[] = {"price_cents",          "term_months",          "term_months",
                          "nominal_rate_percent", "nominal_rate_percent", "nominal_rate_percent"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct field_errors errs;
    field_errors_init(&errs, a);
    cr_assert_eq(fin_validate(&bad[i], &errs), -1);
    cr_assert_not_null(field_error_get(&errs, fields[i]), "case %zu", i);
    struct fin_quote q;
    struct err e = {0};
    cr_assert_eq(fin_quote(&bad[i], &q, &e), -1);
    cr_assert_eq(e.code, CC24_E_FINANCE_INPUT);
  }
  struct fin_input b = {.product = FIN_BALLOON,
                        .price_cents = 1000000,
                        .term_months = 36,
                        .nominal_rate_percent = 5,
                        .balloon_cents = 1000000};
  struct field_errors errs;
  field_errors_init(&errs, a);
  cr_assert_eq(fin_validate(&b, &errs), -1, "balloon >= credit");
  cr_assert_not_null(field_error_get(&errs, "balloon_cents"));
  struct fin_input d = loan(1000000, 36, 5);
  d.down_payment_cents = 1000000;
  field_errors_init(&errs, a);
  cr_assert_eq(fin_validate(&d, &errs), -1, "down payment >= price");
  arena_free(a);
}

Test(finance, properties_over_random_inputs)
{
  srand(24);
  int checked = 0;
  for (int k = 0; k < 3000; k++) {
    struct fin_input in =
        loan(100000 + rand() % 10000000, 6 + rand() % 115, (rand() % 1500) / 100.0);
    struct fin_quote base, q;
    struct err e = {0};
    cr_assert_eq(fin_quote(&in, &base, &e), 0);
    cr_assert(isfinite(base.apr_percent));
    double i = in.nominal_rate_percent / 1200;
    /* no fees: APR is the effective nominal rate (up to the cent rounding of instalments) */
    cr_assert(fabs(base.apr_percent - (pow(1 + i, 12) - 1) * 100) < 0.02, "%f vs %f",
              base.apr_percent, (pow(1 + i, 12) - 1) * 100);
    /* fees raise the APR above the nominal rate, and more fees raise it more */
    struct fin_input f1 = in, f2 = in;
    f1.fees_cents = 5000;
    f2.fees_cents = 20000;
    struct fin_quote q1, q2;
    cr_assert_eq(fin_quote(&f1, &q1, &e), 0);
    cr_assert_eq(fin_quote(&f2, &q2, &e), 0);
    cr_assert_geq(q1.apr_percent, in.nominal_rate_percent);
    cr_assert_gt(q2.apr_percent, q1.apr_percent);
    /* a higher rate gives a higher APR */
    struct fin_input r = in;
    r.nominal_rate_percent += 0.5;
    cr_assert_eq(fin_quote(&r, &q, &e), 0);
    cr_assert_gt(q.apr_percent, base.apr_percent);
    /* the schedule amortises exactly: instalments pay credit plus interest */
    cr_assert_eq((base.installments - 1) * base.monthly_installment_cents +
                     base.final_installment_cents,
                 base.credit_cents + base.total_interest_cents);
    checked++;
  }
  cr_assert_eq(checked, 3000);
}

Test(finance, apr_of_irregular_schedules)
{
  /* 1,000 € now, 1,200 € back after 1.5 years: (1+X)^1.5 = 1.2 */
  struct fin_flow f[] = {{0, 100000}, {1.5, -120000}};
  double apr;
  struct err e = {0};
  cr_assert_eq(fin_apr(f, 2, &apr, &e), 0);
  cr_assert_float_eq(apr, (pow(1.2, 1 / 1.5) - 1) * 100, 1e-8);
  /* two payouts, a fee on day 0, days/365 */
  struct fin_flow g[] = {{0, 50000}, {0, -1000}, {30 / 365.0, 50000}, {1, -55000}, {2, -52000}};
  cr_assert_eq(fin_apr(g, 5, &apr, &e), 0);
  cr_assert(apr > 0 && apr < 20);
  struct fin_flow none[] = {{0, 100000}, {1, 50000}};
  cr_assert_eq(fin_apr(none, 2, &apr, &e), -1);
  cr_assert_eq(e.code, CC24_E_FINANCE_NO_SOLUTION);
  struct fin_flow neg[] = {{-1, 100000}, {1, -50000}};
  cr_assert_eq(fin_apr(neg, 2, &apr, &e), -1);
}

Test(finance, display_rounding)
{
  char s[16];
  fin_percent_display(3.994999, s, sizeof s);
  cr_assert_str_eq(s, "3,99 %");
  fin_percent_display(3.995, s, sizeof s);
  cr_assert_str_eq(s, "4,00 %");
  fin_percent_display(0, s, sizeof s);
  cr_assert_str_eq(s, "0,00 %");
  fin_percent_display(13.690717, s, sizeof s);
  cr_assert_str_eq(s, "13,69 %");
}

Test(finance, monthly_fast_path_equals_the_general_solver)
{
  srand(7);
  for (int k = 0; k < 500; k++) {
    int n = 1 + rand() % 120;
    double payout = 100000 + rand() % 5000000;
    double a = payout / n * (1.0 + (rand() % 300) / 1000.0);
    double f = k % 2 ? a : a + rand() % 1000000;
    struct fin_flow fl[121];
    fl[0] = (struct fin_flow){0, (int64_t)payout};
    for (int m = 1; m <= n; m++)
      fl[m] = (struct fin_flow){m / 12.0, -(int64_t)(m < n ? a : f)};
    double x1, x2;
    struct err e = {0};
    int r1 = fin_apr(fl, (size_t)n + 1, &x1, &e);
    int r2 = fin_apr_monthly(payout, (double)(int64_t)a, (double)(int64_t)f, n, &x2, &e);
    /* the general solver searches -99 % .. 1000 %, the monthly one a wider range */
    if (r1 == 0) {
      cr_assert_eq(r2, 0);
      cr_assert(fabs(x1 - x2) < 1e-6, "n=%d: %.9f vs %.9f", n, x1, x2);
    }
  }
}

Test(finance, leasing_rate_factor_and_total)
{
  struct fin_lease_input in = {.price_cents = 4000000,
                               .special_payment_cents = 300000,
                               .term_months = 36,
                               .km_per_year = 10000,
                               .residual_value_cents = 2200000,
                               .transfer_costs_cents = 99000,
                               .nominal_rate_percent = 3.9};
  struct fin_lease_quote q;
  struct err e = {0};
  cr_assert_eq(fin_lease_quote(&in, &q, NULL, &e), 0, "%s", e.msg);
  /* the account closes: PV of rates in advance + residual = price − special payment */
  double i = 3.9 / 1200, v = 1 / (1 + i), pv = 0;
  for (int m = 0; m < 36; m++)
    pv += q.monthly_rate_cents * pow(v, m);
  pv += 2200000 * pow(v, 36);
  cr_assert(fabs(pv - 3700000) < 36, "pv %f", pv);
  cr_assert_float_eq(q.leasing_factor, q.monthly_rate_cents / 40000.0, 1e-9);
  cr_assert_eq(q.total_cost_cents, 300000 + 36 * q.monthly_rate_cents + 99000);
  in.monthly_rate_cents = 39900;
  cr_assert_eq(fin_lease_quote(&in, &q, NULL, &e), 0);
  cr_assert_eq(q.monthly_rate_cents, 39900, "a lessor's stated rate is taken as it is");
  cr_assert_float_eq(q.leasing_factor, 0.9975, 1e-9);
  in.residual_value_cents = 4000000;
  cr_assert_eq(fin_lease_quote(&in, &q, NULL, &e), -1);
}

Test(finance, inverses_round_trip)
{
  struct fin_input in = {.product = FIN_LOAN,
                         .price_cents = 2500000,
                         .down_payment_cents = 500000,
                         .term_months = 48,
                         .nominal_rate_percent = 4.49,
                         .fees_cents = 9900};
  struct fin_quote q;
  struct err e = {0};
  cr_assert_eq(fin_quote(&in, &q, &e), 0);
  double nominal;
  cr_assert_eq(fin_nominal_for_apr(&in, q.apr_percent, &nominal, &e), 0, "%s", e.msg);
  cr_assert(fabs(nominal - 4.49) < 0.005, "rate → APR → rate: %f", nominal);
  int64_t a;
  cr_assert_eq(fin_installment_for_apr(&in, q.apr_percent, &a, &e), 0);
  cr_assert(llabs(a - q.monthly_installment_cents) <= 1, "%lld vs %lld", (long long)a,
            (long long)q.monthly_installment_cents);
  struct fin_input b = in;
  b.product = FIN_BALLOON;
  b.balloon_cents = 800000;
  cr_assert_eq(fin_quote(&b, &q, &e), 0);
  cr_assert_eq(fin_installment_for_apr(&b, q.apr_percent, &a, &e), 0);
  cr_assert(llabs(a - q.monthly_installment_cents) <= 1);
  cr_assert_eq(fin_nominal_for_apr(&in, 95.0, &nominal, &e), -1, "needs more than 30 %%");
  cr_assert_eq(fin_nominal_for_apr(&in, 0.1, &nominal, &e), -1, "fees alone exceed it");
}
