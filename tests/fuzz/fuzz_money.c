/* libFuzzer: euro amounts typed into forms ("12.345,67 €") parsed and formatted back. */
#include "core/money.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = malloc(size + 1);
  memcpy(s, data, size);
  s[size] = 0;
  int64_t cents;
  if (money_parse_euros(s, &cents) == 0) {
    char out[64];
    money_format(cents, out, sizeof out);
    int64_t back;
    /* whatever parses must format and parse back to the same amount */
    if (money_parse_euros(out, &back) != 0 || back != cents)
      abort();
  }
  free(s);
  return 0;
}
