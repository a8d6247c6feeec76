/* testdrive_pages.c — the dealer's test drives: the list of one Berlin day with a
 * date switcher, cancel (frees the slot, mails the buyer a CANCEL invitation, SMS
 * when agreed), the owner's SMS setting; and the reminder job the day before. */
#include "testdrive/testdrive.h"

#include "app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "jobs/jobs.h"
#include "mail/mail.h"
#include "render/i18n.h"
#include "sms/sms.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

static const char *tr(const char *loc, const char *key)
{
  return i18n_get(loc, key);
}

static void ymd(int64_t day, char out[11])
{
  int y, m, d;
  time_civil_from_days(day, &y, &m, &d);
  snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

/* "YYYY-MM-DD" → Berlin day; -1 when malformed or out of range. */
static int64_t parse_day(const char *s)
{
  int y, m, d;
  char tail;
  if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 2000 ||
      y > 2100 || m < 1 || m > 12 || d < 1 || d > 31)
    return -1;
  int64_t day = time_days_from_civil(y, m, d);
  int yy, mm, dd;
  time_civil_from_days(day, &yy, &mm, &dd);
  return yy == y && mm == m && dd == d ? day : -1;
}

static void hhmm(int64_t t, char out[6])
{
  int64_t local = t + time_berlin_offset(t);
  int64_t rem = ((local % 86400) + 86400) % 86400;
  snprintf(out, 6, "%02d:%02d", (int)(rem / 3600), (int)(rem % 3600 / 60));
}

/* ---- GET /dashboard/probefahrten ---- */

struct day_arg {
  struct arena *a;
  int64_t tenant_id, from, until;
  struct td_booking *rows;
  int n;
  int sms;
  int64_t *closed; /* the dealer's closed days */
  int nclosed;
};

static int tx_day(db_conn *c, void *arg, struct err *e)
{
  struct day_arg *x = arg;
  if (td_store_list(c, x->a, x->tenant_id, x->from, x->until, &x->rows, &x->n, e) < 0)
    return -1;
  x->sms = td_store_sms_enabled(c, x->tenant_id, e);
  if (x->sms < 0)
    return -1;
  return td_store_closed_days(c, x->a, x->tenant_id, &x->closed, &x->nclosed, e);
}

/* The day list; with closed_err the settings form again with the text as typed. */
static int render_day(struct http_req *req, int status, const char *closed_err,
                      const char *closed_text)
{
  struct arena *a = req->a;
  int64_t now = time_now(), today = time_berlin_day(now);
  int64_t day = parse_day(http_query(req, "tag"));
  if (day < 0)
    day = today;
  struct day_arg x = {.a = a, .tenant_id = req->tenant_id};
  time_berlin_to_utc(day, 0, &x.from);
  time_berlin_to_utc(day + 1, 0, &x.until);
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_READ, tx_day, &x, &e) < 0)
    return http_problem_err(req, &e);
  json_t *ctx = web_dash_context(req);
  json_t *rows = json_array();
  int booked = 0;
  for (int i = 0; i < x.n; i++) {
    const struct td_booking *b = &x.rows[i];
    char from[6], to[6];
    hhmm(b->slot_start, from);
    hhmm(b->slot_end, to);
    bool is_booked = b->status == TD_BOOKED;
    booked += is_booked;
    json_array_append_new(
        rows, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:b}", "id", b->public_id,
                        "time", arena_printf(a, "%s–%s", from, to), "vehicle",
                        *b->vehicle_title ? b->vehicle_title : tr(req->locale, "testdrive.gone"),
                        "vehicle_id", b->vehicle_public_id, "lead_id", b->lead_public_id, "name",
                        b->name, "email", b->email, "phone", b->phone, "phone_href",
                        str_tel_uri(a, b->phone), "booked", is_booked, "cancellable",
                        is_booked && b->slot_end > now, "sms", b->sms_consent));
  }
  char d[11], prev[11], next[11], t[11];
  ymd(day, d);
  ymd(day - 1, prev);
  ymd(day + 1, next);
  ymd(today, t);
  json_object_set_new(ctx, "rows", rows);
  json_object_set_new(ctx, "count", json_integer(booked));
  json_object_set_new(ctx, "empty", json_boolean(x.n == 0));
  json_object_set_new(ctx, "date", json_string(d));
  json_object_set_new(ctx, "prev", json_string(prev));
  json_object_set_new(ctx, "next", json_string(next));
  json_object_set_new(ctx, "today_date", json_string(t));
  json_object_set_new(ctx, "is_today", json_boolean(day == today));
  json_object_set_new(ctx, "day_label", json_string(td_when(a, req->locale, x.from + 12 * 3600)));
  /* td_when gives "Mo, 24.06.2026, 12:00 Uhr": the heading wants the day only */
  const char *lbl = json_string_value(json_object_get(ctx, "day_label"));
  const char *cut = strrchr(lbl, ',');
  if (cut)
    json_object_set_new(ctx, "day_label",
                        json_string(arena_printf(a, "%.*s", (int)(cut - lbl), lbl)));
  json_object_set_new(ctx, "sms_enabled", json_boolean(x.sms == 1));
  json_object_set_new(ctx, "sms_platform", json_boolean(cfg.sms_url && *cfg.sms_url));
  const char *done = http_query(req, "erledigt");
  json_object_set_new(ctx, "cancelled_notice", json_boolean(done && !strcmp(done, "abgesagt")));
  json_object_set_new(ctx, "saved_notice", json_boolean(done && !strcmp(done, "gespeichert")));
  /* the closed days, one a line in the dealer's own notation (German dates) */
  struct buf b;
  buf_init(&b, a);
  for (int i = 0; i < x.nclosed; i++) {
    int y, m, dd;
    time_civil_from_days(x.closed[i], &y, &m, &dd);
    buf_printf(&b, "%s%02d.%02d.%04d", i ? "\n" : "", dd, m, y);
  }
  json_object_set_new(ctx, "closed_days", json_string(closed_text ? closed_text : buf_cstr(&b)));
  if (closed_err)
    json_object_set_new(ctx, "closed_err", json_string(closed_err));
  return web_render(req, status, "dash_testdrives", ctx);
}

