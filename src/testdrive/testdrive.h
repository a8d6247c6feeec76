/* testdrive.h — test-drive booking: the free slots a dealer's opening hours give,
 * the booking (also a lead of kind test_drive, so the inbox shows it), the
 * iCalendar invitation, the confirmation and the reminder the day before (mail,
 * and SMS when the dealer turned it on and the buyer agreed), and the dealer's
 * list of the day's test drives with cancel.
 *
 * Double booking: one booking per vehicle and slot start while it is not
 * cancelled — a partial UNIQUE index (migration 0017) that both engines enforce,
 * so two buyers racing for a slot (any number of instances) end with one booking
 * and one CC24_E_DB_CONSTRAINT. Per vehicle, not per dealer: a buyer books "this
 * car at 10:00"; a dealer with one demo driver sees overlapping drives on the day
 * list (a per-dealer capacity is a later setting).
 *
 * Times are UTC Unix seconds everywhere; slots are laid out on the Berlin wall
 * clock from each opening interval's start. Strings returned live in the arena
 * passed in. */
#ifndef CC24_TESTDRIVE_TESTDRIVE_H
#define CC24_TESTDRIVE_TESTDRIVE_H

#include "db/db.h"
#include "http/http.h"
#include "tenant/tenant.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;

/* Length of a slot (one drive, with hand-over), minutes. A per-dealer setting later. */
#define TD_SLOT_MINUTES 45
/* The earliest slot offered starts this long after now, seconds. */
#define TD_LEAD_SECONDS (2 * 3600)
/* Slots are offered on this many Berlin calendar days, today included. */
#define TD_DAYS_AHEAD 30
/* The reminder goes out this long before the slot (not when the booking is later). */
#define TD_REMIND_BEFORE (24 * 3600)
/* At most this many slots are generated (30 days × a long day). */
#define TD_SLOTS_MAX 1024

#define TD_JOB_REMIND "testdrive.remind"

/* ---- slots (pure) ---- */

struct td_slot {
  int64_t start, end; /* UTC */
};

/* The free slots of hours h as seen at instant now: on each Berlin day from today
 * for `days` days, in each opening interval, slots of slot_minutes from the
 * interval's start on the wall clock, each wholly inside the interval (a slot that
 * would run past closing is not offered), starting at least lead_seconds after
 * now, and not in taken[0..ntaken-1] (slot starts, any order). Nationwide German
 * public holidays (time_de_holiday) and the dealer's closed days closed[0..nclosed-1]
 * (Berlin days, any order) have no slots. A wall-clock start
 * that does not exist (the hour skipped in March) is left out; one that exists
 * twice (October) is the first; a slot that would overlap the one before (around
 * the October change) is left out. Sorted by start; at most max into out. Returns
 * the number written. */
int td_slots(const struct tenant_hours *h, int64_t now, int slot_minutes, int lead_seconds,
             int days, const int64_t *taken, int ntaken, const int64_t *closed, int nclosed,
             struct td_slot *out, int max);

/* At most this many closed days a dealer enters. */
#define TD_CLOSED_MAX 100

/* Parse the closed days a dealer typed: dates "YYYY-MM-DD" or "DD.MM.YYYY" separated by
 * commas, semicolons or white space, years 2000..2100. Into out (Berlin days since
 * 1970-01-01, sorted, duplicates dropped; at most max). Returns the count, or -1 when
 * a date is malformed or impossible (*bad, when not NULL, points at it) or there are
 * more than max. */
int td_closed_parse(const char *text, int64_t *out, int max, const char **bad);

/* The canonical text of closed days ("2026-12-24,2026-12-31"; "" for none), in a. */
const char *td_closed_format(struct arena *a, const int64_t *days, int n);

/* ---- iCalendar (RFC 5545, pure) ---- */

/* Append s as an iCalendar TEXT value: backslash, ';' and ',' escaped with '\',
 * a newline as "\n", carriage returns and other control characters dropped. */
void td_ics_escape(struct buf *b, const char *s);

