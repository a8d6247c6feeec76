/* timeutil.h — time in UTC (stored as Unix seconds), shown in Europe/Berlin.
 *
 * Berlin time is computed from the EU rule (CET = UTC+1; CEST = UTC+2 from the
 * last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC),
 * thread-safe and without touching TZ. */
#ifndef CC24_CORE_TIMEUTIL_H
#define CC24_CORE_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Seconds since the epoch, UTC. */
int64_t time_now(void);
/* Monotonic milliseconds / microseconds for durations. */
int64_t time_mono_ms(void);
int64_t time_mono_us(void);

/* Offset of Europe/Berlin from UTC at instant t, in seconds (3600 or 7200). */
int time_berlin_offset(int64_t t);

/* "2026-11-24T06:00:00Z" */
void time_iso_utc(int64_t t, char *out, size_t n);

/* "24.11.2026 07:00" (Berlin) and "24.11.2026" */
void time_berlin_datetime(int64_t t, char *out, size_t n);
void time_berlin_date(int64_t t, char *out, size_t n);

/* Civil date of a day count since 1970-01-01 and back. */
int64_t time_days_from_civil(int y, int m, int d);
void time_civil_from_days(int64_t days, int *y, int *m, int *d);

/* Easter Sunday of Gregorian year y (1583..9999) as days since 1970-01-01 — the
 * anonymous Gregorian computus (Meeus/Jones/Butcher), pure integer arithmetic. */
int64_t time_easter_day(int y);

/* True when calendar day `day` (days since 1970-01-01) is a public holiday in all
 * German states: Neujahr, Karfreitag, Ostermontag, 1. Mai, Christi Himmelfahrt,
 * Pfingstmontag, Tag der Deutschen Einheit, 1. and 2. Weihnachtstag. State-only
 * holidays (Fronleichnam, Reformationstag, …) are not included. */
bool time_de_holiday(int64_t day);

/* Parse "YYYY-MM" (month 1..12, year 1900..2100) into year*12+month-1; -1 when malformed. */
int time_parse_ym(const char *s);

/* An instant in RFC 3339 form ("2026-11-24T06:00:00Z", "…T07:00:00+01:00", fractions
 * ignored) or a bare date "2026-11-24" (00:00 UTC) into Unix seconds. A time without a
 * zone is refused as ambiguous. 0 or -1 (malformed or impossible date). */
int time_parse_iso(const char *s, int64_t *out);

/* The instant of a Berlin wall-clock time: local calendar day `day` (days since
 * 1970-01-01) at `minute` minutes after local midnight (0..1440; 1440 is the next
 * midnight). A time that occurs twice (the October change) gives the earlier
 * instant (summer time). Returns 0, or 1 when the time does not exist (the hour
 * skipped in March); *out is then the instant read as standard time, which lies
 * after the gap. */
int time_berlin_to_utc(int64_t day, int minute, int64_t *out);

/* The Berlin calendar day (days since 1970-01-01) of instant t. */
int64_t time_berlin_day(int64_t t);

/* Current year/month in Berlin. */
void time_berlin_ym(int64_t t, int *y, int *m);

#endif
