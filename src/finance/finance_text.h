/* finance_text.h — the representative example of § 17 PAngV (formerly § 6a) for a
 * quote: every mandatory figure as structured data (struct fin_example, pure, no
 * allocation) and as the German text block an ad prints.
 *
 * Mandatory (§ 17 Abs. 2–4 PAngV, shared/DOMAIN.md §1): identity and address of the
 * lender (or broker), Nettodarlehensbetrag, Sollzinssatz with "gebunden"/
 * "veränderlich", the costs included in the total cost, effektiver Jahreszins;
 * where applicable Gesamtbetrag, Vertragslaufzeit, Höhe and Anzahl der Raten; for
 * credit tied to a good the Barzahlungspreis and the Anzahlung; and the example
 * must be representative (the "2/3 rule" of § 17 Abs. 4). */
#ifndef CC24_FINANCE_TEXT_H
#define CC24_FINANCE_TEXT_H

#include "core/err.h"
#include "finance/finance.h"

#include <jansson.h>
#include <stdbool.h>

struct arena;

struct fin_lender {
  const char *name;    /* bank (Kreditgeber); mandatory */
  const char *address; /* its full postal address; mandatory */
  bool variable_rate;  /* Sollzins veränderlich (default: gebunden) */
};

/* Every figure of the example. Strings point into the lender struct it was built
 * from (nothing is copied or allocated). */
struct fin_example {
  const char *lender_name, *lender_address;
  const char *broker; /* NULL, or set by the caller after building: the dealer as credit
                         broker (Darlehensvermittler), "Name, Anschrift" */
  bool variable_rate;
  int product;                       /* enum fin_product */
  int64_t cash_price_cents;          /* Barzahlungspreis */
  int64_t down_payment_cents;        /* Anzahlung */
  int64_t trade_in_cents;            /* Inzahlungnahme */
  int64_t net_loan_cents;            /* Nettodarlehensbetrag */
  int64_t fees_cents;                /* up-front costs (Bearbeitungsgebühr) */
  int64_t financed_fees_cents;       /* costs added to the credit amount */
  int term_months;                   /* Vertragslaufzeit */
  double nominal_rate_percent;       /* Sollzinssatz p.a. */
  double apr_percent;                /* effektiver Jahreszins (exact) */
  int installments;                  /* Anzahl der Raten, the last one included */
  int regular_installments;          /* how many equal monthly instalments */
  int64_t monthly_installment_cents; /* Höhe der monatlichen Raten */
  int64_t final_installment_cents;   /* Schlussrate (balloon) or letzte Rate */
  bool has_distinct_final;           /* the last payment differs from the others */
  int64_t total_interest_cents;      /* Sollzinsen */
  int64_t total_payable_cents;       /* Gesamtbetrag */
};

/* Fill ex from the input, its quote and the lender. Refuses with -1 and
 * CC24_E_FINANCE_MISSING naming the field ("lender.name", "lender.address",
 * "price_cents", "term_months", "quote") when a mandatory figure is missing. */
int fin_example_build(const struct fin_input *in, const struct fin_quote *q,
                      const struct fin_lender *lender, struct fin_example *ex, struct err *e);

/* The German text block ("Repräsentatives Beispiel gemäß § 17 PAngV: ...") into
 * the arena a (*out, NUL-terminated). Money as "12.345,00 €", rates as "3,99 %". */
const char *fin_example_text(struct arena *a, const struct fin_example *ex);

/* The figures as a JSON object (new reference): cents as integers, rates exact
 * (6 decimals) and as display strings, the lender, and "text". Strings are copied. */
json_t *fin_example_json(struct arena *a, const struct fin_example *ex);

/* A buyer's own calculation (the calculator on /finanzierung), with every figure of the
 * example but without a lender — so it is not called a representative example:
 * "Ihre Beispielrechnung: Barzahlungspreis …, Gesamtbetrag …. Unverbindlich …". In a;
 * NULL with e (CC24_E_FINANCE_MISSING) like fin_example_build without its lender checks. */
const char *fin_calculation_text(struct arena *a, const struct fin_input *in,
                                 const struct fin_quote *q, bool variable_rate, struct err *e);

/* Build and format in one call (into a, *out); same refusals as fin_example_build. */
int fin_representative_text(struct arena *a, const struct fin_input *in, const struct fin_quote *q,
                            const struct fin_lender *lender, const char **out, struct err *e);

#endif
