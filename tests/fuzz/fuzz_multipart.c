/* libFuzzer: the multipart/form-data parser on hostile bodies. The first byte picks
 * the boundary (three real-world shapes), the second seeds the chunking; the rest
 * is the body. It is parsed twice — whole, and in pseudo-random chunks of 1..97
 * bytes — and both parses must report the same parts (headers, concatenated data,
 * part_end), the same result and the same error. Also checks the invariants the
 * upload handler relies on: part data never outgrows the body, every string is
 * NUL-free, a filename not flagged bad is valid UTF-8, the field name always is. */
#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "http/multipart.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct trace {
  struct buf b; /* a flat record of every callback */
  size_t data_bytes;
  int open; /* parts begun and not ended */
};

static void put_str(struct buf *b, const char *s)
{
  size_t n = strlen(s);
  buf_append(b, &n, sizeof n);
  buf_append(b, s, n);
}

static int t_begin(void *arg, const struct mp_part *p)
{
  struct trace *t = arg;
  if (t->open)
    abort(); /* a part begins while another is open */
  t->open = 1;
  if (!p->name || !p->content_type || !utf8_valid(p->name, strlen(p->name)))
    abort();
  if (p->filename && !p->filename_bad && !utf8_valid(p->filename, strlen(p->filename)))
    abort();
  buf_putc(&t->b, 'B');
  put_str(&t->b, p->name);
  put_str(&t->b, p->filename ? p->filename : "(null)");
  put_str(&t->b, p->content_type);
  buf_putc(&t->b, p->filename_bad ? '1' : '0');
  return 0;
}

static int t_data(void *arg, const char *d, size_t n)
{
  struct trace *t = arg;
  if (!t->open || n == 0)
    abort();
  /* data pieces are concatenated in the record: chunking may cut them differently */
  buf_append(&t->b, d, n);
  t->data_bytes += n;
  return 0;
}

static int t_end(void *arg)
{
  struct trace *t = arg;
  if (!t->open)
    abort();
  t->open = 0;
  buf_putc(&t->b, 'E');
  return 0;
}

static const struct mp_callbacks CB = {t_begin, t_data, t_end};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const boundaries[] = {"b", "AaB03x", "----WebKitFormBoundary7MA4YWxkTrZu0gW"};
  if (size < 2)
    return 0;
  const char *boundary = boundaries[data[0] % 3];
  uint32_t seed = data[1] * 2654435761u + 1;
  const char *body = (const char *)data + 2;
  size_t n = size - 2;

  struct arena *a = arena_new(0);
  struct trace whole = {0}, chunked = {0};
  buf_init(&whole.b, a);
  buf_init(&chunked.b, a);

  struct mp_parser *p1 = mp_new(a, boundary, &CB, &whole);
  int rc1 = mp_feed(p1, body, n);
  int fin1 = mp_finish(p1);

  struct mp_parser *p2 = mp_new(a, boundary, &CB, &chunked);
  int rc2 = 0;
  for (size_t off = 0; off < n;) {
    seed = seed * 1103515245u + 12345u;
    size_t step = 1 + (seed >> 16) % 97;
    if (step > n - off)
      step = n - off;
    if (mp_feed(p2, body + off, step) < 0)
      rc2 = -1;
    off += step;
  }
  int fin2 = mp_finish(p2);

  if (rc1 != rc2 || fin1 != fin2 || strcmp(mp_error(p1), mp_error(p2)) != 0)
    abort();
  if (whole.b.len != chunked.b.len ||
      (whole.b.len && memcmp(whole.b.data, chunked.b.data, whole.b.len) != 0))
    abort();
  if (whole.data_bytes > n)
    abort();
  if (fin1 == 0 && (whole.open || mp_error(p1)[0]))
    abort();
  if (fin1 < 0 && !mp_error(p1)[0])
    abort();

  /* the Content-Type parser on the same bytes, as a header value */
  char *ct = arena_strndup(a, body, n < 300 ? n : 300);
  const char *bd = mp_boundary(a, ct);
  if (bd && (strlen(bd) == 0 || strlen(bd) > MP_MAX_BOUNDARY || !mp_new(a, bd, &CB, &whole)))
    abort();
  arena_free(a);
  return 0;
}
