/* The financing engine: the analytic check, properties over random inputs (fixed
 * seeds), edge cases, impossible input, APR for irregular schedules (with the EU
 * directive's worked examples), display, leasing, inverses, the representative
 * example, the JSON layer, the ad consistency check and bank conditions. */
#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "core/money.h"
#include "finance/conditions.h"
#include "finance/finance.h"
#include "finance/finance_json.h"
#include "finance/finance_text.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
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

static struct fin_input balloon(int64_t amount, int months, double rate, int64_t b)
{
  struct fin_input in = loan(amount, months, rate);
  in.product = FIN_BALLOON;
  in.balloon_cents = b;
  return in;
}

/* Deterministic generator (xorshift64*), independent of the C library's rand(). */
static uint64_t rng_state = 24;
static uint64_t rnd(void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ULL;
}
static int64_t rnd_range(int64_t lo, int64_t hi) /* inclusive */
{
  return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static double effective_nominal(double rate_percent)
{
  return expm1(12 * log1p(rate_percent / 1200)) * 100;
}

/* ---- the analytic check and edge cases ---- */

Test(finance, analytic_check)
{
  struct fin_quote q;
  struct err e = {0};
  struct fin_input in = loan(1000000, 36, 5.0);
  cr_assert_eq(fin_quote(&in, &q, &e), 0);
  cr_assert_eq(q.monthly_installment_cents, 29971);
  cr_assert_float_eq(q.apr_percent, (pow(1 + 0.05 / 12, 12) - 1) * 100, 1e-6);
  cr_assert_float_eq(q.apr_percent, 5.116190, 1e-6);
  cr_assert_eq(q.net_loan_cents, 1000000);
  cr_assert_eq(q.installments, 36);
  cr_assert_eq(q.total_payable_cents, 35 * 29971 + q.final_installment_cents);
  char s[32];
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
  cr_assert_eq(q.apr_percent, 0.0, "exactly zero, not a solver's residue");
  char s[32];
  fin_percent_display(q.apr_percent, s, sizeof s);
  cr_assert_str_eq(s, "0,00 %");
  /* 0 % with an amount that does not divide: the last instalment takes the cents */
  in = loan(1000000, 36, 0);
  cr_assert_eq(fin_quote(&in, &q, &e), 0);
  cr_assert_eq(q.monthly_installment_cents, 27778);
  cr_assert_eq(q.final_installment_cents, 1000000 - 35 * 27778);
  cr_assert_eq(q.apr_percent, 0.0);
  /* 0 % Sollzins but financed fees: the APR is positive */
  in.financed_fees_cents = 20000;
  cr_assert_eq(fin_quote(&in, &q, &e), 0);
  cr_assert_gt(q.apr_percent, 1.0);
  /* 1 € over 1 month, 1 € over 12 months */
  in = loan(100, 1, 9.9);
  cr_assert_eq(fin_quote(&in, &q, &e), 0, "1 euro over 1 month");
  cr_assert_eq(q.installments, 1);
  cr_assert_eq(q.final_installment_cents, 101);
  cr_assert(isfinite(q.apr_percent));
  in = loan(100, 12, 5);
  cr_assert_eq(fin_quote(&in, &q, &e), 0, "1 euro over 12 months");
  cr_assert_eq(q.monthly_installment_cents * 11 + q.final_installment_cents, q.total_payable_cents);
  /* 1 € over 120 months at 0 % cannot be paid in whole cents: refused, naming the term */
  in = loan(100, 120, 0);
  cr_assert_eq(fin_quote(&in, &q, &e), -1);
  cr_assert_str_eq(e.field, "term_months");
  /* 10 M€ over 10 years at 29.9 %, and at 0.01 % */
  in = loan(1000000000, 120, 29.9);
  cr_assert_eq(fin_quote(&in, &q, &e), 0, "10 million over 10 years at 29.9 %%");
  cr_assert(isfinite(q.apr_percent) && q.apr_percent > 29.9);
  cr_assert(fabs(q.apr_percent - effective_nominal(29.9)) < 1e-6, "%.9f", q.apr_percent);
  in = loan(1000000000, 120, 0.01);
  cr_assert_eq(fin_quote(&in, &q, &e), 0);
  cr_assert(fabs(q.apr_percent - effective_nominal(0.01)) < 1e-6);
  /* very short and very long terms */
  in = loan(2000000, 1, 4.9);
  cr_assert_eq(fin_quote(&in, &q, &e), 0);
  cr_assert_eq(q.final_installment_cents, 2000000 + 8167); /* one month's interest */
  in = loan(2000000, 120, 4.9);
  cr_assert_eq(fin_quote(&in, &q, &e), 0);
  cr_assert_eq(q.installments, 120);
  /* balloon close to the amount: small instalments, the balloon carries the rest */
  struct fin_input b = balloon(3000000, 48, 4.9, 2999000);
  cr_assert_eq(fin_quote(&b, &q, &e), 0, "balloon close to the amount");
  cr_assert_gt(q.monthly_installment_cents, 0);
  cr_assert(llabs(q.final_installment_cents - 2999000) < 100);
  b = balloon(3000000, 48, 4.9, 2999999);
  cr_assert_eq(fin_quote(&b, &q, &e), 0, "balloon one cent below the credit");
}

Test(finance, impossible_input_is_refused_with_the_field)
{
  struct arena *a = arena_new(0);
  struct fin_input d1 = loan(1000000, 36, 5), d2 = d1, d3 = d1, d4 = d1, d5 = d1, d6 = d1, d7 = d1,
                   d8 = d1, d9 = d1;
  d1.down_payment_cents = 1000000;    /* down payment = price */
  d2.down_payment_cents = 600000;     /* down payment + trade-in = price */
  d2.trade_in_cents = 400000;         /* (names the trade-in) */
  d3.fees_cents = 1000000;            /* up-front fees = net loan */
  d4.balloon_cents = 5000;            /* a plain loan has no balloon */
  d5.price_cents = FIN_MAX_CENTS + 1; /* overflow-sized */
  d6.financed_fees_cents = -1;        /* negative */
  d7.nominal_rate_percent = INFINITY; /* not finite */
  d8.product = 7;                     /* unknown product */
  d9.down_payment_cents = INT64_MAX;  /* overflow in price − down */
  struct fin_input b1 = balloon(1000000, 36, 5, 1000000), b2 = balloon(1000000, 1, 5, 1000),
                   b3 = balloon(1000000, 36, 5, 0);
  struct {
    struct fin_input in;
    const char *field;
  } bad[] = {
      {loan(-1, 36, 5), "price_cents"},
      {loan(0, 36, 5), "price_cents"},
      {loan(1000000, 0, 5), "term_months"},
      {loan(1000000, 121, 5), "term_months"},
      {loan(1000000, 36, -1), "nominal_rate_percent"},
      {loan(1000000, 36, 31), "nominal_rate_percent"},
      {loan(1000000, 36, NAN), "nominal_rate_percent"},
      {d1, "down_payment_cents"},
      {d2, "trade_in_cents"},
      {d3, "fees_cents"},
      {d4, "balloon_cents"},
      {d5, "price_cents"},
      {d6, "financed_fees_cents"},
      {d7, "nominal_rate_percent"},
      {d8, "product"},
      {d9, "down_payment_cents"},
      {b1, "balloon_cents"},
      {b2, "term_months"},
      {b3, "balloon_cents"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct field_errors errs;
    field_errors_init(&errs, a);
    cr_assert_eq(fin_validate(&bad[i].in, &errs), -1, "case %zu", i);
    cr_assert_not_null(field_error_get(&errs, bad[i].field), "case %zu: %s", i, bad[i].field);
    struct fin_quote q;
    struct err e = {0};
    cr_assert_eq(fin_quote(&bad[i].in, &q, &e), -1, "case %zu", i);
    cr_assert_eq(e.code, CC24_E_FINANCE_INPUT);
    cr_assert_str_eq(e.field, bad[i].field, "case %zu", i);
    cr_assert_eq(q.apr_percent, 0, "nothing half-computed is left behind");
  }
  arena_free(a);
}

/* ---- properties ---- */

Test(finance, properties_over_random_inputs)
{
  rng_state = 24;
  int checked = 0, props = 0;
  double worst_dev = 0;
  for (int k = 0; k < 3000; k++) {
    struct fin_input in = loan(rnd_range(100000, 10000000), (int)rnd_range(6, 120),
                               (double)rnd_range(1, 1500) / 100.0);
    struct fin_quote base, q;
    struct err e = {0};
    cr_assert_eq(fin_quote(&in, &base, &e), 0, "%s", e.msg);
    cr_assert(isfinite(base.apr_percent));
    /* no fees: APR = (1+i/12)^12 − 1 up to the half cent the last instalment is rounded
     * by, which moves the APR by about 0.5 / (credit × mean term in years) */
    double dev = fabs(base.apr_percent - effective_nominal(in.nominal_rate_percent));
    double bound = 2 * 0.5 / ((double)in.price_cents * in.term_months / 24.0) * 100;
    worst_dev = fmax(worst_dev, dev / bound);
    cr_assert(dev < bound, "%f vs %f", base.apr_percent,
              effective_nominal(in.nominal_rate_percent));
    /* fees raise the APR above the nominal rate, and more fees raise it more */
    struct fin_input f1 = in, f2 = in, f3 = in;
    f1.fees_cents = 5000;
    f2.fees_cents = 20000;
    f3.financed_fees_cents = 5000;
    struct fin_quote q1, q2, q3;
    cr_assert_eq(fin_quote(&f1, &q1, &e), 0);
    cr_assert_eq(fin_quote(&f2, &q2, &e), 0);
    cr_assert_eq(fin_quote(&f3, &q3, &e), 0);
    cr_assert_geq(q1.apr_percent, in.nominal_rate_percent);
    cr_assert_gt(q1.apr_percent, base.apr_percent);
    cr_assert_gt(q2.apr_percent, q1.apr_percent);
    cr_assert_gt(q3.apr_percent, base.apr_percent, "financed fees cost too");
    /* a higher rate gives a higher APR (a tiny step at least not a lower one) */
    struct fin_input r = in;
    r.nominal_rate_percent += 0.5;
    cr_assert_eq(fin_quote(&r, &q, &e), 0);
    cr_assert_gt(q.apr_percent, base.apr_percent);
    r.nominal_rate_percent = in.nominal_rate_percent + 0.001;
    cr_assert_eq(fin_quote(&r, &q, &e), 0);
    cr_assert_geq(q.apr_percent, base.apr_percent - 1e-9);
    /* the schedule amortises exactly: instalments pay credit plus interest */
    cr_assert_eq((base.installments - 1) * base.monthly_installment_cents +
                     base.final_installment_cents,
                 base.credit_cents + base.total_interest_cents);
    cr_assert_eq(f1.fees_cents + (q1.installments - 1) * q1.monthly_installment_cents +
                     q1.final_installment_cents,
                 q1.total_payable_cents);
    /* the last instalment differs from the others by the rounding residue only: at most
     * half a cent per instalment, compounded to the last month */
    double i = in.nominal_rate_percent / 1200, n = base.installments;
    double grown = i == 0 ? n - 1 : (pow(1 + i, n) - (1 + i)) / i;
    cr_assert(llabs(base.final_installment_cents - base.monthly_installment_cents) <=
                  (int64_t)(0.5 * grown) + 1,
              "%lld vs %lld", (long long)base.final_installment_cents,
              (long long)base.monthly_installment_cents);
    props += 11;
    checked++;
  }
  cr_log_info("%d random loans, %d property checks; APR − (1+i/12)^12+1 used at most %.0f %% of"
              " its rounding bound",
              checked, props, worst_dev * 100);
  cr_assert_eq(checked, 3000);
}

Test(finance, round_trips_rate_installment_apr_rate)
{
  rng_state = 7;
  int n = 0;
  for (int k = 0; k < 1000; k++) {
    bool is_balloon = k % 3 == 0;
    int64_t price = rnd_range(200000, 8000000);
    int term = (int)rnd_range(12, 96);
    double rate = (double)rnd_range(0, 1490) / 100.0;
    struct fin_input in = is_balloon ? balloon(price, term, rate, price * rnd_range(10, 50) / 100)
                                     : loan(price, term, rate);
    in.fees_cents = rnd_range(0, 1) ? rnd_range(0, 30000) : 0;
    in.down_payment_cents = price * rnd_range(0, 30) / 100;
    if (in.fees_cents >= price - in.down_payment_cents ||
        in.balloon_cents >= price - in.down_payment_cents)
      continue;
    struct fin_quote q, q2;
    struct err e = {0};
    cr_assert_eq(fin_quote(&in, &q, &e), 0, "%s", e.msg);
    /* APR → Sollzins: the recovered rate gives the same instalment (±1 cent) */
    double nominal;
    cr_assert_eq(fin_nominal_for_apr(&in, q.apr_percent, &nominal, &e), 0, "%s", e.msg);
    struct fin_input back = in;
    back.nominal_rate_percent = nominal;
    cr_assert_eq(fin_quote(&back, &q2, &e), 0);
    cr_assert(llabs(q2.monthly_installment_cents - q.monthly_installment_cents) <= 1,
              "rate %f → %f: %lld vs %lld", rate, nominal, (long long)q2.monthly_installment_cents,
              (long long)q.monthly_installment_cents);
    cr_assert(fabs(nominal - rate) < 0.02, "rate %f → APR %f → %f", rate, q.apr_percent, nominal);
    /* APR → instalment: the instalment for the APR is the quote's (±1 cent) */
    int64_t inst;
    cr_assert_eq(fin_installment_for_apr(&in, q.apr_percent, &inst, &e), 0, "%s", e.msg);
    cr_assert(llabs(inst - q.monthly_installment_cents) <= 1, "%lld vs %lld", (long long)inst,
              (long long)q.monthly_installment_cents);
    n++;
  }
  cr_log_info("%d rate → APR → rate and APR → instalment round trips", n);
  cr_assert_gt(n, 900);
}

Test(finance, random_balloons)
{
  rng_state = 99;
  for (int k = 0; k < 2000; k++) {
    int64_t price = rnd_range(100000, 20000000);
    int term = (int)rnd_range(2, 120);
    struct fin_input in =
        balloon(price, term, (double)rnd_range(0, 2000) / 100.0, rnd_range(1, price - 1));
    struct fin_quote q;
    struct err e = {0};
    int rc = fin_quote(&in, &q, &e);
    if (rc < 0) { /* only a balloon so large that instalments round to nothing */
      cr_assert_str_eq(e.field, "balloon_cents", "%s", e.msg);
      continue;
    }
    cr_assert(isfinite(q.apr_percent));
    cr_assert_gt(q.monthly_installment_cents, 0);
    cr_assert_eq(q.installments, term);
    /* the final payment is the balloon plus at most the instalments' rounding residue */
    cr_assert(llabs(q.final_installment_cents - in.balloon_cents) <= term * 2,
              "final %lld balloon %lld", (long long)q.final_installment_cents,
              (long long)in.balloon_cents);
    cr_assert(fabs(q.apr_percent - effective_nominal(in.nominal_rate_percent)) < 0.05);
  }
}

/* Nothing the engine is given — NaN, infinities, INT64 extremes, garbage — yields a
 * NaN, a crash or a hang: either an answer with finite figures or an error with a field. */
Test(finance, no_nan_ever)
{
  rng_state = 4242;
  static const double rates[] = {NAN, INFINITY, -INFINITY, -0.0, 0, 1e-300, 30, 30.0000001, 1e308};
  static const int64_t amounts[] = {INT64_MIN,         -1,       0, 1, 99, 100, FIN_MAX_CENTS,
                                    FIN_MAX_CENTS + 1, INT64_MAX};
  int ok = 0, refused = 0;
  for (int k = 0; k < 20000; k++) {
    struct fin_input in = {
        .product = (int)rnd_range(-1, 2),
        .price_cents = rnd() % 2 ? amounts[rnd() % 9] : rnd_range(1, 2000000000),
        .down_payment_cents =
            rnd() % 3 ? 0 : (rnd() % 2 ? amounts[rnd() % 9] : rnd_range(0, 100000000)),
        .trade_in_cents = rnd() % 5 ? 0 : amounts[rnd() % 9],
        .term_months = (int)rnd_range(-2, 130),
        .nominal_rate_percent = rnd() % 4 ? (double)rnd_range(0, 3100) / 100 : rates[rnd() % 9],
        .balloon_cents =
            rnd() % 2 ? 0 : (rnd() % 2 ? amounts[rnd() % 9] : rnd_range(0, 1000000000)),
        .fees_cents = rnd() % 2 ? 0 : (rnd() % 2 ? amounts[rnd() % 9] : rnd_range(0, 1000000)),
        .financed_fees_cents = rnd() % 2 ? 0 : amounts[rnd() % 9],
    };
    struct fin_quote q;
    struct err e = {0};
    if (fin_quote(&in, &q, &e) == 0) {
      cr_assert(isfinite(q.apr_percent) && q.apr_percent > -100 && q.apr_percent < 1e6);
      cr_assert(q.monthly_installment_cents > 0 && q.final_installment_cents > 0);
      ok++;
    } else {
      cr_assert(e.field[0], "every refusal names a field: %s", e.msg);
      cr_assert_eq(q.apr_percent, 0);
      refused++;
    }
  }
  /* random schedules for the general solver */
  for (int k = 0; k < 3000; k++) {
    struct fin_flow f[8];
    size_t n = (size_t)rnd_range(1, 8);
    for (size_t i = 0; i < n; i++)
      f[i] = (struct fin_flow){rnd() % 10 ? (double)rnd_range(0, 1200) / 12.0 : rates[rnd() % 9],
                               rnd_range(-1000000, 1000000)};
    double apr = NAN;
    struct err e = {0};
    if (fin_apr(f, n, &apr, &e) == 0)
      cr_assert(isfinite(apr) && apr >= -99 && apr <= 1000, "%f", apr);
    else
      cr_assert(e.code == CC24_E_FINANCE_INPUT || e.code == CC24_E_FINANCE_NO_SOLUTION);
  }
  cr_log_info("garbage inputs: %d quoted, %d refused with a field", ok, refused);
}

/* ---- APR of any schedule ---- */

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
  double v, s = 0;
  for (int i = 0; i < 5; i++)
    s += g[i].amount_cents * pow(1 + apr / 100, -g[i].t_years);
  v = fabs(s);
  cr_assert(v < 1e-6, "the NPV at the APR is zero: %g", v);
  /* paying back exactly the payout: 0 % */
  struct fin_flow z[] = {{0, 100000}, {0.5, -50000}, {1, -50000}};
  cr_assert_eq(fin_apr(z, 3, &apr, &e), 0);
  cr_assert_eq(apr, 0.0);
  struct fin_flow none[] = {{0, 100000}, {1, 50000}};
  cr_assert_eq(fin_apr(none, 2, &apr, &e), -1);
  cr_assert_eq(e.code, CC24_E_FINANCE_NO_SOLUTION);
  struct fin_flow neg[] = {{-1, 100000}, {1, -50000}};
  cr_assert_eq(fin_apr(neg, 2, &apr, &e), -1);
  cr_assert_eq(e.code, CC24_E_FINANCE_INPUT);
  /* 10 € back for 1,000 € lent: below −99 %: no solution rather than a wild number */
  struct fin_flow tiny[] = {{0, 100000}, {1, -1000}};
  cr_assert_eq(fin_apr(tiny, 2, &apr, &e), -1);
  cr_assert_eq(e.code, CC24_E_FINANCE_NO_SOLUTION);
}

/* Worked examples of the APR annex of Directive 98/7/EC (amending 87/102/EEC),
 * the same equation Annex I of 2008/48/EC keeps; intervals in days/365.
 * Expected values as published there (rounded), checked to the shown decimals.
 * Source: Annex III "Examples of calculation" of COM(1996)79 / Directive 98/7/EC
 * (first example: 1,000 lent, 1,200 repaid after 546 days, "12,96 %"; second: the
 * creditor retains 50 for expenses, so 950 are lent against the same repayment). */
Test(finance, eu_annex_worked_examples)
{
  struct err e = {0};
  double apr;
  char s[32];
  /* 1,000 € lent, 1,200 € repaid once after 546 days: X = 0.1296204 (12.96 %) */
  struct fin_flow ex1[] = {{0, 100000}, {546 / 365.0, -120000}};
  cr_assert_eq(fin_apr(ex1, 2, &apr, &e), 0);
  cr_assert(fabs(apr - 12.96204) < 0.00001, "%f", apr);
  fin_percent_display(apr, s, sizeof s);
  cr_assert_str_eq(s, "12,96 %");
  /* second example: 950 € paid out, 1,200 € after 546 days: (1200/950)^(365/546) − 1 */
  struct fin_flow ex2[] = {{0, 100000}, {0, -5000}, {546 / 365.0, -120000}};
  cr_assert_eq(fin_apr(ex2, 3, &apr, &e), 0);
  cr_assert(fabs(apr - (pow(1200.0 / 950.0, 365.0 / 546.0) - 1) * 100) < 1e-8, "%f", apr);
  fin_percent_display(apr, s, sizeof s);
  cr_assert_str_eq(s, "16,90 %");
  /* 1,000 € lent, two repayments of 600 € after one and two years: X = 0.1306624 (13.07 %) */
  struct fin_flow ex3[] = {{0, 100000}, {1, -60000}, {2, -60000}};
  cr_assert_eq(fin_apr(ex3, 3, &apr, &e), 0);
  cr_assert(fabs(apr - 13.06624) < 0.00001, "%f", apr);
  /* 1,000 € lent; 272 € after 90 days, 272 € after 181 days, 544 € after 365 days:
   * X = 0.13226 (13.23 %) */
  struct fin_flow ex4[] = {{0, 100000}, {90 / 365.0, -27200}, {181 / 365.0, -27200}, {1, -54400}};
  cr_assert_eq(fin_apr(ex4, 4, &apr, &e), 0);
  cr_assert(fabs(apr - 13.226) < 0.001, "%f", apr);
  fin_percent_display(apr, s, sizeof s);
  cr_assert_str_eq(s, "13,23 %");
}

Test(finance, display_rounding)
{
  char s[32];
  fin_percent_display(3.994999, s, sizeof s);
  cr_assert_str_eq(s, "3,99 %");
  fin_percent_display(3.995, s, sizeof s); /* stored as 3.99499999…: still a half */
  cr_assert_str_eq(s, "4,00 %");
  fin_percent_display(0, s, sizeof s);
  cr_assert_str_eq(s, "0,00 %");
  fin_percent_display(-0.000001, s, sizeof s);
  cr_assert_str_eq(s, "0,00 %", "no negative zero");
  fin_percent_display(13.690717, s, sizeof s);
  cr_assert_str_eq(s, "13,69 %");
  fin_percent_display(123.456, s, sizeof s);
  cr_assert_str_eq(s, "123,46 %");
  fin_percent_display(-1.235, s, sizeof s);
  cr_assert_str_eq(s, "-1,24 %", "half away from zero");
  fin_percent_display(NAN, s, sizeof s);
  cr_assert_str_eq(s, "–");
  cr_assert_float_eq(fin_percent_round2(4.0649999), 4.06, 1e-12);
  cr_assert_float_eq(fin_percent_round2(4.065), 4.07, 1e-12);
}

Test(finance, monthly_fast_path_equals_the_general_solver)
{
  rng_state = 7;
  int compared = 0;
  for (int k = 0; k < 500; k++) {
    int n = (int)rnd_range(1, 120);
    double payout = (double)rnd_range(100000, 5100000);
    double a = floor(payout / n * (1.0 + (double)rnd_range(0, 300) / 1000.0));
    double f = k % 2 ? a : a + (double)rnd_range(0, 1000000);
    struct fin_flow fl[121];
    fl[0] = (struct fin_flow){0, (int64_t)payout};
    for (int m = 1; m <= n; m++)
      fl[m] = (struct fin_flow){m / 12.0, -(int64_t)(m < n ? a : f)};
    double x1, x2;
    struct err e = {0};
    int r1 = fin_apr(fl, (size_t)n + 1, &x1, &e);
    int r2 = fin_apr_monthly(payout, a, f, n, &x2, &e);
    /* the general solver searches -99 % .. 1000 %, the monthly one a wider range */
    if (r1 == 0) {
      cr_assert_eq(r2, 0);
      cr_assert(fabs(x1 - x2) < 1e-7, "n=%d: %.10f vs %.10f", n, x1, x2);
      compared++;
    }
  }
  cr_assert_gt(compared, 400);
}

/* ---- leasing ---- */

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
  /* the implied rate of a derived rate is the money rate, effectively */
  cr_assert(fabs(q.effective_rate_percent - effective_nominal(3.9)) < 0.01, "%f",
            q.effective_rate_percent);
  /* a lessor's stated rate is taken as it is; the factor 0.9975 shows as 1,00 (half-up) */
  in.monthly_rate_cents = 39900;
  cr_assert_eq(fin_lease_quote(&in, &q, NULL, &e), 0);
  cr_assert_eq(q.monthly_rate_cents, 39900);
  cr_assert_float_eq(q.leasing_factor, 0.9975, 1e-9);
  cr_assert_eq(q.leasing_factor_hundredths, 100);
  char s[32];
  fin_factor_display(&q, s, sizeof s);
  cr_assert_str_eq(s, "1,00");
  in.monthly_rate_cents = 39500;
  cr_assert_eq(fin_lease_quote(&in, &q, NULL, &e), 0);
  fin_factor_display(&q, s, sizeof s);
  cr_assert_str_eq(s, "0,99"); /* 0.9875 → 0,99 */
  /* impossible leasing figures name their fields */
  struct arena *a = arena_new(0);
  struct fin_lease_input bad = in;
  bad.residual_value_cents = 4000000;
  bad.km_per_year = 10;
  bad.special_payment_cents = -5;
  struct field_errors errs;
  field_errors_init(&errs, a);
  cr_assert_eq(fin_lease_quote(&bad, &q, &errs, &e), -1);
  cr_assert_not_null(field_error_get(&errs, "residual_value_cents"));
  cr_assert_not_null(field_error_get(&errs, "km_per_year"));
  cr_assert_not_null(field_error_get(&errs, "special_payment_cents"));
  cr_assert_eq(e.code, CC24_E_FINANCE_INPUT);
  /* a residual that leaves nothing to pay monthly */
  bad = in;
  bad.monthly_rate_cents = 0;
  bad.residual_value_cents = 3999999;
  bad.special_payment_cents = 3000000;
  field_errors_init(&errs, a);
  cr_assert_eq(fin_lease_quote(&bad, &q, &errs, &e), -1);
  cr_assert_str_eq(e.field, "residual_value_cents");
  arena_free(a);
}

