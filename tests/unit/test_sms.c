/* Unit tests for sms/: phone numbers to E.164 (a table of valid and invalid
 * inputs), the message text rules, the form encoding, the gateway settings, and
 * sms_send against a scripted local HTTP server (the wire format, 201, the
 * documented error body, which statuses are permanent and which are retried). */
#include "core/buf.h"
#include "core/config.h"
#include "sms/sms.h"
#include "sms_stub.h"

#include <criterion/criterion.h>
#include <regex.h>
#include <string.h>

struct phone_case {
  const char *in;
  int rc;
  const char *out; /* when rc == 0 */
};

static const struct phone_case phones[] = {
    /* the German ways of writing a number */
    {"0171 1234567", 0, "+491711234567"},
    {"0171/1234567", 0, "+491711234567"},
    {"0171-123 45 67", 0, "+491711234567"},
    {"  0171 1234567  ", 0, "+491711234567"},
    {"+49 (0) 171 123 45 67", 0, "+491711234567"},
    {"+49(0)171.1234567", 0, "+491711234567"},
    {"0049 171 1234567", 0, "+491711234567"},
    {"0049 (0) 30 1234567", 0, "+49301234567"},
    {"(030) 123456", 0, "+4930123456"},
    {"(0) 30 123456", 0, "+4930123456"},
    {"030 12345", 0, "+493012345"},
    {"+49 171 1234567", 0, "+491711234567"},
    {"+491711234567", 0, "+491711234567"},
    {"+49 0171 1234567", 0, "+491711234567"},
    {"+49 (0171) 1234567", 0, "+491711234567"},
    /* other countries keep their code */
    {"+43 664 1234567", 0, "+436641234567"},
    {"+43 (0) 664 1234567", 0, "+436641234567"},
    {"+43 0664 1234567", 0, "+436641234567"},
    {"+41 (0)79 123 45 67", 0, "+41791234567"},
    {"+44 (0) 20 7946 0000", 0, "+442079460000"},
    {"+1 (555) 123-4567", 0, "+15551234567"},
    {"+39 06 1234 5678", 0, "+390612345678"}, /* Italy: the 0 belongs to the number */
    {"+123456789012345", 0, "+123456789012345"},
    /* refused */
    {NULL, SMS_PHONE_E_EMPTY, NULL},
    {"", SMS_PHONE_E_EMPTY, NULL},
    {"   ", SMS_PHONE_E_EMPTY, NULL},
    {"0171 ABC4567", SMS_PHONE_E_LETTER, NULL},
    {"0800-CARS", SMS_PHONE_E_LETTER, NULL},
    {"0171 1234567 ext 12", SMS_PHONE_E_LETTER, NULL},
    {"0171 1234567\n", SMS_PHONE_E_CONTROL, NULL},
    {"0171\t1234567", SMS_PHONE_E_CONTROL, NULL},
    {"0171 1234567\x7f", SMS_PHONE_E_CONTROL, NULL},
    {"0171 1234567 x\r", SMS_PHONE_E_CONTROL, NULL},
    {"0171 #1234567", SMS_PHONE_E_CHAR, NULL},
    {"0171,1234567", SMS_PHONE_E_CHAR, NULL},
    {"0171 12345\xc3\xa4", SMS_PHONE_E_CHAR, NULL},
    {"\xef\xbc\x90\xef\xbc\x91\xef\xbc\x97\xef\xbc\x91 1234567", SMS_PHONE_E_CHAR, NULL},
    {"49+1711234567", SMS_PHONE_E_PLUS, NULL},
    {"++49 171 1234567", SMS_PHONE_E_PLUS, NULL},
    {"00+49 171 1234567", SMS_PHONE_E_PLUS, NULL},
    {"+49 171 +1234567", SMS_PHONE_E_PLUS, NULL},
    {"+49 ((0)) 171 1234567", SMS_PHONE_E_PARENS, NULL},
    {"+49 (0 171 1234567", SMS_PHONE_E_PARENS, NULL},
    {"+49 0) 171 1234567", SMS_PHONE_E_PARENS, NULL},
    {"+49 () 171 1234567", SMS_PHONE_E_PARENS, NULL},
    {"(030) (123) 456", SMS_PHONE_E_PARENS, NULL},
    {"(030-1) 23456", SMS_PHONE_E_PARENS, NULL},
    {"+49 171 (0) 1234567", SMS_PHONE_E_TRUNK, NULL},
    {"+(0)49 171 1234567", SMS_PHONE_E_TRUNK, NULL},
    {"+4917 (0) 1234567", SMS_PHONE_E_TRUNK, NULL},
    {"0171 (0) 1234567", SMS_PHONE_E_TRUNK, NULL},
    {"171 1234567", SMS_PHONE_E_NO_AREA, NULL},
    {"1234567", SMS_PHONE_E_NO_AREA, NULL},
    {"+49 (0) 0171 1234567", SMS_PHONE_E_ZERO, NULL},
    {"+49 00171 1234567", SMS_PHONE_E_ZERO, NULL},
    {"0 0171 1234567", SMS_PHONE_E_ZERO, NULL},
    {"+0171 1234567", SMS_PHONE_E_COUNTRY, NULL},
    {"000 49 171 1234567", SMS_PHONE_E_COUNTRY, NULL},
    {"+", SMS_PHONE_E_SHORT, NULL},
    {"(0)", SMS_PHONE_E_SHORT, NULL},
    {"030 1", SMS_PHONE_E_SHORT, NULL},
    {"+49 30 12", SMS_PHONE_E_SHORT, NULL},
    {"+1234567890123456", SMS_PHONE_E_LONG, NULL},
    {"0171 12345678901234", SMS_PHONE_E_LONG, NULL},
    {"01711234567890123456789012345678901234567890123456789012345678901", SMS_PHONE_E_TOO_LONG,
     NULL},
};

