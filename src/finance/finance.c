#include "finance/finance.h"

#include "core/err.h"
#include "core/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_CENTS 100000000000LL /* 1 billion euros */

static void bad(struct field_errors *errs, const char *field, const char *fmt)
{
  if (errs)
    field_error_add(errs, field, "range", "%s", fmt);
}

int fin_validate(const struct fin_input *in, struct field_errors *errs)
{
  int n = 0;
#define CHECK(cond, field, msg)                                                                    \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      bad(errs, field, msg);                                                                       \
      n++;                                                                                         \
    }                                                                                              \
  } while (0)
  CHECK(in->product == FIN_LOAN || in->product == FIN_BALLOON, "product",
        "product must be loan or balloon");
  CHECK(in->price_cents > 0 && in->price_cents <= MAX_CENTS, "price_cents",
        "price_cents must be positive");
  CHECK(in->down_payment_cents >= 0 && in->down_payment_cents <= MAX_CENTS, "down_payment_cents",
        "down_payment_cents must not be negative");
  CHECK(in->trade_in_cents >= 0 && in->trade_in_cents <= MAX_CENTS, "trade_in_cents",
        "trade_in_cents must not be negative");
  CHECK(in->term_months >= 1 && in->term_months <= 120, "term_months",
        "term_months must be between 1 and 120");
  CHECK(isfinite(in->nominal_rate_percent) && in->nominal_rate_percent >= 0 &&
            in->nominal_rate_percent <= 30,
        "nominal_rate_percent", "nominal_rate_percent must be between 0 and 30");
  CHECK(in->fees_cents >= 0 && in->fees_cents <= MAX_CENTS, "fees_cents",
        "fees_cents must not be negative");
  CHECK(in->financed_fees_cents >= 0 && in->financed_fees_cents <= MAX_CENTS, "financed_fees_cents",
        "financed_fees_cents must not be negative");
  CHECK(in->balloon_cents >= 0 && in->balloon_cents <= MAX_CENTS, "balloon_cents",
        "balloon_cents must not be negative");
  if (n == 0) {
    int64_t net = in->price_cents - in->down_payment_cents - in->trade_in_cents;
    CHECK(net > 0, "down_payment_cents",
          "down payment and trade-in must leave something to finance");
    if (in->product == FIN_BALLOON) {
      CHECK(in->balloon_cents > 0, "balloon_cents", "a balloon financing needs a balloon");
      CHECK(in->balloon_cents < net + in->financed_fees_cents, "balloon_cents",
            "the balloon must be below the credit amount");
      CHECK(in->term_months >= 2, "term_months", "a balloon financing needs at least 2 months");
    } else {
      CHECK(in->balloon_cents == 0, "balloon_cents", "a plain loan has no balloon");
    }
    CHECK(in->fees_cents < net, "fees_cents", "up-front fees must be below the net loan");
  }
#undef CHECK
  return n ? -1 : 0;
}

double fin_annuity(double c, int n, double i)
{
  if (i == 0)
    return c / n;
  return c * i / (1.0 - pow(1.0 + i, -n));
}

static int64_t round_half_up(long double x)
{
  return (int64_t)floorl(x + 0.5L);
}

int fin_quote(const struct fin_input *in, struct fin_quote *q, struct err *e)
{
  memset(q, 0, sizeof *q);
  if (fin_validate(in, NULL) < 0)
    return err_set(e, CC24_E_FINANCE_INPUT, "impossible financing input");
  int n = in->term_months;
  long double i = (long double)in->nominal_rate_percent / 1200.0L;
  q->net_loan_cents = in->price_cents - in->down_payment_cents - in->trade_in_cents;
  q->credit_cents = q->net_loan_cents + in->financed_fees_cents;
  long double c = (long double)q->credit_cents;
  long double growth = powl(1.0L + i, n);
  /* Σ_{k=1}^{n-1} (1+i)^(n-k): the value at month n of n-1 payments of 1 */
  long double s = i == 0 ? (long double)(n - 1) : (growth - (1.0L + i)) / i;
  int64_t a;
  if (in->product == FIN_BALLOON) {
    long double b = (long double)in->balloon_cents;
    a = round_half_up((c * growth - b) / s);
  } else {
    a = round_half_up(i == 0 ? c / n : c * i / (1.0L - 1.0L / growth));
  }
  if (a <= 0)
    return err_set(e, CC24_E_FINANCE_INPUT, "the instalment would not be positive");
  int64_t final = round_half_up(c * growth - (long double)a * s);
  if (final <= 0)
    return err_set(e, CC24_E_FINANCE_INPUT, "the terms leave no final instalment");
  q->monthly_installment_cents = a;
  q->final_installment_cents = final;
  q->installments = n;
  int64_t paid = a * (n - 1) + final;
  q->total_payable_cents = paid + in->fees_cents;
  q->total_interest_cents = paid - q->credit_cents;

  return fin_apr_monthly((double)(q->net_loan_cents - in->fees_cents), (double)a, (double) final, n,
                         &q->apr_percent, e);
}