/* ---- inverses ---- */

Test(finance, inverses)
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
  cr_assert_eq(e.code, CC24_E_FINANCE_NO_SOLUTION);
  cr_assert_eq(fin_nominal_for_apr(&in, 0.1, &nominal, &e), -1, "fees alone exceed it");
  cr_assert_eq(fin_nominal_for_apr(&in, NAN, &nominal, &e), -1);
  cr_assert_str_eq(e.field, "target_apr_percent");
  cr_assert_eq(fin_installment_for_apr(&in, -100, &a, &e), -1);
  /* 0 % APR without fees is 0 % Sollzins */
  in.fees_cents = 0;
  cr_assert_eq(fin_nominal_for_apr(&in, 0, &nominal, &e), 0);
  cr_assert(nominal < 1e-6);
}

/* ---- the representative example ---- */

static const struct fin_lender lender = {"Hausbank Muster AG",
                                         "Bankplatz 1, 60311 Frankfurt am Main", false};

static bool contains_money(const char *text, const char *label, int64_t cents)
{
  char m[64];
  money_format(cents, m, sizeof m);
  char needle[160];
  snprintf(needle, sizeof needle, "%s%s", label, m);
  return strstr(text, needle) != NULL;
}

Test(finance, representative_text_has_every_mandatory_figure)
{
  struct arena *a = arena_new(0);
  struct fin_input in = balloon(4880000, 48, 5.99, 2000000);
  in.down_payment_cents = 500000;
  in.fees_cents = 9900;
  struct fin_quote q;
  struct err e = {0};
  cr_assert_eq(fin_quote(&in, &q, &e), 0);
  struct fin_example ex;
  cr_assert_eq(fin_example_build(&in, &q, &lender, &ex, &e), 0);
  const char *t = fin_example_text(a, &ex);
  char apr[32];
  fin_percent_display(q.apr_percent, apr, sizeof apr);
  cr_assert(strstr(t, "Repräsentatives Beispiel gemäß § 17 PAngV"), "%s", t);
  cr_assert(contains_money(t, "Barzahlungspreis ", 4880000), "%s", t);
  cr_assert(strstr(t, "Barzahlungspreis 48.800,00 €"), "German money format: %s", t);
  cr_assert(contains_money(t, "Anzahlung ", 500000));
  cr_assert(contains_money(t, "Nettodarlehensbetrag ", q.net_loan_cents));
  cr_assert(strstr(t, "Vertragslaufzeit 48 Monate"));
  cr_assert(strstr(t, "gebundener Sollzinssatz 5,99 % p. a."), "%s", t);
  char want[64];
  snprintf(want, sizeof want, "effektiver Jahreszins %s", apr);
  cr_assert(strstr(t, want), "%s", t);
  cr_assert(contains_money(t, "47 monatliche Raten von je ", q.monthly_installment_cents), "%s", t);
  cr_assert(contains_money(t, "Schlussrate von ", q.final_installment_cents), "%s", t);
  cr_assert(contains_money(t, "Bearbeitungsgebühr ", 9900), "%s", t);
  cr_assert(contains_money(t, "Gesamtbetrag ", q.total_payable_cents), "%s", t);
  cr_assert(strstr(t, "Kreditgeber: Hausbank Muster AG, Bankplatz 1, 60311 Frankfurt am Main"));
  cr_assert(strstr(t, "2/3") && strstr(t, "zwei Drittel"), "the 2/3 note: %s", t);
  /* structured figures are the quote's */
  cr_assert_eq(ex.cash_price_cents, 4880000);
  cr_assert_eq(ex.net_loan_cents, 4380000);
  cr_assert_eq(ex.regular_installments, 47);
  cr_assert_eq(ex.final_installment_cents, q.final_installment_cents);
  cr_assert_eq(ex.total_payable_cents, q.total_payable_cents);
  cr_assert_eq(ex.apr_percent, q.apr_percent);
  /* a plain loan with a variable rate, and an optional broker */
  struct fin_input l = loan(1974000, 36, 4.95);
  l.down_payment_cents = 250000;
  cr_assert_eq(fin_quote(&l, &q, &e), 0);
  struct fin_lender var = lender;
  var.variable_rate = true;
  cr_assert_eq(fin_example_build(&l, &q, &var, &ex, &e), 0);
  ex.broker = "Autohaus Beispiel GmbH, Hauptstraße 5, 50667 Köln";
  t = fin_example_text(a, &ex);
  cr_assert(strstr(t, "veränderlicher Sollzinssatz 4,95 % p. a."), "%s", t);
  cr_assert(contains_money(t, "35 monatliche Raten von je ", q.monthly_installment_cents), "%s", t);
  cr_assert(contains_money(t, "letzte Rate von ", q.final_installment_cents), "%s", t);
  cr_assert(strstr(t, "Vermittlung durch: Autohaus Beispiel GmbH"), "%s", t);
  json_t *j = json_arena(a, fin_example_json(a, &ex));
  cr_assert_eq(json_integer_value(json_object_get(j, "net_loan_cents")), 1724000);
  fin_percent_display(q.apr_percent, apr, sizeof apr);
  cr_assert_str_eq(json_string_value(json_object_get(j, "apr_display")), apr);
  cr_assert_str_eq(json_string_value(json_object_get(j, "text")), t);
  cr_assert(json_is_false(json_object_get(j, "rate_fixed")));
  arena_free(a);
}

