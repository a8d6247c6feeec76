/* testdrive_offer.c — test drives on the vehicle page (the free slots, the slot
 * picker's data) and what a booking sends: the buyer's confirmation with the .ics
 * invitation, the dealer's notice, the SMS and the reminder job. */
#include "testdrive/testdrive.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "crm/lead.h"
#include "jobs/jobs.h"
#include "mail/mail.h"
#include "render/i18n.h"
#include "sms/sms.h"

#include <stdio.h>
#include <string.h>

int td_offer_load(db_conn *c, struct arena *a, int64_t tenant_id, int64_t vehicle_id, int64_t now,
                  struct td_offer *o, struct err *e)
{
  memset(o, 0, sizeof *o);
  struct tenant_profile p;
  if (tenant_profile_load(c, a, tenant_id, &p, e) < 0)
    return -1;
  for (int d = 0; d < 7; d++)
    o->has_hours |= p.hours.n[d] > 0;
  if (!o->has_hours)
    return 0;
  int64_t until = now + (int64_t)(TD_DAYS_AHEAD + 1) * 86400;
  if (td_store_taken(c, a, vehicle_id, now, until, &o->taken, &o->ntaken, e) < 0)
    return -1;
  int64_t *closed;
  int nclosed;
  if (td_store_closed_days(c, a, tenant_id, &closed, &nclosed, e) < 0)
    return -1;
  o->slots = arena_alloc(a, sizeof *o->slots * TD_SLOTS_MAX);
  o->nslots = td_slots(&p.hours, now, TD_SLOT_MINUTES, TD_LEAD_SECONDS, TD_DAYS_AHEAD, o->taken,
                       o->ntaken, closed, nclosed, o->slots, TD_SLOTS_MAX);
  if (cfg.sms_url && *cfg.sms_url) {
    int on = td_store_sms_enabled(c, tenant_id, e);
    if (on < 0)
      return -1;
    o->sms = on == 1;
  }
  return 0;
}

bool td_offer_has(const struct td_offer *o, int64_t start, int64_t *end)
{
  for (int i = 0; i < o->nslots; i++)
    if (o->slots[i].start == start) {
      if (end)
        *end = o->slots[i].end;
      return true;
    }
  return false;
}

bool td_offer_taken(const struct td_offer *o, int64_t start)
{
  for (int i = 0; i < o->ntaken; i++)
    if (o->taken[i] == start)
      return true;
  return false;
}