/* Present value at monthly discount factor v of n-1 payments a and a final f. */
static double pv_monthly(double v, double a, double f, int n)
{
  double vn1 = pow(v, n - 1);
  double annuity = fabs(1.0 - v) < 1e-12 ? (double)(n - 1) : v * (1.0 - vn1) / (1.0 - v);
  return a * annuity + f * vn1 * v;
}

int fin_apr_monthly(double payout, double a, double f, int n, double *apr_percent, struct err *e)
{
  if (payout <= 0 || a < 0 || f <= 0 || n < 1)
    return err_set(e, CC24_E_FINANCE_NO_SOLUTION, "the schedule needs a payout and a repayment");
  /* g(r) = PV(r) - payout decreases in the monthly rate r; bracket it, then Newton
   * steps with a numeric derivative, falling back to bisection. */
  double lo = -0.5, hi = 1.0;
  double glo = pv_monthly(1.0 / (1.0 + lo), a, f, n) - payout;
  double ghi = pv_monthly(1.0 / (1.0 + hi), a, f, n) - payout;
  if (!(glo > 0) || !(ghi < 0))
    return err_set(e, CC24_E_FINANCE_NO_SOLUTION, "no effective rate solves the schedule");
  double r = 0.004;
  for (int it = 0; it < 100; it++) {
    double g = pv_monthly(1.0 / (1.0 + r), a, f, n) - payout;
    if (g > 0)
      lo = r;
    else
      hi = r;
    double h = 1e-7;
    double dg = (pv_monthly(1.0 / (1.0 + r + h), a, f, n) - payout - g) / h;
    double nr = dg != 0 ? r - g / dg : NAN;
    if (!isfinite(nr) || nr <= lo || nr >= hi)
      nr = (lo + hi) / 2;
    if (fabs(nr - r) < 1e-13) {
      r = nr;
      break;
    }
    r = nr;
  }
  *apr_percent = (pow(1.0 + r, 12) - 1.0) * 100.0;
  return 0;
}

/* f(X) = Σ amount·(1+X)^-t and its derivative. */
static void npv(const struct fin_flow *f, size_t n, double x, double *v, double *dv)
{
  double s = 0, ds = 0;
  for (size_t k = 0; k < n; k++) {
    double d = pow(1.0 + x, -f[k].t_years);
    s += (double)f[k].amount_cents * d;
    ds += -f[k].t_years * (double)f[k].amount_cents * d / (1.0 + x);
  }
  *v = s;
  *dv = ds;
}

