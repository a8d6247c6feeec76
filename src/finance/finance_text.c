/* finance_text.c — the representative example of § 17 PAngV as German text. */
#include "finance/finance_text.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/money.h"

#include <string.h>

static const char *eur(struct arena *a, int64_t cents)
{
  char s[64];
  money_format(cents, s, sizeof s);
  return arena_strdup(a, s);
}

static const char *pct(struct arena *a, double p)
{
  char s[32];
  fin_percent_display(p, s, sizeof s);
  return arena_strdup(a, s);
}

int fin_representative_text(struct arena *a, const struct fin_input *in, const struct fin_quote *q,
                            const struct fin_lender *lender, const char **out, struct err *e)
{
  *out = NULL;
  if (!lender || !lender->name || !*lender->name)
    return err_set_field(e, CC24_E_FINANCE_MISSING, "lender.name",
                         "the lender's name is mandatory in a representative example");
  if (!lender->address || !*lender->address)
    return err_set_field(e, CC24_E_FINANCE_MISSING, "lender.address",
                         "the lender's address is mandatory in a representative example");
  struct buf b;
  buf_init(&b, a);
  buf_printf(&b, "Repräsentatives Beispiel gemäß § 17 PAngV: Barzahlungspreis %s",
             eur(a, in->price_cents));
  if (in->down_payment_cents > 0)
    buf_printf(&b, ", Anzahlung %s", eur(a, in->down_payment_cents));
  if (in->trade_in_cents > 0)
    buf_printf(&b, ", Inzahlungnahme %s", eur(a, in->trade_in_cents));
  buf_printf(&b, ", Nettodarlehensbetrag %s, Vertragslaufzeit %d Monate, %s Sollzinssatz %s p. a.",
             eur(a, q->net_loan_cents), in->term_months,
             lender->variable_rate ? "veränderlicher" : "gebundener",
             pct(a, in->nominal_rate_percent));
  buf_printf(&b, ", effektiver Jahreszins %s", pct(a, q->apr_percent));
  if (q->installments == 1)
    buf_printf(&b, ", eine Rate von %s", eur(a, q->final_installment_cents));
  else if (in->product == FIN_BALLOON)
    buf_printf(&b, ", %d monatliche Raten von je %s und eine Schlussrate von %s",
               q->installments - 1, eur(a, q->monthly_installment_cents),
               eur(a, q->final_installment_cents));
  else if (q->final_installment_cents == q->monthly_installment_cents)
    buf_printf(&b, ", %d monatliche Raten von je %s", q->installments,
               eur(a, q->monthly_installment_cents));
  else
    buf_printf(&b, ", %d monatliche Raten von je %s und eine letzte Rate von %s",
               q->installments - 1, eur(a, q->monthly_installment_cents),
               eur(a, q->final_installment_cents));
  if (in->fees_cents > 0)
    buf_printf(&b, ", Bearbeitungsgebühr %s (bei Auszahlung)", eur(a, in->fees_cents));
  if (in->financed_fees_cents > 0)
    buf_printf(&b, ", mitfinanzierte Kosten %s", eur(a, in->financed_fees_cents));
  buf_printf(&b,
             ", Gesamtbetrag %s. Kreditgeber: %s, %s. Zugleich 2/3-Beispiel gemäß § 17 Abs. 4"
             " PAngV: mindestens zwei Drittel der auf Grund der Werbung zu erwartenden Verträge"
             " werden zu dem angegebenen oder einem niedrigeren effektiven Jahreszins"
             " abgeschlossen.",
             eur(a, q->total_payable_cents), lender->name, lender->address);
  *out = buf_cstr(&b);
  return 0;
}
