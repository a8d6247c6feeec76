/* finance_text.h — the German representative example (§ 17 PAngV) for a quote. */
#ifndef CC24_FINANCE_TEXT_H
#define CC24_FINANCE_TEXT_H

#include "core/err.h"
#include "finance/finance.h"

#include <stdbool.h>

struct arena;

struct fin_lender {
  const char *name;    /* bank or credit broker */
  const char *address; /* full postal address */
  bool variable_rate;  /* Sollzins veränderlich (default: gebunden) */
};

/* Build the text into a (returned in *out). Refuses (-1, CC24_E_FINANCE_MISSING
 * naming the field) when a mandatory figure — the lender and its address — is missing. */
int fin_representative_text(struct arena *a, const struct fin_input *in, const struct fin_quote *q,
                            const struct fin_lender *lender, const char **out, struct err *e);

#endif
