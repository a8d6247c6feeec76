/* finance_text.c — the representative example of § 17 PAngV as figures and text. */
#include "finance/finance_text.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/money.h"

#include <math.h>
#include <string.h>

static bool blank(const char *s)
{
  if (!s)
    return true;
  for (; *s; s++)
    if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
      return false;
  return true;
}

/* Every figure but the lender's; the checks shared by both kinds of text. */
static int fill(const struct fin_input *in, const struct fin_quote *q, struct fin_example *ex,
                struct err *e)
{
  if (!in || in->price_cents <= 0)
    return err_set_field(e, CC24_E_FINANCE_MISSING, "price_cents",
                         "the cash price (Barzahlungspreis) is mandatory");
  if (in->term_months <= 0)
    return err_set_field(e, CC24_E_FINANCE_MISSING, "term_months",
                         "the term (Vertragslaufzeit) is mandatory");
  if (!q || q->installments <= 0 || q->net_loan_cents <= 0 || !isfinite(q->apr_percent))
    return err_set_field(e, CC24_E_FINANCE_MISSING, "quote",
                         "the example needs a computed quote (instalments and APR)");
  ex->product = in->product;
  ex->cash_price_cents = in->price_cents;
  ex->down_payment_cents = in->down_payment_cents;
  ex->trade_in_cents = in->trade_in_cents;
  ex->net_loan_cents = q->net_loan_cents;
  ex->fees_cents = in->fees_cents;
  ex->financed_fees_cents = in->financed_fees_cents;
  ex->term_months = in->term_months;
  ex->nominal_rate_percent = in->nominal_rate_percent;
  ex->apr_percent = q->apr_percent;
  ex->installments = q->installments;
  ex->monthly_installment_cents = q->monthly_installment_cents;
  ex->final_installment_cents = q->final_installment_cents;
  ex->has_distinct_final =
      q->installments > 1 &&
      (in->product == FIN_BALLOON || q->final_installment_cents != q->monthly_installment_cents);
  ex->regular_installments = ex->has_distinct_final ? q->installments - 1 : q->installments;
  ex->total_interest_cents = q->total_interest_cents;
  ex->total_payable_cents = q->total_payable_cents;
  return 0;
}

int fin_example_build(const struct fin_input *in, const struct fin_quote *q,
                      const struct fin_lender *lender, struct fin_example *ex, struct err *e)
{
  memset(ex, 0, sizeof *ex);
  if (!lender || blank(lender->name))
    return err_set_field(e, CC24_E_FINANCE_MISSING, "lender.name",
                         "the lender's name is mandatory in a representative example");
  if (blank(lender->address))
    return err_set_field(e, CC24_E_FINANCE_MISSING, "lender.address",
                         "the lender's address is mandatory in a representative example");
  if (fill(in, q, ex, e) < 0)
    return -1;
  ex->lender_name = lender->name;
  ex->lender_address = lender->address;
  ex->variable_rate = lender->variable_rate;
  return 0;
}

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

/* "Barzahlungspreis …, Gesamtbetrag …" (no full stop): every figure in the order of
 * § 17 PAngV, the same words in the representative example and a buyer's calculation. */
static void figures(struct buf *b, struct arena *a, const struct fin_example *ex)
{
  buf_printf(b, "Barzahlungspreis %s, Anzahlung %s", eur(a, ex->cash_price_cents),
             eur(a, ex->down_payment_cents));
  if (ex->trade_in_cents > 0)
    buf_printf(b, ", Inzahlungnahme %s", eur(a, ex->trade_in_cents));
  buf_printf(b, ", Nettodarlehensbetrag %s, Vertragslaufzeit %d %s, %s Sollzinssatz %s p. a.",
             eur(a, ex->net_loan_cents), ex->term_months, ex->term_months == 1 ? "Monat" : "Monate",
             ex->variable_rate ? "veränderlicher" : "gebundener", pct(a, ex->nominal_rate_percent));
  buf_printf(b, ", effektiver Jahreszins %s", pct(a, ex->apr_percent));
  const char *m = eur(a, ex->monthly_installment_cents), *f = eur(a, ex->final_installment_cents);
  if (ex->installments == 1)
    buf_printf(b, ", eine Rate von %s", f);
  else if (ex->product == FIN_BALLOON)
    buf_printf(b, ", %d monatliche Raten von je %s und eine Schlussrate von %s",
               ex->regular_installments, m, f);
  else if (!ex->has_distinct_final)
    buf_printf(b, ", %d monatliche Raten von je %s", ex->installments, m);
  else
    buf_printf(b, ", %d monatliche Raten von je %s und eine letzte Rate von %s",
               ex->regular_installments, m, f);
  if (ex->fees_cents > 0)
    buf_printf(b, ", Bearbeitungsgebühr %s (bei Auszahlung fällig)", eur(a, ex->fees_cents));
  if (ex->financed_fees_cents > 0)
    buf_printf(b, ", mitfinanzierte Kosten %s", eur(a, ex->financed_fees_cents));
  buf_printf(b, ", Gesamtbetrag %s", eur(a, ex->total_payable_cents));
}

