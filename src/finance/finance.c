/* finance.c — the engine: validation, instalments, APR solvers, leasing, inverses.
 * Money is int64 cents; long double carries the annuity arithmetic (so a 10 M€
 * credit over 120 months keeps sub-cent precision before rounding) and double the
 * rate solvers. */
#include "finance/finance.h"

#include "core/err.h"
#include "core/json.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* ---- validation ---- */

/* Collects problems into an optional field_errors list and the first one into an
 * optional err. With errs == NULL nothing is allocated (the quote's hot path). */
struct vctx {
  struct field_errors *errs;
  struct err *e;
  int n;
};

static void fail(struct vctx *v, const char *field, const char *msg)
{
  if (v->errs)
    field_error_add(v->errs, field, "range", "%s", msg);
  if (v->n == 0)
    err_set_field(v->e, CC24_E_FINANCE_INPUT, field, "%s", msg);
  v->n++;
}

static bool money_ok(int64_t c)
{
  return c >= 0 && c <= FIN_MAX_CENTS;
}

static int check_input(const struct fin_input *in, struct vctx *v)
{
  if (in->product != FIN_LOAN && in->product != FIN_BALLOON)
    fail(v, "product", "product must be loan or balloon");
  if (!(in->price_cents > 0 && in->price_cents <= FIN_MAX_CENTS))
    fail(v, "price_cents", "price_cents must be between 1 and 100000000000");
  if (!money_ok(in->down_payment_cents))
    fail(v, "down_payment_cents", "down_payment_cents must be between 0 and 100000000000");
  if (!money_ok(in->trade_in_cents))
    fail(v, "trade_in_cents", "trade_in_cents must be between 0 and 100000000000");
  if (in->term_months < 1 || in->term_months > FIN_MAX_TERM)
    fail(v, "term_months", "term_months must be between 1 and 120");
  /* the negated form also catches NaN */
  if (!(in->nominal_rate_percent >= 0 && in->nominal_rate_percent <= FIN_MAX_RATE))
    fail(v, "nominal_rate_percent", "nominal_rate_percent must be between 0 and 30");
  if (!money_ok(in->fees_cents))
    fail(v, "fees_cents", "fees_cents must be between 0 and 100000000000");
  if (!money_ok(in->financed_fees_cents))
    fail(v, "financed_fees_cents", "financed_fees_cents must be between 0 and 100000000000");
  if (!money_ok(in->balloon_cents))
    fail(v, "balloon_cents", "balloon_cents must be between 0 and 100000000000");
  if (v->n)
    return -1;
  /* relations, once every single figure is sane (no overflow below) */
  int64_t net = in->price_cents - in->down_payment_cents - in->trade_in_cents;
  if (in->down_payment_cents >= in->price_cents)
    fail(v, "down_payment_cents", "the down payment must be below the price");
  else if (net <= 0)
    fail(v, "trade_in_cents", "down payment and trade-in must leave an amount to finance");
  if (in->product == FIN_BALLOON) {
    if (in->balloon_cents <= 0)
      fail(v, "balloon_cents", "a balloon financing needs a balloon (Schlussrate)");
    else if (net > 0 && in->balloon_cents >= net + in->financed_fees_cents)
      fail(v, "balloon_cents", "the balloon must be below the credit amount");
    if (in->term_months < 2)
      fail(v, "term_months", "a balloon financing needs at least 2 months");
  } else if (in->balloon_cents != 0) {
    fail(v, "balloon_cents", "an instalment loan has no balloon (use product balloon)");
  }
  if (net > 0 && in->fees_cents >= net)
    fail(v, "fees_cents", "up-front fees must be below the net loan");
  return v->n ? -1 : 0;
}

int fin_validate(const struct fin_input *in, struct field_errors *errs)
{
  struct vctx v = {errs, NULL, 0};
  return check_input(in, &v);
}

/* ---- instalments ---- */

double fin_annuity(double c, int n, double i)
{
  if (n < 1)
    return 0;
  if (i == 0)
    return c / n;
  return c * i / -expm1(-n * log1p(i));
}

/* floor(x + 0.5) by conversion: floorl() is a library call that costs more than the
 * rest of a quote. |x| stays far below 2^63 (amounts are capped at FIN_MAX_CENTS). */