/* Append one content line (without its CRLF) folded at 75 octets: each further
 * part goes on a new line starting with one space (CRLF SPACE), never inside a
 * UTF-8 sequence. Ends with CRLF. */
void td_ics_line(struct buf *b, const char *line);

struct td_event {
  const char *uid;            /* globally unique: "<public id>@<host>" */
  int64_t stamp;              /* DTSTAMP: when this version was made */
  int64_t start, end;         /* DTSTART/DTEND (written in UTC) */
  const char *summary;        /* "Probefahrt: VW Golf GTI" */
  const char *description;    /* may hold newlines */
  const char *location;       /* the dealer's address */
  const char *organizer_name; /* the dealer */
  const char *organizer_email;
  const char *attendee_name; /* the buyer */
  const char *attendee_email;
  bool cancel; /* METHOD:CANCEL, STATUS:CANCELLED, SEQUENCE:1 (else REQUEST, CONFIRMED, 0) */
};

/* The whole VCALENDAR object (CRLF lines, folded), in a. Empty optional fields are
 * left out. */
const char *td_ics(struct arena *a, const struct td_event *ev);

/* ---- store ---- */

enum td_status { TD_BOOKED, TD_CANCELLED };

struct td_booking {
  char public_id[17];
  int64_t tenant_id;
  int64_t vehicle_id;            /* 0 when the vehicle was deleted since */
  const char *vehicle_public_id; /* filled on reads ("" when deleted) */
  const char *vehicle_title;     /* "make model variant", filled on reads */
  const char *lead_public_id;    /* the lead of kind test_drive made with it */
  int64_t slot_start, slot_end;  /* UTC */
  const char *name, *email, *phone;
  bool sms_consent;
  const char *locale; /* the buyer's language: "de" or "en" */
  int status;         /* enum td_status */
  int64_t reminded_at, cancelled_at, created_at;
};

/* Slot starts booked (not cancelled) for vehicle_id in [from, until) into *out (arena
 * array of *n). Works for the public (PostgreSQL: through a SECURITY DEFINER function
 * that returns nothing but the times). 0 or -1. */
int td_store_taken(db_conn *c, struct arena *a, int64_t vehicle_id, int64_t from, int64_t until,
                   int64_t **out, int *n, struct err *e);

/* Insert b (public_id, created_at and status booked set here) in the caller's
 * transaction (the public's or the dealer's). 0, or -1 with CC24_E_DB_CONSTRAINT when
 * the slot is booked already. */
int td_store_insert(db_conn *c, struct td_booking *b, struct err *e);

/* One booking of the dealer by public id: 1, 0 none (or another dealer's), -1. */
int td_store_get(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
                 struct td_booking *b, struct err *e);

/* The dealer's bookings (also cancelled ones) with a start in [from, until), by
 * start. 0 or -1. */
int td_store_list(db_conn *c, struct arena *a, int64_t tenant_id, int64_t from, int64_t until,
                  struct td_booking **out, int *n, struct err *e);

/* Cancel a booked booking of the dealer: 1 cancelled now, 0 not booked (unknown,
 * another dealer's, or cancelled already), -1. Frees the slot. */
int td_store_cancel(db_conn *c, int64_t tenant_id, const char *public_id, int64_t now,
                    struct err *e);

/* Mark the reminder sent: 1 when it was not yet (the caller sends it), 0 when it was
 * or the booking is not booked any more, -1. */
int td_store_mark_reminded(db_conn *c, int64_t tenant_id, const char *public_id, int64_t now,
                           struct err *e);

/* Whether the dealer sends SMS about test drives (test_drive_settings, owner's
 * choice; default off). 1, 0, -1. */
int td_store_sms_enabled(db_conn *c, int64_t tenant_id, struct err *e);
int td_store_set_sms_enabled(db_conn *c, int64_t tenant_id, bool on, struct err *e);

/* The dealer's closed days (test_drive_settings.closed_days) into *out (arena array of
 * *n Berlin days; a stored value that does not parse counts as none). Works for the
 * public. 0 or -1. */
