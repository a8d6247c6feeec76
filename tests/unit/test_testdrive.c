/* Unit tests for test-drive slots (opening hours → free slots, DST change days,
 * closed days, closing time, lead time, horizon, taken slots) and the iCalendar
 * writer (escaping, folding at 75 octets, the VEVENT). */
#include "core/arena.h"
#include "core/buf.h"
#include "core/timeutil.h"
#include "testdrive/testdrive.h"

#include <criterion/criterion.h>
#include <string.h>

static int64_t utc(int y, int mo, int d, int h, int mi)
{
  return time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static int weekday(int64_t t) /* Berlin, 0 = Monday */
{
  return (int)(((time_berlin_day(t) + 3) % 7 + 7) % 7);
}

static void set_day(struct tenant_hours *h, int wd, int open, int close)
{
  h->iv[wd][h->n[wd]].open = open;
  h->iv[wd][h->n[wd]].close = close;
  h->n[wd]++;
}

/* Mon–Fri 09:00–12:00 and 13:00–17:00, closed at the weekend. */
static struct tenant_hours office(void)
{
  struct tenant_hours h;
  memset(&h, 0, sizeof h);
  for (int d = 0; d < 5; d++) {
    set_day(&h, d, 9 * 60, 12 * 60);
    set_day(&h, d, 13 * 60, 17 * 60);
  }
  return h;
}

static struct td_slot out[TD_SLOTS_MAX];

Test(slots, today_past_slots_and_lead_time_are_left_out)
{
  struct tenant_hours h = office();
  /* Monday 2026-06-15 08:00 Berlin (06:00Z): with 2 h lead the first start is 10:00 */
  int64_t now = utc(2026, 6, 15, 6, 0);
  int n = td_slots(&h, now, 45, 2 * 3600, 1, NULL, 0, NULL, 0, out, TD_SLOTS_MAX);
  cr_assert_eq(n, 7, "10:30, 11:15, then 13:00 … 16:00; got %d", n);
  cr_expect_eq(out[0].start, utc(2026, 6, 15, 8, 30), "10:30 CEST");
  cr_expect_eq(out[0].end - out[0].start, 45 * 60);
  cr_expect_eq(out[1].start, utc(2026, 6, 15, 9, 15));
  cr_expect_eq(out[1].end, utc(2026, 6, 15, 10, 0), "11:15 ends at closing, 12:00");
  cr_expect_eq(out[2].start, utc(2026, 6, 15, 11, 0), "13:00 after the lunch break");
  cr_expect_eq(out[6].start, utc(2026, 6, 15, 14, 0), "16:00 is the last (16:45 would end 17:30)");
  /* exactly at the lead time boundary: a slot starting at now + lead is offered */
  n = td_slots(&h, utc(2026, 6, 15, 6, 30), 45, 2 * 3600, 1, NULL, 0, NULL, 0, out, TD_SLOTS_MAX);
  cr_expect_eq(out[0].start, utc(2026, 6, 15, 8, 30));
  /* in the evening nothing is left today */
  cr_expect_eq(td_slots(&h, utc(2026, 6, 15, 14, 30), 45, 2 * 3600, 1, NULL, 0, NULL, 0, out, 100),
               0);
}

Test(slots, closed_days_have_none_and_the_order_is_by_time)
{
  struct tenant_hours h = office();
  int64_t now = utc(2026, 6, 15, 6, 0);
  int n = td_slots(&h, now, 45, 2 * 3600, 7, NULL, 0, NULL, 0, out, TD_SLOTS_MAX);
  cr_expect_eq(n, 7 + 4 * 9, "Monday 7, Tuesday–Friday 9 each, none at the weekend");
  for (int i = 0; i < n; i++) {
    cr_expect_lt(weekday(out[i].start), 5, "slot %d on a weekend", i);
    if (i)
      cr_expect_gt(out[i].start, out[i - 1].start);
  }
  struct tenant_hours none;
  memset(&none, 0, sizeof none);
  cr_expect_eq(td_slots(&none, now, 45, 0, 30, NULL, 0, NULL, 0, out, TD_SLOTS_MAX), 0);
}

Test(slots, a_slot_never_crosses_closing_time)
{
  struct tenant_hours h;
  memset(&h, 0, sizeof h);
  set_day(&h, 2, 9 * 60, 10 * 60); /* Wednesday 09:00–10:00 */
  int n = td_slots(&h, utc(2026, 6, 15, 0, 0), 45, 0, 7, NULL, 0, NULL, 0, out, TD_SLOTS_MAX);
  cr_assert_eq(n, 1, "09:00 only: 09:45 would end 10:30");
  cr_expect_eq(out[0].start, utc(2026, 6, 17, 7, 0));
  cr_expect_eq(out[0].end, utc(2026, 6, 17, 7, 45));
  /* an interval shorter than a slot gives none */
  memset(&h, 0, sizeof h);
  set_day(&h, 2, 9 * 60, 9 * 60 + 30);
  cr_expect_eq(td_slots(&h, utc(2026, 6, 15, 0, 0), 45, 0, 7, NULL, 0, NULL, 0, out, TD_SLOTS_MAX),
               0);
  /* open until midnight: the last slot ends at 24:00 */
  memset(&h, 0, sizeof h);
  set_day(&h, 2, 22 * 60 + 30, 1440);
  n = td_slots(&h, utc(2026, 6, 15, 0, 0), 45, 0, 7, NULL, 0, NULL, 0, out, TD_SLOTS_MAX);
  cr_assert_eq(n, 2);
  cr_expect_eq(out[1].end, utc(2026, 6, 17, 22, 0), "23:15–24:00 CEST");
}

Test(slots, the_horizon_is_thirty_days)
{
  struct tenant_hours h;
  memset(&h, 0, sizeof h);
  for (int d = 0; d < 7; d++)
    set_day(&h, d, 10 * 60, 10 * 60 + 45);
  int64_t now = utc(2026, 6, 15, 6, 0); /* 08:00 Berlin: today's 10:00 is exactly 2 h ahead */
  int n = td_slots(&h, now, 45, 2 * 3600, 30, NULL, 0, NULL, 0, out, TD_SLOTS_MAX);
  cr_expect_eq(n, 30, "one a day, today included");
  cr_expect_eq(time_berlin_day(out[n - 1].start) - time_berlin_day(now), 29);
  cr_expect_eq(td_slots(&h, now, 45, 2 * 3600, 30, NULL, 0, NULL, 0, out, 5), 5, "at most max");
}

Test(slots, taken_slots_are_not_offered)
{
  struct tenant_hours h = office();
  int64_t now = utc(2026, 6, 15, 6, 0);
  int64_t taken[] = {utc(2026, 6, 15, 11, 45), utc(2026, 6, 15, 8, 30), 12345};
  int n = td_slots(&h, now, 45, 2 * 3600, 1, taken, 3, NULL, 0, out, TD_SLOTS_MAX);
  cr_expect_eq(n, 5);
  for (int i = 0; i < n; i++)
    cr_expect(out[i].start != taken[0] && out[i].start != taken[1]);
}

Test(slots, offsets_follow_summer_time_on_change_days)
{
  struct tenant_hours h;
  memset(&h, 0, sizeof h);
  for (int d = 0; d < 7; d++)
    set_day(&h, d, 10 * 60, 10 * 60 + 45);
  /* Saturday 2026-03-28 CET, Sunday 29 (the change), Monday 30 CEST */
  int n = td_slots(&h, utc(2026, 3, 27, 23, 0), 45, 0, 3, NULL, 0, NULL, 0, out, TD_SLOTS_MAX);
  cr_assert_eq(n, 3);
  cr_expect_eq(out[0].start, utc(2026, 3, 28, 9, 0), "10:00 CET");
  cr_expect_eq(out[1].start, utc(2026, 3, 29, 8, 0), "10:00 CEST on the change day");
  cr_expect_eq(out[2].start, utc(2026, 3, 30, 8, 0));
  /* October: Sunday 2026-10-25 back to CET */
  n = td_slots(&h, utc(2026, 10, 23, 22, 0), 45, 0, 3, NULL, 0, NULL, 0, out, TD_SLOTS_MAX);
  cr_assert_eq(n, 3);
  cr_expect_eq(out[0].start, utc(2026, 10, 24, 8, 0), "10:00 CEST");
  cr_expect_eq(out[1].start, utc(2026, 10, 25, 9, 0), "10:00 CET on the change day");
}

Test(slots, the_skipped_and_the_doubled_hour)
{
  struct tenant_hours h;
  memset(&h, 0, sizeof h);
  set_day(&h, 6, 60, 4 * 60); /* Sunday 01:00–04:00 */
  /* 2026-03-29: 02:00–02:59 does not exist */
  int n = td_slots(&h, utc(2026, 3, 28, 0, 0), 45, 0, 2, NULL, 0, NULL, 0, out, TD_SLOTS_MAX);
  cr_assert_eq(n, 2, "01:00 and 01:45; 02:30 does not exist, 03:15 would overlap 01:45–03:30");
  cr_expect_eq(out[0].start, utc(2026, 3, 29, 0, 0));
  cr_expect_eq(out[1].start, utc(2026, 3, 29, 0, 45));
  cr_expect_leq(out[1].end, utc(2026, 3, 29, 2, 0), "within closing at 04:00 CEST");
  /* 2026-10-25: 02:00–02:59 happens twice; 02:30 is the first one */
  n = td_slots(&h, utc(2026, 10, 24, 0, 0), 45, 0, 2, NULL, 0, NULL, 0, out, TD_SLOTS_MAX);
  cr_assert_eq(n, 4);
  cr_expect_eq(out[0].start, utc(2026, 10, 24, 23, 0), "01:00 CEST");
  cr_expect_eq(out[2].start, utc(2026, 10, 25, 0, 30), "02:30 CEST");
  cr_expect_eq(out[3].start, utc(2026, 10, 25, 2, 15), "03:15 CET");
  cr_expect_eq(out[3].end, utc(2026, 10, 25, 3, 0), "ends at 04:00 CET");
}

Test(time, berlin_wall_clock_to_utc)
{
  int64_t t;
  cr_expect_eq(time_berlin_to_utc(time_days_from_civil(2026, 1, 10), 600, &t), 0);
  cr_expect_eq(t, utc(2026, 1, 10, 9, 0));
  cr_expect_eq(time_berlin_to_utc(time_days_from_civil(2026, 7, 10), 600, &t), 0);
  cr_expect_eq(t, utc(2026, 7, 10, 8, 0));
  cr_expect_eq(time_berlin_to_utc(time_days_from_civil(2026, 3, 29), 150, &t), 1,
               "02:30 is skipped");
  cr_expect_eq(time_berlin_to_utc(time_days_from_civil(2026, 3, 29), 180, &t), 0);
  cr_expect_eq(t, utc(2026, 3, 29, 1, 0), "03:00 CEST");
  cr_expect_eq(time_berlin_to_utc(time_days_from_civil(2026, 10, 25), 150, &t), 0);
  cr_expect_eq(t, utc(2026, 10, 25, 0, 30), "the first 02:30");
  cr_expect_eq(time_berlin_to_utc(time_days_from_civil(2026, 10, 24), 1440, &t), 0);
  cr_expect_eq(t, utc(2026, 10, 24, 22, 0), "24:00 is the next midnight");
  cr_expect_eq(time_berlin_day(utc(2026, 6, 14, 22, 30)), time_days_from_civil(2026, 6, 15));
}

/* ---- iCalendar ---- */

static struct arena *a;
static void ics_setup(void)
{
  a = arena_new(0);
}
static void ics_teardown(void)
{
  arena_free(a);
}
TestSuite(ics, .init = ics_setup, .fini = ics_teardown);

Test(ics, text_values_are_escaped)
{
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"plain", "plain"},
      {"a,b;c", "a\\,b\\;c"},
      {"back\\slash", "back\\\\slash"},
      {"two\nlines", "two\\nlines"},
      {"crlf\r\nend", "crlf\\nend"},
      {"tab\there\x7f", "tabhere"},
      {"Müllerstraße 5, 20095 Hamburg", "Müllerstraße 5\\, 20095 Hamburg"},
      {"", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct buf b;
    buf_init(&b, a);
    td_ics_escape(&b, cases[i].in);
    cr_expect_str_eq(buf_cstr(&b), cases[i].out, "case %zu", i);
  }
}

