/* finance.h — the financing engine: instalment credit, balloon financing,
 * leasing figures and the effective annual rate (APR, "effektiver Jahreszins")
 * by the equation of Annex I of Directive 2008/48/EC (§ 16 PAngV and its annex).
 * Pure computation: no I/O, no allocation, no globals. Every result goes into a
 * caller-provided struct, so quoting is safe from any thread and cheap enough for
 * a calculator that recomputes on every keystroke.
 *
 * Conventions (shared/DOMAIN.md §1, stated in the UI's fine print):
 * - net loan (Nettodarlehensbetrag) = price − down payment − trade-in; financed
 *   fees are added to the credit amount but not paid out; up-front fees are paid
 *   by the consumer at payout (t = 0).
 * - instalment = annuity on the credit amount at the nominal monthly rate
 *   Sollzins/12, rounded half-up to the cent; the final instalment takes the exact
 *   residual (interest is not rounded month by month), rounded half-up, so the
 *   loan amortises exactly. The first instalment is due one month after payout.
 * - balloon (Schlussrate): term−1 equal instalments, then the balloon plus the
 *   residual in the last month instead of a regular instalment.
 * - APR: Σ payouts·(1+X)^−t = Σ payments·(1+X)^−s, t and s in years from the
 *   first payout, a month = 1/12 year (a day = 1/365); solved by Newton's method
 *   inside a sign-change bracket with bisection fallback, to 1e-10 or better.
 * - APR display: two decimals, decimal comma, rounded half-up on the exact value
 *   ("3,99 %"). Source: Anlage zu § 16 PAngV, I. Anmerkung d) — "Das Rechenergebnis
 *   wird auf zwei Dezimalstellen genau angegeben. Ist die Ziffer der darauf
 *   folgenden Dezimalstelle größer als oder gleich 5, so erhöht sich die Ziffer der
 *   zweiten Dezimalstelle um den Wert 1" (Directive 2008/48/EC Annex I remark (d)
 *   says the same for "at least one decimal place"). That is rounding, not
 *   truncation.
 *
 * Errors: every function that can fail returns 0 or -1 and fills an optional
 * struct err; input errors carry CC24_E_FINANCE_INPUT and name the offending
 * field in err.field, a schedule no rate solves carries CC24_E_FINANCE_NO_SOLUTION.
 * No function ever returns NaN or loops without bound. */
#ifndef CC24_FINANCE_FINANCE_H
#define CC24_FINANCE_FINANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct field_errors;
struct err;

/* Amount limit for every money input: 1 billion euros, so that sums of 120
 * instalments and the long double arithmetic stay far from overflow. */
#define FIN_MAX_CENTS      100000000000LL
#define FIN_MAX_TERM       120  /* months */
#define FIN_MAX_RATE       30.0 /* Sollzins p.a. in percent */
#define FIN_MAX_FLOW_YEARS 100  /* latest time of a flow in fin_apr */

enum fin_product { FIN_LOAN, FIN_BALLOON };

struct fin_input {
  int product;                 /* enum fin_product */
  int64_t price_cents;         /* cash price (Barzahlungspreis), > 0 */
  int64_t down_payment_cents;  /* Anzahlung, >= 0 */
  int64_t trade_in_cents;      /* Inzahlungnahme credited, >= 0 */
  int term_months;             /* 1..120 (balloon: 2..120) */
  double nominal_rate_percent; /* Sollzins p.a., 0..30 */
  int64_t balloon_cents;       /* Schlussrate (balloon only), below the credit amount */
  int64_t fees_cents;          /* paid up-front at payout, below the net loan */
  int64_t financed_fees_cents; /* added to the credit amount, not paid out */
};

struct fin_quote {
  int64_t net_loan_cents; /* Nettodarlehensbetrag (price − down payment − trade-in) */
  int64_t credit_cents;   /* net loan + financed fees: what the annuity is computed on */
  int64_t monthly_installment_cents; /* each of the first installments−1 payments */
  int64_t final_installment_cents;   /* the last payment (balloon: balloon + residual) */
  int installments;                  /* number of payments, the final one included */
  int64_t total_interest_cents;      /* Sollzinsen: all instalments − credit amount */
  int64_t total_payable_cents;       /* Gesamtbetrag: all instalments + up-front fees */
  double apr_percent;                /* effektiver Jahreszins, exact (not rounded) */
};

/* A cash flow for the APR: amount > 0 paid out to the consumer, < 0 paid by them. */
struct fin_flow {
  double t_years; /* 0..FIN_MAX_FLOW_YEARS from the first payout */
  int64_t amount_cents;
};

/* Check the input; every problem goes to errs (may be NULL) naming its field
 * ("price_cents", "term_months", ...). Returns 0 or -1. */
int fin_validate(const struct fin_input *in, struct field_errors *errs);

/* Compute a quote into q (always written; zeroed on error). -1 with e
 * (CC24_E_FINANCE_INPUT, e->field = the first bad field) for impossible input. */
int fin_quote(const struct fin_input *in, struct fin_quote *q, struct err *e);

/* APR in percent for any schedule. -1 with CC24_E_FINANCE_INPUT for a time that is
 * not finite or outside 0..FIN_MAX_FLOW_YEARS, CC24_E_FINANCE_NO_SOLUTION when the
 * flows have no payout or no payment or no rate in (−99 %, 1000 %] solves them. */
int fin_apr(const struct fin_flow *flows, size_t n, double *apr_percent, struct err *e);