static int64_t round_half_up(long double x)
{
  long double y = x + 0.5L;
  int64_t t = (int64_t)y; /* truncates toward zero */
  return (long double)t > y ? t - 1 : t;
}

/* x^n for a whole n >= 0 by repeated squaring: terms are at most 1,200 months, so
 * this is ≤ 11 squarings and exact to a few ulps — and far cheaper than powl(). */
static long double powl_int(long double x, int n)
{
  long double r = 1.0L;
  while (n > 0) {
    if (n & 1)
      r *= x;
    x *= x;
    n >>= 1;
  }
  return r;
}

static double pow_int(double x, int n)
{
  double r = 1.0;
  while (n > 0) {
    if (n & 1)
      r *= x;
    x *= x;
    n >>= 1;
  }
  return r;
}

int fin_quote(const struct fin_input *in, struct fin_quote *q, struct err *e)
{
  memset(q, 0, sizeof *q);
  struct vctx v = {NULL, e, 0};
  if (check_input(in, &v) < 0)
    return -1;
  int n = in->term_months;
  long double i = (long double)in->nominal_rate_percent / 1200.0L;
  int64_t net = in->price_cents - in->down_payment_cents - in->trade_in_cents;
  int64_t credit = net + in->financed_fees_cents;
  long double c = (long double)credit;
  long double growth = powl_int(1.0L + i, n);
  /* Σ_{k=1}^{n-1} (1+i)^(n-k): the value at month n of n−1 payments of 1 */
  long double s = i == 0 ? (long double)(n - 1) : (growth - (1.0L + i)) / i;
  int64_t a;
  if (in->product == FIN_BALLOON)
    a = round_half_up((c * growth - (long double)in->balloon_cents) / s);
  else
    a = round_half_up(i == 0 ? c / n : c * i / (1.0L - 1.0L / growth));
  const char *field = in->product == FIN_BALLOON ? "balloon_cents" : "term_months";
  if (a <= 0)
    return err_set_field(e, CC24_E_FINANCE_INPUT, field,
                         "the amount is too small for monthly instalments over this term");
  /* the exact residual: the credit's value at month n minus the instalments' value */
  int64_t last = round_half_up(c * growth - (long double)a * s);
  if (last <= 0)
    return err_set_field(e, CC24_E_FINANCE_INPUT, field,
                         "the amount is too small for whole-cent instalments over this term");
  int64_t paid = a * (n - 1) + last;
  double apr;
  if (fin_apr_monthly((double)(net - in->fees_cents), (double)a, (double)last, n, &apr, NULL) < 0)
    /* only fees out of all proportion to the payout get here (APR above ~400,000 %) */
    return err_set_field(e, CC24_E_FINANCE_NO_SOLUTION,
                         in->financed_fees_cents > in->fees_cents ? "financed_fees_cents"
                                                                  : "fees_cents",
                         "the fees leave no effective rate that could be stated");
  q->net_loan_cents = net;
  q->credit_cents = credit;
  q->monthly_installment_cents = a;
  q->final_installment_cents = last;
  q->installments = n;
  q->total_payable_cents = paid + in->fees_cents;
  q->total_interest_cents = paid - credit;
  q->apr_percent = apr;
  return 0;
}

/* ---- APR ---- */

/* Present value g and its derivative dg/dr of n−1 payments a (months 1..n−1) and a
 * final f (month n) at the monthly rate r. Closed forms away from r = 0, plain
 * sums near it (where the closed forms cancel). */
static void pv_monthly(double r, double a, double f, int n, double *g, double *dg)
{
  double v = 1.0 / (1.0 + r);
  double s, ds; /* Σ_{k=1}^{n-1} v^k and its derivative in v */
  double vn1 = pow_int(v, n - 1);
  if (fabs(r) > 1e-3) {
    double w = 1.0 - v;
    s = v * (1.0 - vn1) / w;
    ds = (1.0 - n * vn1 + (n - 1) * vn1 * v) / (w * w);
  } else {
    s = 0, ds = 0;
    double p = 1.0; /* v^(k-1) */
    for (int k = 1; k < n; k++) {
      ds += k * p;
      p *= v;
      s += p;
    }
  }
  *g = a * s + f * vn1 * v;
  /* d/dr = d/dv · (−v²) */
  *dg = -(a * ds + f * n * vn1) * v * v;
}