int td_day_page(struct http_req *req)
{
  return render_day(req, 200, NULL, NULL);
}

/* ---- POST /dashboard/probefahrten/{id}/absagen ---- */

struct cancel_arg {
  struct arena *a;
  int64_t tenant_id;
  const char *id;
  struct td_booking b;
  int found, cancelled;
};

static int tx_cancel(db_conn *c, void *arg, struct err *e)
{
  struct cancel_arg *x = arg;
  struct arena *a = x->a;
  x->found = td_store_get(c, a, x->tenant_id, x->id, &x->b, e);
  if (x->found <= 0)
    return x->found;
  x->cancelled = td_store_cancel(c, x->tenant_id, x->id, time_now(), e);
  if (x->cancelled <= 0)
    return x->cancelled;
  struct td_booking *b = &x->b;
  struct tenant t;
  if (tenant_store_by_id(c, a, x->tenant_id, &t, e) < 0)
    return -1;
  const char *loc = b->locale && *b->locale ? b->locale : "de";
  const char *when = td_when(a, loc, b->slot_start);
  const char *ics = td_event_ics(a, b, &t, true);
  struct mail_attachment att = {.filename = "probefahrt.ics",
                                .mime = "text/calendar; charset=UTF-8; method=CANCEL",
                                .data = ics,
                                .len = strlen(ics)};
  struct mail m = {
      .tenant_id = x->tenant_id,
      .to = b->email,
      .locale = loc,
      .kind = "testdrive.cancel",
      .subject = arena_printf(a, "%s: %s", tr(loc, "testdrive.mail_cancel_subject"), when),
      .text = arena_printf(a, "%s %s,\n\n%s\n\n%s: %s\n%s: %s\n\n%s\n%s\n%s\n",
                           tr(loc, "mail.lead_confirm_hello"), b->name,
                           tr(loc, "testdrive.mail_cancel_text"), tr(loc, "testdrive.when"), when,
                           tr(loc, "mail.lead_confirm_vehicle"), b->vehicle_title,
                           tr(loc, "testdrive.mail_cancel_contact"), t.name,
                           t.phone && *t.phone ? t.phone : (t.email ? t.email : "")),
      .reply_to = t.email,
      .att = &att,
      .natt = 1};
  if (mail_queue(c, &m, e) < 0)
    return -1;
  if (b->sms_consent && *b->phone) {
    int on = td_store_sms_enabled(c, x->tenant_id, e);
    if (on < 0)
      return -1;
    struct err se = {0};
    if (on && sms_queue(c, x->tenant_id, b->phone,
                        arena_printf(a, "%s: %s %s, %s.", t.name, tr(loc, "testdrive.sms_cancel"),
                                     b->vehicle_title, when),
                        &se) < 0) {
      if (se.code != CC24_E_VALIDATION && se.code != CC24_E_CONFIG) {
        *e = se;
        return -1;
      }
      log_warn("testdrive %s: no SMS about the cancellation: %s", b->public_id, se.msg);
    }
  }
  return 0;
}

int td_cancel_post(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such test drive", "id");
  struct cancel_arg x = {.a = req->a, .tenant_id = req->tenant_id, .id = id};
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_WRITE, tx_cancel, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such test drive", "id");
  if (x.cancelled)
    web_cache_clear(); /* the slot is free again on the vehicle page */
  char d[11];
  ymd(time_berlin_day(x.b.slot_start), d);
  return http_redirect(req, 303,
                       arena_printf(req->a, "/dashboard/probefahrten?tag=%s&erledigt=abgesagt", d));
}

/* ---- POST /dashboard/probefahrten/einstellungen ---- */

struct settings_arg {
  struct arena *a;
  int64_t tenant_id;
  bool on;
  int64_t *closed; /* NULL: the form did not send the closed days (left as they are) */
  int nclosed;
};

static int tx_settings(db_conn *c, void *arg, struct err *e)
{
  struct settings_arg *x = arg;
  if (td_store_set_sms_enabled(c, x->tenant_id, x->on, e) < 0)
    return -1;
  return x->closed ? td_store_set_closed_days(c, x->a, x->tenant_id, x->closed, x->nclosed, e) : 0;
}