/* Unfold per RFC 5545 3.1: remove every CRLF followed by one space. */
static const char *unfold(const char *s)
{
  struct buf b;
  buf_init(&b, a);
  for (const char *p = s; *p; p++) {
    if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
      p += 2;
      continue;
    }
    buf_putc(&b, *p);
  }
  return buf_cstr(&b);
}

static void expect_lines_ok(const char *s)
{
  const char *p = s;
  while (*p) {
    const char *eol = strstr(p, "\r\n");
    cr_assert_not_null(eol, "every line ends with CRLF");
    cr_expect_leq(eol - p, 75, "line of %d octets: %.*s", (int)(eol - p), (int)(eol - p), p);
    cr_expect_null(memchr(p, '\n', (size_t)(eol - p)), "no bare LF");
    /* a line never starts with a UTF-8 continuation byte */
    const unsigned char *q = (const unsigned char *)p;
    if (*q == ' ')
      q++;
    cr_expect_neq(*q & 0xC0, 0x80, "a line starts inside a UTF-8 sequence");
    p = eol + 2;
  }
}

Test(ics, long_lines_are_folded_at_75_octets)
{
  char line[301];
  memset(line, 'x', 300);
  line[300] = 0;
  memcpy(line, "DESCRIPTION:", 12);
  struct buf b;
  buf_init(&b, a);
  td_ics_line(&b, line);
  const char *s = buf_cstr(&b);
  expect_lines_ok(s);
  cr_expect_eq(strncmp(s + 75, "\r\n ", 3), 0, "the first line has exactly 75 octets");
  cr_expect_str_eq(unfold(s), arena_printf(a, "%s\r\n", line));
  /* exactly 75 octets: not folded */
  buf_reset(&b);
  line[75] = 0;
  td_ics_line(&b, line);
  cr_expect_str_eq(buf_cstr(&b), arena_printf(a, "%s\r\n", line));
}