const char *fin_example_text(struct arena *a, const struct fin_example *ex)
{
  struct buf b;
  buf_init(&b, a);
  buf_puts(&b, "Repräsentatives Beispiel gemäß § 17 PAngV: ");
  figures(&b, a, ex);
  buf_printf(&b, ". Kreditgeber: %s, %s.", ex->lender_name, ex->lender_address);
  if (!blank(ex->broker))
    buf_printf(&b, " Vermittlung durch: %s.", ex->broker);
  buf_printf(&b, " Zugleich 2/3-Beispiel gemäß § 17 Abs. 4 PAngV: mindestens zwei Drittel der"
                 " auf Grund der Werbung zu erwartenden Verträge werden zu dem angegebenen oder"
                 " einem niedrigeren effektiven Jahreszins abgeschlossen.");
  return buf_cstr(&b);
}

static json_t *money_json(int64_t cents)
{
  return json_integer((json_int_t)cents);
}

static double round6(double x)
{
  return floor(x * 1e6 + 0.5) / 1e6;
}

json_t *fin_example_json(struct arena *a, const struct fin_example *ex)
{
  char apr[32], nominal[32];
  fin_percent_display(ex->apr_percent, apr, sizeof apr);
  fin_percent_display(ex->nominal_rate_percent, nominal, sizeof nominal);
  json_t *j = json_object();
  json_object_set_new(
      j, "lender", json_pack("{s:s,s:s}", "name", ex->lender_name, "address", ex->lender_address));
  json_object_set_new(j, "broker", blank(ex->broker) ? json_null() : json_string(ex->broker));
  json_object_set_new(j, "rate_fixed", json_boolean(!ex->variable_rate));
  json_object_set_new(j, "cash_price_cents", money_json(ex->cash_price_cents));
  json_object_set_new(j, "down_payment_cents", money_json(ex->down_payment_cents));
  json_object_set_new(j, "trade_in_cents", money_json(ex->trade_in_cents));
  json_object_set_new(j, "net_loan_cents", money_json(ex->net_loan_cents));
  json_object_set_new(j, "fees_cents", money_json(ex->fees_cents));
  json_object_set_new(j, "financed_fees_cents", money_json(ex->financed_fees_cents));
  json_object_set_new(j, "term_months", json_integer(ex->term_months));
  json_object_set_new(j, "nominal_rate_percent", json_real(ex->nominal_rate_percent));
  json_object_set_new(j, "nominal_rate_display", json_string(nominal));
  json_object_set_new(j, "apr_percent", json_real(round6(ex->apr_percent)));
  json_object_set_new(j, "apr_display", json_string(apr));
  json_object_set_new(j, "installments", json_integer(ex->installments));
  json_object_set_new(j, "regular_installments", json_integer(ex->regular_installments));
  json_object_set_new(j, "monthly_installment_cents", money_json(ex->monthly_installment_cents));
  json_object_set_new(j, "final_installment_cents", money_json(ex->final_installment_cents));
  json_object_set_new(j, "total_interest_cents", money_json(ex->total_interest_cents));
  json_object_set_new(j, "total_payable_cents", money_json(ex->total_payable_cents));
  json_object_set_new(j, "text", json_string(fin_example_text(a, ex)));
  return j;
}

int fin_representative_text(struct arena *a, const struct fin_input *in, const struct fin_quote *q,
                            const struct fin_lender *lender, const char **out, struct err *e)
{
  *out = NULL;
  struct fin_example ex;
  if (fin_example_build(in, q, lender, &ex, e) < 0)
    return -1;
  *out = fin_example_text(a, &ex);
  return 0;
}

const char *fin_calculation_text(struct arena *a, const struct fin_input *in,
                                 const struct fin_quote *q, bool variable_rate, struct err *e)
{
  struct fin_example ex;
  memset(&ex, 0, sizeof ex);
  if (fill(in, q, &ex, e) < 0)
    return NULL;
  ex.variable_rate = variable_rate;
  struct buf b;
  buf_init(&b, a);
  buf_puts(&b, "Ihre Beispielrechnung: ");
  figures(&b, a, &ex);
  buf_puts(&b, ". Unverbindlich und ohne Bonitätsprüfung; Kreditgeber und endgültige Konditionen"
               " nennt Ihnen der Händler mit seinem Angebot.");
  return buf_cstr(&b);
}
