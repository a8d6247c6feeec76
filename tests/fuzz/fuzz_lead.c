/* libFuzzer: the enquiry form of the vehicle page, every field hostile. The input is
 * split at NUL bytes into kind, name, e-mail, phone, message and preferred date;
 * validation must never crash, and a lead it accepts has sane, bounded fields. */
#include "core/arena.h"
#include "core/json.h"
#include "core/str.h"
#include "crm/lead.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct arena *a = arena_new(0);
  char *buf = arena_alloc(a, size + 1);
  memcpy(buf, data, size);
  buf[size] = 0;
  const char *part[6] = {"", "", "", "", "", ""};
  size_t start = 0;
  for (int k = 0; k < 6 && start <= size; k++) {
    part[k] = buf + start;
    start += strlen(buf + start) + 1;
  }
  struct lead l;
  lead_init(&l);
  l.kind = part[0][0] == 't' ? LEAD_TEST_DRIVE : LEAD_CONTACT;
  l.name = part[1];
  l.email = part[2];
  l.phone = part[3];
  l.message = part[4];
  l.preferred_date = part[5];
  struct field_errors errs;
  field_errors_init(&errs, a);
  if (lead_validate(a, &l, 1795500000, &errs) == 0) {
    if (errs.n || !lead_email_valid(l.email) || strlen(l.email) > LEAD_EMAIL_MAX)
      abort();
    if (!utf8_valid(l.name, strlen(l.name)) || !utf8_valid(l.message, strlen(l.message)))
      abort();
    if (l.kind == LEAD_TEST_DRIVE && (!*l.phone || strlen(l.preferred_date) != 10))
      abort();
  } else if (errs.n == 0) {
    abort();
  }
  arena_free(a);
  return 0;
}