Test(ics, folding_never_splits_a_utf8_character)
{
  struct buf in, b;
  buf_init(&in, a);
  buf_puts(&in, "SUMMARY:");
  for (int i = 0; i < 80; i++)
    buf_puts(&in, i % 3 ? "ä" : "€"); /* 2- and 3-byte sequences */
  buf_init(&b, a);
  td_ics_line(&b, buf_cstr(&in));
  expect_lines_ok(buf_cstr(&b));
  cr_expect_str_eq(unfold(buf_cstr(&b)), arena_printf(a, "%s\r\n", buf_cstr(&in)));
}

Test(ics, the_invitation)
{
  struct td_event ev = {
      .uid = "abcdefghij012345@cc24.example",
      .stamp = utc(2026, 6, 10, 12, 0),
      .start = utc(2026, 6, 15, 8, 30),
      .end = utc(2026, 6, 15, 9, 15),
      .summary = "Probefahrt: VW Golf GTI, rot; \"neu\"",
      .description = "Bitte Führerschein mitbringen.\nTelefon: 040 123456",
      .location = "Autohaus Berger GmbH, Müllerstraße 5, 20095 Hamburg",
      .organizer_name = "Autohaus \"Berger\" GmbH",
      .organizer_email = "info@berger.example",
      .attendee_name = "Erika Mustermann",
      .attendee_email = "erika@example.de",
  };
  const char *s = td_ics(a, &ev);
  expect_lines_ok(s);
  const char *u = unfold(s);
  cr_expect_eq(strncmp(s, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 30), 0);
  const char *must[] = {
      "\r\nMETHOD:REQUEST\r\n",
      "\r\nBEGIN:VEVENT\r\n",
      "\r\nUID:abcdefghij012345@cc24.example\r\n",
      "\r\nDTSTAMP:20260610T120000Z\r\n",
      "\r\nDTSTART:20260615T083000Z\r\n",
      "\r\nDTEND:20260615T091500Z\r\n",
      "\r\nSTATUS:CONFIRMED\r\n",
      "\r\nSUMMARY:Probefahrt: VW Golf GTI\\, rot\\; \"neu\"\r\n",
      "\r\nDESCRIPTION:Bitte Führerschein mitbringen.\\nTelefon: 040 123456\r\n",
      "\r\nLOCATION:Autohaus Berger GmbH\\, Müllerstraße 5\\, 20095 Hamburg\r\n",
      "\r\nORGANIZER;CN=\"Autohaus Berger GmbH\":mailto:info@berger.example\r\n",
      "\r\nATTENDEE;CN=\"Erika "
      "Mustermann\";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:"
      "erika@example.de\r\n",
      "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
  };
  for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
    cr_expect_not_null(strstr(u, must[i]), "missing %s in\n%s", must[i], u);
  ev.cancel = true;
  u = unfold(td_ics(a, &ev));
  cr_expect_not_null(strstr(u, "\r\nMETHOD:CANCEL\r\n"));
  cr_expect_not_null(strstr(u, "\r\nSTATUS:CANCELLED\r\n"));
  cr_expect_not_null(strstr(u, "\r\nSEQUENCE:1\r\n"));
}

