/* Unit tests for the Art. 13 notices and processing records' helpers (privacy/consent.h):
 * IP truncation for IPv4, IPv6 in its spellings and mapped addresses, rubbish refused;
 * the notice names the dealer, the enforced period and the legal basis, its hash is the
 * SHA-256 of exactly the text and changes with the dealer, the language and the period;
 * every recorded form has a purpose and a legal basis. */
#include "core/arena.h"
#include "core/config.h"
#include "core/ids.h"
#include "privacy/consent.h"
#include "privacy/newsletter.h"
#include "render/i18n.h"
#include "tenant/tenant.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct arena *a;

static void setup(void)
{
  ids_init();
  config_defaults();
  const char *root = getenv("CC24_SOURCE_ROOT");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/i18n", root ? root : ".");
  struct err e = {0};
  cr_assert_eq(i18n_load(dir, &e), 0, "%s", e.msg);
  a = arena_new(0);
}

static void teardown(void)
{
  arena_free(a);
}

TestSuite(consent, .init = setup, .fini = teardown);

Test(consent, ip_truncation)
{
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"203.0.113.77", "203.0.113.0"},
      {"10.1.2.3", "10.1.2.0"},
      {"0.0.0.0", "0.0.0.0"},
      {"255.255.255.255", "255.255.255.0"},
      {"2001:db8:abcd:12:34:56:78:9a", "2001:db8:abcd::"},
      {"2001:0db8:abcd:0012:0000:0000:0000:0001", "2001:db8:abcd::"},
      {"2001:db8::1", "2001:db8::"},
      {"::1", "::"},
      {"fe80::1ff:fe23:4567:890a", "fe80::"},
      {"::ffff:198.51.100.9", "198.51.100.0"},
      {"", ""},
      {"localhost", ""},
      {"1.2.3", ""},
      {"1.2.3.4.5", ""},
      {"256.1.1.1", ""},
      {"2001:db8::1%eth0", ""},
      {"1.2.3.4\r\nX: y", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[64];
    memset(out, 'x', sizeof out);
    consent_ip_truncate(cases[i].in, out, sizeof out);
    cr_expect_str_eq(out, cases[i].out, "%s", cases[i].in);
  }
  char small[8] = "junk";
  consent_ip_truncate("203.0.113.77", small, sizeof small);
  cr_expect_str_eq(small, "", "a buffer too small gets nothing, not a cut address");
  char out[64] = "junk";
  consent_ip_truncate(NULL, out, sizeof out);
  cr_expect_str_eq(out, "");
}

static struct tenant dealer(const char *name, const char *city)
{
  struct tenant t;
  memset(&t, 0, sizeof t);
  t.id = 7;
  t.slug = "autohaus-test";
  t.name = name;
  t.street = "Hauptstraße 1";
  t.zip = "10115";
  t.city = city;
  return t;
}

Test(consent, enquiry_notice)
{
  struct tenant t = dealer("Autohaus Nord GmbH", "Berlin");
  struct consent_notice de, en, de2;
  consent_notice(a, "de", CONSENT_NOTICE_ENQUIRY, &t, &de);
  cr_assert_str_eq(de.notice, "enquiry");
  cr_assert_str_eq(de.locale, "de");
  cr_expect(strstr(de.text, "Autohaus Nord GmbH, Hauptstraße 1, 10115 Berlin."), "%s", de.text);
  cr_expect(strstr(de.text, "Art. 6 Abs. 1 lit. b DSGVO"), "%s", de.text);
  cr_expect(strstr(de.text, "12 Monaten"), "the enforced default period: %s", de.text);
  cr_expect(strstr(de.text, "Aufsichtsbehörde."), "%s", de.text);
  char hex[65];
  id_sha256_hex(de.text, strlen(de.text), hex);
  cr_expect_str_eq(de.hash, hex, "the hash is the SHA-256 of the text shown");
  consent_notice(a, "de", CONSENT_NOTICE_ENQUIRY, &t, &de2);
  cr_expect_str_eq(de.hash, de2.hash, "the same text twice, the same hash");
  consent_notice(a, "en", CONSENT_NOTICE_ENQUIRY, &t, &en);
  cr_expect(strstr(en.text, "Art. 6 (1)(b) GDPR"), "%s", en.text);
  cr_expect_str_neq(en.hash, de.hash);
  /* anything but English is German */
  consent_notice(a, "fr", CONSENT_NOTICE_ENQUIRY, &t, &de2);
  cr_expect_str_eq(de2.hash, de.hash);
  /* another dealer, another text */
  struct tenant u = dealer("Autohaus Nord GmbH", "Hamburg");
  consent_notice(a, "de", CONSENT_NOTICE_ENQUIRY, &u, &de2);
  cr_expect_str_neq(de2.hash, de.hash);
  /* another period, another text */
  cfg.lead_retention_months = 7;
  consent_notice(a, "de", CONSENT_NOTICE_ENQUIRY, &t, &de2);
  cr_expect(strstr(de2.text, "7 Monaten"), "%s", de2.text);
  cr_expect_str_neq(de2.hash, de.hash);
  cfg.lead_retention_months = 12;
}

Test(consent, newsletter_notices)
{
  struct tenant t = dealer("Autohaus Süd", "München");
  struct consent_notice n, o;
  consent_notice(a, "de", CONSENT_NOTICE_NEWSLETTER, &t, &n);
  cr_assert_str_eq(n.notice, "newsletter");
  cr_expect(strstr(n.text, "Autohaus Süd"), "%s", n.text);
  cr_expect(strstr(n.text, "Art. 6 Abs. 1 lit. a DSGVO"), "%s", n.text);
  cr_expect(strstr(n.text, "§ 7 Abs. 2 Nr. 2 UWG"), "%s", n.text);
  char days[32];
  snprintf(days, sizeof days, "nach %d Tagen", NEWSLETTER_PENDING_TTL / 86400);
  cr_expect(strstr(n.text, days), "the purge period as enforced: %s", n.text);
  cr_expect(!strstr(n.text, "{days}"), "%s", n.text);
  consent_notice(a, "en", CONSENT_NOTICE_OPTIN, &t, &o);
  cr_assert_str_eq(o.notice, "newsletter_optin");
  cr_expect(strstr(o.text, "confirmation link"), "%s", o.text);
  cr_expect_str_neq(o.hash, n.hash);
}

Test(consent, forms)
{
  const char *forms[] = {"contact",    "test_drive",         "financing",          "trade_in",
                         "newsletter", "newsletter_confirm", "newsletter_withdraw"};
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    const char *p = NULL, *b = NULL;
    cr_assert(consent_form_info(forms[i], &p, &b), "%s", forms[i]);
    cr_expect(p && strlen(p) > 10 && b && strstr(b, "DSGVO"), "%s", forms[i]);
  }
  const char *p, *b;
  cr_expect(!consent_form_info("", &p, &b));
  cr_expect(!consent_form_info(NULL, &p, &b));
  cr_expect(!consent_form_info("Contact", &p, &b));
  consent_form_info("newsletter", &p, &b);
  cr_expect(strstr(b, "lit. a"), "marketing rests on consent: %s", b);
  consent_form_info("test_drive", &p, &b);
  cr_expect(strstr(b, "lit. b"), "an enquiry on pre-contractual steps: %s", b);
}
