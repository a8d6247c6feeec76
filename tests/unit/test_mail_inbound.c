/* Received mail: the parser (mail/inbound.h) on real-shaped messages — quoted-printable
 * UTF-8 with umlauts, base64, multipart/alternative, HTML only, ISO-8859-1, CR/LF
 * smuggled into encoded words, garbage — and the routing address of the CRM
 * (crm_inbound_address_check): a genuine tag, a forged one, none. Fixtures are in
 * tests/data/mail/ (also the fuzzer's seeds); {ID} and {TAG} in them are filled in. */
#include "buyer/buyer.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/str.h"
#include "crm/crm.h"
#include "mail/inbound.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct arena *a;

static void setup(void)
{
  ids_init();
  config_defaults();
  a = arena_new(0);
}
static void teardown(void)
{
  arena_free(a);
}
TestSuite(mail_inbound, .init = setup, .fini = teardown);

/* The fixture name with {ID} and {TAG} replaced; its length in *n. */
static char *fixture(const char *name, const char *id, const char *tag, size_t *n)
{
  const char *root = getenv("CC24_SOURCE_ROOT");
  char path[512];
  snprintf(path, sizeof path, "%s/tests/data/mail/%s", root ? root : ".", name);
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "%s", path);
  char raw[65536];
  size_t len = fread(raw, 1, sizeof raw - 1, f);
  fclose(f);
  raw[len] = 0;
  char *out = arena_alloc(a, len * 2 + 256);
  size_t o = 0;
  for (size_t i = 0; i < len;) {
    if (!strncmp(raw + i, "{ID}", 4)) {
      o += (size_t)sprintf(out + o, "%s", id);
      i += 4;
    } else if (!strncmp(raw + i, "{TAG}", 5)) {
      o += (size_t)sprintf(out + o, "%s", tag);
      i += 5;
    } else {
      out[o++] = raw[i++];
    }
  }
  out[o] = 0;
  *n = o;
  return out;
}

static struct mail_in parse(const char *name, const char *to)
{
  size_t n;
  char *m = fixture(name, "0123456789abcdef", "00112233445566778899aabbccddeeff", &n);
  struct mail_in in;
  struct err e = {0};
  cr_assert_eq(mail_in_parse(a, m, n, to, &in, &e), 0, "%s: %s", name, e.msg);
  cr_assert(utf8_valid(in.text, strlen(in.text)), "%s: text not UTF-8", name);
  cr_assert(utf8_valid(in.subject, strlen(in.subject)));
  cr_assert_null(strpbrk(in.subject, "\r\n"), "%s: subject has a line break", name);
  cr_assert_null(strpbrk(in.sender, "\r\n"), "%s: sender has a line break", name);
  return in;
}

Test(mail_inbound, quoted_printable_utf8_umlauts_and_german_quote_cut)
{
  struct mail_in m = parse("qp_utf8.eml", NULL);
  cr_assert_str_eq(m.from_addr, "juergen@kaeufer.example");
  cr_assert_str_eq(m.from_name, "Jürgen Käufer");
  cr_assert_str_eq(m.sender, "Jürgen Käufer <juergen@kaeufer.example>");
  cr_assert_str_eq(m.subject, "Re: Ihre Anfrage: VW Golf GTI – Grüße");
  cr_assert_str_eq(m.message_id, "qp-1@kaeufer.example");
  cr_assert_eq(m.date, 1796678103); /* 2026-12-07 21:15:03 UTC */
  cr_assert_eq(m.nrefs, 1);
  cr_assert_str_eq(m.refs[0], "abc.1@cc24.test");
  /* Delivered-To first, then To (the same address once) */
  cr_assert_eq(m.nrcpt, 1);
  cr_assert_str_eq(m.rcpt[0],
                   "lead+0123456789abcdef.00112233445566778899aabbccddeeff@in.cc24.test");
  cr_assert_str_eq(m.text, "Guten Tag Herr Müller,\n\nder Wagen gefällt mir sehr. Können wir am "
                           "Samstag um 10 Uhr eine Probefahrt machen? Grüße\nJürgen Käufer");
  cr_assert_not(m.from_html);
}

