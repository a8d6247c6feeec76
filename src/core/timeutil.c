#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t time_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec;
}

int64_t time_mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Howard Hinnant's civil-date algorithms. */
int64_t time_days_from_civil(int y, int m, int d)
{
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void time_civil_from_days(int64_t z, int *y, int *m, int *d)
{
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yy + (*m <= 2));
}

int64_t time_easter_day(int y)
{
  int a = y % 19, b = y / 100, c = y % 100;
  int d = b / 4, e = b % 4;
  int f = (b + 8) / 25, g = (b - f + 1) / 3;
  int h = (19 * a + b - d - g + 15) % 30;
  int i = c / 4, k = c % 4;
  int l = (32 + 2 * e + 2 * i - h - k) % 7;
  int m = (a + 11 * h + 22 * l) / 451;
  int month = (h + l - 7 * m + 114) / 31;
  int day = (h + l - 7 * m + 114) % 31 + 1;
  return time_days_from_civil(y, month, day);
}

bool time_de_holiday(int64_t day)
{
  int y, m, d;
  time_civil_from_days(day, &y, &m, &d);
  if ((m == 1 && d == 1) || (m == 5 && d == 1) || (m == 10 && d == 3) ||
      (m == 12 && (d == 25 || d == 26)))
    return true;
  /* Karfreitag −2, Ostermontag +1, Christi Himmelfahrt +39, Pfingstmontag +50 */
  int64_t off = day - time_easter_day(y);
  return off == -2 || off == 1 || off == 39 || off == 50;
}

static int64_t floor_div(int64_t a, int64_t b)
{
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

/* Unix seconds of the last Sunday of month m in year y, 01:00 UTC. */
static int64_t last_sunday_0100(int y, int m)
{
  int64_t first_next = time_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1);
  int64_t last = first_next - 1;
  /* 1970-01-01 was a Thursday (weekday 4, Sunday = 0). */
  int64_t wd = ((last % 7) + 7 + 4) % 7;
  return (last - wd) * 86400 + 3600;
}

int time_berlin_offset(int64_t t)
{
  int y, m, d;
  time_civil_from_days(floor_div(t, 86400), &y, &m, &d);
  int64_t start = last_sunday_0100(y, 3), end = last_sunday_0100(y, 10);
  return (t >= start && t < end) ? 7200 : 3600;
}

int time_berlin_to_utc(int64_t day, int minute, int64_t *out)
{
  int64_t local = day * 86400 + (int64_t)minute * 60;
  if (time_berlin_offset(local - 7200) == 7200) {
    *out = local - 7200;
    return 0;
  }
  *out = local - 3600;
  return time_berlin_offset(local - 3600) == 3600 ? 0 : 1;
}

int64_t time_berlin_day(int64_t t)
{
  return floor_div(t + time_berlin_offset(t), 86400);
}

static void split(int64_t t, int *y, int *mo, int *d, int *h, int *mi, int *s)
{
  int64_t days = floor_div(t, 86400);
  int64_t rem = t - days * 86400;
  time_civil_from_days(days, y, mo, d);
  *h = (int)(rem / 3600);
  *mi = (int)(rem % 3600 / 60);
  *s = (int)(rem % 60);
}

void time_iso_utc(int64_t t, char *out, size_t n)
{
  int y, mo, d, h, mi, s;
  split(t, &y, &mo, &d, &h, &mi, &s);
  snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
}

void time_berlin_datetime(int64_t t, char *out, size_t n)
{
  int y, mo, d, h, mi, s;
  split(t + time_berlin_offset(t), &y, &mo, &d, &h, &mi, &s);
  snprintf(out, n, "%02d.%02d.%04d %02d:%02d", d, mo, y, h, mi);
}

void time_berlin_date(int64_t t, char *out, size_t n)
{
  int y, mo, d, h, mi, s;
  split(t + time_berlin_offset(t), &y, &mo, &d, &h, &mi, &s);
  snprintf(out, n, "%02d.%02d.%04d", d, mo, y);
}

void time_berlin_ym(int64_t t, int *y, int *m)
{
  int d, h, mi, s;
  split(t + time_berlin_offset(t), y, m, &d, &h, &mi, &s);
}

int time_parse_ym(const char *s)
{
  if (!s || strlen(s) != 7 || s[4] != '-')
    return -1;
  for (int i = 0; i < 7; i++)
    if (i != 4 && (s[i] < '0' || s[i] > '9'))
      return -1;
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int m = (s[5] - '0') * 10 + (s[6] - '0');
  if (y < 1900 || y > 2100 || m < 1 || m > 12)
    return -1;
  return y * 12 + m - 1;
}

static int digits(const char *s, int n)
{
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

int time_parse_iso(const char *s, int64_t *out)
{
  if (!s)
    return -1;
  size_t n = strlen(s);
  if (n < 10 || s[4] != '-' || s[7] != '-')
    return -1;
  int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
  if (y < 1970 || y > 2100 || mo < 1 || mo > 12 || d < 1)
    return -1;
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
    return -1;
  int h = 0, mi = 0, sec = 0, off = 0;
  const char *p = s + 10;
  if (*p == 'T' || *p == 't' || *p == ' ') {
    if (strlen(p) < 6 || p[3] != ':')
      return -1;
    h = digits(p + 1, 2);
    mi = digits(p + 4, 2);
    p += 6;
    if (*p == ':') {
      if (strlen(p) < 3 || (sec = digits(p + 1, 2)) < 0)
        return -1;
      p += 3;
      if (*p == '.') /* fractions of a second are dropped */
        for (p++; *p >= '0' && *p <= '9'; p++)
          ;
    }
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
      return -1;
    if (*p == 'Z' || *p == 'z') {
      p++;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
      int oh = digits(p + 1, 2), om = digits(p + 4, 2);
      if (oh < 0 || oh > 14 || om < 0 || om > 59)
        return -1;
      off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
      p += 6;
    } else {
      return -1; /* a time without a zone is ambiguous */
    }
  }
  if (*p)
    return -1;
  *out = time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
  return 0;
}
