#include "core/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN   16
#define ARENA_DEFAULT 8192

struct block {
  struct block *next;
  size_t size; /* usable bytes after the header */
  size_t used;
  /* data follows, aligned */
  _Alignas(16) unsigned char data[];
};

struct hook {
  struct hook *next;
  void (*fn)(void *);
  void *p;
};

struct arena {
  struct block *head; /* current block; older ones follow */
  struct hook *hooks;
  size_t next_size;
  size_t total;
};

static void oom(void)
{
  fputs("cc24: out of memory\n", stderr);
  abort();
}

void *xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (!p)
    oom();
  return p;
}

void *xcalloc(size_t count, size_t size)
{
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p)
    oom();
  return p;
}

void *xrealloc(void *p, size_t n)
{
  void *q = realloc(p, n ? n : 1);
  if (!q)
    oom();
  return q;
}

char *xstrdup(const char *s)
{
  if (!s)
    return NULL;
  size_t n = strlen(s) + 1;
  char *d = xmalloc(n);
  memcpy(d, s, n);
  return d;
}

static struct block *block_new(size_t size)
{
  if (size > SIZE_MAX - sizeof(struct block))
    oom();
  struct block *b = xmalloc(sizeof(struct block) + size);
  b->next = NULL;
  b->size = size;
  b->used = 0;
  return b;
}

struct arena *arena_new(size_t first_block)
{
  struct arena *a = xmalloc(sizeof *a);
  size_t sz = first_block ? first_block : ARENA_DEFAULT;
  a->head = block_new(sz);
  a->hooks = NULL;
  a->next_size = sz * 2;
  a->total = 0;
  return a;
}

void arena_free(struct arena *a)
{
  if (!a)
    return;
  for (struct hook *h = a->hooks; h; h = h->next)
    h->fn(h->p);
  struct block *b = a->head;
  while (b) {
    struct block *n = b->next;
    free(b);
    b = n;
  }
  free(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
  size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  if (need < n)
    oom();
  if (need == 0)
    need = ARENA_ALIGN;
  struct block *b = a->head;
  if (b->size - b->used < need) {
    size_t sz = a->next_size;
    if (sz < need)
      sz = need;
    if (a->next_size < (size_t)1 << 24)
      a->next_size *= 2;
    struct block *nb = block_new(sz);
    nb->next = b;
    a->head = nb;
    b = nb;
  }
  void *p = b->data + b->used;
  b->used += need;
  a->total += need;
  return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
  void *p = arena_alloc(a, n);
  memset(p, 0, n);
  return p;
}

void *arena_calloc(struct arena *a, size_t count, size_t size)
{
  if (size && count > SIZE_MAX / size)
    oom();
  return arena_zalloc(a, count * size);
}

void *arena_realloc(struct arena *a, void *p, size_t old_n, size_t new_n)
{
  if (!p)
    return arena_alloc(a, new_n);
  struct block *b = a->head;
  size_t old_al = (old_n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  if (old_al == 0)
    old_al = ARENA_ALIGN;
  /* Last allocation of the current block: grow in place when it fits. */
  if ((unsigned char *)p + old_al == b->data + b->used) {
    size_t new_al = (new_n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (new_al >= new_n && (unsigned char *)p - b->data + new_al <= b->size) {
      b->used = (size_t)((unsigned char *)p - b->data) + (new_al ? new_al : ARENA_ALIGN);
      return p;
    }
  }
  if (new_n <= old_n)
    return p;
  void *q = arena_alloc(a, new_n);
  memcpy(q, p, old_n);
  return q;
}

char *arena_memdup(struct arena *a, const void *p, size_t n)
{
  char *d = arena_alloc(a, n + 1);
  if (n)
    memcpy(d, p, n);
  d[n] = 0;
  return d;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
  if (!s)
    return NULL;
  size_t len = strnlen(s, n);
  return arena_memdup(a, s, len);
}

char *arena_strdup(struct arena *a, const char *s)
{
  if (!s)
    return NULL;
  return arena_memdup(a, s, strlen(s));
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
  va_list ap2;
  va_copy(ap2, ap);
  char tmp[256];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  if (n < 0) {
    va_end(ap2);
    return arena_strdup(a, "");
  }
  char *d = arena_alloc(a, (size_t)n + 1);
  if ((size_t)n < sizeof tmp)
    memcpy(d, tmp, (size_t)n + 1);
  else
    vsnprintf(d, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  return d;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *s = arena_vprintf(a, fmt, ap);
  va_end(ap);
  return s;
}

void arena_on_free(struct arena *a, void (*fn)(void *), void *p)
{
  struct hook *h = arena_alloc(a, sizeof *h);
  h->fn = fn;
  h->p = p;
  h->next = a->hooks;
  a->hooks = h;
}

size_t arena_used(const struct arena *a)
{
  return a->total;
}