int fin_apr_monthly(double payout, double a, double f, int n, double *apr_percent, struct err *e)
{
  *apr_percent = 0;
  if (!(payout > 0) || !(a >= 0) || !(f >= 0) || !isfinite(payout) || !isfinite(a) ||
      !isfinite(f) || n < 1 || n > 100 * 12 || (n == 1 ? f : a * (n - 1) + f) <= 0)
    return err_set(e, CC24_E_FINANCE_NO_SOLUTION, "the schedule needs a payout and a repayment");
  double total = n == 1 ? f : a * (n - 1) + f;
  if (total == payout)
    return 0; /* exactly no cost: 0 % (not a solver's ±1e-17) */
  /* g(r) = PV(r) − payout falls as the monthly rate r rises; bracket the root with
   * g(lo) > 0 > g(hi), then Newton steps, bisecting whenever a step leaves it. */
  double lo = -0.5, hi = 1.0, g, dg;
  pv_monthly(lo, a, f, n, &g, &dg);
  if (!(g - payout > 0))
    return err_set(e, CC24_E_FINANCE_NO_SOLUTION, "the repayments are too small for any rate");
  pv_monthly(hi, a, f, n, &g, &dg);
  if (!(g - payout < 0))
    return err_set(e, CC24_E_FINANCE_NO_SOLUTION, "the repayments are too large for any rate");
  /* start from the simple-interest estimate: cost / (payout × mean term in months) */
  double r = 2.0 * (total - payout) / (payout * (n + 1));
  if (!(r > lo && r < hi))
    r = 0.01;
  for (int it = 0; it < 200; it++) {
    pv_monthly(r, a, f, n, &g, &dg);
    g -= payout;
    if (g == 0)
      break;
    if (g > 0)
      lo = r;
    else
      hi = r;
    double nr = r - g / dg;
    if (!isfinite(nr) || nr <= lo || nr >= hi)
      nr = lo + (hi - lo) / 2;
    double step = fabs(nr - r);
    r = nr;
    if (step <= 1e-15 * (1.0 + fabs(r)) || hi - lo <= 1e-15)
      break;
  }
  *apr_percent = expm1(12.0 * log1p(r)) * 100.0;
  return 0;
}

/* f(X) = Σ amount·(1+X)^-t and its derivative. */
static void npv(const struct fin_flow *fl, size_t n, double x, double *v, double *dv)
{
  double s = 0, ds = 0, l = log1p(x);
  for (size_t k = 0; k < n; k++) {
    double d = exp(-fl[k].t_years * l);
    s += (double)fl[k].amount_cents * d;
    ds -= fl[k].t_years * (double)fl[k].amount_cents * d;
  }
  *v = s;
  *dv = ds / (1.0 + x);
}

int fin_apr(const struct fin_flow *flows, size_t n, double *apr_percent, struct err *e)
{
  *apr_percent = 0;
  bool pos = false, neg = false;
  int64_t sum = 0;
  for (size_t k = 0; k < n; k++) {
    if (!(flows[k].t_years >= 0 && flows[k].t_years <= FIN_MAX_FLOW_YEARS))
      return err_set_field(e, CC24_E_FINANCE_INPUT, "t_years",
                           "flow %zu: t_years must be a number between 0 and 100", k);
    if (flows[k].amount_cents < -FIN_MAX_CENTS || flows[k].amount_cents > FIN_MAX_CENTS)
      return err_set_field(e, CC24_E_FINANCE_INPUT, "amount_cents",
                           "flow %zu: amount_cents is out of range", k);
    pos |= flows[k].amount_cents > 0;
    neg |= flows[k].amount_cents < 0;
    sum += flows[k].amount_cents; /* |sum| <= n × 1e11: no overflow below 9e7 flows */
  }
  if (!pos || !neg)
    return err_set_field(e, CC24_E_FINANCE_NO_SOLUTION, "flows",
                         "the schedule needs a payout (positive) and a repayment (negative)");
  if (sum == 0)
    return 0; /* the consumer pays back exactly what was paid out: 0 % */
  /* Bracket: f is the NPV; it must change sign between −99 % and 1000 %. */
  double lo = -0.99, hi = 10.0, flo, fhi, d;
  npv(flows, n, lo, &flo, &d);
  npv(flows, n, hi, &fhi, &d);
  if (!isfinite(flo) || !isfinite(fhi) || flo == 0 || fhi == 0 || (flo > 0) == (fhi > 0))
    return err_set_field(e, CC24_E_FINANCE_NO_SOLUTION, "flows",
                         "no effective rate between -99 %% and 1000 %% solves the schedule");
  double x = 0.05;
  for (int it = 0; it < 300; it++) {
    double f, df;
    npv(flows, n, x, &f, &df);
    if (f == 0)
      break;
    if ((f > 0) == (flo > 0))
      lo = x;
    else
      hi = x;
    double nx = x - f / df;
    /* Newton when it stays inside the bracket, bisection otherwise */
    if (!isfinite(nx) || nx <= lo || nx >= hi)
      nx = lo + (hi - lo) / 2;
    double step = fabs(nx - x);
    x = nx;
    if (step <= 1e-14 * (1.0 + fabs(x)) || hi - lo <= 1e-14)
      break;
  }
  *apr_percent = x * 100.0;
  return 0;
}

