/* slots.c — free test-drive slots from opening hours (pure; see testdrive.h). */
#include "testdrive/testdrive.h"

#include "core/timeutil.h"

static bool taken_has(const int64_t *taken, int n, int64_t t)
{
  for (int i = 0; i < n; i++)
    if (taken[i] == t)
      return true;
  return false;
}

int td_slots(const struct tenant_hours *h, int64_t now, int slot_minutes, int lead_seconds,
             int days, const int64_t *taken, int ntaken, struct td_slot *out, int max)
{
  int n = 0;
  if (slot_minutes <= 0 || max <= 0)
    return 0;
  int64_t today = time_berlin_day(now);
  for (int64_t day = today; day < today + days; day++) {
    if (time_de_holiday(day))
      continue;                              /* nationwide public holiday: the showroom is closed */
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