Test(holidays, easter_by_the_gregorian_computus)
{
  /* Ostermontag is Easter Sunday + 1 */
  cr_expect_eq(time_easter_day(2024) + 1, time_days_from_civil(2024, 4, 1));
  cr_expect_eq(time_easter_day(2025) + 1, time_days_from_civil(2025, 4, 21));
  cr_expect_eq(time_easter_day(2026) + 1, time_days_from_civil(2026, 4, 6));
  cr_expect_eq(time_easter_day(2027) + 1, time_days_from_civil(2027, 3, 29));
  /* the extremes: 2285-03-22 is the earliest possible, 1943-04-25 the latest */
  cr_expect_eq(time_easter_day(2285), time_days_from_civil(2285, 3, 22));
  cr_expect_eq(time_easter_day(1943), time_days_from_civil(1943, 4, 25));
  cr_expect_eq(time_easter_day(2000), time_days_from_civil(2000, 4, 23));
}

Test(holidays, the_nationwide_german_holidays)
{
  static const int yes[][3] = {
      {2026, 1, 1},  {2026, 4, 3},  {2026, 4, 6},   {2026, 5, 1},   {2026, 5, 14},
      {2026, 5, 25}, {2026, 10, 3}, {2026, 12, 25}, {2026, 12, 26}, {2025, 4, 18},
      {2025, 5, 29}, {2025, 6, 9},  {2027, 3, 26},  {2027, 5, 6},   {2027, 5, 17},
  };
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    cr_expect(time_de_holiday(time_days_from_civil(yes[i][0], yes[i][1], yes[i][2])),
              "%d-%02d-%02d is a holiday", yes[i][0], yes[i][1], yes[i][2]);
  static const int no[][3] = {
      {2026, 4, 5},   /* Easter Sunday: a Sunday, not a listed holiday */
      {2026, 6, 4},   /* Fronleichnam: only some states */
      {2026, 10, 31}, /* Reformationstag: only some states */
      {2026, 12, 24}, {2026, 12, 31}, {2026, 4, 2}, {2026, 4, 7}, {2026, 1, 6},
  };
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    cr_expect(!time_de_holiday(time_days_from_civil(no[i][0], no[i][1], no[i][2])),
              "%d-%02d-%02d is no nationwide holiday", no[i][0], no[i][1], no[i][2]);
}

