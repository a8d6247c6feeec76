/* libFuzzer: arbitrary bytes as a template (with itself as a partial), rendered
 * against a small fixed context. Compile errors are fine; crashes are not. */
#include "core/buf.h"
#include "render/render.h"

#include <stdlib.h>
#include <string.h>

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
  free(src);
  return 0;
}