/* The APR of the common regular case: payout at t = 0, n−1 monthly payments a (months
 * 1..n−1) and a final payment f at month n. Same answer as fin_apr on those flows
 * (closed-form present values, no flow array). -1 (CC24_E_FINANCE_NO_SOLUTION) when
 * payout <= 0, a < 0, f < 0, nothing is repaid or no rate solves the schedule. */
int fin_apr_monthly(double payout, double a, double f, int n, double *apr_percent, struct err *e);

/* "3,99 %" (two decimals rounded half-up, decimal comma; see the header comment).
 * Non-finite input gives "–". out should hold >= 32 bytes. */
void fin_percent_display(double percent, char *out, size_t n);

/* A percentage rounded half-up to two decimals as a number (3.994999 → 3.99), the
 * value that fin_percent_display shows. */
double fin_percent_round2(double percent);

/* Annuity for credit c over n months at monthly rate i (unrounded cents). */
double fin_annuity(double c, int n, double i);

/* ---- leasing (not credit: advertised with its own figures) ---- */

struct fin_lease_input {
  int64_t price_cents;           /* gross list price (Listenpreis brutto) */
  int64_t special_payment_cents; /* Sonderzahlung, paid at the start, below the price */
  int term_months;               /* 6..120 */
  int km_per_year;               /* agreed mileage, 1,000..200,000 */
  int64_t residual_value_cents;  /* Restwert at the end (lessor's calculation or agreed) */
  int64_t transfer_costs_cents;  /* Überführung (paid to the dealer, not part of the rate) */
  double nominal_rate_percent;   /* the lessor's money rate p.a. (only to derive the rate) */
  int64_t monthly_rate_cents;    /* when > 0: the lessor's stated rate, taken as it is */
};

struct fin_lease_quote {
  int64_t monthly_rate_cents;
  double leasing_factor;             /* monthly rate / gross list price × 100, exact */
  int64_t leasing_factor_hundredths; /* the factor rounded half-up to two decimals × 100 */
  int64_t total_cost_cents;          /* special payment + all rates + transfer costs */
  double effective_rate_percent;     /* rate implied by price, special payment, rates in
                                        advance and residual (Annex I equation); -1 when
                                        the flows have none */
};

/* Rates are due in advance (month 0 .. n−1); the residual value closes the account at
 * month n: price − special = Σ R·v^m + residual·v^n, v = 1/(1+i/12). Every bad field
 * goes to errs (may be NULL); -1 with e (CC24_E_FINANCE_INPUT, first bad field). */
int fin_lease_quote(const struct fin_lease_input *in, struct fin_lease_quote *q,
                    struct field_errors *errs, struct err *e);

/* The Leasingfaktor "0,99" (two decimals, decimal comma). out >= 32 bytes. */
void fin_factor_display(const struct fin_lease_quote *q, char *out, size_t n);

/* ---- inverses ---- */

/* The Sollzins (percent p.a.) at which in has the target APR (in's own rate ignored).
 * -1 with CC24_E_FINANCE_NO_SOLUTION when even 0 % or only more than 30 % would do. */
int fin_nominal_for_apr(const struct fin_input *in, double target_apr_percent, double *nominal,
                        struct err *e);
/* The monthly instalment (cents, rounded half-up) that gives the target APR for in's
 * amounts and fees (loan: all instalments equal; balloon: the balloon last). */
int fin_installment_for_apr(const struct fin_input *in, double target_apr_percent,
                            int64_t *installment_cents, struct err *e);

/* ---- checking a stated example (an ad, a bank's sheet) against its own figures ---- */

/* How far a stated instalment may be from the annuity at the stated Sollzins: 2 cents
 * or 1 ‰ of the instalment, whichever is more. Bank sheets often compute the first
 * period day-exact or round interest monthly, which moves the rate by a few tenths of a
 * per mille; the APR comparison (to the hundredth) is the strict one. */
#define FIN_CHECK_TOLERANCE_CENTS    2
#define FIN_CHECK_TOLERANCE_PERMILLE 1

struct fin_stated {
  int64_t net_loan_cents;          /* Nettodarlehensbetrag, paid out at t = 0 */
  int installments;                /* 1..120, monthly, the first one month after payout */
  int64_t installment_cents;       /* each regular instalment */
  int64_t final_installment_cents; /* 0 = same as the others */
  int64_t fees_cents;              /* paid at payout */
  double nominal_rate_percent;     /* < 0 = not stated */
  double stated_apr_percent;
  int64_t financed_fees_cents; /* added to the credit the Sollzins runs on (not paid out) */
};

struct fin_check {
  bool consistent;                   /* neither mismatch below */
  double computed_apr_percent;       /* the APR the stated instalments imply (exact) */
  bool apr_mismatch;                 /* the stated APR is not the computed one shown with two
                                        decimals (half-up), ±0.01 tolerated */
  bool installment_mismatch;         /* the instalment is further from the annuity at the stated
                                        Sollzins than the tolerance above */
  double expected_installment_cents; /* that annuity (unrounded); 0 without a Sollzins */
};

/* Recompute the APR the stated instalments imply and compare. -1 with e
 * (CC24_E_FINANCE_INPUT naming the field, or CC24_E_FINANCE_NO_SOLUTION) when the
 * figures are impossible or admit no APR at all. */
int fin_check_example(const struct fin_stated *s, struct fin_check *out, struct err *e);
#endif
