/* multipart.h — an incremental, strict multipart/form-data parser (RFC 7578 on
 * RFC 2046 §5.1) for bodies that arrive in chunks of any size and are never held
 * whole in memory (photo uploads streamed to temporary files).
 *
 * Feed it the body as it arrives (mp_feed); it calls part_begin with the headers of
 * each part, part_data with the part's bytes (in as many pieces as it likes: any
 * split of the input gives the same parts and the same concatenated data), and
 * part_end when the part's closing delimiter has been seen. mp_finish says whether
 * the closing boundary ("--boundary--") arrived.
 *
 * Memory: constant in the body size. Part data is passed through (pointers into the
 * caller's chunk, or into the parser's copy of the delimiter for the few bytes of a
 * delimiter candidate that straddled two chunks and turned out to be data); only the
 * header block of the current part is buffered (at most MP_MAX_HEADER_BYTES, one
 * buffer reused for every part). Each part costs the arena its header strings
 * (name, filename, content type) and nothing else: the number of parts is the
 * caller's to limit.
 *
 * Strictness (everything else is an error, reported by mp_error):
 * - a part's header block is at most MP_MAX_HEADER_BYTES bytes (CRLFs included),
 *   lines end with CRLF (no bare CR or LF), each line is "Name: value" (names
 *   case-insensitive; obsolete folded lines are joined); headers other than
 *   Content-Disposition and Content-Type are ignored (Content-Transfer-Encoding too);
 *   the field name must be valid UTF-8 and the Content-Type printable ASCII, while
 *   a NUL or invalid UTF-8 in a quoted filename only sets filename_bad;
 * - every part has "Content-Disposition: form-data" (RFC 7578 §4.2); its parameters
 *   may be tokens or quoted strings, each at most once; a backslash in a quoted value
 *   is a literal byte (browsers send Windows paths and encode '"' as %22, per the HTML
 *   standard), so a quoted value ends at the next '"';
 * - filename*= (RFC 5987, charset UTF-8 or ISO-8859-1) wins over filename=; an
 *   unusable filename* (other charset, bad percent-encoding) is ignored;
 * - a delimiter ("--boundary" at the start of a line) is followed by "--" (the end)
 *   or by optional spaces/tabs and CRLF; anything else after it is malformed;
 * - the preamble (before the first delimiter) and the epilogue (after the closing
 *   one) are ignored; a body that is only "--boundary--" has no parts and is valid.
 *
 * Ownership: the parser and every string it hands out live in the arena given to
 * mp_new and die with it. Not thread-safe (one parser per request). */
#ifndef CC24_HTTP_MULTIPART_H
#define CC24_HTTP_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* Bytes a part's header block may take, from after the delimiter line to the empty
 * line that ends it (both CRLFs included). Browsers send about 150. */
#define MP_MAX_HEADER_BYTES 16384
/* Longest boundary RFC 2046 allows. */
#define MP_MAX_BOUNDARY 70

/* Headers of one part; the strings live in the parser's arena. */
struct mp_part {
  const char *name;         /* form field name ("" when missing) */
  const char *filename;     /* NULL when not a file part; the raw value as sent (after
                               RFC 5987 decoding for filename*), which may contain "../",
                               "\\", control bytes: callers never use it as a path */
  bool filename_bad;        /* the filename had a NUL byte or invalid UTF-8 (then filename
                               is a sanitized copy: each such byte became U+FFFD) */
  const char *content_type; /* as sent (trimmed), or "text/plain" by default; never
                               trusted for the type of the data */
  int index;                /* 1 for the first part, 2 for the next, ... */
};

/* What the parser calls. Any member may be NULL. A callback returning -1 stops the
 * parser: mp_feed returns -1, mp_error says "stopped by the application", and no
 * callback runs again. */
struct mp_callbacks {
  int (*part_begin)(void *arg, const struct mp_part *p);   /* headers of the next part */
  int (*part_data)(void *arg, const char *data, size_t n); /* n > 0 body bytes of it */
  int (*part_end)(void *arg);                              /* its delimiter was seen */
};

struct mp_parser;

/* A parser for a body whose boundary is `boundary` (1..70 characters, as returned by
 * mp_boundary; it is copied). cb is copied too; arg is passed to every callback.
 * Returns NULL when the boundary is empty or longer than 70 characters. */
struct mp_parser *mp_new(struct arena *a, const char *boundary, const struct mp_callbacks *cb,
                         void *arg);

/* Parse the next n bytes of the body (n may be 0). Returns 0, or -1 when the body
 * is malformed or a callback stopped it (then every later call returns -1 as well).
 * Bytes after the closing boundary are ignored. */
int mp_feed(struct mp_parser *p, const char *data, size_t n);

/* The body is complete: 0 when the closing boundary was seen (and nothing failed
 * before), else -1 (mp_error says why). Calls no callback: a part that was still
 * open is abandoned without part_end. */
int mp_finish(struct mp_parser *p);

/* Why the parser failed, in English, for a problem detail ("part 3: the header block
 * is larger than 16384 bytes"); "" while nothing failed. Lives as long as p. */
const char *mp_error(const struct mp_parser *p);

/* The boundary of a multipart/form-data Content-Type (quoted or not, 1..70 chars of
 * the RFC 2046 bchars, not ending in a space), copied into a; NULL when ct is NULL,
 * not multipart/form-data, or has no valid boundary (missing, empty, too long, bad
 * characters, given twice). */
const char *mp_boundary(struct arena *a, const char *content_type);

#endif