static bool e164_shape(const char *s)
{
  regex_t re;
  cr_assert_eq(regcomp(&re, "^\\+[1-9][0-9]{6,14}$", REG_EXTENDED | REG_NOSUB), 0);
  bool ok = regexec(&re, s, 0, NULL, 0) == 0;
  regfree(&re);
  return ok;
}

Test(sms, phone_table)
{
  cr_assert_geq(sizeof phones / sizeof phones[0], 30);
  for (size_t i = 0; i < sizeof phones / sizeof phones[0]; i++) {
    const struct phone_case *c = &phones[i];
    char out[SMS_E164_SIZE] = "untouched";
    struct err e = {0};
    int rc = sms_phone_e164(c->in, out, &e);
    cr_expect_eq(rc, c->rc, "\"%s\": got %d (%s), want %d", c->in ? c->in : "(null)", rc, e.msg,
                 c->rc);
    if (c->rc == 0 && rc == 0) {
      cr_expect_str_eq(out, c->out, "\"%s\"", c->in);
      cr_expect(e164_shape(out), "%s", out);
      char again[SMS_E164_SIZE];
      cr_expect_eq(sms_phone_e164(out, again, NULL), 0, "%s", out);
      cr_expect_str_eq(again, out, "normalising %s again", out);
    } else if (rc < 0) {
      cr_expect_str_eq(out, "untouched", "\"%s\": out written on failure", c->in);
      cr_expect_eq(e.code, CC24_E_VALIDATION);
      cr_expect_str_eq(e.field, "to");
      cr_expect_gt(strlen(e.msg), 10, "a reason is given");
    }
  }
}

Test(sms, phone_reasons_are_clear)
{
  struct err e = {0};
  sms_phone_e164("0171 CALL ME", (char[SMS_E164_SIZE]){0}, &e);
  cr_assert(strstr(e.msg, "letters"), "%s", e.msg);
  sms_phone_e164("+49 171 1234567890123", (char[SMS_E164_SIZE]){0}, &e);
  cr_assert(strstr(e.msg, "15"), "%s", e.msg);
  sms_phone_e164("49+171", (char[SMS_E164_SIZE]){0}, &e);
  cr_assert(strstr(e.msg, "'+'"), "%s", e.msg);
}

Test(sms, phone_mask)
{
  char m[SMS_E164_SIZE];
  sms_phone_mask("+491711234567", m);
  cr_assert_str_eq(m, "+49171*****67");
  sms_phone_mask("+4930123", m);
  cr_assert_str_eq(m, "+493**23");
  sms_phone_mask(NULL, m);
  cr_assert_str_eq(m, "");
}

Test(sms, body_rules)
{
  struct err e = {0};
  cr_assert_eq(sms_body_check("Ihre Probefahrt: Mo 10:00\nAutohaus Berger", &e), 0, "%s", e.msg);
  cr_assert_eq(sms_body_check("Grüße 🚗", &e), 0, "%s", e.msg);
  const char *bad[] = {NULL,    "",          " \n ",        "a\rb",     "a\tb", "a\x01",
                       "a\x7f", "a\xc2\x85", "\x1b[31mred", "\xff\xfe", "a\xc3"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    memset(&e, 0, sizeof e);
    cr_expect_lt(sms_body_check(bad[i], &e), 0, "body %zu accepted", i);
    cr_expect_str_eq(e.field, "body", "body %zu", i);
  }
  /* 1600 characters, not bytes: 1600 umlauts (3200 bytes) pass, 1601 do not */
  char big[2 * 1601 + 1];
  for (int i = 0; i < 1601; i++)
    memcpy(big + 2 * i, "\xc3\xa4", 2);
  big[2 * 1600] = 0;
  cr_assert_eq(sms_body_check(big, &e), 0, "%s", e.msg);
  big[2 * 1600] = '\xc3';
  big[2 * 1601] = 0;
  cr_assert_lt(sms_body_check(big, &e), 0);
  cr_assert(strstr(e.msg, "1601"), "%s", e.msg);
}

