/* phone.c — phone numbers as people write them in Germany, to E.164 (rules in sms.h). */
#include "sms/sms.h"

#include <string.h>

static const char *const reasons[] = {
    [0] = "ok",
    [1] = "no phone number given",
    [2] = "control characters are not allowed in a phone number",
    [3] = "letters are not allowed in a phone number",
    [4] = "only digits, spaces, + - / . and one pair of parentheses are allowed",
    [5] = "'+' is allowed only as the first character",
    [6] = "parentheses must be one pair around digits, not nested, not empty",
    [7] = "\"(0)\" is allowed only directly after the country code",
    [8] = "a national number must start with the 0 of its area code",
    [9] = "the number must not continue with another 0 after the trunk prefix",
    [10] = "the country code must not start with 0",
    [11] = "too few digits for a phone number (at least 7 with the country code)",
    [12] = "too many digits (E.164 allows at most 15 with the country code)",
    [13] = "too long for a phone number",
};

static int fail(struct err *e, int rc)
{
  err_set_field(e, CC24_E_VALIDATION, "to", "%s", reasons[-rc]);
  return rc;
}

static bool is_digit(unsigned char c)
{
  return c >= '0' && c <= '9';
}

static bool is_sep(unsigned char c)
{
  return c == ' ' || c == '-' || c == '/' || c == '.';
}

/* The countries whose national numbers never start with 0, so a 0 after their code
 * can only be the trunk prefix written by mistake ("+49 0171 …"). Complete codes:
 * E.164 country codes are prefix-free, so "49" followed by a digit is always +49. */
static bool trunk_zero_country(const char *d)
{
  return (d[0] == '4' && (d[1] == '9' || d[1] == '3' || d[1] == '1'));
}

int sms_phone_e164(const char *in, char out[SMS_E164_SIZE], struct err *e)
{
  if (!in)
    in = "";
  size_t len = strnlen(in, SMS_PHONE_INPUT_MAX + 1);
  if (len > SMS_PHONE_INPUT_MAX)
    return fail(e, SMS_PHONE_E_TOO_LONG);

  /* Which kind of bad character comes first in importance, not in position: a control
   * character hints at an injection attempt or a copy accident, a letter at a vanity
   * number or an extension, and the reason should say so wherever it sits. */
  bool letter = false, other = false;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)in[i];
    if (c < 0x20 || c == 0x7f)
      return fail(e, SMS_PHONE_E_CONTROL);
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
      letter = true;
    else if (!is_digit(c) && !is_sep(c) && c != '+' && c != '(' && c != ')')
      other = true;
  }
  if (letter)
    return fail(e, SMS_PHONE_E_LETTER);
  if (other)
    return fail(e, SMS_PHONE_E_CHAR);

  const char *p = in, *end = in + len;
  while (p < end && *p == ' ')
    p++;
  while (end > p && end[-1] == ' ')
    end--;
  if (p == end)
    return fail(e, SMS_PHONE_E_EMPTY);

  bool intl = false;
  if (*p == '+') {
    intl = true;
    p++;
  } else if (end - p >= 2 && p[0] == '0' && p[1] == '0') {
    intl = true; /* the international access code */
    p += 2;
  }

  char d[SMS_PHONE_INPUT_MAX + 1];
  size_t nd = 0;
  size_t first_group = 0;  /* digits before the first separator or '(' */
  bool first_done = false; /* that group has ended */
  int paren = 0;           /* 0 none yet, 1 open, 2 closed */
  size_t paren_start = 0;  /* nd at the '(' */
  bool trunk_dropped = false;
  for (; p < end; p++) {
    unsigned char c = (unsigned char)*p;
    if (is_digit(c)) {
      d[nd++] = (char)c;
      if (!first_done)
        first_group++;
    } else if (c == '+') {
      return fail(e, SMS_PHONE_E_PLUS);
    } else if (c == '(') {
      if (paren)
        return fail(e, SMS_PHONE_E_PARENS);
      paren = 1;
      paren_start = nd;
      if (nd > 0)
        first_done = true;
    } else if (c == ')') {
      if (paren != 1 || nd == paren_start)
        return fail(e, SMS_PHONE_E_PARENS);
      paren = 2;
      first_done = true;
      if (nd - paren_start == 1 && d[paren_start] == '0') {
        /* "(0)": the trunk prefix. International: only right after the country code,
         * and dropped. National: only first, where it is the area code's 0. */
        if (intl) {
          if (paren_start == 0 || paren_start != first_group || first_group > 3)
            return fail(e, SMS_PHONE_E_TRUNK);
          nd--;
          trunk_dropped = true;
        } else if (paren_start != 0) {
          return fail(e, SMS_PHONE_E_TRUNK);
        }
      }
    } else { /* a separator */
      if (paren == 1 && c != ' ')
        return fail(e, SMS_PHONE_E_PARENS);
      if (nd > 0)
        first_done = true;
    }
  }
  if (paren == 1)
    return fail(e, SMS_PHONE_E_PARENS);

  char num[SMS_PHONE_INPUT_MAX + 4]; /* the E.164 digits: country code + national */
  size_t nn = 0;
  if (intl) {
    if (nd == 0)
      return fail(e, SMS_PHONE_E_SHORT);
    if (d[0] == '0')
      return fail(e, SMS_PHONE_E_COUNTRY);
    size_t skip = SIZE_MAX; /* index of a trunk 0 written without parentheses */
    if (nd > 2 && trunk_zero_country(d) && d[2] == '0') {
      if (trunk_dropped || (nd > 3 && d[3] == '0'))
        return fail(e, SMS_PHONE_E_ZERO);
      skip = 2;
    }
    for (size_t i = 0; i < nd; i++)
      if (i != skip)
        num[nn++] = d[i];
  } else {
    if (nd == 0)
      return fail(e, SMS_PHONE_E_SHORT);
    if (d[0] != '0')
      return fail(e, SMS_PHONE_E_NO_AREA);
    if (nd > 1 && d[1] == '0')
      return fail(e, SMS_PHONE_E_ZERO);
    memcpy(num, SMS_DEFAULT_CC, sizeof SMS_DEFAULT_CC - 1);
    nn = sizeof SMS_DEFAULT_CC - 1;
    memcpy(num + nn, d + 1, nd - 1);
    nn += nd - 1;
  }
  if (nn < 7)
    return fail(e, SMS_PHONE_E_SHORT);
  if (nn > 15)
    return fail(e, SMS_PHONE_E_LONG);
  out[0] = '+';
  memcpy(out + 1, num, nn);
  out[nn + 1] = 0;
  return SMS_PHONE_OK;
}

void sms_phone_mask(const char *e164, char out[SMS_E164_SIZE])
{
  size_t n = e164 ? strnlen(e164, SMS_E164_SIZE - 1) : 0;
  memcpy(out, e164 ? e164 : "", n);
  out[n] = 0;
  /* short numbers keep less of their start, so something is always masked */
  for (size_t i = n >= 12 ? 6 : 4; i + 2 < n; i++)
    out[i] = '*';
}
