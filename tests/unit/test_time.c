/* Unit tests for src/core/timeutil: civil date conversion (leap years, far dates,
 * every day of two centuries), ISO formatting and parsing, and Berlin wall-clock
 * time across both daylight-saving switches of several years, checked against
 * the transitions the IANA database gives for Europe/Berlin. */
#include "core/timeutil.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- civil dates ---- */

static const struct {
  int y, m, d;
  int64_t days;
} civil[] = {
    {1970, 1, 1, 0},       {1969, 12, 31, -1},   {2000, 2, 29, 11016},   {2000, 3, 1, 11017},
    {1900, 2, 28, -25509}, {1900, 3, 1, -25508}, {1600, 2, 29, -135081}, {2400, 2, 29, 157113},
    {2038, 1, 19, 24855},  {2100, 2, 28, 47540}, {2100, 3, 1, 47541},    {9999, 12, 31, 2932896},
    {1, 1, 1, -719162},    {0, 3, 1, -719468},
};

Test(time_civil, known_dates_both_ways)
{
  for (size_t i = 0; i < sizeof civil / sizeof civil[0]; i++) {
    cr_assert_eq(time_days_from_civil(civil[i].y, civil[i].m, civil[i].d), civil[i].days,
                 "%04d-%02d-%02d", civil[i].y, civil[i].m, civil[i].d);
    int y, m, d;
    time_civil_from_days(civil[i].days, &y, &m, &d);
    cr_assert(y == civil[i].y && m == civil[i].m && d == civil[i].d, "%lld → %04d-%02d-%02d",
              (long long)civil[i].days, y, m, d);
  }
}

Test(time_civil, leap_years_by_the_gregorian_rule)
{
  static const struct {
    int y;
    bool leap;
  } years[] = {{1600, true},  {1700, false}, {1900, false}, {1996, true}, {2000, true},
               {2023, false}, {2024, true},  {2100, false}, {2400, true}};
  for (size_t i = 0; i < sizeof years / sizeof years[0]; i++) {
    int y = years[i].y;
    int64_t feb28 = time_days_from_civil(y, 2, 28);
    cr_assert_eq(time_days_from_civil(y, 3, 1) - feb28, years[i].leap ? 2 : 1, "%d", y);
    cr_assert_eq(time_days_from_civil(y + 1, 1, 1) - time_days_from_civil(y, 1, 1),
                 years[i].leap ? 366 : 365, "%d", y);
    int yy, m, d;
    time_civil_from_days(feb28 + 1, &yy, &m, &d);
    cr_assert(yy == y && m == (years[i].leap ? 2 : 3) && d == (years[i].leap ? 29 : 1), "%d", y);
  }
}

Test(time_civil, every_day_of_two_centuries_follows_the_previous)
{
  int64_t first = time_days_from_civil(1900, 1, 1), last = time_days_from_civil(2100, 12, 31);
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int py = 1899, pm = 12, pd = 31;
  for (int64_t z = first; z <= last; z++) {
    int y, m, d;
    time_civil_from_days(z, &y, &m, &d);
    bool leap = (py % 4 == 0 && py % 100 != 0) || py % 400 == 0;
    int len = mdays[pm - 1] + (pm == 2 && leap);
    if (pd < len)
      cr_assert(y == py && m == pm && d == pd + 1, "%lld", (long long)z);
    else if (pm < 12)
      cr_assert(y == py && m == pm + 1 && d == 1, "%lld", (long long)z);
    else
      cr_assert(y == py + 1 && m == 1 && d == 1, "%lld", (long long)z);
    cr_assert_eq(time_days_from_civil(y, m, d), z);
    py = y;
    pm = m;
    pd = d;
  }
  cr_assert(py == 2100 && pm == 12 && pd == 31);
}

Test(time_civil, far_dates_round_trip)
{
  static const int64_t days[] = {-100000000, -3000000, -719469, 3000000, 100000000};
  for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
    int y, m, d;
    time_civil_from_days(days[i], &y, &m, &d);
    cr_assert(m >= 1 && m <= 12 && d >= 1 && d <= 31);
    cr_assert_eq(time_days_from_civil(y, m, d), days[i], "%lld", (long long)days[i]);
  }
}

/* ---- ISO 8601 / RFC 3339 ---- */