Test(sms, form_encoding)
{
  struct buf b;
  buf_init(&b, NULL);
  sms_form_encode(&b, "+491711234567", "cc24 Autohaus", "Grüße & Küsse\nTermin: 10:00 + 5 % = ?");
  cr_assert_str_eq(buf_cstr(&b),
                   "To=%2B491711234567&From=cc24%20Autohaus&Body=Gr%C3%BC%C3%9Fe%20%"
                   "26%20K%C3%BCsse%0ATermin%3A%2010%3A00%20%2B%205%20%25%20%3D%20%3F");
  buf_reset(&b);
  sms_form_encode(&b, "+1", "a=b&c", "x;y/z~._-");
  cr_assert_str_eq(buf_cstr(&b), "To=%2B1&From=a%3Db%26c&Body=x%3By%2Fz~._-");
  buf_free(&b);
}

static struct sms_gateway gw(const char *url)
{
  return (struct sms_gateway){.base_url = url,
                              .account_sid = "AC0123456789abcdef0123456789abcdef",
                              .auth_token = "s3cret-token",
                              .from = "+49 30 1234567"};
}

Test(sms, gateway_settings)
{
  struct err e = {0};
  struct sms_gateway g = gw("https://api.twilio.com/");
  cr_assert_eq(sms_gateway_check(&g, &e), 0, "%s", e.msg);
  g.from = "Autohaus B";
  cr_assert_eq(sms_gateway_check(&g, &e), 0, "%s", e.msg);
  const struct {
    struct sms_gateway g;
    const char *field;
  } bad[] = {
      {{"ftp://x", "AC1", "t", "cc24"}, "sms-url"},
      {{"https://user:pw@x", "AC1", "t", "cc24"}, "sms-url"},
      {{"https://x?y=1", "AC1", "t", "cc24"}, "sms-url"},
      {{"https://x", "AC1/../x", "t", "cc24"}, "sms-account-sid"},
      {{"https://x", "", "t", "cc24"}, "sms-account-sid"},
      {{"https://x", "AC1", "", "cc24"}, "sms-auth-token"},
      {{"https://x", "AC1", "t\n", "cc24"}, "sms-auth-token"},
      {{"https://x", "AC1", "t", ""}, "sms-from"},
      {{"https://x", "AC1", "t", "Autohaus Berger"}, "sms-from"}, /* 15 > 11 */
      {{"https://x", "AC1", "t", "12345"}, "sms-from"},           /* no letter, no number */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    memset(&e, 0, sizeof e);
    cr_expect_lt(sms_gateway_check(&bad[i].g, &e), 0, "case %zu", i);
    cr_expect_str_eq(e.field, bad[i].field, "case %zu: %s", i, e.msg);
    cr_expect_null(strstr(e.msg, "t\n"), "the token is never in a message");
  }
}

Test(sms, gateway_from_config)
{
  config_defaults();
  struct sms_gateway g;
  struct err e = {0};
  cr_assert_eq(sms_gateway_from_config(&g, &e), 1, "off by default");
  config_set("sms-url", "http://127.0.0.1:1");
  cr_assert_eq(sms_gateway_from_config(&g, &e), -1);
  config_set("sms-account-sid", "AC1");
  config_set("sms-auth-token", "tok");
  config_set("sms-from", "0171 1234567");
  cr_assert_eq(sms_gateway_from_config(&g, &e), 0, "%s", e.msg);
  cr_assert_str_eq(g.account_sid, "AC1");
  config_defaults();
}

/* "user:password" of a Basic Authorization header. */
static void basic_decode(const char *h, char *out, size_t n)
{
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  cr_assert(!strncmp(h, "Basic ", 6), "%s", h);
  unsigned acc = 0;
  int bits = 0;
  size_t k = 0;
  for (const char *p = h + 6; *p && *p != '=' && k + 1 < n; p++) {
    const char *q = strchr(tbl, *p);
    cr_assert_not_null(q);
    acc = acc << 6 | (unsigned)(q - tbl);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[k++] = (char)(acc >> bits & 0xff);
    }
  }
  out[k] = 0;
}

