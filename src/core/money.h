/* money.h — money is int64_t cents, always. Formatting in German style and
 * commercial rounding (half away from zero) for divisions and percentages. */
#ifndef CC24_CORE_MONEY_H
#define CC24_CORE_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* "12.345,00 €" (negative: "-12.345,00 €"). Returns the length written. */
size_t money_format(int64_t cents, char *out, size_t n);

/* "12.345 €" — whole euros, rounded half away from zero (for listings). */
size_t money_format_euros(int64_t cents, char *out, size_t n);

/* round_half_away(num / den), den > 0. Exact for all int64 inputs whose
 * product does not overflow; callers keep amounts within ±10^15 cents. */
int64_t money_div_round(int64_t num, int64_t den);

/* cents × bp / 10000, commercially rounded (13.58 % = 1358 bp). */
int64_t money_apply_bp(int64_t cents, int64_t bp);

/* VAT contained in a gross amount at rate_bp (19 % = 1900): gross × rate / (10000 + rate). */
int64_t money_vat_from_gross(int64_t gross_cents, int64_t rate_bp);

/* Parse "12345", "12345.67", "12.345,67", "12345,5" (euros) into cents; -1 on error. */
int money_parse_euros(const char *s, int64_t *cents);

/* A whole number with thousands grouped for locale: "12.345" (de, the default) or
 * "12,345" (en); out should hold >= 32 bytes. Returns the length written. */
size_t num_format_grouped(int64_t v, const char *locale, char *out, size_t n);

#endif
