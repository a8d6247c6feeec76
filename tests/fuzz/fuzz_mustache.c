/* libFuzzer: arbitrary bytes as a template (with itself as a partial), rendered
 * against a small fixed context — compile errors are fine; crashes are not. Then the
 * same bytes as data in a fixed template: {{v}} must escape every '<', '>', '"', '\''
 * and '&' of the data (each '&' of the output starts one of the five entities), and
 * {{{v}}} must copy the data unchanged. */
#include "core/buf.h"
#include "render/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool escaped(const char *s, size_t n)
{
  static const char *const ent[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '<' || s[i] == '>' || s[i] == '"' || s[i] == '\'')
      return false;
    if (s[i] == '&') {
      bool ok = false;
      for (size_t k = 0; k < 5 && !ok; k++)
        ok = n - i >= strlen(ent[k]) && !memcmp(s + i, ent[k], strlen(ent[k]));
      if (!ok)
        return false;
    }
  }
  return true;
}

/* The data phase: v = the bytes (as a JSON string: jansson needs UTF-8 without NUL). */
static void data_phase(const char *src, size_t size)
{
  if (memchr(src, 0, size))
    return; /* template data never holds NUL */
  json_t *v = json_stringn(src, size);
  if (!v)
    return; /* not UTF-8: no such JSON string exists */
  json_t *ctx = json_pack("{s:o}", "v", v);
  struct buf out;
  buf_init(&out, NULL);
  struct err e;
  if (render_string("[{{v}}]", ctx, NULL, &out, &e) == 0) {
    if (out.len < 2 || !escaped(out.data + 1, out.len - 2)) {
      fprintf(stderr, "unescaped data in {{v}}\n");
      abort();
    }
  }
  buf_reset(&out);
  if (render_string("{{{v}}}", ctx, NULL, &out, &e) == 0 &&
      (out.len != size || memcmp(out.data, src, size) != 0)) {
    fprintf(stderr, "{{{v}}} changed the data\n");
    abort();
  }
  buf_free(&out);
  json_decref(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *src = malloc(size + 1);
  memcpy(src, data, size);
  src[size] = 0;
  json_t *ctx = json_pack("{s:s,s:[i,i,{s:s}],s:{s:b,s:f},s:n}", "name", "<Käfer & Co>", "list", 1,
                          2, "x", "y", "obj", "flag", 1, "num", 1.5, "nothing");
  json_t *partials = json_pack("{s:s,s:s}", "self", src, "p", "[{{name}}]\n");
  struct buf out;
  buf_init(&out, NULL);
  struct err e;
  render_string(src, ctx, partials, &out, &e);
  buf_free(&out);
  json_decref(partials);
  json_decref(ctx);
  data_phase(src, size);
  free(src);
  return 0;
}
