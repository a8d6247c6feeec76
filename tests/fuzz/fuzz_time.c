/* libFuzzer: instants typed into URLs and forms — RFC 3339 (?at= of the finance API) and
 * the Börse's "valid until" day. Whatever parses formats back (UTC) and parses to the
 * same second; a valid-until day lies in the window the parser promises. */
#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "market/market.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = malloc(size + 1);
  memcpy(s, data, size);
  s[size] = 0;
  int64_t t;
  if (time_parse_iso(s, &t) == 0) {
    char iso[32];
    time_iso_utc(t, iso, sizeof iso);
    int64_t back;
    if (time_parse_iso(iso, &back) != 0 || back != t)
      abort();
  }
  const int64_t now = 1795500000; /* 2026-11-24T06:00:00Z */
  struct arena *a = arena_new(0);
  struct field_errors errs;
  field_errors_init(&errs, a);
  int64_t until;
  if (market_valid_until_parse(s, now, "valid_until", &until, &errs) == 0) {
    if (until < now || until > now + (int64_t)(MARKET_MAX_VALID_DAYS + 2) * 86400)
      abort();
  } else if (errs.n == 0) {
    abort();
  }
  int64_t cents;
  field_errors_init(&errs, a);
  if (market_amount_parse(s, "amount", &cents, &errs) == 0 &&
      (cents < 1 || cents > MARKET_MAX_CENTS))
    abort();
  arena_free(a);
  free(s);
  return 0;
}
