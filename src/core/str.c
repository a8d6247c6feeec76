#include "core/str.h"

#include "core/arena.h"
#include "core/buf.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t utf8_valid_prefix(const char *str, size_t n)
{
  const unsigned char *s = (const unsigned char *)str;
  if (n == 0)
    return 0;
  unsigned char c = s[0];
  if (c < 0x80)
    return 1;
  size_t len;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

bool utf8_valid(const char *s, size_t n)
{
  size_t i = 0;
  while (i < n) {
    if (s[i] == 0)
      return false;
    size_t l = utf8_valid_prefix(s + i, n - i);
    if (!l)
      return false;
    i += l;
  }
  return true;
}

size_t utf8_len(const char *s, size_t n)
{
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80)
      count++;
  return count;
}

bool str_to_i64(const char *s, int64_t *out)
{
  if (!s || !*s)
    return false;
  const char *p = s;
  if (*p == '-' || *p == '+')
    p++;
  if (!isdigit((unsigned char)*p))
    return false;
  for (const char *q = p; *q; q++)
    if (!isdigit((unsigned char)*q))
      return false;
  errno = 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (errno || *end)
    return false;
  *out = v;
  return true;
}

bool str_ieq(const char *a, const char *b)
{
  if (!a || !b)
    return a == b;
  while (*a && *b) {
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
      return false;
    a++;
    b++;
  }
  return *a == *b;
}

bool str_starts(const char *s, const char *prefix)
{
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

char *str_trim(struct arena *a, const char *s)
{
  if (!s)
    return NULL;
  while (*s && isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1]))
    n--;
  return arena_strndup(a, s, n);
}

char *str_lower(struct arena *a, const char *s)
{
  if (!s)
    return NULL;
  char *d = arena_strdup(a, s);
  for (char *p = d; *p; p++)
    *p = (char)tolower((unsigned char)*p);
  return d;
}

/* Two-byte UTF-8 Latin-1 supplement letters folded to ASCII. */
static const char *fold_latin1(unsigned cp)
{
  switch (cp) {
  case 0xC4:
  case 0xE4:
    return "ae";
  case 0xD6:
  case 0xF6:
    return "oe";
  case 0xDC:
  case 0xFC:
    return "ue";
  case 0xDF:
    return "ss";
  case 0xC0:
  case 0xC1:
  case 0xC2:
  case 0xC3:
  case 0xC5:
  case 0xE0:
  case 0xE1:
  case 0xE2:
  case 0xE3:
  case 0xE5:
    return "a";
  case 0xC7:
  case 0xE7:
    return "c";
  case 0xC8:
  case 0xC9:
  case 0xCA:
  case 0xCB:
  case 0xE8:
  case 0xE9:
  case 0xEA:
  case 0xEB:
    return "e";
  case 0xCC:
  case 0xCD:
  case 0xCE:
  case 0xCF:
  case 0xEC:
  case 0xED:
  case 0xEE:
  case 0xEF:
    return "i";
  case 0xD1:
  case 0xF1:
    return "n";
  case 0xD2:
  case 0xD3:
  case 0xD4:
  case 0xD5:
  case 0xD8:
  case 0xF2:
  case 0xF3:
  case 0xF4:
  case 0xF5:
  case 0xF8:
    return "o";
  case 0xD9:
  case 0xDA:
  case 0xDB:
  case 0xF9:
  case 0xFA:
  case 0xFB:
    return "u";
  case 0xDD:
  case 0xFD:
  case 0xFF:
    return "y";
  default:
    return NULL;
  }
}

/* Latin Extended-A letters folded to ASCII (the base letter of each pair). */
static const char *fold_ext_a(unsigned cp)
{
  static const char base[128] =
      "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllllllln"
      "nnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
  if (cp < 0x100 || cp > 0x17F)
    return NULL;
  unsigned i = cp - 0x100;
  if (cp == 0x152 || cp == 0x153)
    return "oe";
  if (cp == 0x132 || cp == 0x133)
    return "ij";
  static const char *letters[26] = {"a", "b", "c", "d", "e", "f", "g", "h", "i",
                                    "j", "k", "l", "m", "n", "o", "p", "q", "r",
                                    "s", "t", "u", "v", "w", "x", "y", "z"};
  char c = base[i];
  return (c >= 'a' && c <= 'z') ? letters[c - 'a'] : NULL;
}

char *str_fold(struct arena *a, const char *s)
{
  struct buf b;
  buf_init(&b, a);
  buf_reserve(&b, strlen(s));
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    if (*p < 0x80) {
      buf_putc(&b, (char)tolower(*p));
      p++;
    } else if ((p[0] == 0xC3) && (p[1] & 0xC0) == 0x80) {
      unsigned cp = 0xC0 + (p[1] & 0x3F);
      const char *f = fold_latin1(cp);
      if (f)
        buf_puts(&b, f);
      else
        buf_append(&b, p, 2);
      p += 2;
    } else if ((p[0] == 0xC4 || p[0] == 0xC5) && (p[1] & 0xC0) == 0x80) {
      /* Latin Extended-A (U+0100..U+017F): Škoda, Citroën's cousins, Polish and Czech names */
      unsigned cp = ((unsigned)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
      const char *f = fold_ext_a(cp);
      if (f)
        buf_puts(&b, f);
      else
        buf_append(&b, p, 2);
      p += 2;
    } else {
      buf_putc(&b, (char)*p);
      p++;
    }
  }
  return (char *)buf_cstr(&b);
}

char *str_slug(struct arena *a, const char *s)
{
  char *f = str_fold(a, s);
  char *d = arena_alloc(a, strlen(f) + 1);
  size_t n = 0;
  bool dash = false;
  for (const char *p = f; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (dash && n)
        d[n++] = '-';
      d[n++] = (char)c;
      dash = false;
    } else {
      dash = true;
    }
  }
  d[n] = 0;
  return d;
}

char *str_tel_uri(struct arena *a, const char *s)
{
  if (!s)
    return arena_strdup(a, "");
  char *d = arena_alloc(a, strlen(s) + sizeof "tel:");
  size_t n = 0;
  bool plus = false;
  memcpy(d, "tel:", 4);
  for (const char *p = s; *p; p++) {
    if (*p == '+' && n == 0 && !plus) {
      plus = true;
    } else if (plus && !strncmp(p, "(0)", 3)) {
      p += 2; /* "+49 (0)30": the 0 is dialled only inside the country */
    } else if (*p >= '0' && *p <= '9') {
      if (n == 0 && plus)
        d[4 + n++] = '+';
      d[4 + n++] = *p;
    }
  }
  if (n == 0)
    return arena_strdup(a, "");
  d[4 + n] = 0;
  return d;
}

char *str_search_text(struct arena *a, const char *s)
{
  char *f = str_fold(a, s ? s : "");
  char *d = arena_alloc(a, strlen(f) + 1);
  size_t n = 0;
  bool space = false;
  for (const char *p = f; *p; p++) {
    unsigned char c = (unsigned char)*p;
    bool word = c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (word) {
      if (space && n)
        d[n++] = ' ';
      d[n++] = (char)c;
      space = false;
    } else {
      space = true;
    }
  }
  d[n] = 0;
  return d;
}
