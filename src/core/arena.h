/* arena.h — region allocator: one per request (and per job), freed in one go.
 *
 * Everything a handler allocates for its answer comes from the request's
 * arena; nothing allocated from an arena is freed individually. Allocation
 * failure aborts the process (there is no sane way to serve a request on an
 * exhausted heap). Cleanup hooks let foreign objects (jansson values, result
 * sets) die with the arena. Not thread-safe: an arena belongs to one thread
 * at a time. */
#ifndef CC24_CORE_ARENA_H
#define CC24_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* Create an arena whose first block holds at least first_block bytes (0 = default 8 KiB).
 * Free it with arena_free. */
struct arena *arena_new(size_t first_block);

/* Run the cleanup hooks (last registered first) and free every block. NULL is fine. */
void arena_free(struct arena *a);

/* Return n bytes aligned to 16, uninitialised. n = 0 gives a valid unique pointer. */
void *arena_alloc(struct arena *a, size_t n);

/* Return n zeroed bytes aligned to 16. */
void *arena_zalloc(struct arena *a, size_t n);

/* Array allocation with overflow check: count * size zeroed bytes. */
void *arena_calloc(struct arena *a, size_t count, size_t size);

/* Grow an allocation made from this arena (copy when it is not the last one). */
void *arena_realloc(struct arena *a, void *p, size_t old_n, size_t new_n);

/* Copies of strings, NUL-terminated, in the arena. NULL in gives NULL out. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_memdup(struct arena *a, const void *p, size_t n);

/* printf into the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

/* Call fn(p) when the arena is freed (hooks run in reverse order of registration). */
void arena_on_free(struct arena *a, void (*fn)(void *), void *p);

/* Bytes handed out so far (for metrics and tests). */
size_t arena_used(const struct arena *a);

/* Abort-on-failure heap helpers for long-lived data. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