Test(holidays, no_slot_is_offered_on_a_holiday)
{
  struct tenant_hours h;
  memset(&h, 0, sizeof h);
  for (int d = 0; d < 7; d++)
    set_day(&h, d, 10 * 60, 10 * 60 + 45);
  /* from Wednesday 2026-12-23: 23, 24, (25, 26 holidays), 27, 28 */
  int n = td_slots(&h, utc(2026, 12, 22, 23, 0), 45, 0, 6, NULL, 0, NULL, 0, out, TD_SLOTS_MAX);
  cr_assert_eq(n, 4, "got %d", n);
  int64_t xmas = time_days_from_civil(2026, 12, 25);
  for (int i = 0; i < n; i++) {
    int64_t day = time_berlin_day(out[i].start);
    cr_expect(day != xmas && day != xmas + 1, "slot %d on Christmas", i);
  }
  cr_expect_eq(out[1].start, utc(2026, 12, 24, 9, 0));
  cr_expect_eq(out[2].start, utc(2026, 12, 27, 9, 0));
  /* office hours around Easter 2026: Karfreitag 3 and Ostermontag 6 April give none */
  struct tenant_hours o = office();
  n = td_slots(&o, utc(2026, 4, 1, 22, 0), 45, 0, 6, NULL, 0, NULL, 0, out, TD_SLOTS_MAX);
  cr_expect_eq(n, 9 + 9, "Thursday 2 and Tuesday 7 April only; got %d", n);
}