int td_store_closed_days(db_conn *c, struct arena *a, int64_t tenant_id, int64_t **out, int *n,
                         struct err *e);
/* Store the closed days days[0..n-1] (sorted, no duplicates). 0 or -1. */
int td_store_set_closed_days(db_conn *c, struct arena *a, int64_t tenant_id, const int64_t *days,
                             int n, struct err *e);

/* ---- the vehicle page (site/) ---- */

/* What the vehicle page needs about test drives, loaded in its read transaction. */
struct td_offer {
  struct td_slot *slots; /* free slots, by start */
  int nslots;
  int64_t *taken; /* booked slot starts in the window */
  int ntaken;
  bool has_hours; /* the dealer has opening hours: slots replace the date field */
  bool sms;       /* the SMS consent box is shown (SMS on and the dealer wants it) */
};

/* Load hours, taken slots and the SMS setting of tenant_id for vehicle_id at now. 0 or -1. */
int td_offer_load(db_conn *c, struct arena *a, int64_t tenant_id, int64_t vehicle_id, int64_t now,
                  struct td_offer *o, struct err *e);

/* The slot picker for the template: {"days": [{"label", "id", "times": [{"value",
 * "label", "id", "checked"}]}], "any": bool}, the chosen slot (0 = none) checked. */
json_t *td_offer_json(struct http_req *req, const struct td_offer *o, int64_t chosen);

/* True when start is one of o's free slots; *end is set then. */
bool td_offer_has(const struct td_offer *o, int64_t start, int64_t *end);
/* True when start is booked already. */
bool td_offer_taken(const struct td_offer *o, int64_t start);

/* The booking's mails (and SMS): confirmation with the .ics to the buyer, the
 * notice to the dealer (t), the reminder job for slot start − TD_REMIND_BEFORE —
 * queued in c after the booking was inserted. 0 or -1. */
int td_booked_notify(db_conn *c, struct arena *a, const struct td_booking *b,
                     const struct tenant *t, const char *vehicle_url, bool sms_on, struct err *e);

struct lead;

/* Book slot b->slot_start..b->slot_end of vehicle l->vehicle_id for l's buyer: the
 * lead of kind test_drive (l, inserted here) and the booking (b: slot, name, e-mail,
 * phone, consent, locale, vehicle title filled by the caller; tenant, vehicle and
 * lead set here), then the confirmation, the dealer's notice and the reminder
 * (td_booked_notify) — in the caller's write transaction c. The one booking path of
 * the vehicle page and the public API. The caller checked the slot against the free
 * slots (td_offer_has); a slot booked since fails on the unique index: -1 with
 * CC24_E_DB_CONSTRAINT, and the transaction must be rolled back. 0 or -1. */
int td_book(db_conn *c, struct arena *a, struct lead *l, struct td_booking *b,
            const struct tenant *t, const char *vehicle_url, bool sms_on, struct err *e);

/* The booking's .ics (REQUEST, or CANCEL when cancel), in the buyer's language, in a. */
const char *td_event_ics(struct arena *a, const struct td_booking *b, const struct tenant *t,
                         bool cancel);

/* "Mi, 24.06.2026, 10:00 Uhr" / "Wed, 24 Jun 2026, 10:00" (Berlin) in a. */
const char *td_when(struct arena *a, const char *locale, int64_t t);

/* ---- dashboard and jobs ---- */

/* GET /dashboard/probefahrten[?tag=YYYY-MM-DD] — the day's test drives. */
int td_day_page(struct http_req *req);
/* POST /dashboard/probefahrten/{id}/absagen — cancel, mail the buyer. */
int td_cancel_post(struct http_req *req);
/* POST /dashboard/probefahrten/einstellungen — SMS on/off (owner). */
int td_settings_post(struct http_req *req);

/* Register the reminder job (at start-up, before jobs_start). */
void td_jobs_register(void);

/* Run the reminder of booking public_id of tenant_id now (what the job does; tests). */
int td_remind(db *d, int64_t tenant_id, const char *public_id, struct err *e);

#endif
