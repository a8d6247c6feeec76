/* ics.c — the iCalendar invitation of a test drive (RFC 5545): one VEVENT in a
 * VCALENDAR with METHOD REQUEST (or CANCEL), times in UTC, TEXT values escaped,
 * lines folded at 75 octets and ended by CRLF. Pure. */
#include "testdrive/testdrive.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/timeutil.h"

#include <string.h>

void td_ics_escape(struct buf *b, const char *s)
{
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    switch (*p) {
    case '\\':
      buf_puts(b, "\\\\");
      break;
    case ';':
      buf_puts(b, "\\;");
      break;
    case ',':
      buf_puts(b, "\\,");
      break;
    case '\n':
      buf_puts(b, "\\n");
      break;
    default:
      if (*p >= 0x20 && *p != 0x7f)
        buf_putc(b, (char)*p);
    }
  }
}

void td_ics_line(struct buf *b, const char *line)
{
  const unsigned char *p = (const unsigned char *)line;
  size_t len = strlen(line), room = 75, i = 0;
  while (len - i > room) {
    size_t cut = i + room;
    while (cut > i && (p[cut] & 0xC0) == 0x80)
      cut--; /* never inside a UTF-8 sequence */
    buf_append(b, p + i, cut - i);
    buf_puts(b, "\r\n ");
    i = cut;
    room = 74; /* the leading space counts */
  }
  buf_append(b, p + i, len - i);
  buf_puts(b, "\r\n");
}

/* A parameter value (CN): no DQUOTE or control characters allowed; quoted. */
static void param_value(struct buf *b, const char *s)
{
  buf_putc(b, '"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p >= 0x20 && *p != '"' && *p != 0x7f)
      buf_putc(b, (char)*p);
  buf_putc(b, '"');
}

static void utc(struct buf *b, int64_t t)
{
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t rem = t - days * 86400;
  int y, m, d;
  time_civil_from_days(days, &y, &m, &d);
  buf_printf(b, "%04d%02d%02dT%02d%02d%02dZ", y, m, d, (int)(rem / 3600), (int)(rem % 3600 / 60),
             (int)(rem % 60));
}

/* One property with a TEXT value. */
static void text_prop(struct buf *out, struct buf *line, const char *name, const char *value)
{
  if (!value || !*value)
    return;
  buf_reset(line);
  buf_puts(line, name);
  buf_putc(line, ':');
  td_ics_escape(line, value);
  td_ics_line(out, buf_cstr(line));
}

static void time_prop(struct buf *out, struct buf *line, const char *name, int64_t t)
{
  buf_reset(line);
  buf_puts(line, name);
  buf_putc(line, ':');
  utc(line, t);
  td_ics_line(out, buf_cstr(line));
}

static void person(struct buf *out, struct buf *line, const char *prop, const char *params,
                   const char *name, const char *email)
{
  if (!email || !*email)
    return;
  buf_reset(line);
  buf_puts(line, prop);
  if (name && *name) {
    buf_puts(line, ";CN=");
    param_value(line, name);
  }
  buf_puts(line, params);
  buf_puts(line, ":mailto:");
  buf_puts(line, email);
  td_ics_line(out, buf_cstr(line));
}

const char *td_ics(struct arena *a, const struct td_event *ev)
{
  struct buf out, line;
  buf_init(&out, a);
  buf_init(&line, a);
  td_ics_line(&out, "BEGIN:VCALENDAR");
  td_ics_line(&out, "VERSION:2.0");
  td_ics_line(&out, "PRODID:-//cc24//Probefahrt//DE");
  td_ics_line(&out, "CALSCALE:GREGORIAN");
  td_ics_line(&out, ev->cancel ? "METHOD:CANCEL" : "METHOD:REQUEST");
  td_ics_line(&out, "BEGIN:VEVENT");
  text_prop(&out, &line, "UID", ev->uid);
  time_prop(&out, &line, "DTSTAMP", ev->stamp);
  time_prop(&out, &line, "DTSTART", ev->start);
  time_prop(&out, &line, "DTEND", ev->end);
  td_ics_line(&out, ev->cancel ? "SEQUENCE:1" : "SEQUENCE:0");
  td_ics_line(&out, ev->cancel ? "STATUS:CANCELLED" : "STATUS:CONFIRMED");
  text_prop(&out, &line, "SUMMARY", ev->summary);
  text_prop(&out, &line, "DESCRIPTION", ev->description);
  text_prop(&out, &line, "LOCATION", ev->location);
  person(&out, &line, "ORGANIZER", "", ev->organizer_name, ev->organizer_email);
  person(&out, &line, "ATTENDEE", ";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE",
         ev->attendee_name, ev->attendee_email);
  td_ics_line(&out, "TRANSP:OPAQUE");
  td_ics_line(&out, "END:VEVENT");
  td_ics_line(&out, "END:VCALENDAR");
  return buf_cstr(&out);
}
