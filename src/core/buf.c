#include "core/buf.h"

#include "core/arena.h"
#include "core/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, struct arena *a)
{
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->a = a;
}

void buf_free(struct buf *b)
{
  if (!b->a)
    free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
  b->len = 0;
  if (b->data)
    b->data[0] = 0;
}

void buf_reserve(struct buf *b, size_t extra)
{
  if (b->len + extra + 1 > b->cap)
    buf_grow(b, extra);
}

void buf_grow(struct buf *b, size_t extra)
{
  size_t need = b->len + extra + 1;
  if (need <= b->cap)
    return;
  size_t nc = b->cap ? b->cap * 2 : 64;
  while (nc < need)
    nc *= 2;
  if (b->a)
    b->data = arena_realloc(b->a, b->data, b->cap, nc);
  else
    b->data = xrealloc(b->data, nc);
  b->cap = nc;
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
  va_list ap2;
  va_copy(ap2, ap);
  buf_reserve(b, 64);
  size_t room = b->cap - b->len;
  int n = vsnprintf(b->data + b->len, room, fmt, ap);
  if (n < 0) {
    va_end(ap2);
    b->data[b->len] = 0;
    return;
  }
  if ((size_t)n >= room) {
    buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
  }
  va_end(ap2);
  b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(b, fmt, ap);
  va_end(ap);
}

void buf_put_i64(struct buf *b, int64_t v)
{
  /* by hand: snprintf's format parsing costs more than the digits (hot in JSON) */
  char tmp[24];
  char *p = tmp + sizeof tmp;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0)
    *--p = '-';
  buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

void buf_append_html(struct buf *b, const char *s, size_t n)
{
  buf_reserve(b, n);
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    const char *rep = NULL;
    switch (s[i]) {
    case '&':
      rep = "&amp;";
      break;
    case '<':
      rep = "&lt;";
      break;
    case '>':
      rep = "&gt;";
      break;
    case '"':
      rep = "&quot;";
      break;
    case '\'':
      rep = "&#39;";
      break;
    default:
      continue;
    }
    buf_append(b, s + start, i - start);
    buf_puts(b, rep);
    start = i + 1;
  }
  buf_append(b, s + start, n - start);
}

/* Bytes that cannot be copied as they are: controls, '"', '\\', '<' and non-ASCII
 * (which is checked for valid UTF-8). */
static const unsigned char json_special[256] = {
    ['"'] = 1, ['\\'] = 1, ['<'] = 1,
#define R16(x)                                                                                     \
  [x] = 1, [x + 1] = 1, [x + 2] = 1, [x + 3] = 1, [x + 4] = 1, [x + 5] = 1, [x + 6] = 1,           \
  [x + 7] = 1, [x + 8] = 1, [x + 9] = 1, [x + 10] = 1, [x + 11] = 1, [x + 12] = 1, [x + 13] = 1,   \
  [x + 14] = 1, [x + 15] = 1
    R16(0x00), R16(0x10),  R16(0x80), R16(0x90), R16(0xA0),
    R16(0xB0), R16(0xC0),  R16(0xD0), R16(0xE0), R16(0xF0),
#undef R16
};

void buf_append_json_str(struct buf *b, const char *s, size_t n)
{
  static const char hex[] = "0123456789abcdef";
  buf_reserve(b, n + 2);
  b->data[b->len++] = '"';
  size_t i = 0;
  while (i < n) {
    /* copy the longest run that needs no escaping in one go */
    size_t run = i;
    while (run < n && !json_special[(unsigned char)s[run]])
      run++;
    if (run > i) {
      buf_append(b, s + i, run - i);
      i = run;
      if (i == n)
        break;
    }
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      switch (c) {
      case '"':
        buf_append(b, "\\\"", 2);
        break;
      case '\\':
        buf_append(b, "\\\\", 2);
        break;
      case '\n':
        buf_append(b, "\\n", 2);
        break;
      case '\r':
        buf_append(b, "\\r", 2);
        break;
      case '\t':
        buf_append(b, "\\t", 2);
        break;
      case '<': /* keeps JSON safe inside <script> blocks */
        buf_append(b, "\\u003c", 6);
        break;
      default: {
        char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        buf_append(b, e, 6);
      }
      }
      i++;
      continue;
    }
    size_t l = utf8_valid_prefix(s + i, n - i);
    if (l == 0) {
      buf_append(b, "\xEF\xBF\xBD", 3);
      i++;
    } else {
      buf_append(b, s + i, l);
      i += l;
    }
  }
  buf_putc(b, '"');
}

void buf_append_urlenc(struct buf *b, const char *s, size_t n)
{
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      buf_putc(b, (char)c);
    } else {
      char e[3] = {'%', hex[c >> 4], hex[c & 15]};
      buf_append(b, e, 3);
    }
  }
}

const char *buf_cstr(struct buf *b)
{
  return b->data ? b->data : "";
}

char *buf_detach(struct buf *b, size_t *len)
{
  if (!b->data)
    buf_reserve(b, 0);
  char *d = b->data;
  if (len)
    *len = b->len;
  b->data = NULL;
  b->len = b->cap = 0;
  return d;
}