Test(mail_inbound, base64_and_english_wrapped_quote_cut)
{
  struct mail_in m = parse("base64.eml", NULL);
  cr_assert_str_eq(m.sender, "buyer@example.org");
  cr_assert_str_eq(m.text, "Hello,\n\nis the car still available? Price 24.990 € ok.");
}

Test(mail_inbound, multipart_alternative_takes_the_text_part)
{
  struct mail_in m = parse("alternative.eml", NULL);
  cr_assert_str_eq(m.text, "Ja, Samstag passt. Danke!");
  cr_assert_not(m.from_html);
  /* In-Reply-To first, then References newest first, each once */
  cr_assert_eq(m.nrefs, 2);
  cr_assert_str_eq(m.refs[0], "abc.1@cc24.test");
  cr_assert_str_eq(m.refs[1], "older@cc24.test");
  cr_assert_str_eq(m.message_id, "CAF+alt-1@mail.gmail.com");
}

Test(mail_inbound, html_only_becomes_text)
{
  struct mail_in m = parse("html_only.eml", NULL);
  cr_assert(m.from_html);
  cr_assert_str_eq(m.subject, "AW: Probefahrt");
  cr_assert_str_eq(m.text, "Guten Morgen,\n\ngerne am Freitag & mit Ihrem Kollegen – ich bringe "
                           "meinen Gebrauchtwagen mit.\nGrüße – Uwe");
  cr_assert_null(strstr(m.text, "alert"));
  cr_assert_null(strstr(m.text, "color"));
  cr_assert_null(strchr(m.text, '<'));
}

Test(mail_inbound, iso_8859_1_is_converted)
{
  struct mail_in m = parse("latin1.eml", NULL);
  cr_assert_str_eq(m.sender, "Björn Müller <bjoern@example.de>");
  cr_assert_str_eq(m.subject, "Anfrage für Größe");
  /* 0x80 is the euro sign: ISO-8859-1 is read as windows-1252, as mailers mean it */
  cr_assert_str_eq(m.text, "Schöne Grüße aus Köln, der Preis von 12.000 € ist für mich ok.");
}

Test(mail_inbound, crlf_in_encoded_words_cannot_inject_headers)
{
  struct mail_in m = parse("injection.eml", NULL);
  cr_assert_str_eq(m.subject, "Hallo Bcc: victim@example.org  body");
  cr_assert_null(strpbrk(m.from_name, "\r\n"));
  cr_assert_eq(m.nrcpt, 1); /* the Bcc in the subject added no recipient */
  /* a NUL does not end the text, and control characters become spaces */
  cr_assert_str_eq(m.text, "Text mit NUL und  [31mESC.");
  for (const char *p = m.text; *p; p++)
    cr_assert(*p == '\n' || *p == '\t' || (unsigned char)*p >= 0x20, "control byte %d", *p);
}

Test(mail_inbound, envelope_recipient_wins_over_headers)
{
  struct mail_in m = parse("qp_utf8.eml", "<Lead+AAAA.BBBB@In.CC24.test>");
  cr_assert_eq(m.nrcpt, 1);
  cr_assert_str_eq(m.rcpt[0], "lead+aaaa.bbbb@in.cc24.test");
}

Test(mail_inbound, malformed_input_is_refused)
{
  struct mail_in m;
  struct err e = {0};
  cr_assert_eq(mail_in_parse(a, "", 0, NULL, &m, &e), -1);
  size_t n;
  char *g = fixture("garbage.eml", "", "", &n);
  cr_assert_eq(mail_in_parse(a, g, n, NULL, &m, &e), -1);
  cr_assert_eq(e.code, CC24_E_BAD_REQUEST);
  const char *no_from = "To: a@b.example\r\nSubject: x\r\n\r\nhi\r\n";
  cr_assert_eq(mail_in_parse(a, no_from, strlen(no_from), NULL, &m, &e), -1);
}