Test(finance, representative_example_refuses_missing_figures)
{
  struct arena *a = arena_new(0);
  struct fin_input in = loan(1000000, 36, 5);
  struct fin_quote q;
  struct err e = {0};
  cr_assert_eq(fin_quote(&in, &q, &e), 0);
  struct fin_example ex;
  const struct fin_lender no_name = {NULL, "Bankplatz 1, 60311 Frankfurt", false},
                          blank_name = {"  ", "Bankplatz 1, 60311 Frankfurt", false},
                          no_address = {"Hausbank Muster AG", "", false};
  struct {
    const struct fin_lender *ld;
    const char *field;
  } cases[] = {
      {NULL, "lender.name"},
      {&no_name, "lender.name"},
      {&blank_name, "lender.name"},
      {&no_address, "lender.address"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cr_assert_eq(fin_example_build(&in, &q, cases[i].ld, &ex, &e), -1);
    cr_assert_eq(e.code, CC24_E_FINANCE_MISSING);
    cr_assert_str_eq(e.field, cases[i].field);
  }
  struct fin_input no_price = in;
  no_price.price_cents = 0;
  cr_assert_eq(fin_example_build(&no_price, &q, &lender, &ex, &e), -1);
  cr_assert_str_eq(e.field, "price_cents");
  struct fin_quote empty = {0};
  cr_assert_eq(fin_example_build(&in, &empty, &lender, &ex, &e), -1);
  cr_assert_str_eq(e.field, "quote");
  const char *t = "unchanged";
  cr_assert_eq(fin_representative_text(a, &in, &q, &no_address, &t, &e), -1);
  cr_assert_null(t);
  arena_free(a);
}

/* ---- the JSON layer ---- */

static json_t *J(struct arena *a, const char *s)
{
  json_error_t je;
  json_t *j = json_loads(s, 0, &je);
  cr_assert_not_null(j, "%s: %s", s, je.text);
  return json_arena(a, j);
}

typedef int (*json_fn)(struct arena *, json_t *, json_t **, struct field_errors *, struct err *);

/* Run fn on body; returns the answer (tied to the arena) or NULL with errs/e filled. */
static json_t *call(struct arena *a, json_fn fn, const char *body, struct field_errors *errs,
                    struct err *e)
{
  field_errors_init(errs, a);
  memset(e, 0, sizeof *e);
  json_t *out = NULL;
  int rc = fn(a, J(a, body), &out, errs, e);
  cr_assert_eq(rc == 0, out != NULL, "%s", body);
  return rc == 0 ? json_arena(a, out) : NULL;
}

Test(finance_json, quote_good_input)
{
  struct arena *a = arena_new(0);
  struct field_errors errs;
  struct err e;
  json_t *q = call(a, finance_json_quote,
                   "{\"product\":\"loan\",\"price_cents\":1974000,\"down_payment_cents\":250000,"
                   "\"term_months\":36,\"nominal_rate_percent\":4.95,\"fees_cents\":9900}",
                   &errs, &e);
  cr_assert_not_null(q);
  cr_assert_eq(json_integer_value(json_object_get(q, "net_loan_cents")), 1724000);
  cr_assert_eq(json_integer_value(json_object_get(q, "monthly_installment_cents")), 51631);
  cr_assert_eq(json_integer_value(json_object_get(q, "total_payable_cents")), 1868621);
  cr_assert(fabs(json_real_value(json_object_get(q, "apr_percent")) - 5.467137) < 1e-6);
  cr_assert_str_eq(json_string_value(json_object_get(q, "apr_display")), "5,47 %");
  cr_assert(json_is_null(json_object_get(q, "representative_text")));
  json_t *missing = json_object_get(q, "missing");
  cr_assert_eq(json_array_size(missing), 1);
  cr_assert_str_eq(json_string_value(json_array_get(missing, 0)), "lender.name");
  /* with a lender: the text and the structured example */
  q = call(a, finance_json_quote,
           "{\"product\":\"balloon\",\"price_cents\":4880000,\"term_months\":48,"
           "\"nominal_rate_percent\":12.9,\"balloon_cents\":2684000,\"variable_rate\":true,"
           "\"lender\":{\"name\":\"Hausbank Muster AG\",\"address\":\"Bankplatz 1, 60311 "
           "Frankfurt\",\"broker\":\"Autohaus X, Weg 1, 12345 Y\"}}",
           &errs, &e);
  cr_assert_not_null(q, "%d %s", errs.n, errs.n ? errs.e[0].field : e.msg);
  cr_assert_eq(json_integer_value(json_object_get(q, "monthly_installment_cents")), 89085);
  cr_assert_eq(json_integer_value(json_object_get(q, "final_installment_cents")), 2684006);
  const char *t = json_string_value(json_object_get(q, "representative_text"));
  cr_assert(t && strstr(t, "veränderlicher Sollzinssatz 12,90 % p. a."), "%s", t);
  cr_assert(strstr(t, "Vermittlung durch: Autohaus X"), "%s", t);
  json_t *ex = json_object_get(q, "representative_example");
  cr_assert_eq(json_integer_value(json_object_get(ex, "regular_installments")), 47);
  cr_assert_str_eq(json_string_value(json_object_get(ex, "text")), t);
  cr_assert_eq(json_array_size(json_object_get(q, "missing")), 0);
  /* leasing, rate derived; and with the lessor's own rate (no money rate needed) */
  q = call(a, finance_json_quote,
           "{\"product\":\"leasing\",\"price_cents\":4000000,\"special_payment_cents\":300000,"
           "\"term_months\":36,\"km_per_year\":10000,\"residual_value_cents\":2200000,"
           "\"transfer_costs_cents\":99000,\"nominal_rate_percent\":3.9,"
           "\"lessor_name\":\"Leasing Muster GmbH\",\"lessor_address\":\"Allee 5, 50667 Köln\"}",
           &errs, &e);
  cr_assert_not_null(q);
  int64_t rate = json_integer_value(json_object_get(q, "monthly_rate_cents"));
  cr_assert_gt(rate, 0);
  cr_assert_eq(json_integer_value(json_object_get(q, "total_cost_cents")),
               300000 + 36 * rate + 99000);
  t = json_string_value(json_object_get(q, "representative_text"));
  cr_assert(t && strstr(t, "Leasingfaktor") && strstr(t, "Leasing-Sonderzahlung 3.000,00 €"));
  q = call(a, finance_json_quote,
           "{\"product\":\"leasing\",\"price_cents\":4000000,\"term_months\":36,"
           "\"km_per_year\":15000,\"monthly_rate_cents\":39900}",
           &errs, &e);
  cr_assert_not_null(q, "%s", errs.n ? errs.e[0].field : e.msg);
  cr_assert_str_eq(json_string_value(json_object_get(q, "leasing_factor_display")), "1,00");
  cr_assert_float_eq(json_real_value(json_object_get(q, "leasing_factor")), 1.0, 1e-12);
  cr_assert(json_is_null(json_object_get(q, "representative_text")));
  arena_free(a);
}

Test(finance_json, quote_bad_input_names_every_field)
{
  struct arena *a = arena_new(0);
  struct {
    const char *body, *field;
  } cases[] = {
      {"[1,2]", ""},
      {"{\"product\":\"loan\",\"term_months\":36,\"nominal_rate_percent\":4}", "price_cents"},
      {"{\"product\":\"loan\",\"price_cents\":-5,\"term_months\":36,\"nominal_rate_percent\":4}",
       "price_cents"},
      {"{\"product\":\"loan\",\"price_cents\":\"100\",\"term_months\":36,"
       "\"nominal_rate_percent\":4}",
       "price_cents"},
      {"{\"product\":\"loan\",\"price_cents\":100000000000000,\"term_months\":36,"
       "\"nominal_rate_percent\":4}",
       "price_cents"},
      {"{\"product\":\"loan\",\"price_cents\":100000,\"term_months\":0,\"nominal_rate_percent\":4}",
       "term_months"},
      {"{\"product\":\"loan\",\"price_cents\":100000,\"term_months\":121,"
       "\"nominal_rate_percent\":4}",
       "term_months"},
      {"{\"product\":\"loan\",\"price_cents\":100000,\"term_months\":36}", "nominal_rate_percent"},
      {"{\"product\":\"loan\",\"price_cents\":100000,\"term_months\":36,"
       "\"nominal_rate_percent\":99}",
       "nominal_rate_percent"},
      {"{\"product\":\"loan\",\"price_cents\":100000,\"term_months\":36,"
       "\"nominal_rate_percent\":-0.5}",
       "nominal_rate_percent"},
      {"{\"product\":\"balloon\",\"price_cents\":100000,\"term_months\":36,"
       "\"nominal_rate_percent\":4,\"balloon_cents\":100000}",
       "balloon_cents"},
      {"{\"product\":\"loan\",\"price_cents\":100000,\"down_payment_cents\":100000,"
       "\"term_months\":36,\"nominal_rate_percent\":4}",
       "down_payment_cents"},
      {"{\"product\":\"loan\",\"price_cents\":100000,\"fees_cents\":100000,"
       "\"term_months\":36,\"nominal_rate_percent\":4}",
       "fees_cents"},
      {"{\"product\":\"loan\",\"price_cents\":100000,\"financed_fees_cents\":-1,"
       "\"term_months\":36,\"nominal_rate_percent\":4}",
       "financed_fees_cents"},
      {"{\"product\":\"lease\",\"price_cents\":100000,\"term_months\":36,"
       "\"nominal_rate_percent\":4}",
       "product"},
      {"{\"product\":\"loan\",\"price_cents\":100000,\"term_months\":36,"
       "\"nominal_rate_percent\":4,\"colour\":\"red\"}",
       "colour"},
      {"{\"product\":\"loan\",\"price_cents\":100000,\"term_months\":36,"
       "\"nominal_rate_percent\":4,\"lender\":\"Bank\"}",
       "lender"},
      {"{\"product\":\"loan\",\"price_cents\":100000,\"term_months\":36,"
       "\"nominal_rate_percent\":4,\"lender\":{\"name\":\"Bank\"}}",
       "lender.address"},
      {"{\"product\":\"loan\",\"price_cents\":100000,\"term_months\":36,"
       "\"nominal_rate_percent\":4,\"lender\":{\"name\":\"\",\"address\":\"Weg 1\"}}",
       "lender.name"},
      {"{\"product\":\"loan\",\"price_cents\":100,\"term_months\":120,\"nominal_rate_percent\":0}",
       "term_months"},
      {"{\"product\":\"leasing\",\"price_cents\":100000,\"term_months\":36,\"km_per_year\":10000,"
       "\"residual_value_cents\":200000,\"nominal_rate_percent\":3}",
       "residual_value_cents"},
      {"{\"product\":\"leasing\",\"price_cents\":100000,\"term_months\":36,\"km_per_year\":10000,"
       "\"residual_value_cents\":20000}",
       "nominal_rate_percent"},
      {"{\"product\":\"leasing\",\"price_cents\":100000,\"term_months\":3,\"km_per_year\":10000,"
       "\"monthly_rate_cents\":2000}",
       "term_months"},
      {"{\"product\":\"leasing\",\"price_cents\":100000,\"term_months\":36,\"km_per_year\":5,"
       "\"monthly_rate_cents\":2000}",
       "km_per_year"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct field_errors errs;
    struct err e;
    json_t *q = call(a, finance_json_quote, cases[i].body, &errs, &e);
    cr_assert_null(q, "case %zu accepted: %s", i, cases[i].body);
    cr_assert_not_null(field_error_get(&errs, cases[i].field), "case %zu: no error for '%s' (%s)",
                       i, cases[i].field, errs.n ? errs.e[0].field : e.msg);
  }
  /* several bad fields are all reported at once, each once */
  struct field_errors errs;
  struct err e;
  cr_assert_null(call(a, finance_json_quote,
                      "{\"product\":\"loan\",\"price_cents\":\"x\",\"term_months\":500,"
                      "\"nominal_rate_percent\":40,\"fees_cents\":-1}",
                      &errs, &e));
  cr_assert_eq(errs.n, 4, "%d", errs.n);
  arena_free(a);
}

Test(finance_json, apr_flows)
{
  struct arena *a = arena_new(0);
  struct field_errors errs;
  struct err e;
  json_t *r = call(a, finance_json_apr,
                   "{\"flows\":[{\"t_years\":0,\"amount_cents\":100000},"
                   "{\"t_years\":1.4958904109589042,\"amount_cents\":-120000}]}",
                   &errs, &e);
  cr_assert_not_null(r);
  cr_assert(fabs(json_real_value(json_object_get(r, "apr_percent")) - 12.96204) < 1e-5);
  cr_assert_str_eq(json_string_value(json_object_get(r, "apr_display")), "12,96 %");
  struct {
    const char *body, *field;
  } bad[] = {
      {"{}", "flows"},
      {"{\"flows\":[]}", "flows"},
      {"{\"flows\":{}}", "flows"},
      {"{\"flows\":[{\"t_years\":0,\"amount_cents\":1}],\"x\":1}", "x"},
      {"{\"flows\":[{\"t_years\":0,\"amount_cents\":100},{\"t_years\":-1,\"amount_cents\":-5}]}",
       "flows[1].t_years"},
      {"{\"flows\":[{\"t_years\":0,\"amount_cents\":100},{\"t_years\":101,\"amount_cents\":-5}]}",
       "flows[1].t_years"},
      {"{\"flows\":[{\"t_years\":0,\"amount_cents\":100},{\"t_years\":1}]}",
       "flows[1].amount_cents"},
      {"{\"flows\":[{\"t_years\":0,\"amount_cents\":100},{\"t_years\":1,\"amount_cents\":1.5}]}",
       "flows[1].amount_cents"},
      {"{\"flows\":[{\"t_years\":0,\"amount_cents\":100},7]}", "flows[1]"},
      {"{\"flows\":[{\"t_years\":0,\"amount_cents\":100},{\"t\":1,\"amount_cents\":-1,"
       "\"t_years\":1}]}",
       "flows[1].t"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cr_assert_null(call(a, finance_json_apr, bad[i].body, &errs, &e), "case %zu", i);
    cr_assert_not_null(field_error_get(&errs, bad[i].field), "case %zu: %s (%s)", i, bad[i].field,
                       errs.n ? errs.e[0].field : "-");
  }
  /* 1001 flows are too many */
  struct buf_like {
    char s[60000];
    size_t n;
  } *big = arena_alloc(a, sizeof *big);
  big->n = (size_t)snprintf(big->s, sizeof big->s, "{\"flows\":[");
  for (int i = 0; i < 1001; i++)
    big->n += (size_t)snprintf(big->s + big->n, sizeof big->s - big->n,
                               "%s{\"t_years\":%d,\"amount_cents\":%d}", i ? "," : "", i % 10,
                               i ? -100 : 100000);
  snprintf(big->s + big->n, sizeof big->s - big->n, "]}");
  cr_assert_null(call(a, finance_json_apr, big->s, &errs, &e));
  cr_assert_not_null(field_error_get(&errs, "flows"));
  /* no repayment, or no rate at all: CC24_E_FINANCE_NO_SOLUTION naming the flows */
  cr_assert_null(call(a, finance_json_apr,
                      "{\"flows\":[{\"t_years\":0,\"amount_cents\":100000},"
                      "{\"t_years\":1,\"amount_cents\":5}]}",
                      &errs, &e));
  cr_assert_eq(errs.n, 0);
  cr_assert_eq(e.code, CC24_E_FINANCE_NO_SOLUTION);
  cr_assert_str_eq(e.field, "flows");
  cr_assert_null(call(a, finance_json_apr,
                      "{\"flows\":[{\"t_years\":0,\"amount_cents\":100000},"
                      "{\"t_years\":0.1,\"amount_cents\":-90000000000}]}",
                      &errs, &e));
  cr_assert_eq(e.code, CC24_E_FINANCE_NO_SOLUTION, "above 1000 %%");
  arena_free(a);
}

/* The real-world case: an ad states 3,99 % (Sollzins and "APR"), but its own
 * instalments imply 6,39 %. */
Test(finance_json, inconsistent_ad_is_caught)
{
  struct arena *a = arena_new(0);
  struct fin_input in = loan(1500000, 48, 0);
  int64_t inst;
  struct err e = {0};
  cr_assert_eq(fin_installment_for_apr(&in, 6.39, &inst, &e), 0);
  char body[512];
  snprintf(body, sizeof body,
           "{\"net_loan_cents\":1500000,\"installments\":48,\"installment_cents\":%lld,"
           "\"nominal_rate_percent\":3.99,\"stated_apr_percent\":3.99}",
           (long long)inst);
  struct field_errors errs;
  json_t *r = call(a, finance_json_check, body, &errs, &e);
  cr_assert_not_null(r);
  cr_assert(json_is_false(json_object_get(r, "consistent")));
  cr_assert_str_eq(json_string_value(json_object_get(r, "computed_apr_display")), "6,39 %");
  json_t *p = json_object_get(r, "problems");
  cr_assert_eq(json_array_size(p), 2);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 0), "code")),
                   "apr_mismatch");
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 1), "code")),
                   "installment_mismatch");
  const char *d = json_string_value(json_object_get(json_array_get(p, 0), "detail"));
  cr_assert(strstr(d, "3,99 %") && strstr(d, "6,39 %"), "%s", d);
  /* the honest version of the same ad */
  struct fin_input honest = loan(1500000, 48, 3.99);
  struct fin_quote q;
  cr_assert_eq(fin_quote(&honest, &q, &e), 0);
  char apr[32];
  fin_percent_display(q.apr_percent, apr, sizeof apr);
  snprintf(body, sizeof body,
           "{\"net_loan_cents\":1500000,\"installments\":48,\"installment_cents\":%lld,"
           "\"final_installment_cents\":%lld,\"nominal_rate_percent\":3.99,"
           "\"stated_apr_percent\":%.2f}",
           (long long)q.monthly_installment_cents, (long long)q.final_installment_cents,
           fin_percent_round2(q.apr_percent));
  r = call(a, finance_json_check, body, &errs, &e);
  cr_assert(json_is_true(json_object_get(r, "consistent")), "%s", body);
  cr_assert_eq(json_integer_value(json_object_get(r, "expected_installment_cents")),
               q.monthly_installment_cents);
  /* stating the Sollzins as the APR is caught even when the instalments fit the Sollzins */
  snprintf(body, sizeof body,
           "{\"net_loan_cents\":1500000,\"installments\":48,\"installment_cents\":%lld,"
           "\"nominal_rate_percent\":3.99,\"stated_apr_percent\":3.99}",
           (long long)q.monthly_installment_cents);
  r = call(a, finance_json_check, body, &errs, &e);
  cr_assert(json_is_false(json_object_get(r, "consistent")));
  cr_assert_eq(json_array_size(json_object_get(r, "problems")), 1);
  /* bad input names the field */
  struct {
    const char *body, *field;
  } bad[] = {
      {"{\"installments\":48,\"installment_cents\":100,\"stated_apr_percent\":3}",
       "net_loan_cents"},
      {"{\"net_loan_cents\":1000,\"installments\":0,\"installment_cents\":100,"
       "\"stated_apr_percent\":3}",
       "installments"},
      {"{\"net_loan_cents\":1000,\"installments\":12,\"installment_cents\":100,"
       "\"fees_cents\":1000,\"stated_apr_percent\":3}",
       "fees_cents"},
      {"{\"net_loan_cents\":1000,\"installments\":12,\"installment_cents\":100,"
       "\"stated_apr_percent\":300}",
       "stated_apr_percent"},
      {"{\"net_loan_cents\":1000,\"installments\":12,\"installment_cents\":100,"
       "\"nominal_rate_percent\":-3,\"stated_apr_percent\":3}",
       "nominal_rate_percent"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cr_assert_null(call(a, finance_json_check, bad[i].body, &errs, &e), "case %zu", i);
    cr_assert_not_null(field_error_get(&errs, bad[i].field), "case %zu: %s", i, bad[i].field);
  }
  /* instalments that repay less than 0.02 % of the payout admit no rate */
  cr_assert_null(call(a, finance_json_check,
                      "{\"net_loan_cents\":10000000,\"installments\":2,\"installment_cents\":1,"
                      "\"stated_apr_percent\":3}",
                      &errs, &e));
  cr_assert_eq(e.code, CC24_E_FINANCE_NO_SOLUTION);
  cr_assert_str_eq(e.field, "installment_cents");
  arena_free(a);
}

