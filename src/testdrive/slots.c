/* slots.c — free test-drive slots from opening hours (pure; see testdrive.h). */
#include "testdrive/testdrive.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool taken_has(const int64_t *taken, int n, int64_t t)
{
  for (int i = 0; i < n; i++)
    if (taken[i] == t)
      return true;
  return false;
}

int td_slots(const struct tenant_hours *h, int64_t now, int slot_minutes, int lead_seconds,
             int days, const int64_t *taken, int ntaken, const int64_t *closed, int nclosed,
             struct td_slot *out, int max)
{
  int n = 0;
  if (slot_minutes <= 0 || max <= 0)
    return 0;
  int64_t today = time_berlin_day(now);
  for (int64_t day = today; day < today + days; day++) {
    /* a nationwide public holiday or a day the dealer closes */
    if (time_de_holiday(day) || taken_has(closed, nclosed, day))
      continue;
    int wd = (int)(((day + 3) % 7 + 7) % 7); /* 1970-01-01 was a Thursday; 0 = Monday */
    for (int k = 0; k < h->n[wd] && k < TENANT_HOURS_PER_DAY; k++) {
      const struct tenant_interval *iv = &h->iv[wd][k];
      int64_t close;
      time_berlin_to_utc(day, iv->close, &close);
      int64_t last_end = INT64_MIN;
      for (int m = iv->open; m + slot_minutes <= iv->close; m += slot_minutes) {
        int64_t start;
        if (time_berlin_to_utc(day, m, &start) != 0)
          continue; /* skipped by the change to summer time */
        int64_t end = start + (int64_t)slot_minutes * 60;
        /* a start after the October change can lie before the previous slot's end */
        if (start < last_end || end > close)
          continue;
        last_end = end;
        if (start < now + lead_seconds || taken_has(taken, ntaken, start))
          continue;
        if (n == max)
          return n;
        out[n].start = start;
        out[n].end = end;
        n++;
      }
    }
  }
  return n;
}

static int cmp_day(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* One date token of length len: "YYYY-MM-DD" or "DD.MM.YYYY" → day, or -1. */
static int64_t closed_token(const char *s, size_t len)
{
  char buf[16];
  if (len != 10)
    return -1;
  memcpy(buf, s, len);
  buf[len] = 0;
  int y, m, d;
  char tail;
  if (sscanf(buf, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 &&
      sscanf(buf, "%2d.%2d.%4d%c", &d, &m, &y, &tail) != 3)
    return -1;
  for (size_t i = 0; i < len; i++)
    if (!strchr("0123456789-.", buf[i]))
      return -1;
  if (y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31)
    return -1;
  int64_t day = time_days_from_civil(y, m, d);
  int yy, mm, dd;
  time_civil_from_days(day, &yy, &mm, &dd);
  return yy == y && mm == m && dd == d ? day : -1;
}

int td_closed_parse(const char *text, int64_t *out, int max, const char **bad)
{
  int n = 0;
  const char *p = text ? text : "";
  if (bad)
    *bad = NULL;
  for (;;) {
    p += strspn(p, ",; \t\r\n");
    if (!*p)
      break;
    size_t len = strcspn(p, ",; \t\r\n");
    int64_t day = closed_token(p, len);
    if (day < 0 || n == max) {
      if (bad)
        *bad = p;
      return -1;
    }
    out[n++] = day;
    p += len;
  }
  qsort(out, (size_t)n, sizeof *out, cmp_day);
  int k = 0;
  for (int i = 0; i < n; i++)
    if (k == 0 || out[k - 1] != out[i])
      out[k++] = out[i];
  return k;
}

const char *td_closed_format(struct arena *a, const int64_t *days, int n)
{
  char *s = arena_alloc(a, (size_t)n * 11 + 1);
  s[0] = 0;
  for (int i = 0; i < n; i++) {
    int y, m, d;
    time_civil_from_days(days[i], &y, &m, &d);
    sprintf(s + strlen(s), "%s%04d-%02d-%02d", i ? "," : "", y, m, d);
  }
  return s;
}
