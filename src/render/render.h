/* render.h — Mustache templates with inheritance (the full spec: interpolation,
 * sections, inverted sections, comments, set delimiters, partials with
 * standalone indentation, parents {{<name}} and blocks {{$name}}), rendering
 * jansson values into a struct buf. Output is HTML-escaped by default.
 *
 * A template set is every *.mustache file under a directory, compiled once at
 * start-up; names are paths without the extension ("layout",
 * "partials/vehicle_card"). In dev mode changed files are recompiled on the
 * next render (checked at most once a second). Rendering is thread-safe.
 *
 * A section is skipped for a missing value, null, false, an empty list, an empty
 * string and the number 0 (the spec fixes only false and empty lists; the rest is
 * what the JavaScript implementations do, and what templates here rely on). */
#ifndef CC24_RENDER_RENDER_H
#define CC24_RENDER_RENDER_H

#include "core/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct buf;
struct tmpl_set;

/* Load and compile every template under dir. NULL + e (with template name and
 * line) when a file cannot be read or does not compile. */
struct tmpl_set *render_load(const char *dir, bool dev_reload, struct err *e);
void render_free(struct tmpl_set *s);

/* Render template `name` with ctx, appending to out. 0 or -1 (unknown name). */
int render_page(struct tmpl_set *s, const char *name, json_t *ctx, struct buf *out, struct err *e);

/* Number of templates in the set. */
int render_count(struct tmpl_set *s);

/* A set built from strings: partials is a JSON object name → template source
 * (may be NULL). The template to render is added under `name`. For tests. */
struct tmpl_set *render_from_strings(const char *name, const char *src, json_t *partials,
                                     struct err *e);

/* Render a template source string directly (compiled on the fly). */
int render_string(const char *src, json_t *ctx, json_t *partials, struct buf *out, struct err *e);

#endif