Test(finance_json, solve)
{
  struct arena *a = arena_new(0);
  struct field_errors errs;
  struct err e;
  json_t *r = call(a, finance_json_solve,
                   "{\"solve\":\"nominal_rate\",\"target_apr_percent\":5.116190,"
                   "\"product\":\"loan\",\"price_cents\":1000000,\"term_months\":36}",
                   &errs, &e);
  cr_assert_not_null(r);
  cr_assert(fabs(json_real_value(json_object_get(r, "nominal_rate_percent")) - 5.0) < 0.001);
  r = call(a, finance_json_solve,
           "{\"solve\":\"installment\",\"target_apr_percent\":5.116190,"
           "\"product\":\"loan\",\"price_cents\":1000000,\"term_months\":36}",
           &errs, &e);
  cr_assert_eq(json_integer_value(json_object_get(r, "monthly_installment_cents")), 29971);
  cr_assert_null(call(a, finance_json_solve,
                      "{\"solve\":\"nominal_rate\",\"target_apr_percent\":90,"
                      "\"product\":\"loan\",\"price_cents\":1000000,\"term_months\":36}",
                      &errs, &e));
  cr_assert_eq(e.code, CC24_E_FINANCE_NO_SOLUTION);
  cr_assert_null(call(a, finance_json_solve,
                      "{\"solve\":\"x\",\"target_apr_percent\":-1,"
                      "\"product\":\"leasing\",\"price_cents\":1000000,\"term_months\":36}",
                      &errs, &e));
  cr_assert_not_null(field_error_get(&errs, "solve"));
  cr_assert_not_null(field_error_get(&errs, "target_apr_percent"));
  cr_assert_not_null(field_error_get(&errs, "product"));
  arena_free(a);
}