int td_settings_post(struct http_req *req)
{
  const char *sms = http_form(req, "sms"), *closed = http_form(req, "closed_days");
  struct settings_arg x = {
      .a = req->a, .tenant_id = req->tenant_id, .on = sms && !strcmp(sms, "1")};
  if (closed) {
    x.closed = arena_calloc(req->a, TD_CLOSED_MAX, sizeof *x.closed);
    const char *bad = NULL;
    x.nclosed = td_closed_parse(closed, x.closed, TD_CLOSED_MAX, &bad);
    if (x.nclosed < 0) {
      size_t len = bad ? strcspn(bad, ",; \t\r\n") : 0;
      const char *msg =
          arena_printf(req->a, "%s%s%.*s%s", tr(req->locale, "testdrive.err_closed_days"),
                       len ? " (" : "", (int)(len > 40 ? 40 : len), bad ? bad : "", len ? ")" : "");
      return render_day(req, 422, msg, closed);
    }
  }
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_WRITE, tx_settings, &x, &e) < 0)
    return http_problem_err(req, &e);
  web_cache_clear(); /* the consent box and the slots on the vehicle pages */
  return http_redirect(req, 303, "/dashboard/probefahrten?erledigt=gespeichert");
}

/* ---- the reminder the day before ---- */

struct remind_arg {
  struct arena *a;
  int64_t tenant_id;
  const char *id;
};

static int tx_remind(db_conn *c, void *arg, struct err *e)
{
  struct remind_arg *x = arg;
  struct arena *a = x->a;
  struct td_booking b;
  int rc = td_store_get(c, a, x->tenant_id, x->id, &b, e);
  if (rc <= 0 || b.status != TD_BOOKED)
    return rc < 0 ? -1 : 0; /* gone or cancelled: nothing to remind of */
  rc = td_store_mark_reminded(c, x->tenant_id, x->id, time_now(), e);
  if (rc <= 0)
    return rc; /* sent already (a job that ran twice) */
  struct tenant t;
  if (tenant_store_by_id(c, a, x->tenant_id, &t, e) < 0)
    return -1;
  const char *loc = b.locale && *b.locale ? b.locale : "de";
  const char *when = td_when(a, loc, b.slot_start);
  struct buf body;
  buf_init(&body, a);
  buf_printf(&body, "%s %s,\n\n%s\n\n%s: %s\n%s: %s\n%s: %s, %s %s %s\n",
             tr(loc, "mail.lead_confirm_hello"), b.name, tr(loc, "testdrive.mail_remind_text"),
             tr(loc, "testdrive.when"), when, tr(loc, "mail.lead_confirm_vehicle"), b.vehicle_title,
             tr(loc, "testdrive.where"), t.name, t.street ? t.street : "", t.zip ? t.zip : "",
             t.city ? t.city : "");
  if (t.phone && *t.phone)
    buf_printf(&body, "%s: %s\n", tr(loc, "mail.phone"), t.phone);
  buf_printf(&body, "\n%s\n", tr(loc, "testdrive.mail_bring"));
  struct mail m = {.tenant_id = x->tenant_id,
                   .to = b.email,
                   .locale = loc,
                   .kind = "testdrive.remind",
                   .subject =
                       arena_printf(a, "%s: %s", tr(loc, "testdrive.mail_remind_subject"), when),
                   .text = buf_cstr(&body),
                   .reply_to = t.email};
  if (mail_queue(c, &m, e) < 0)
    return -1;
  if (b.sms_consent && *b.phone) {
    int on = td_store_sms_enabled(c, x->tenant_id, e);
    if (on < 0)
      return -1;
    struct err se = {0};
    if (on && sms_queue(c, x->tenant_id, b.phone,
                        arena_printf(a, "%s: %s %s, %s.", t.name, tr(loc, "testdrive.sms_remind"),
                                     b.vehicle_title, when),
                        &se) < 0) {
      if (se.code != CC24_E_VALIDATION && se.code != CC24_E_CONFIG) {
        *e = se;
        return -1;
      }
      log_warn("testdrive %s: no SMS reminder: %s", b.public_id, se.msg);
    }
  }
  return 0;
}

int td_remind(db *d, int64_t tenant_id, const char *public_id, struct err *e)
{
  struct arena *a = arena_new(0);
  struct remind_arg x = {.a = a, .tenant_id = tenant_id, .id = public_id};
  int rc = db_tx(d, tenant_id, DB_WRITE, tx_remind, &x, e);
  arena_free(a);
  return rc;
}

static int job_remind(struct job_ctx *job, struct err *e)
{
  const char *id = json_string_value(json_object_get(job->payload, "id"));
  if (!id || !id_valid(id) || job->tenant_id <= 0) {
    log_warn("testdrive.remind: bad payload, dropped");
    return 0;
  }
  return td_remind(job->db, job->tenant_id, id, e);
}

void td_jobs_register(void)
{
  jobs_register(TD_JOB_REMIND, job_remind);
}
