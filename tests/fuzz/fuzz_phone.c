/* libFuzzer: phone numbers to E.164 (sms_phone_e164). Invariants: an accepted number
 * matches ^\+[1-9][0-9]{6,14}$, normalising it again gives it back, and a refused one
 * leaves the output alone and names one of the documented reasons. */
#include "sms/sms.h"

#include <stdlib.h>
#include <string.h>

static int e164_shape(const char *s)
{
  size_t n = strlen(s);
  if (n < 8 || n > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9')
    return 0;
  for (size_t i = 2; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return 0;
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = malloc(size + 1);
  memcpy(s, data, size);
  s[size] = 0;
  char out[SMS_E164_SIZE] = "x", again[SMS_E164_SIZE];
  int rc = sms_phone_e164(s, out, NULL);
  if (rc == 0) {
    if (!e164_shape(out))
      abort();
    if (sms_phone_e164(out, again, NULL) != 0 || strcmp(again, out) != 0)
      abort();
    char masked[SMS_E164_SIZE];
    sms_phone_mask(out, masked);
    if (strlen(masked) != strlen(out))
      abort();
  } else if (rc < SMS_PHONE_E_TOO_LONG || rc > 0 || strcmp(out, "x") != 0) {
    abort();
  }
  free(s);
  return 0;
}