Test(holidays, the_dealers_closed_days_have_no_slots)
{
  struct tenant_hours h;
  memset(&h, 0, sizeof h);
  for (int d = 0; d < 7; d++)
    set_day(&h, d, 10 * 60, 10 * 60 + 45);
  int64_t closed[] = {time_days_from_civil(2026, 6, 17), time_days_from_civil(2026, 6, 15)};
  int n = td_slots(&h, utc(2026, 6, 14, 22, 0), 45, 0, 4, NULL, 0, closed, 2, out, TD_SLOTS_MAX);
  cr_assert_eq(n, 2, "15 and 17 June closed: 16 and 18 left; got %d", n);
  cr_expect_eq(out[0].start, utc(2026, 6, 16, 8, 0));
  cr_expect_eq(out[1].start, utc(2026, 6, 18, 8, 0));
}

Test(holidays, closed_days_are_parsed_sorted_and_checked)
{
  int64_t d[TD_CLOSED_MAX];
  const char *bad = NULL;
  int n =
      td_closed_parse(" 31.12.2026, 2026-12-24\n2026-12-24;2027-01-02 ", d, TD_CLOSED_MAX, &bad);
  cr_assert_eq(n, 3, "got %d", n);
  cr_expect_eq(d[0], time_days_from_civil(2026, 12, 24));
  cr_expect_eq(d[1], time_days_from_civil(2026, 12, 31));
  cr_expect_eq(d[2], time_days_from_civil(2027, 1, 2));
  struct arena *a = arena_new(0);
  cr_expect_str_eq(td_closed_format(a, d, n), "2026-12-24,2026-12-31,2027-01-02");
  cr_expect_str_eq(td_closed_format(a, d, 0), "");
  arena_free(a);
  cr_expect_eq(td_closed_parse("", d, TD_CLOSED_MAX, &bad), 0);
  cr_expect_eq(td_closed_parse(NULL, d, TD_CLOSED_MAX, &bad), 0);
  const char *wrong[] = {"2026-02-30", "31.04.2026", "2026-13-01",  "morgen",
                         "2026-1-5",   "1999-12-31", "2026-12-24x", "24.12.26"};
  for (size_t i = 0; i < sizeof wrong / sizeof *wrong; i++) {
    const char *text = wrong[i];
    cr_expect_eq(td_closed_parse(text, d, TD_CLOSED_MAX, &bad), -1, "%s", text);
    cr_expect_eq(bad, text, "%s: bad points at it", text);
  }
  cr_expect_eq(td_closed_parse("2026-12-24 2026-12-25 2026-12-26", d, 2, &bad), -1, "at most max");
}