/* ---- display ---- */

/* Hundredths rounded half away from zero. The tolerance of 1e-6 hundredths
 * (1e-8 percentage points) absorbs binary noise: 3.995 is stored as 3.99499999…,
 * and the solvers are exact to ~1e-12, so a true half must not round down. */
static long long hundredths(double percent)
{
  long double x = fabsl((long double)percent * 100.0L);
  long long h = (long long)floorl(x + 0.5L + 1e-6L);
  return percent < 0 ? -h : h;
}

double fin_percent_round2(double percent)
{
  if (!isfinite(percent) || fabs(percent) > 1e15)
    return percent;
  return (double)hundredths(percent) / 100.0;
}

static void decimal2(long long h, const char *suffix, char *out, size_t n)
{
  unsigned long long u = h < 0 ? 0ULL - (unsigned long long)h : (unsigned long long)h;
  snprintf(out, n, "%s%llu,%02llu%s", h < 0 ? "-" : "", u / 100, u % 100, suffix);
}

void fin_percent_display(double percent, char *out, size_t n)
{
  if (!isfinite(percent) || fabs(percent) > 1e15) {
    snprintf(out, n, "–");
    return;
  }
  decimal2(hundredths(percent), " %", out, n);
}

/* ---- leasing ---- */

int fin_lease_quote(const struct fin_lease_input *in, struct fin_lease_quote *q,
                    struct field_errors *errs, struct err *e)
{
  memset(q, 0, sizeof *q);
  q->effective_rate_percent = -1;
  struct vctx v = {errs, e, 0};
  bool price_ok = in->price_cents > 0 && in->price_cents <= FIN_MAX_CENTS;
  if (!price_ok)
    fail(&v, "price_cents", "price_cents must be between 1 and 100000000000");
  if (!money_ok(in->special_payment_cents) ||
      (price_ok && in->special_payment_cents >= in->price_cents))
    fail(&v, "special_payment_cents", "the special payment must be below the price");
  if (in->term_months < 6 || in->term_months > FIN_MAX_TERM)
    fail(&v, "term_months", "term_months must be between 6 and 120");
  if (in->km_per_year < 1000 || in->km_per_year > 200000)
    fail(&v, "km_per_year", "km_per_year must be between 1000 and 200000");
  if (!money_ok(in->residual_value_cents) ||
      (price_ok && in->residual_value_cents >= in->price_cents))
    fail(&v, "residual_value_cents", "the residual value must be below the price");
  if (!money_ok(in->transfer_costs_cents))
    fail(&v, "transfer_costs_cents", "transfer_costs_cents must be between 0 and 100000000000");
  if (!(in->nominal_rate_percent >= 0 && in->nominal_rate_percent <= FIN_MAX_RATE))
    fail(&v, "nominal_rate_percent", "nominal_rate_percent must be between 0 and 30");
  if (!money_ok(in->monthly_rate_cents))
    fail(&v, "monthly_rate_cents", "monthly_rate_cents must be between 0 and 100000000000");
  if (v.n)
    return -1;
  int n = in->term_months;
  int64_t rate = in->monthly_rate_cents;
  if (rate == 0) {
    /* price − special = R·Σ_{m=0}^{n-1} v^m + residual·v^n (rates in advance) */
    long double i = (long double)in->nominal_rate_percent / 1200.0L;
    long double vv = 1.0L / (1.0L + i);
    long double pv = (long double)(in->price_cents - in->special_payment_cents);
    long double vn = powl_int(vv, n);
    long double annuity_due = i == 0 ? n : (1.0L - vn) / (1.0L - vv);
    rate = round_half_up((pv - (long double)in->residual_value_cents * vn) / annuity_due);
    if (rate <= 0) {
      fail(&v, "residual_value_cents", "the residual value leaves nothing to pay monthly");
      return -1;
    }
  }
  q->monthly_rate_cents = rate;
  q->leasing_factor = (double)rate / (double)in->price_cents * 100.0;
  /* exact integer rounding of rate × 100 / price to two decimals (no binary ties) */
  q->leasing_factor_hundredths = (rate * 10000 * 2 + in->price_cents) / (2 * in->price_cents);
  q->total_cost_cents = in->special_payment_cents + rate * n + in->transfer_costs_cents;
  /* the lessor's implied rate: finances price − special payment − the first rate, gets
   * the rates of months 1..n−1 and the residual value at month n */
  double apr;
  int64_t payout = in->price_cents - in->special_payment_cents - rate;
  if (payout > 0 && fin_apr_monthly((double)payout, (double)rate, (double)in->residual_value_cents,
                                    n, &apr, NULL) == 0)
    q->effective_rate_percent = apr;
  return 0;
}