/* ---- checking a stated example directly ---- */

Test(finance, check_example)
{
  struct fin_stated st = {.net_loan_cents = 1000000,
                          .installments = 36,
                          .installment_cents = 29971,
                          .nominal_rate_percent = 5,
                          .stated_apr_percent = 5.12};
  struct fin_check ck;
  struct err e = {0};
  cr_assert_eq(fin_check_example(&st, &ck, &e), 0);
  cr_assert(ck.consistent);
  cr_assert(fabs(ck.expected_installment_cents - 29971) < 1);
  st.stated_apr_percent = 5.11; /* one hundredth off: tolerated */
  cr_assert_eq(fin_check_example(&st, &ck, &e), 0);
  cr_assert(ck.consistent);
  st.stated_apr_percent = 5.10;
  cr_assert_eq(fin_check_example(&st, &ck, &e), 0);
  cr_assert(ck.apr_mismatch && !ck.consistent);
  /* financed fees: the Sollzins runs on the credit amount, the APR sees the cost */
  st.financed_fees_cents = 30000;
  st.installment_cents = 30870; /* annuity of 10,300 € at 5 % over 36 months */
  st.stated_apr_percent = 7.21;
  cr_assert_eq(fin_check_example(&st, &ck, &e), 0);
  cr_assert(!ck.installment_mismatch, "%f", ck.expected_installment_cents);
  cr_assert(!ck.apr_mismatch, "%f", ck.computed_apr_percent);
  st.installments = 0;
  cr_assert_eq(fin_check_example(&st, &ck, &e), -1);
  cr_assert_str_eq(e.field, "installments");
}

