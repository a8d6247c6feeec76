/* str.h — small string helpers: UTF-8 checks, trimming, case folding for ASCII,
 * parsing integers strictly. No allocation unless an arena is passed. */
#ifndef CC24_CORE_STR_H
#define CC24_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

/* Length of the valid UTF-8 sequence starting at s (1..4), or 0 when invalid
 * (overlong forms, surrogates and code points above U+10FFFF are invalid). */
size_t utf8_valid_prefix(const char *s, size_t n);

/* True when all n bytes are valid UTF-8 and contain no NUL. */
bool utf8_valid(const char *s, size_t n);

/* Number of code points in valid UTF-8 s. */
size_t utf8_len(const char *s, size_t n);

/* Parse a whole decimal integer (optional sign, no spaces, no trailing junk, no overflow). */
bool str_to_i64(const char *s, int64_t *out);

/* Case-insensitive ASCII equality. */
bool str_ieq(const char *a, const char *b);

/* True when s starts with prefix. */
bool str_starts(const char *s, const char *prefix);

/* Trimmed copy (ASCII whitespace) in the arena. */
char *str_trim(struct arena *a, const char *s);

/* ASCII lower-case copy in the arena. */
char *str_lower(struct arena *a, const char *s);

/* Lower-case, accent-folded copy for search (ä→ae, ö→oe, ü→ue, ß→ss, é→e, …; other
 * non-ASCII bytes kept). Used by the search index and the SQL reference alike. */
char *str_fold(struct arena *a, const char *s);

/* Search text: str_fold, then every ASCII byte that is not a letter or digit becomes a
 * space, runs of spaces collapse, no leading/trailing space ("BMW 320d M-Sport" →
 * "bmw 320d m sport"). Stored in vehicles.search_text and used to tokenise queries:
 * a query token matches when it is a prefix of a word. */
char *str_search_text(struct arena *a, const char *s);

/* URL slug: lower-case ASCII letters, digits and single dashes ("BMW 320d Touring" →
 * "bmw-320d-touring"). */
char *str_slug(struct arena *a, const char *s);

/* The tel: URI of a phone number as people write it ("+49 (0)30 2024-2400" →
 * "tel:+493020242400"): a leading "+" and the digits only (RFC 3966 global number; the
 * HTML checker rejects spaces in tel: links), the trunk "(0)" after a country code
 * dropped. "" when s (NULL allowed) has no digit, so templates show no link. In the arena. */
char *str_tel_uri(struct arena *a, const char *s);

#endif
