#include "core/money.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int64_t money_div_round(int64_t num, int64_t den)
{
  if (den < 0) {
    num = -num;
    den = -den;
  }
  int64_t q = num / den, r = num % den;
  if (r < 0)
    r = -r;
  if (2 * r >= den)
    q += num < 0 ? -1 : 1;
  return q;
}

int64_t money_apply_bp(int64_t cents, int64_t bp)
{
  __int128 p = (__int128)cents * bp;
  __int128 q = p / 10000, r = p % 10000;
  if (r < 0)
    r = -r;
  if (2 * r >= 10000)
    q += p < 0 ? -1 : 1;
  return (int64_t)q;
}

int64_t money_vat_from_gross(int64_t gross_cents, int64_t rate_bp)
{
  __int128 p = (__int128)gross_cents * rate_bp;
  __int128 den = 10000 + rate_bp;
  __int128 q = p / den, r = p % den;
  if (r < 0)
    r = -r;
  if (2 * r >= den)
    q += p < 0 ? -1 : 1;
  return (int64_t)q;
}

static size_t group_sep(uint64_t v, char sep, char *out)
{
  char digits[32];
  int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
  size_t o = 0;
  for (int i = 0; i < n; i++) {
    if (i > 0 && (n - i) % 3 == 0)
      out[o++] = sep;
    out[o++] = digits[i];
  }
  out[o] = 0;
  return o;
}

static size_t group_thousands(uint64_t v, char *out)
{
  return group_sep(v, '.', out);
}

size_t num_format_grouped(int64_t v, const char *locale, char *out, size_t n)
{
  char buf[48];
  size_t o = 0;
  if (v < 0)
    buf[o++] = '-';
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  o += group_sep(u, locale && !strcmp(locale, "en") ? ',' : '.', buf + o);
  int w = snprintf(out, n, "%s", buf);
  return w < 0 ? 0 : (size_t)w;
}

size_t money_format(int64_t cents, char *out, size_t n)
{
  uint64_t a = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
  char euros[48];
  group_thousands(a / 100, euros);
  int w =
      snprintf(out, n, "%s%s,%02u \xE2\x82\xAC", cents < 0 ? "-" : "", euros, (unsigned)(a % 100));
  return w < 0 ? 0 : (size_t)w;
}

size_t money_format_euros(int64_t cents, char *out, size_t n)
{
  int64_t e = money_div_round(cents, 100);
  uint64_t a = e < 0 ? (uint64_t)0 - (uint64_t)e : (uint64_t)e;
  char euros[48];
  group_thousands(a, euros);
  int w = snprintf(out, n, "%s%s \xE2\x82\xAC", e < 0 ? "-" : "", euros);
  return w < 0 ? 0 : (size_t)w;
}

int money_parse_euros(const char *s, int64_t *cents)
{
  if (!s)
    return -1;
  while (isspace((unsigned char)*s))
    s++;
  char clean[40];
  size_t n = 0;
  int sep = -1; /* position of the decimal separator in clean */
  /* The decimal separator is the last ',' or a '.' followed by 1-2 digits at the end. */
  size_t len = strlen(s);
  while (len && (isspace((unsigned char)s[len - 1]) || (unsigned char)s[len - 1] >= 0x80))
    len--;
  const char *last_comma = NULL, *last_dot = NULL;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == ',')
      last_comma = s + i;
    if (s[i] == '.')
      last_dot = s + i;
  }
  const char *dec = NULL;
  if (last_comma)
    dec = last_comma;
  else if (last_dot && (size_t)(s + len - last_dot - 1) <= 2 &&
           (size_t)(s + len - last_dot - 1) > 0)
    dec = last_dot;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (s + i == dec) {
      sep = (int)n;
      continue;
    }
    if (c == '.' || c == ' ')
      continue;
    if (!isdigit((unsigned char)c) || n >= sizeof clean - 1)
      return -1;
    clean[n++] = c;
  }
  if (n == 0)
    return -1;
  int frac_digits = sep < 0 ? 0 : (int)n - sep;
  /* at most two decimals and twelve integer digits (below a trillion euros) */
  if (frac_digits > 2 || (int)n - frac_digits > 12)
    return -1;
  long long v = 0;
  for (size_t i = 0; i < n; i++)
    v = v * 10 + (clean[i] - '0');
  for (int i = frac_digits; i < 2; i++)
    v *= 10;
  *cents = v;
  return 0;
}