/* ---- bank partner conditions ---- */

static const char *conditions_json =
    "{\"lender_name\":\"Hausbank Test AG\",\"lender_address\":\"Bankweg 2, 20095 Hamburg\","
    "\"min_amount_cents\":250000,\"max_amount_cents\":10000000,\"fees_cents\":0,"
    "\"default_term\":48,\"default_down_bp\":2000,\"representative\":1,\"bands\":["
    "{\"term_min\":12,\"term_max\":36,\"rate_percent\":2.99},"
    "{\"term_min\":37,\"term_max\":60,\"down_min_bp\":0,\"down_max_bp\":1999,"
    "\"rate_percent\":4.99},"
    "{\"term_min\":37,\"term_max\":60,\"down_min_bp\":2000,\"down_max_bp\":10000,"
    "\"rate_percent\":3.99},"
    "{\"term_min\":61,\"term_max\":96,\"down_min_bp\":1000,\"rate_percent\":5.99}]}";

Test(finance_conditions, parse_lookup_and_round_trip)
{
  struct arena *a = arena_new(0);
  struct fin_conditions c;
  struct field_errors errs;
  field_errors_init(&errs, a);
  cr_assert_eq(fin_conditions_from_json(a, J(a, conditions_json), &c, &errs), 0, "%s: %s",
               errs.n ? errs.e[0].field : "", errs.n ? errs.e[0].detail : "");
  cr_assert_eq(c.nbands, 4);
  cr_assert_eq(fin_conditions_validate(a, &c, &errs), 0);
  double rate;
  struct err e = {0};
  cr_assert_eq(fin_conditions_rate(&c, 3000000, 0, 24, &rate, &e), 0);
  cr_assert_float_eq(rate, 2.99, 1e-12);
  cr_assert_eq(fin_conditions_rate(&c, 3000000, 600000, 48, &rate, &e), 0, "20 %% down");
  cr_assert_float_eq(rate, 3.99, 1e-12);
  cr_assert_eq(fin_conditions_rate(&c, 3000000, 599999, 48, &rate, &e), 0, "19.99 %% down");
  cr_assert_float_eq(rate, 4.99, 1e-12);
  cr_assert_eq(fin_conditions_rate(&c, 3000000, 0, 72, &rate, &e), -1, "long terms need 10 %%");
  cr_assert_eq(e.code, CC24_E_FINANCE_MISSING);
  cr_assert_str_eq(e.field, "term_months");
  cr_assert_eq(fin_conditions_rate(&c, 3000000, 0, 120, &rate, &e), -1);
  cr_assert_eq(fin_conditions_rate(&c, 200000, 0, 24, &rate, &e), -1, "below the minimum");
  cr_assert_eq(e.code, CC24_E_FINANCE_INPUT);
  cr_assert_eq(fin_conditions_rate(&c, 20000000, 0, 24, &rate, &e), -1, "above the maximum");
  cr_assert_eq(fin_conditions_rate(&c, 3000000, 3000000, 24, &rate, &e), -1);
  cr_assert_str_eq(e.field, "down_payment_cents");
  /* the example: default term and down payment, the band's rate */
  struct fin_input in;
  cr_assert_eq(fin_conditions_example(&c, 2499000, &in, &e), 0);
  cr_assert_eq(in.down_payment_cents, 490000, "20 %% rounded down to whole hundreds");
  cr_assert_eq(in.term_months, 48);
  cr_assert_float_eq(in.nominal_rate_percent, 4.99, 1e-12, "just below 20 %% down");
  /* JSON round trip: what is stored reads back unchanged */
  json_t *j = json_arena(a, fin_conditions_to_json(&c));
  struct fin_conditions c2;
  cr_assert_eq(fin_conditions_from_json(a, j, &c2, &errs), 0);
  cr_assert_eq(c2.nbands, c.nbands);
  cr_assert_eq(memcmp(c2.bands, c.bands, sizeof c.bands[0] * (size_t)c.nbands), 0);
  cr_assert_eq(c2.max_amount_cents, c.max_amount_cents);
  cr_assert_str_eq(c2.lender_name, c.lender_name);
  cr_assert_eq(fin_down_share_bp(3000000, 600000), 2000);
  cr_assert_eq(fin_down_share_bp(0, 5), 0);
  arena_free(a);
}

