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

void buf_append(struct buf *b, const void *p, size_t n)
{
  buf_reserve(b, n);
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0;
}

void buf_puts(struct buf *b, const char *s)
{
  buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
  buf_reserve(b, 1);
  b->data[b->len++] = c;
  b->data[b->len] = 0;
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
  char tmp[24];
  int n = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
  buf_append(b, tmp, (size_t)n);
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

void buf_append_json_str(struct buf *b, const char *s, size_t n)
{
  static const char hex[] = "0123456789abcdef";
  buf_reserve(b, n + 2);
  buf_putc(b, '"');
  size_t i = 0;
  while (i < n) {
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
      default:
        if (c < 0x20) {
          char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
          buf_append(b, e, 6);
        } else {
          buf_putc(b, (char)c);
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