int fin_apr(const struct fin_flow *flows, size_t n, double *apr_percent, struct err *e)
{
  bool pos = false, negv = false;
  for (size_t k = 0; k < n; k++) {
    if (!isfinite(flows[k].t_years) || flows[k].t_years < 0 || flows[k].t_years > 100)
      return err_set(e, CC24_E_FINANCE_INPUT, "flow %zu: t_years must be between 0 and 100", k);
    pos |= flows[k].amount_cents > 0;
    negv |= flows[k].amount_cents < 0;
  }
  if (!pos || !negv)
    return err_set(e, CC24_E_FINANCE_NO_SOLUTION, "the schedule needs a payout and a repayment");
  /* Bracket: f is the NPV; find lo < hi with opposite signs. */
  double lo = -0.99, hi = 10.0, flo, fhi, d;
  npv(flows, n, lo, &flo, &d);
  npv(flows, n, hi, &fhi, &d);
  if (!isfinite(flo) || !isfinite(fhi) || (flo > 0) == (fhi > 0))
    return err_set(e, CC24_E_FINANCE_NO_SOLUTION, "no effective rate between -99 %% and 1000 %%");
  double x = 0.05;
  for (int it = 0; it < 200; it++) {
    double f, df;
    npv(flows, n, x, &f, &df);
    if (f == 0)
      break;
    if ((f > 0) == (flo > 0))
      lo = x, flo = f;
    else
      hi = x;
    double nx = df != 0 ? x - f / df : NAN;
    /* Newton when it stays inside the bracket, bisection otherwise */
    if (!isfinite(nx) || nx <= lo || nx >= hi)
      nx = (lo + hi) / 2;
    if (fabs(nx - x) < 1e-12 || hi - lo < 1e-12) {
      x = nx;
      break;
    }
    x = nx;
  }
  *apr_percent = x * 100.0;
  return 0;
}

void fin_percent_display(double percent, char *out, size_t n)
{
  /* two decimals, half-up on the exact value; decimal comma */
  long long hundredths = (long long)floor(percent * 100.0 + 0.5 + 1e-9);
  long long whole = hundredths / 100, frac = llabs(hundredths % 100);
  snprintf(out, n, "%s%lld,%02lld %%", hundredths < 0 && whole == 0 ? "-" : "", whole, frac);
}

int fin_lease_quote(const struct fin_lease_input *in, struct fin_lease_quote *q,
                    struct field_errors *errs, struct err *e)
{
  memset(q, 0, sizeof *q);
  int n = 0;
  if (in->price_cents <= 0 || in->price_cents > MAX_CENTS)
    bad(errs, "price_cents", "price_cents must be positive"), n++;
  if (in->special_payment_cents < 0 || in->special_payment_cents >= in->price_cents)
    bad(errs, "special_payment_cents", "the special payment must be below the price"), n++;
  if (in->term_months < 6 || in->term_months > 120)
    bad(errs, "term_months", "term_months must be between 6 and 120"), n++;
  if (in->km_per_year < 1000 || in->km_per_year > 200000)
    bad(errs, "km_per_year", "km_per_year must be between 1,000 and 200,000"), n++;
  if (in->residual_value_cents < 0 || in->residual_value_cents >= in->price_cents)
    bad(errs, "residual_value_cents", "the residual value must be below the price"), n++;
  if (in->transfer_costs_cents < 0 || in->transfer_costs_cents > MAX_CENTS)
    bad(errs, "transfer_costs_cents", "transfer_costs_cents must not be negative"), n++;
  if (!isfinite(in->nominal_rate_percent) || in->nominal_rate_percent < 0 ||
      in->nominal_rate_percent > 30)
    bad(errs, "nominal_rate_percent", "nominal_rate_percent must be between 0 and 30"), n++;
  if (in->monthly_rate_cents < 0 || in->monthly_rate_cents > MAX_CENTS)
    bad(errs, "monthly_rate_cents", "monthly_rate_cents must not be negative"), n++;
  if (n)
    return err_set(e, CC24_E_FINANCE_INPUT, "impossible leasing input");
  int64_t rate = in->monthly_rate_cents;
  if (rate == 0) {
    long double i = (long double)in->nominal_rate_percent / 1200.0L;
    long double v = 1.0L / (1.0L + i);
    long double pv = (long double)(in->price_cents - in->special_payment_cents);
    long double vn = powl(v, in->term_months);
    long double annuity_due = i == 0 ? in->term_months : (1.0L - vn) / (1.0L - v);
    rate = round_half_up((pv - (long double)in->residual_value_cents * vn) / annuity_due);
    if (rate <= 0) {
      bad(errs, "residual_value_cents", "the residual value leaves nothing to pay monthly");
      return err_set(e, CC24_E_FINANCE_INPUT, "the residual value leaves no monthly rate");
    }
  }
  q->monthly_rate_cents = rate;
  q->leasing_factor = (double)rate / (double)in->price_cents * 100.0;
  q->total_cost_cents =
      in->special_payment_cents + rate * in->term_months + in->transfer_costs_cents;
  return 0;
}