Test(time_iso, formatting)
{
  static const struct {
    int64_t t;
    const char *iso;
  } cases[] = {
      {0, "1970-01-01T00:00:00Z"},
      {-1, "1969-12-31T23:59:59Z"},
      {-86399, "1969-12-31T00:00:01Z"},
      {-31536000, "1969-01-01T00:00:00Z"},
      {1709208000, "2024-02-29T12:00:00Z"},
      {2147483647, "2038-01-19T03:14:07Z"},
      {2147483648LL, "2038-01-19T03:14:08Z"},
      {4102444799LL, "2099-12-31T23:59:59Z"},
      {253402300799LL, "9999-12-31T23:59:59Z"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char s[32];
    time_iso_utc(cases[i].t, s, sizeof s);
    cr_assert_str_eq(s, cases[i].iso, "%lld", (long long)cases[i].t);
    int64_t back;
    if (cases[i].t >= 0 && cases[i].t < 4133980800LL) { /* the parser's 1970..2100 */
      cr_assert_eq(time_parse_iso(s, &back), 0, "%s", s);
      cr_assert_eq(back, cases[i].t, "%s", s);
    }
  }
  char small[11];
  time_iso_utc(1709208000, small, sizeof small);
  cr_assert_str_eq(small, "2024-02-29", "cut to the buffer");
}

Test(time_iso, parsing_forms_and_limits)
{
  const int64_t t = 1795500000; /* 2026-11-24T06:00:00Z */
  static const struct {
    const char *s;
    int rc;
    int64_t delta; /* expected value - t */
  } cases[] = {
      {"2026-11-24T06:00Z", 0, 0}, /* seconds may be left out */
      {"2026-11-24t06:00:00z", 0, 0},
      {"2026-11-24 06:00:00Z", 0, 0},
      {"2026-11-24T06:00:00.999999Z", 0, 0},
      {"2026-11-24T00:30:00-05:30", 0, 0},
      {"2026-11-24T20:00:00+14:00", 0, 0},
      {"2026-11-24T06:00:00+00:00", 0, 0},
      {"2026-11-24T06:00:00-00:00", 0, 0},
      {"2026-11-24T23:59:59Z", 0, 17 * 3600 + 3599},
      {"2026-11-24T06:00:00+15:00", -1, 0},
      {"2026-11-24T06:00:00+01:60", -1, 0},
      {"2026-11-24T06:00:00+0100", -1, 0},
      {"2026-11-24T06:60:00Z", -1, 0},
      {"2026-11-24T06:00:60Z", -1, 0}, /* no leap seconds */
      {"2026-11-24T6:00:00Z", -1, 0},
      {"2026-04-31", -1, 0},
      {"2026-06-31", -1, 0},
      {"2026-00-10", -1, 0},
      {"2026-11-00", -1, 0},
      {"2026/11/24", -1, 0},
      {"20261124", -1, 0},
      {" 2026-11-24", -1, 0},
      {"2026-11-24 ", -1, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t out = 4242;
    int rc = time_parse_iso(cases[i].s, &out);
    cr_assert_eq(rc, cases[i].rc, "%s", cases[i].s);
    if (rc == 0)
      cr_assert_eq(out, t + cases[i].delta, "%s: %lld", cases[i].s, (long long)out);
    else
      cr_assert_eq(out, 4242, "%s: output untouched", cases[i].s);
  }
}

Test(time_iso, parser_years_and_leap_days)
{
  int64_t out;
  cr_assert_eq(time_parse_iso("2000-02-29", &out), 0, "2000 is a leap year (÷400)");
  cr_assert_eq(out, 11016 * 86400LL);
  cr_assert_eq(time_parse_iso("2100-02-29", &out), -1, "2100 is not (÷100)");
  cr_assert_eq(time_parse_iso("2096-02-29", &out), 0);
  cr_assert_eq(time_parse_iso("1969-12-31T23:59:59Z", &out), -1, "before 1970");
  cr_assert_eq(time_parse_iso("2100-12-31T23:59:59Z", &out), 0);
  cr_assert_eq(out, 4133980799LL);
  cr_assert_eq(time_parse_iso("2101-01-01", &out), -1);
  /* an offset may carry the instant across the epoch: still an instant */
  cr_assert_eq(time_parse_iso("1970-01-01T00:30:00+01:00", &out), 0);
  cr_assert_eq(out, -1800);
}

Test(time_ym, year_month_bounds)
{
  cr_assert_eq(time_parse_ym("1900-01"), 1900 * 12);
  cr_assert_eq(time_parse_ym("2100-12"), 2100 * 12 + 11);
  cr_assert_eq(time_parse_ym("2101-01"), -1);
  cr_assert_eq(time_parse_ym("2021-03-01"), -1);
  cr_assert_eq(time_parse_ym("2021/03"), -1);
  cr_assert_eq(time_parse_ym(" 2021-3"), -1);
  cr_assert_eq(time_parse_ym(""), -1);
}

/* ---- Europe/Berlin ---- */

/* Transitions from the IANA database (Python zoneinfo, Europe/Berlin). */
static const struct {
  int year;
  int64_t summer_from, winter_from; /* UTC instants */
} dst[] = {
    {1996, 828234000, 846378000},   {2021, 1616893200, 1635642000},
    {2024, 1711846800, 1729990800}, {2025, 1743296400, 1761440400},
    {2027, 1806195600, 1824944400}, {2030, 1901149200, 1919293200},
    {2037, 2121901200, 2140045200}, {2099, 4078429200LL, 4096573200LL},
};

Test(time_berlin, offset_at_both_switches_of_many_years)
{
  for (size_t i = 0; i < sizeof dst / sizeof dst[0]; i++) {
    int64_t s = dst[i].summer_from, w = dst[i].winter_from;
    int y = dst[i].year;
    cr_assert_eq(time_berlin_offset(time_days_from_civil(y, 1, 15) * 86400), 3600, "%d", y);
    cr_assert_eq(time_berlin_offset(s - 1), 3600, "%d: last second of winter time", y);
    cr_assert_eq(time_berlin_offset(s), 7200, "%d: first second of summer time", y);
    cr_assert_eq(time_berlin_offset(time_days_from_civil(y, 7, 1) * 86400), 7200, "%d", y);
    cr_assert_eq(time_berlin_offset(w - 1), 7200, "%d: last second of summer time", y);
    cr_assert_eq(time_berlin_offset(w), 3600, "%d: back to winter time", y);
    cr_assert_eq(time_berlin_offset(time_days_from_civil(y, 12, 31) * 86400 + 86399), 3600);
  }
}

Test(time_berlin, wall_clock_across_the_switches)
{
  char s[40];
  int64_t spring = time_days_from_civil(2026, 3, 29) * 86400 + 3600;
  int64_t autumn = time_days_from_civil(2026, 10, 25) * 86400 + 3600;
  time_berlin_datetime(spring - 60, s, sizeof s);
  cr_assert_str_eq(s, "29.03.2026 01:59");
  time_berlin_datetime(spring, s, sizeof s);
  cr_assert_str_eq(s, "29.03.2026 03:00", "02:00 to 02:59 do not exist");
  time_berlin_datetime(autumn - 60, s, sizeof s);
  cr_assert_str_eq(s, "25.10.2026 02:59");
  time_berlin_datetime(autumn, s, sizeof s);
  cr_assert_str_eq(s, "25.10.2026 02:00", "the hour is repeated");
  time_berlin_date(time_days_from_civil(2026, 12, 31) * 86400 + 23 * 3600, s, sizeof s);
  cr_assert_str_eq(s, "01.01.2027");
  time_berlin_date(-3600, s, sizeof s);
  cr_assert_str_eq(s, "01.01.1970");
  int y, m;
  time_berlin_ym(time_days_from_civil(2026, 12, 31) * 86400 + 23 * 3600 + 1800, &y, &m);
  cr_assert(y == 2027 && m == 1, "%d-%d", y, m);
  time_berlin_ym(time_days_from_civil(2026, 6, 30) * 86400 + 21 * 3600, &y, &m);
  cr_assert(y == 2026 && m == 6, "23:00 CEST is still June");
}

Test(time_berlin, calendar_day_of_an_instant)
{
  int64_t jul1 = time_days_from_civil(2026, 7, 1), jan1 = time_days_from_civil(2027, 1, 1);
  cr_assert_eq(time_berlin_day(jul1 * 86400 - 7200 - 1), jul1 - 1, "21:59:59Z = 23:59:59 CEST");
  cr_assert_eq(time_berlin_day(jul1 * 86400 - 7200), jul1, "22:00Z = midnight CEST");
  cr_assert_eq(time_berlin_day(jan1 * 86400 - 3600 - 1), jan1 - 1);
  cr_assert_eq(time_berlin_day(jan1 * 86400 - 3600), jan1, "23:00Z = midnight CET");
  cr_assert_eq(time_berlin_day(-3600), 0);
  cr_assert_eq(time_berlin_day(-3601), -1, "before the epoch: floor, not truncation");
}

Test(time_berlin, local_time_to_utc)
{
  int64_t out;
  int64_t mar = time_days_from_civil(2026, 3, 29), oct = time_days_from_civil(2026, 10, 25);
  int64_t jan = time_days_from_civil(2026, 1, 15), jul = time_days_from_civil(2026, 7, 1);
  cr_assert_eq(time_berlin_to_utc(jan, 720, &out), 0);
  cr_assert_eq(out, jan * 86400 + 11 * 3600, "noon CET = 11:00Z");
  cr_assert_eq(time_berlin_to_utc(jul, 720, &out), 0);
  cr_assert_eq(out, jul * 86400 + 10 * 3600, "noon CEST = 10:00Z");
  cr_assert_eq(time_berlin_to_utc(jul, 1440, &out), 0);
  cr_assert_eq(out, (jul + 1) * 86400 - 7200, "minute 1440 is the next midnight");
  /* spring: 01:59 exists, 02:00..02:59 do not, 03:00 does */
  cr_assert_eq(time_berlin_to_utc(mar, 119, &out), 0);
  cr_assert_eq(out, mar * 86400 + 59 * 60);
  cr_assert_eq(time_berlin_to_utc(mar, 120, &out), 1, "02:00 is skipped");
  cr_assert_eq(out, mar * 86400 + 3600, "read as standard time: 03:00 CEST");
  cr_assert_eq(time_berlin_to_utc(mar, 150, &out), 1);
  cr_assert_eq(out, mar * 86400 + 5400);
  cr_assert_eq(time_berlin_to_utc(mar, 180, &out), 0);
  cr_assert_eq(out, mar * 86400 + 3600);
  /* autumn: 02:00..02:59 occur twice; the earlier (summer time) instant is given */
  cr_assert_eq(time_berlin_to_utc(oct, 120, &out), 0);
  cr_assert_eq(out, oct * 86400);
  cr_assert_eq(time_berlin_to_utc(oct, 150, &out), 0);
  cr_assert_eq(out, oct * 86400 + 1800);
  cr_assert_eq(time_berlin_to_utc(oct, 180, &out), 0);
  cr_assert_eq(out, oct * 86400 + 7200, "03:00 CET");
  cr_assert_eq(time_berlin_to_utc(oct, 0, &out), 0);
  cr_assert_eq(out, oct * 86400 - 7200, "midnight before the switch is still summer time");
}

Test(time_berlin, every_minute_of_the_switch_days_round_trips)
{
  static const int64_t days[][2] = {{2026, 3}, {2026, 10}, {2024, 3}, {2024, 10}};
  static const int dom[] = {29, 25, 31, 27};
  for (size_t k = 0; k < 4; k++) {
    int64_t day = time_days_from_civil((int)days[k][0], (int)days[k][1], dom[k]);
    int skipped = 0;
    for (int minute = 0; minute < 1440; minute++) {
      int64_t out;
      int rc = time_berlin_to_utc(day, minute, &out);
      if (rc == 1) {
        skipped++;
        continue;
      }
      cr_assert_eq(rc, 0);
      cr_assert_eq(time_berlin_day(out), day, "day %lld minute %d", (long long)day, minute);
      int64_t local = out + time_berlin_offset(out);
      cr_assert_eq(local - day * 86400, minute * 60LL, "day %lld minute %d", (long long)day,
                   minute);
    }
    cr_assert_eq(skipped, days[k][1] == 3 ? 60 : 0, "one hour is skipped in March only");
  }
}

/* ---- clocks ---- */

Test(time_clock, clocks_move_forward)
{
  cr_assert_gt(time_now(), 1700000000, "the wall clock is past 2023");
  int64_t ms = time_mono_ms(), us = time_mono_us();
  for (int i = 0; i < 1000; i++) {
    int64_t ms2 = time_mono_ms(), us2 = time_mono_us();
    cr_assert_geq(ms2, ms);
    cr_assert_geq(us2, us);
    ms = ms2;
    us = us2;
  }
  cr_assert_leq(llabs(time_mono_us() / 1000 - time_mono_ms()), 5);
}