static const char *const months_en[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* "Mo, 24.06.2026" / "Mon, 24 Jun 2026" of Berlin day `day`. */
static const char *day_label(struct arena *a, const char *loc, int64_t day)
{
  int y, m, d;
  time_civil_from_days(day, &y, &m, &d);
  char key[40];
  snprintf(key, sizeof key, "opening_hours.short_%d", (int)(((day + 3) % 7 + 7) % 7));
  if (loc && !strcmp(loc, "en"))
    return arena_printf(a, "%s, %d %s %d", i18n_get(loc, key), d, months_en[m - 1], y);
  return arena_printf(a, "%s, %02d.%02d.%04d", i18n_get(loc, key), d, m, y);
}

static void hhmm(int64_t t, char out[6])
{
  int64_t local = t + time_berlin_offset(t);
  int64_t rem = ((local % 86400) + 86400) % 86400;
  snprintf(out, 6, "%02d:%02d", (int)(rem / 3600), (int)(rem % 3600 / 60));
}

const char *td_when(struct arena *a, const char *locale, int64_t t)
{
  char hm[6];
  hhmm(t, hm);
  bool en = locale && !strcmp(locale, "en");
  return arena_printf(a, "%s, %s%s", day_label(a, locale, time_berlin_day(t)), hm,
                      en ? "" : " Uhr");
}

json_t *td_offer_json(struct http_req *req, const struct td_offer *o, int64_t chosen)
{
  struct arena *a = req->a;
  json_t *days = json_array(), *times = NULL;
  int64_t cur = INT64_MIN;
  for (int i = 0; i < o->nslots; i++) {
    int64_t day = time_berlin_day(o->slots[i].start);
    if (day != cur) {
      cur = day;
      times = json_array();
      json_array_append_new(
          days, json_pack("{s:s,s:s,s:o}", "label", day_label(a, req->locale, day), "id",
                          arena_printf(a, "td-day-%lld", (long long)day), "times", times));
    }
    char hm[6];
    hhmm(o->slots[i].start, hm);
    json_array_append_new(
        times, json_pack("{s:s,s:s,s:s,s:b}", "value",
                         arena_printf(a, "%lld", (long long)o->slots[i].start), "label", hm, "id",
                         arena_printf(a, "slot-%lld", (long long)o->slots[i].start), "checked",
                         o->slots[i].start == chosen));
  }
  json_t *j = json_object();
  json_object_set_new(j, "days", days);
  json_object_set_new(j, "any", json_boolean(o->nslots > 0));
  json_object_set_new(j, "sms", json_boolean(o->sms));
  return j;
}

/* The host of base_url for iCalendar UIDs ("cc24.example"). */
static const char *uid_host(struct arena *a)
{
  const char *s = cfg.base_url ? cfg.base_url : "";
  const char *p = strstr(s, "://");
  p = p ? p + 3 : s;
  size_t n = strcspn(p, ":/?#");
  return n ? arena_printf(a, "%.*s", (int)n, p) : "cc24.local";
}

static const char *address(struct arena *a, const struct tenant *t)
{
  struct buf b;
  buf_init(&b, a);
  buf_puts(&b, t->name ? t->name : "");
  if (t->street && *t->street)
    buf_printf(&b, ", %s", t->street);
  if ((t->zip && *t->zip) || (t->city && *t->city))
    buf_printf(&b, ", %s %s", t->zip ? t->zip : "", t->city ? t->city : "");
  return buf_cstr(&b);
}

static const char *tr(const char *loc, const char *key)
{
  return i18n_get(loc, key);
}

const char *td_event_ics(struct arena *a, const struct td_booking *b, const struct tenant *t,
                         bool cancel)
{
  const char *loc = b->locale ? b->locale : "de";
  struct td_event ev = {
      .uid = arena_printf(a, "%s@%s", b->public_id, uid_host(a)),
      .stamp = time_now(),
      .start = b->slot_start,
      .end = b->slot_end,
      .summary = arena_printf(a, "%s: %s", tr(loc, "testdrive.ics_summary"), b->vehicle_title),
      .description = arena_printf(a, "%s\n%s", tr(loc, "testdrive.ics_description"),
                                  t->phone && *t->phone ? t->phone : ""),
      .location = address(a, t),
      .organizer_name = t->name,
      .organizer_email = t->email,
      .attendee_name = b->name,
      .attendee_email = b->email,
      .cancel = cancel,
  };
  return td_ics(a, &ev);
}

int td_booked_notify(db_conn *c, struct arena *a, const struct td_booking *b,
                     const struct tenant *t, const char *vehicle_url, bool sms_on, struct err *e)
{
  const char *loc = b->locale ? b->locale : "de";
  const char *when = td_when(a, loc, b->slot_start);
  const char *ics = td_event_ics(a, b, t, false);
  struct mail_attachment att = {.filename = "probefahrt.ics",
                                .mime = "text/calendar; charset=UTF-8; method=REQUEST",
                                .data = ics,
                                .len = strlen(ics)};
  struct buf body;
  buf_init(&body, a);
  buf_printf(&body, "%s %s,\n\n%s\n\n", tr(loc, "mail.lead_confirm_hello"), b->name,
             tr(loc, "testdrive.mail_confirm_text"));
  buf_printf(&body, "%s: %s\n%s: %s\n%s\n\n%s: %s\n", tr(loc, "testdrive.when"), when,
             tr(loc, "mail.lead_confirm_vehicle"), b->vehicle_title, vehicle_url,
             tr(loc, "testdrive.where"), address(a, t));
  if (t->phone && *t->phone)
    buf_printf(&body, "%s: %s\n", tr(loc, "mail.phone"), t->phone);
  if (t->email && *t->email)
    buf_printf(&body, "%s: %s\n", tr(loc, "mail.email"), t->email);
  buf_printf(&body, "\n%s\n\n%s\n\n%s %s/datenschutz%s\n", tr(loc, "testdrive.mail_bring"),
             tr(loc, "testdrive.mail_change"), tr(loc, "mail.lead_confirm_privacy"), cfg.base_url,
             strcmp(loc, "en") ? "" : "?lang=en");
  struct mail to_buyer = {
      .tenant_id = b->tenant_id,
      .to = b->email,
      .locale = loc,
      .kind = "testdrive.confirm",
      .subject = arena_printf(a, "%s: %s", tr(loc, "testdrive.mail_confirm_subject"), when),
      .text = buf_cstr(&body),
      .reply_to = t->email,
      .att = &att,
      .natt = 1};
  if (mail_queue(c, &to_buyer, e) < 0)
    return -1;
  if (t->email && *t->email) {
    const char *dwhen = td_when(a, "de", b->slot_start);
    char day[16];
    int y, m, d;
    time_civil_from_days(time_berlin_day(b->slot_start), &y, &m, &d);
    snprintf(day, sizeof day, "%04d-%02d-%02d", y, m, d);
    struct mail to_dealer = {
        .tenant_id = b->tenant_id,
        .to = t->email,
        .locale = "de",
        .kind = "testdrive.dealer",
        .subject = arena_printf(a, "Probefahrt gebucht: %s – %s", b->vehicle_title, dwhen),
        .text = arena_printf(a,
                             "Neue Probefahrt über cc24\n\nTermin: %s\nFahrzeug: %s\n%s\n\n"
                             "Name: %s\nE-Mail: %s\nTelefon: %s\n\n"
                             "Alle Probefahrten des Tages:\n%s/dashboard/probefahrten?tag=%s\n\n"
                             "Die Anfrage im Dashboard:\n%s/dashboard/anfragen/%s\n",
                             dwhen, b->vehicle_title, vehicle_url, b->name, b->email,
                             b->phone && *b->phone ? b->phone : "–", cfg.base_url, day,
                             cfg.base_url, b->lead_public_id),
        .reply_to = b->email};
    if (mail_queue(c, &to_dealer, e) < 0)
      return -1;
  }
  if (sms_on && b->sms_consent && b->phone && *b->phone) {
    const char *text =
        arena_printf(a, "%s: %s – %s, %s. %s", t->name, tr(loc, "testdrive.sms_confirm"),
                     b->vehicle_title, when, address(a, t));
    struct err se = {0};
    if (sms_queue(c, b->tenant_id, b->phone, text, &se) < 0) {
      if (se.code != CC24_E_VALIDATION && se.code != CC24_E_CONFIG) {
        *e = se;
        return -1;
      }
      log_warn("testdrive %s: no SMS confirmation: %s", b->public_id, se.msg);
    }
  }
  if (b->slot_start - TD_REMIND_BEFORE > time_now()) {
    char payload[64];
    snprintf(payload, sizeof payload, "{\"id\":\"%s\"}", b->public_id);
    if (jobs_enqueue(c, TD_JOB_REMIND, payload, b->tenant_id, b->slot_start - TD_REMIND_BEFORE, e) <
        0)
      return -1;
  }
  return 0;
}

int td_book(db_conn *c, struct arena *a, struct lead *l, struct td_booking *b,
            const struct tenant *t, const char *vehicle_url, bool sms_on, struct err *e)
{
  if (lead_store_insert(c, l, e) < 0)
    return -1;
  b->tenant_id = l->tenant_id;
  b->vehicle_id = l->vehicle_id;
  b->lead_public_id = l->public_id;
  if (td_store_insert(c, b, e) < 0)
    return -1;
  return td_booked_notify(c, a, b, t, vehicle_url, sms_on, e);
}