Test(sms, send_201)
{
  struct sms_stub s;
  struct stub_reply script[] = {
      {201, "{\"sid\":\"SM0123456789abcdef0123456789abcdef\",\"status\":\"queued\","
            "\"to\":\"+491711234567\",\"body\":\"x\"}"}};
  stub_start(&s, script, 1);
  struct sms_gateway g = gw(s.url);
  struct sms_result r;
  struct err e = {0};
  int rc = sms_send(&g, "+491711234567", "Probefahrt am Mo, 10:00 – bis gleich!", &r, &e);
  stub_stop(&s);
  cr_assert_eq(rc, SMS_SENT, "%s", e.msg);
  cr_assert_eq(r.http_status, 201);
  cr_assert_str_eq(r.sid, "SM0123456789abcdef0123456789abcdef");
  cr_assert_str_eq(r.status, "queued");
  cr_assert_eq(s.nreq, 1);
  cr_assert_str_eq(s.req[0].method, "POST");
  cr_assert_str_eq(s.req[0].path,
                   "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json");
  cr_assert_str_eq(s.req[0].content_type, "application/x-www-form-urlencoded");
  char up[256];
  basic_decode(s.req[0].authorization, up, sizeof up);
  cr_assert_str_eq(up, "AC0123456789abcdef0123456789abcdef:s3cret-token");
  cr_assert_str_eq(s.req[0].body, "To=%2B491711234567&From=%2B49301234567&Body=Probefahrt%20am%"
                                  "20Mo%2C%2010%3A00%20%E2%80%93%20bis%20gleich%21");
}

struct status_case {
  int status;
  const char *body;
  int rc;
  int code;
  const char *msg_has;
};

Test(sms, send_errors)
{
  static const struct status_case cases[] = {
      {400,
       "{\"code\":21211,\"message\":\"The 'To' number +4917 is not a valid phone number.\","
       "\"more_info\":\"https://www.twilio.com/docs/errors/21211\",\"status\":400}",
       SMS_PERMANENT, 21211, "not a valid phone number"},
      {401, "{\"code\":20003,\"message\":\"Authenticate\",\"status\":401}", SMS_PERMANENT, 20003,
       "401"},
      {404, "{\"code\":20404,\"message\":\"The requested resource was not found\",\"status\":404}",
       SMS_PERMANENT, 20404, "not found"},
      {429, "{\"code\":20429,\"message\":\"Too Many Requests\",\"status\":429}", SMS_RETRY, 20429,
       "429"},
      {500, "{\"code\":20500,\"message\":\"Internal Server Error\",\"status\":500}", SMS_RETRY,
       20500, "500"},
      {503, "<html>Service Unavailable</html>", SMS_RETRY, 0, "503"},
      {201, "{\"status\":\"queued\"}", SMS_PERMANENT, 0, "without a message sid"},
      {302, "", SMS_PERMANENT, 0, "302"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct sms_stub s;
    struct stub_reply script[] = {{cases[i].status, cases[i].body}};
    stub_start(&s, script, 1);
    struct sms_gateway g = gw(s.url);
    struct sms_result r;
    struct err e = {0};
    int rc = sms_send(&g, "+491711234567", "Hallo", &r, &e);
    stub_stop(&s);
    cr_expect_eq(rc, cases[i].rc, "status %d: rc %d (%s)", cases[i].status, rc, e.msg);
    cr_expect_eq(r.http_status, cases[i].status);
    cr_expect_eq(r.code, cases[i].code, "status %d", cases[i].status);
    cr_expect(strstr(e.msg, cases[i].msg_has), "status %d: %s", cases[i].status, e.msg);
    cr_expect_null(strstr(e.msg, "s3cret"), "no token in %s", e.msg);
  }
}

Test(sms, send_refuses_before_any_request)
{
  struct sms_stub s;
  struct stub_reply script[] = {{201, "{\"sid\":\"SM1\",\"status\":\"queued\"}"}};
  stub_start(&s, script, 1);
  struct sms_gateway g = gw(s.url);
  struct err e = {0};
  cr_assert_eq(sms_send(&g, "0171 CARS", "Hallo", NULL, &e), SMS_PERMANENT);
  cr_assert_str_eq(e.field, "to");
  cr_assert_eq(sms_send(&g, "+491711234567", "a\rb", NULL, &e), SMS_PERMANENT);
  cr_assert_str_eq(e.field, "body");
  g.auth_token = "";
  cr_assert_eq(sms_send(&g, "+491711234567", "Hallo", NULL, &e), SMS_PERMANENT);
  stub_stop(&s);
  cr_assert_eq(s.nreq, 0, "nothing was sent");
}

Test(sms, send_connection_refused_is_retryable)
{
  /* a port that was just free: bind, read the number, close */
  struct sms_stub s;
  stub_start(&s, NULL, 0);
  char url[64];
  snprintf(url, sizeof url, "%s", s.url);
  stub_stop(&s);
  struct sms_gateway g = gw(url);
  struct err e = {0};
  struct sms_result r;
  cr_assert_eq(sms_send(&g, "+491711234567", "Hallo", &r, &e), SMS_RETRY, "%s", e.msg);
  cr_assert_eq(r.http_status, 0);
  cr_assert(strstr(e.msg, "cannot be reached"), "%s", e.msg);
}