int fin_nominal_for_apr(const struct fin_input *in, double target, double *nominal, struct err *e)
{
  struct fin_input x = *in;
  double lo = 0, hi = 30;
  struct fin_quote q;
  x.nominal_rate_percent = lo;
  if (fin_quote(&x, &q, e) < 0)
    return -1;
  if (q.apr_percent > target + 1e-9)
    return err_set(e, CC24_E_FINANCE_NO_SOLUTION, "even 0 %% Sollzins exceeds that APR");
  x.nominal_rate_percent = hi;
  if (fin_quote(&x, &q, e) < 0 || q.apr_percent < target)
    return err_set(e, CC24_E_FINANCE_NO_SOLUTION, "the APR needs a Sollzins above 30 %%");
  for (int it = 0; it < 80 && hi - lo > 1e-9; it++) {
    x.nominal_rate_percent = (lo + hi) / 2;
    if (fin_quote(&x, &q, e) < 0)
      return -1;
    if (q.apr_percent < target)
      lo = x.nominal_rate_percent;
    else
      hi = x.nominal_rate_percent;
  }
  *nominal = (lo + hi) / 2;
  return 0;
}

int fin_installment_for_apr(const struct fin_input *in, double target, int64_t *installment,
                            struct err *e)
{
  if (fin_validate(in, NULL) < 0 || !isfinite(target) || target <= -99 || target > 1000)
    return err_set(e, CC24_E_FINANCE_INPUT, "impossible financing input");
  int n = in->term_months;
  double payout =
      (double)(in->price_cents - in->down_payment_cents - in->trade_in_cents - in->fees_cents);
  double v = pow(1.0 + target / 100.0, -1.0 / 12.0);
  double balloon = in->product == FIN_BALLOON ? (double)in->balloon_cents : 0;
  int k = in->product == FIN_BALLOON ? n - 1 : n; /* regular payments */
  double annuity = fabs(1.0 - v) < 1e-15 ? k : v * (1.0 - pow(v, k)) / (1.0 - v);
  double a = (payout - balloon * pow(v, n)) / annuity;
  if (!(a > 0))
    return err_set(e, CC24_E_FINANCE_NO_SOLUTION, "no positive instalment gives that APR");
  *installment = round_half_up(a);
  return 0;
}

int fin_check_example(const struct fin_stated *s, struct fin_check *out, struct err *e)
{
  memset(out, 0, sizeof *out);
  if (s->net_loan_cents <= 0 || s->installments < 1 || s->installments > 120 ||
      s->installment_cents <= 0 || s->fees_cents < 0 || s->fees_cents >= s->net_loan_cents)
    return err_set(e, CC24_E_FINANCE_INPUT, "impossible example figures");
  int n = s->installments;
  int64_t final =
      s->final_installment_cents > 0 ? s->final_installment_cents : s->installment_cents;
  if (fin_apr_monthly((double)(s->net_loan_cents - s->fees_cents), (double)s->installment_cents,
                      (double) final, n, &out->computed_apr_percent, e) < 0)
    return -1;
  double shown = floor(out->computed_apr_percent * 100 + 0.5) / 100;
  out->apr_mismatch = fabs(shown - s->stated_apr_percent) > 0.0100001;
  if (s->nominal_rate_percent >= 0) {
    double i = s->nominal_rate_percent / 1200;
    if (final != s->installment_cents && n > 1) {
      double g = pow(1 + i, n), sum = i == 0 ? n - 1 : (g - (1 + i)) / i;
      out->expected_installment_cents = ((double)s->net_loan_cents * g - (double) final) / sum;
    } else {
      out->expected_installment_cents = fin_annuity((double)s->net_loan_cents, n, i);
    }
    out->installment_mismatch =
        fabs(out->expected_installment_cents - (double)s->installment_cents) >
        fmax(2.0, (double)s->installment_cents * 0.001);
  }
  out->consistent = !out->apr_mismatch && !out->installment_mismatch;
  return 0;
}
