/* libFuzzer: what a dealer types into the profile form — opening hours per day and the
 * VAT ID. Parsed hours must be sorted, in range, without overlaps, and format back to
 * a string that parses to the same intervals; a VAT ID that passes is DE + 9 digits. */
#include "tenant/tenant.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = malloc(size + 1);
  memcpy(s, data, size);
  s[size] = 0;

  struct tenant_hours h;
  memset(&h, 0, sizeof h);
  const char *code = NULL;
  if (tenant_hours_parse_day(s, h.iv[0], &h.n[0], &code) == 0) {
    if (h.n[0] < 0 || h.n[0] > TENANT_HOURS_PER_DAY)
      abort();
    for (int i = 0; i < h.n[0]; i++) {
      const struct tenant_interval *v = &h.iv[0][i];
      if (v->open < 0 || v->close > 24 * 60 || v->open >= v->close)
        abort();
      if (i && h.iv[0][i - 1].close > v->open)
        abort();
    }
    char out[256];
    tenant_hours_format_day(&h, 0, "-", out, sizeof out);
    struct tenant_interval again[TENANT_HOURS_PER_DAY];
    int n2 = 0;
    if (tenant_hours_parse_day(out, again, &n2, &code) != 0 || n2 != h.n[0] ||
        memcmp(again, h.iv[0], sizeof again[0] * (size_t)n2) != 0)
      abort();
  } else if (!code) {
    abort(); /* a refusal always says why */
  }

  char vat[12];
  if (tenant_vat_id_valid(s, vat)) {
    if (strncmp(vat, "DE", 2) != 0 || strlen(vat) != 11)
      abort();
    for (int i = 2; i < 11; i++)
      if (vat[i] < '0' || vat[i] > '9')
        abort();
  }
  free(s);
  return 0;
}
