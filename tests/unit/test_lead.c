/* Unit tests for src/crm/lead.c: e-mail and phone checks, and the validation of a
 * lead as a whole (every bad field named, strings trimmed, dates in range). */
#include "core/arena.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "crm/lead.h"
#include "crm/lead_pages.h"

#include <criterion/criterion.h>
#include <string.h>

/* 2026-06-15 10:00 UTC (12:00 in Berlin) */
static const int64_t NOW = 1781517600;

Test(lead, email_addresses)
{
  static const char *good[] = {"a@b.de", "max.mustermann@autohaus-berger.example",
                               "x+tag@sub.domain.co.uk", "ÄÖ@example.de"};
  static const char *bad[] = {"",         "plain",    "@b.de",    "a@",      "a@b",
                              "a@@b.de",  "a b@c.de", "a@b..de",  "a@-b.de", "a@b-.de",
                              "a@b.de\n", "<a>@b.de", "a@b_c.de", "a@.de",   "a,b@c.de"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    cr_expect(lead_email_valid(good[i]), "%s should be valid", good[i]);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_expect(!lead_email_valid(bad[i]), "%s should be invalid", bad[i]);
  char longest[300];
  memset(longest, 'a', 250);
  strcpy(longest + 250, "@b.de");
  cr_expect(!lead_email_valid(longest), "over 254 bytes");
  cr_expect(!lead_email_valid(NULL));
}

Test(lead, phone_numbers)
{
  static const char *good[] = {"+49 221 4861150", "0221/4861150", "(0221) 486-11-50", "123456"};
  static const char *bad[] = {"",
                              "12345",
                              "+49 abc",
                              "49+221",
                              "1234567890123456",
                              "0221 4861150 ext 3",
                              "+49 221 4861150 0000000000000"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    cr_expect(lead_phone_valid(good[i]), "%s should be valid", good[i]);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_expect(!lead_phone_valid(bad[i]), "%s should be invalid", bad[i]);
}

static struct lead contact(void)
{
  struct lead l;
  lead_init(&l);
  l.kind = LEAD_CONTACT;
  l.name = "  Erika Mustermann ";
  l.email = " erika@example.de";
  l.message = "Ist der Wagen noch zu haben?\nGrüße";
  return l;
}

Test(lead, a_valid_contact_request_is_trimmed)
{
  struct arena *a = arena_new(0);
  struct field_errors errs;
  field_errors_init(&errs, a);
  struct lead l = contact();
  cr_assert_eq(lead_validate(a, &l, NOW, &errs), 0, "%s", errs.n ? errs.e[0].detail : "");
  cr_expect_str_eq(l.name, "Erika Mustermann");
  cr_expect_str_eq(l.email, "erika@example.de");
  cr_expect_str_eq(l.preferred_date, "", "no date for a contact request");
  cr_expect_str_eq(l.privacy_notice, LEAD_PRIVACY_NOTICE);
  arena_free(a);
}

Test(lead, every_bad_field_is_named)
{
  struct arena *a = arena_new(0);
  struct field_errors errs;
  field_errors_init(&errs, a);
  struct lead l;
  lead_init(&l);
  l.kind = LEAD_CONTACT;
  l.name = "X";
  l.email = "nope";
  l.phone = "abc";
  l.message = "";
  cr_assert_eq(lead_validate(a, &l, NOW, &errs), -1);
  cr_expect_str_eq(field_error_get(&errs, "name")->code, "length");
  cr_expect_str_eq(field_error_get(&errs, "email")->code, "format");
  cr_expect_str_eq(field_error_get(&errs, "phone")->code, "format");
  cr_expect_str_eq(field_error_get(&errs, "message")->code, "required");
  cr_expect_eq(errs.n, 4);
  arena_free(a);
}

Test(lead, text_limits_and_control_characters)
{
  struct arena *a = arena_new(0);
  struct field_errors errs;
  field_errors_init(&errs, a);
  struct lead l = contact();
  char *msg = arena_alloc(a, LEAD_MESSAGE_MAX + 2);
  memset(msg, 'x', LEAD_MESSAGE_MAX + 1);
  msg[LEAD_MESSAGE_MAX + 1] = 0;
  l.message = msg;
  l.name = "Eri\x01ka";
  cr_assert_eq(lead_validate(a, &l, NOW, &errs), -1);
  cr_expect_not_null(field_error_get(&errs, "message"));
  cr_expect_not_null(field_error_get(&errs, "name"));

  /* exactly at the limit, counted in code points (ü is two bytes) */
  field_errors_init(&errs, a);
  l = contact();
  char *um = arena_alloc(a, 2 * LEAD_MESSAGE_MAX + 1);
  for (int i = 0; i < LEAD_MESSAGE_MAX; i++)
    memcpy(um + 2 * i, "\xc3\xbc", 2);
  um[2 * LEAD_MESSAGE_MAX] = 0;
  l.message = um;
  cr_expect_eq(lead_validate(a, &l, NOW, &errs), 0);

  field_errors_init(&errs, a);
  l = contact();
  l.message = "kaputt \xff";
  cr_expect_eq(lead_validate(a, &l, NOW, &errs), -1, "invalid UTF-8");
  arena_free(a);
}

static struct lead test_drive(const char *date)
{
  struct lead l;
  lead_init(&l);
  l.kind = LEAD_TEST_DRIVE;
  l.name = "Max Mustermann";
  l.email = "max@example.de";
  l.phone = "+49 171 1234567";
  l.preferred_date = date;
  return l;
}

Test(lead, test_drive_needs_phone_and_a_date_in_range)
{
  struct arena *a = arena_new(0);
  struct field_errors errs;
  struct {
    const char *date;
    const char *code; /* NULL = valid */
  } cases[] = {
      {"2026-06-15", NULL},      /* today */
      {"2026-09-13", NULL},      /* today + 90 */
      {"2026-09-14", "range"},   /* today + 91 */
      {"2026-06-14", "range"},   /* yesterday */
      {"2026-02-30", "format"},  /* no such day */
      {"15.06.2026", "format"},  /* German notation is the form's job */
      {"2026-6-15", "format"},   /* */
      {"", "required"},          /* */
      {"2026-06-15x", "format"}, /* */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    field_errors_init(&errs, a);
    struct lead l = test_drive(cases[i].date);
    int rc = lead_validate(a, &l, NOW, &errs);
    if (!cases[i].code) {
      cr_expect_eq(rc, 0, "%s: %s", cases[i].date, errs.n ? errs.e[0].detail : "");
    } else {
      const struct field_error *fe = field_error_get(&errs, "preferred_date");
      cr_expect_not_null(fe, "%s should fail", cases[i].date);
      if (fe)
        cr_expect_str_eq(fe->code, cases[i].code, "%s", cases[i].date);
    }
  }
  field_errors_init(&errs, a);
  struct lead l = test_drive("2026-06-20");
  l.phone = "";
  l.message = "";
  cr_assert_eq(lead_validate(a, &l, NOW, &errs), -1);
  cr_expect_str_eq(field_error_get(&errs, "phone")->code, "required");
  cr_expect_null(field_error_get(&errs, "message"), "a test drive needs no message");
  arena_free(a);
}

Test(lead, berlin_calendar_decides_today)
{
  /* 2026-06-15 23:30 UTC is already 16 June in Berlin (CEST) */
  struct arena *a = arena_new(0);
  struct field_errors errs;
  field_errors_init(&errs, a);
  struct lead l = test_drive("2026-06-15");
  cr_expect_eq(lead_validate(a, &l, 1781566200, &errs), -1, "15 June is yesterday in Berlin");
  field_errors_init(&errs, a);
  l = test_drive("2026-06-16");
  cr_expect_eq(lead_validate(a, &l, 1781566200, &errs), 0);
  arena_free(a);
}

Test(lead, kind_enum)
{
  cr_expect_eq(enum_parse(&lead_enum_kind, "contact"), LEAD_CONTACT);
  cr_expect_eq(enum_parse(&lead_enum_kind, "test_drive"), LEAD_TEST_DRIVE);
  cr_expect_eq(enum_parse(&lead_enum_kind, "callback"), -1);
  struct arena *a = arena_new(0);
  struct field_errors errs;
  field_errors_init(&errs, a);
  struct lead l = contact();
  l.kind = 7;
  cr_expect_eq(lead_validate(a, &l, NOW, &errs), -1);
  cr_expect_not_null(field_error_get(&errs, "kind"));
  arena_free(a);
}

Test(lead, week_starts_on_monday_midnight_in_berlin)
{
  int64_t t;
  /* Tuesday 2026-12-01 08:00 CET → Monday 2026-11-30 00:00 CET = 2026-11-29T23:00Z */
  cr_assert_eq(time_parse_iso("2026-12-01T07:00:00Z", &t), 0);
  int64_t want;
  cr_assert_eq(time_parse_iso("2026-11-29T23:00:00Z", &want), 0);
  cr_assert_eq(crm_week_start(t), want);
  /* just after midnight on that Monday, and just before it (still the week before) */
  cr_assert_eq(crm_week_start(want), want);
  cr_assert_eq(crm_week_start(want + 60), want);
  int64_t prev;
  cr_assert_eq(time_parse_iso("2026-11-22T23:00:00Z", &prev), 0);
  cr_assert_eq(crm_week_start(want - 1), prev);
  /* the week after the switch to summer time (Sunday 2026-03-29): Monday 00:00 CEST */
  cr_assert_eq(time_parse_iso("2026-03-31T10:00:00Z", &t), 0);
  cr_assert_eq(time_parse_iso("2026-03-29T22:00:00Z", &want), 0);
  cr_assert_eq(crm_week_start(t), want);
  /* and after the switch back (Sunday 2026-10-25): Monday 00:00 CET */
  cr_assert_eq(time_parse_iso("2026-10-28T12:00:00Z", &t), 0);
  cr_assert_eq(time_parse_iso("2026-10-25T23:00:00Z", &want), 0);
  cr_assert_eq(crm_week_start(t), want);
}