Test(mail_inbound, long_text_is_capped_at_a_character_boundary)
{
  size_t big = MAIL_IN_TEXT_MAX + 5000;
  char *msg = arena_alloc(a, big * 2 + 200);
  int h = sprintf(msg, "From: x@y.example\r\nSubject: lang\r\nContent-Type: text/plain; "
                       "charset=utf-8\r\n\r\n");
  size_t o = (size_t)h;
  for (size_t i = 0; i < big / 2; i++) {
    memcpy(msg + o, "ä", 2); /* two bytes each: an odd cap would split one */
    o += 2;
  }
  msg[o] = 0;
  struct mail_in m;
  struct err e = {0};
  cr_assert_eq(mail_in_parse(a, msg, o, NULL, &m, &e), 0, "%s", e.msg);
  cr_assert(m.truncated);
  cr_assert_leq(strlen(m.text), MAIL_IN_TEXT_MAX);
  cr_assert_geq(strlen(m.text), MAIL_IN_TEXT_MAX - 3);
  cr_assert(utf8_valid(m.text, strlen(m.text)));
}

Test(mail_inbound, quote_cut_variants)
{
  cr_assert_str_eq(mail_in_cut_quote(a, "Ok.\n\n-----Ursprüngliche Nachricht-----\nVon: x"), "Ok.");
  cr_assert_str_eq(mail_in_cut_quote(a, "Ok.\nVon: Autohaus\nGesendet: Montag\nAn: x"), "Ok.");
  cr_assert_str_eq(mail_in_cut_quote(a, "Ok.\n> old\n> older\n"), "Ok.");
  /* no attribution: the text stays as it is */
  cr_assert_str_eq(mail_in_cut_quote(a, "Am Samstag schrieb ich Ihnen schon\nOk."),
                   "Am Samstag schrieb ich Ihnen schon\nOk.");
}

/* ---- the routing address ---- */

static unsigned char key[BUYER_KEY_BYTES];

static const char *address_for(const char *id)
{
  char token[BUYER_TOKEN_MAX];
  buyer_unsub_token(key, id, token);
  return arena_printf(a, "lead+%s@in.cc24.test", token);
}

Test(mail_inbound, routing_address_genuine_forged_missing)
{
  for (size_t i = 0; i < sizeof key; i++)
    key[i] = (unsigned char)(i * 7 + 1);
  config_set("mail-inbound-domain", "in.cc24.test");
  char id[ID_LEN + 1];
  const char *good = address_for("0123456789abcdef");
  cr_assert_eq(crm_inbound_address_check(key, good, id), 1);
  cr_assert_str_eq(id, "0123456789abcdef");
  /* upper case (some MTAs) is the same address */
  cr_assert_eq(crm_inbound_address_check(key, str_lower(a, good), id), 1);
  char *upper = arena_strdup(a, good);
  for (char *p = upper; *p; p++)
    if (*p >= 'a' && *p <= 'z')
      *p = (char)(*p - 32);
  cr_assert_eq(crm_inbound_address_check(key, upper, id), 1);
  /* forged: another lead's id with this tag, a changed tag, no tag, a short tag */
  const char *tag = strchr(good, '.') + 1;
  cr_assert_eq(crm_inbound_address_check(key, arena_printf(a, "lead+0123456789abcdeg.%s", tag), id),
               -1);
  char *flip = arena_strdup(a, good);
  char *t = strchr(flip, '.') + 1;
  t[0] = t[0] == '0' ? '1' : '0';
  cr_assert_eq(crm_inbound_address_check(key, flip, id), -1);
  cr_assert_eq(crm_inbound_address_check(key, "lead+0123456789abcdef@in.cc24.test", id), -1);
  cr_assert_eq(crm_inbound_address_check(key, "lead+0123456789abcdef.00@in.cc24.test", id), -1);
  cr_assert_eq(crm_inbound_address_check(key, "lead+@in.cc24.test", id), -1);
  /* another key does not verify it */
  unsigned char other[BUYER_KEY_BYTES] = {0};
  cr_assert_eq(crm_inbound_address_check(other, good, id), -1);
  /* not a routing address at all: no tag to check */
  cr_assert_eq(crm_inbound_address_check(key, "info@in.cc24.test", id), 0);
  cr_assert_eq(crm_inbound_address_check(key, "lead+x.y@other.example", id), 0);
  /* a CR/LF in the address does not verify */
  cr_assert_eq(crm_inbound_address_check(key, arena_printf(a, "%s\r\nBcc: x@y", good), id), 0);
}