void fin_factor_display(const struct fin_lease_quote *q, char *out, size_t n)
{
  decimal2(q->leasing_factor_hundredths, "", out, n);
}

/* ---- inverses ---- */

int fin_nominal_for_apr(const struct fin_input *in, double target, double *nominal, struct err *e)
{
  *nominal = 0;
  struct fin_input x = *in;
  x.nominal_rate_percent = 0;
  if (fin_validate(&x, NULL) < 0)
    return fin_quote(&x, &(struct fin_quote){0}, e); /* names the field */
  if (!(target > -99 && target <= 1000))
    return err_set_field(e, CC24_E_FINANCE_INPUT, "target_apr_percent",
                         "the target APR must be a number above -99 and at most 1000");
  double lo = 0, hi = FIN_MAX_RATE;
  struct fin_quote q;
  if (fin_quote(&x, &q, e) < 0)
    return -1;
  if (q.apr_percent > target + 1e-9)
    return err_set_field(e, CC24_E_FINANCE_NO_SOLUTION, "target_apr_percent",
                         "even 0 %% Sollzins gives an APR above the target");
  x.nominal_rate_percent = hi;
  if (fin_quote(&x, &q, e) < 0)
    return -1;
  if (q.apr_percent < target)
    return err_set_field(e, CC24_E_FINANCE_NO_SOLUTION, "target_apr_percent",
                         "the target APR needs a Sollzins above 30 %%");
  /* APR rises with the rate (in cent steps of the instalment): bisect */
  for (int it = 0; it < 80 && hi - lo > 1e-10; it++) {
    x.nominal_rate_percent = lo + (hi - lo) / 2;
    if (fin_quote(&x, &q, e) < 0)
      return -1;
    if (q.apr_percent < target)
      lo = x.nominal_rate_percent;
    else
      hi = x.nominal_rate_percent;
  }
  *nominal = lo + (hi - lo) / 2;
  return 0;
}

