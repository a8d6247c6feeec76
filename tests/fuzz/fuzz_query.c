/* fuzz_query.c — http_parse_urlencoded on arbitrary bytes (query strings and
 * form bodies come straight from clients). Checks the invariants the handlers
 * rely on: at most 256 pairs, every name and value valid UTF-8 without NUL. */
#include "core/arena.h"
#include "core/str.h"
#include "http/http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct arena *a = arena_new(0);
  const char **names, **values;
  int n = http_parse_urlencoded(a, (const char *)data, size, &names, &values);
  if (n > 256)
    abort();
  for (int i = 0; i < n; i++) {
    if (!utf8_valid(names[i], strlen(names[i])) || !utf8_valid(values[i], strlen(values[i])))
      abort();
    /* decoding never grows a component */
    if (strlen(names[i]) > size || strlen(values[i]) > size)
      abort();
  }
  arena_free(a);
  return 0;
}
