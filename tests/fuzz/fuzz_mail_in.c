/* libFuzzer: `cc24 mail receive`'s parser on hostile messages, and the CRM's check of
 * the routing addresses found in them. Parsing must never crash; what it returns must
 * be safe to store and show: valid UTF-8, header values without line breaks or control
 * characters, the text within its cap, and no routing address verifies without the
 * key's tag. Seeds: tests/fuzz/corpus/mail_in (the unit test's fixtures). */
#include "core/arena.h"
#include "core/config.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/str.h"
#include "crm/crm.h"
#include "mail/inbound.h"

#include <stdlib.h>
#include <string.h>

static bool one_line_ok(const char *s)
{
  if (!s || !utf8_valid(s, strlen(s)))
    return false;
  for (const char *p = s; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      return false;
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static bool ready;
  if (!ready) {
    ids_init();
    config_defaults();
    ready = true;
  }
  struct arena *a = arena_new(0);
  struct mail_in m;
  struct err e = {0};
  if (mail_in_parse(a, data, size, NULL, &m, &e) == 0) {
    if (!one_line_ok(m.sender) || !one_line_ok(m.subject) || !one_line_ok(m.message_id) ||
        !one_line_ok(m.from_addr) || !strchr(m.from_addr, '@'))
      abort();
    if (strlen(m.text) > MAIL_IN_TEXT_MAX || !utf8_valid(m.text, strlen(m.text)) ||
        strchr(m.text, '\r'))
      abort();
    if (m.nrcpt < 0 || m.nrcpt > 20 || m.nrefs < 0 || m.nrefs > MAIL_IN_REFS_MAX)
      abort();
    static const unsigned char key[32] = {1, 2, 3};
    for (int i = 0; i < m.nrcpt; i++) {
      char id[ID_LEN + 1];
      if (!one_line_ok(m.rcpt[i]) || crm_inbound_address_check(key, m.rcpt[i], id) == 1)
        abort(); /* a tag under this key cannot come out of random input */
    }
    for (int i = 0; i < m.nrefs; i++)
      if (!one_line_ok(m.refs[i]))
        abort();
  }
  /* the HTML reduction alone, on the raw bytes */
  char *t = mail_in_html_text(a, (const char *)data, size);
  if (!t)
    abort();
  arena_free(a);
  return 0;
}