Test(finance_conditions, validation_finds_overlaps_gaps_and_bad_rates)
{
  struct arena *a = arena_new(0);
  struct {
    const char *bands, *field, *code;
  } cases[] = {
      {"[{\"term_min\":12,\"term_max\":60,\"rate_percent\":3},"
       "{\"term_min\":48,\"term_max\":96,\"rate_percent\":4}]",
       "bands[1]", "overlap"},
      {"[{\"term_min\":12,\"term_max\":36,\"rate_percent\":3},"
       "{\"term_min\":48,\"term_max\":96,\"rate_percent\":4}]",
       "bands", "gap"},
      {"[{\"term_min\":12,\"term_max\":96,\"down_max_bp\":1000,\"rate_percent\":3},"
       "{\"term_min\":12,\"term_max\":96,\"down_min_bp\":2000,\"rate_percent\":4}]",
       "bands", "gap"},
      {"[{\"term_min\":12,\"term_max\":96,\"rate_percent\":30.5}]", "bands[0].rate_percent",
       "range"},
      {"[{\"term_min\":12,\"term_max\":96,\"rate_percent\":-1}]", "bands[0].rate_percent", "range"},
      {"[{\"term_min\":60,\"term_max\":12,\"rate_percent\":3}]", "bands[0].term_max", "range"},
      {"[{\"term_min\":0,\"term_max\":12,\"rate_percent\":3}]", "bands[0].term_min", "range"},
      {"[{\"term_min\":12,\"rate_percent\":3}]", "bands[0].term_max", "required"},
      {"[7]", "bands[0]", "type"},
      {"[]", "bands", "length"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *body =
        arena_printf(a,
                     "{\"lender_name\":\"Bank AG\",\"lender_address\":\"Weg 1, 12345 Ort\","
                     "\"representative\":0,\"bands\":%s}",
                     cases[i].bands);
    struct fin_conditions c;
    struct field_errors errs;
    field_errors_init(&errs, a);
    cr_assert_eq(fin_conditions_from_json(a, J(a, body), &c, &errs), -1, "case %zu", i);
    const struct field_error *fe = field_error_get(&errs, cases[i].field);
    cr_assert_not_null(fe, "case %zu: %s (%s)", i, cases[i].field, errs.n ? errs.e[0].field : "-");
    cr_assert_str_eq(fe->code, cases[i].code, "case %zu", i);
  }
  /* a staircase (more down payment required for longer terms) is not a gap */
  const char *stairs =
      "{\"lender_name\":\"Bank AG\",\"lender_address\":\"Weg 1, 12345 Ort\",\"representative\":0,"
      "\"bands\":[{\"term_min\":12,\"term_max\":48,\"rate_percent\":3},"
      "{\"term_min\":49,\"term_max\":96,\"down_min_bp\":2000,\"rate_percent\":4}]}";
  struct fin_conditions c;
  struct field_errors errs;
  field_errors_init(&errs, a);
  cr_assert_eq(fin_conditions_from_json(a, J(a, stairs), &c, &errs), 0);
  /* the representative band must exist; the lender is mandatory; limits ordered */
  field_errors_init(&errs, a);
  cr_assert_eq(fin_conditions_from_json(
                   a,
                   J(a, "{\"lender_address\":\"\",\"representative\":3,\"min_amount_cents\":9,"
                        "\"max_amount_cents\":8,\"bands\":[{\"term_min\":12,\"term_max\":96,"
                        "\"rate_percent\":3}]}"),
                   &c, &errs),
               -1);
  cr_assert_not_null(field_error_get(&errs, "lender_name"));
  cr_assert_not_null(field_error_get(&errs, "lender_address"));
  cr_assert_not_null(field_error_get(&errs, "representative"));
  cr_assert_not_null(field_error_get(&errs, "min_amount_cents"));
  /* a table built in code is checked the same way */
  struct fin_conditions code = {.lender_name = "Bank",
                                .lender_address = "Weg 1",
                                .max_amount_cents = FIN_MAX_CENTS,
                                .representative = 0,
                                .nbands = 2,
                                .bands = {{12, 48, 0, 10000, 399}, {40, 96, 0, 10000, 499}}};
  field_errors_init(&errs, a);
  cr_assert_eq(fin_conditions_validate(a, &code, &errs), -1);
  cr_assert_not_null(field_error_get(&errs, "bands[1]"));
  arena_free(a);
}

Test(finance, calculation_text_has_every_figure_but_no_lender)
{
  struct arena *a = arena_new(0);
  struct fin_input in = {.product = FIN_BALLOON,
                         .price_cents = 3000000,
                         .down_payment_cents = 500000,
                         .term_months = 36,
                         .nominal_rate_percent = 4.99,
                         .balloon_cents = 1200000,
                         .fees_cents = 9900};
  struct fin_quote q;
  struct err e = {0};
  cr_assert_eq(fin_quote(&in, &q, &e), 0, "%s", e.msg);
  const char *t = fin_calculation_text(a, &in, &q, true, &e);
  cr_assert_not_null(t, "%s", e.msg);
  cr_assert(strstr(t, "Ihre Beispielrechnung: Barzahlungspreis 30.000,00 €, Anzahlung 5.000,00 €"));
  cr_assert(strstr(t, "veränderlicher Sollzinssatz 4,99 % p. a."));
  cr_assert(strstr(t, "35 monatliche Raten von je"), "%s", t);
  cr_assert(strstr(t, "und eine Schlussrate von"));
  cr_assert(strstr(t, "Bearbeitungsgebühr 99,00 €"));
  cr_assert_null(strstr(t, "Repräsentatives Beispiel"), "a buyer's calculation is no ad");
  cr_assert_null(strstr(t, "Kreditgeber:"));
  in.term_months = 0;
  cr_assert_null(fin_calculation_text(a, &in, &q, false, &e));
  cr_assert_eq(e.code, CC24_E_FINANCE_MISSING);
  arena_free(a);
}
