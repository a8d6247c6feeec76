/* buf.h — growable byte buffers, backed by an arena or by the heap.
 *
 * A buf with an arena never needs freeing (the arena owns the bytes); a buf
 * with a NULL arena owns heap memory and must be released with buf_free.
 * data is always NUL-terminated after any append (data may be NULL while
 * len == 0 and nothing was appended; buf_cstr never returns NULL). */
#ifndef CC24_CORE_BUF_H
#define CC24_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

struct buf {
  char *data;
  size_t len;
  size_t cap;
  struct arena *a; /* NULL = heap */
};

void buf_init(struct buf *b, struct arena *a);
void buf_free(struct buf *b);  /* heap bufs only; no-op for arena bufs */
void buf_reset(struct buf *b); /* len = 0, keep capacity */
void buf_reserve(struct buf *b, size_t extra);
void buf_grow(struct buf *b, size_t extra); /* buf_reserve's slow path */

/* Appends are inline: JSON and HTML are built from many short pieces, and the call
 * plus the capacity check used to cost more than the copy. */
static inline void buf_append(struct buf *b, const void *p, size_t n)
{
  if (b->len + n + 1 > b->cap)
    buf_grow(b, n);
  if (n)
    __builtin_memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0;
}

static inline void buf_puts(struct buf *b, const char *s)
{
  buf_append(b, s, __builtin_strlen(s));
}

static inline void buf_putc(struct buf *b, char c)
{
  if (b->len + 2 > b->cap)
    buf_grow(b, 1);
  b->data[b->len++] = c;
  b->data[b->len] = 0;
}
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_put_i64(struct buf *b, int64_t v);

/* Append s (n bytes) escaped for HTML text and attribute values: & < > " ' are replaced. */
void buf_append_html(struct buf *b, const char *s, size_t n);

/* Append s (n bytes) as a JSON string literal with quotes; invalid UTF-8 becomes U+FFFD. */
void buf_append_json_str(struct buf *b, const char *s, size_t n);

/* Append s percent-encoded for a URL query component (RFC 3986 unreserved kept). */
void buf_append_urlenc(struct buf *b, const char *s, size_t n);

/* NUL-terminated contents ("" when empty). */
const char *buf_cstr(struct buf *b);

/* Hand the bytes to the caller (heap bufs: caller frees; the buf is reset to empty). */
char *buf_detach(struct buf *b, size_t *len);

#endif
