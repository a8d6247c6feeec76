/* finance.h — the financing engine: instalment credit, balloon financing and
 * the effective annual rate (APR) by the equation of Annex I of Directive
 * 2008/48/EC (§ 16 PAngV). Pure computation, no I/O, no allocation.
 *
 * Conventions (shared/DOMAIN.md §1, stated in the UI's fine print):
 * - net loan = price − down payment − trade-in; financed fees are added to the
 *   credit amount but not paid out; up-front fees are paid at t = 0.
 * - instalment = annuity on the credit amount at Sollzins/12, rounded half-up
 *   to the cent; the final instalment takes the exact residual (interest is
 *   not rounded month by month), rounded half-up.
 * - balloon: term−1 equal instalments, then the balloon plus the residual.
 * - APR: Σ payouts·(1+X)^−t = Σ payments·(1+X)^−s, t in years, a month = 1/12
 *   year; solved by Newton's method inside a bracket with bisection fallback to
 *   1e-10; displayed with two decimals, rounded half-up ("3,99 %"). */
#ifndef CC24_FINANCE_FINANCE_H
#define CC24_FINANCE_FINANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct field_errors;
struct err;

enum fin_product { FIN_LOAN, FIN_BALLOON };

struct fin_input {
  int product;                 /* enum fin_product */
  int64_t price_cents;         /* cash price (Barzahlungspreis) */
  int64_t down_payment_cents;  /* Anzahlung */
  int64_t trade_in_cents;      /* Inzahlungnahme credited */
  int term_months;             /* 1..120 */
  double nominal_rate_percent; /* Sollzins p.a., 0..30 */
  int64_t balloon_cents;       /* Schlussrate (balloon only) */
  int64_t fees_cents;          /* paid up-front at payout */
  int64_t financed_fees_cents; /* added to the credit amount */
};

struct fin_quote {
  int64_t net_loan_cents; /* Nettodarlehensbetrag (paid out) */
  int64_t credit_cents;   /* net loan + financed fees */
  int64_t monthly_installment_cents;
  int64_t final_installment_cents;
  int installments; /* number of payments, the final one included */
  int64_t total_interest_cents;
  int64_t total_payable_cents; /* Gesamtbetrag: all instalments + up-front fees */
  double apr_percent;          /* effektiver Jahreszins, exact */
};

/* A cash flow for the APR: amount > 0 paid out to the consumer, < 0 paid by them. */
struct fin_flow {
  double t_years;
  int64_t amount_cents;
};

/* Check the input; every problem goes to errs (may be NULL). 0 or -1. */
int fin_validate(const struct fin_input *in, struct field_errors *errs);

/* Compute a quote. -1 with e (CC24_E_FINANCE_INPUT) for impossible input. */
int fin_quote(const struct fin_input *in, struct fin_quote *out, struct err *e);

/* APR in percent for any schedule. -1 (CC24_E_FINANCE_NO_SOLUTION) when the
 * flows have no payout or no payment or no rate in (-99 %, 1000 %] solves them. */
int fin_apr(const struct fin_flow *flows, size_t n, double *apr_percent, struct err *e);

/* The APR of the common regular case: payout at t = 0, n-1 monthly payments a and a
 * final payment f at month n (closed form per evaluation; same answer as fin_apr). */
int fin_apr_monthly(double payout, double a, double f, int n, double *apr_percent, struct err *e);

/* "3,99 %" (two decimals, half-up, decimal comma). out >= 16 bytes. */
void fin_percent_display(double percent, char *out, size_t n);

/* Annuity for credit c over n months at monthly rate i (unrounded cents). */
double fin_annuity(double c, int n, double i);

/* ---- leasing (not credit: advertised with its own figures) ---- */

struct fin_lease_input {
  int64_t price_cents;           /* gross list price */
  int64_t special_payment_cents; /* Sonderzahlung, paid at the start */
  int term_months;               /* 6..120 */
  int km_per_year;               /* agreed mileage */
  int64_t residual_value_cents;  /* Restwert at the end (lessor's calculation or agreed) */
  int64_t transfer_costs_cents;  /* Überführung */
  double nominal_rate_percent;   /* the lessor's money rate p.a. */
  int64_t monthly_rate_cents;    /* when > 0: the lessor's stated rate, not computed */
};

struct fin_lease_quote {
  int64_t monthly_rate_cents;
  double leasing_factor;    /* monthly rate / gross list price × 100 */
  int64_t total_cost_cents; /* special payment + all rates + transfer costs */
};

/* Rates are due in advance (month 0 .. n-1); the residual value closes the
 * account at month n: price − special = Σ R·v^m + residual·v^n, v = 1/(1+i/12). */
int fin_lease_quote(const struct fin_lease_input *in, struct fin_lease_quote *q,
                    struct field_errors *errs, struct err *e);

/* ---- inverses ---- */

/* The Sollzins (percent p.a.) at which in has the target APR (in's own rate ignored). */
int fin_nominal_for_apr(const struct fin_input *in, double target_apr_percent, double *nominal,
                        struct err *e);
/* The monthly instalment (cents) that gives the target APR for in's amounts and fees. */
int fin_installment_for_apr(const struct fin_input *in, double target_apr_percent,
                            int64_t *installment_cents, struct err *e);
/* ---- checking a stated example (e.g. copied from a bank's sheet) ---- */

struct fin_stated {
  int64_t net_loan_cents;
  int installments;
  int64_t installment_cents;
  int64_t final_installment_cents; /* 0 = same as the others */
  int64_t fees_cents;              /* paid at payout */
  double nominal_rate_percent;     /* < 0 = not stated */
  double stated_apr_percent;
};

struct fin_check {
  bool consistent;
  double computed_apr_percent;
  bool apr_mismatch;         /* the stated APR is not the instalments' APR (to the shown cent) */
  bool installment_mismatch; /* the instalment does not follow from the stated Sollzins */
  double expected_installment_cents;
};

/* Recompute the APR the stated instalments imply and compare. -1 with e when the
 * figures admit no APR at all. */
int fin_check_example(const struct fin_stated *s, struct fin_check *out, struct err *e);

#endif