int fin_installment_for_apr(const struct fin_input *in, double target, int64_t *installment,
                            struct err *e)
{
  *installment = 0;
  struct fin_input x = *in;
  x.nominal_rate_percent = 0;
  struct vctx v = {NULL, e, 0};
  if (check_input(&x, &v) < 0)
    return -1;
  if (!(target > -99 && target <= 1000))
    return err_set_field(e, CC24_E_FINANCE_INPUT, "target_apr_percent",
                         "the target APR must be a number above -99 and at most 1000");
  int n = in->term_months;
  double payout =
      (double)(in->price_cents - in->down_payment_cents - in->trade_in_cents - in->fees_cents);
  /* monthly discount factor of the APR: (1+X)^(−1/12) */
  double v1 = exp(-log1p(target / 100.0) / 12.0);
  double balloon = in->product == FIN_BALLOON ? (double)in->balloon_cents : 0;
  int k = in->product == FIN_BALLOON ? n - 1 : n; /* regular payments */
  double annuity = fabs(1.0 - v1) < 1e-12 ? k : v1 * (1.0 - pow(v1, k)) / (1.0 - v1);
  double a = (payout - balloon * pow(v1, n)) / annuity;
  if (!(a >= 0.5 && a <= (double)FIN_MAX_CENTS))
    return err_set_field(e, CC24_E_FINANCE_NO_SOLUTION, "target_apr_percent",
                         "no positive instalment gives that APR");
  *installment = round_half_up(a);
  return 0;
}

/* ---- checking a stated example ---- */

int fin_check_example(const struct fin_stated *s, struct fin_check *out, struct err *e)
{
  memset(out, 0, sizeof *out);
  struct vctx v = {NULL, e, 0};
  if (!(s->net_loan_cents > 0 && s->net_loan_cents <= FIN_MAX_CENTS))
    fail(&v, "net_loan_cents", "net_loan_cents must be between 1 and 100000000000");
  else if (s->installments < 1 || s->installments > FIN_MAX_TERM)
    fail(&v, "installments", "installments must be between 1 and 120");
  else if (!(s->installment_cents > 0 && s->installment_cents <= FIN_MAX_CENTS))
    fail(&v, "installment_cents", "installment_cents must be between 1 and 100000000000");
  else if (!money_ok(s->final_installment_cents))
    fail(&v, "final_installment_cents", "final_installment_cents must not be negative");
  else if (!money_ok(s->fees_cents) || s->fees_cents >= s->net_loan_cents)
    fail(&v, "fees_cents", "fees must be below the net loan");
  else if (!money_ok(s->financed_fees_cents))
    fail(&v, "financed_fees_cents", "financed_fees_cents must not be negative");
  else if (!(s->nominal_rate_percent < 0 || s->nominal_rate_percent <= FIN_MAX_RATE))
    fail(&v, "nominal_rate_percent", "nominal_rate_percent must be between 0 and 30");
  else if (!(s->stated_apr_percent >= 0 && s->stated_apr_percent <= 100))
    fail(&v, "stated_apr_percent", "stated_apr_percent must be between 0 and 100");
  if (v.n)
    return -1;
  int n = s->installments;
  int64_t inst = s->installment_cents;
  int64_t last = s->final_installment_cents > 0 ? s->final_installment_cents : inst;
  if (fin_apr_monthly((double)(s->net_loan_cents - s->fees_cents), (double)inst, (double)last, n,
                      &out->computed_apr_percent, NULL) < 0)
    return err_set_field(e, CC24_E_FINANCE_NO_SOLUTION, "installment_cents",
                         "no effective rate turns the payout into these instalments");
  out->apr_mismatch =
      fabs(fin_percent_round2(out->computed_apr_percent) - s->stated_apr_percent) > 0.01 + 1e-9;
  if (s->nominal_rate_percent >= 0) {
    /* the annuity at the stated Sollzins on the credit amount; with a distinct last
     * payment that payment is taken as the balloon */
    long double c = (long double)(s->net_loan_cents + s->financed_fees_cents);
    long double i = (long double)s->nominal_rate_percent / 1200.0L;
    long double g = powl_int(1.0L + i, n);
    long double expect;
    if (last != inst && n > 1) {
      long double sum = i == 0 ? n - 1 : (g - (1.0L + i)) / i;
      expect = (c * g - (long double)last) / sum;
    } else {
      expect = i == 0 ? c / n : c * i / (1.0L - 1.0L / g);
    }
    out->expected_installment_cents = (double)expect;
    int64_t tol = inst * FIN_CHECK_TOLERANCE_PERMILLE / 1000;
    if (tol < FIN_CHECK_TOLERANCE_CENTS)
      tol = FIN_CHECK_TOLERANCE_CENTS;
    out->installment_mismatch = llabs(round_half_up(expect) - inst) > tol;
  }
  out->consistent = !out->apr_mismatch && !out->installment_mismatch;
  return 0;
}
