/* lead_pages.c — the dealer's lead management in the dashboard: the inbox (search,
 * filters, unread and due counts) and one lead (what the buyer sent, the contact with
 * their other leads, status, assignee, follow-up, notes and calls, a reply by e-mail
 * that goes out through the mail queue, and the timeline of all of it). */
#include "crm/lead_pages.h"

#include "app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crm/crm.h"
#include "crm/lead.h"
#include "crm/retention.h"
#include "mail/mail.h"
#include "render/i18n.h"
#include "tenant/tenant.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

#define LEADS_PAGE_SIZE    25
#define RETENTION_LOG_ROWS 10

int64_t crm_week_start(int64_t now)
{
  int64_t local = now + time_berlin_offset(now);
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  /* 1970-01-01 was a Thursday: days since the last Monday */
  int64_t since_monday = ((days % 7) + 7 + 3) % 7;
  int64_t midnight_local = (days - since_monday) * 86400;
  /* the offset of Berlin at that midnight (a DST change happens on Sundays at 01:00 UTC) */
  int64_t t = midnight_local - 3600;
  return midnight_local - time_berlin_offset(t);
}

int64_t lead_store_count_since(db_conn *c, int64_t tenant_id, int64_t since, struct err *e)
{
  int64_t n = 0;
  if (db_query_one(c, NULL, "SELECT COUNT(*) FROM leads WHERE tenant_id = $1 AND created_at >= $2",
                   DB_PARAMS(db_i64(tenant_id), db_i64(since)), DB_ROW(db_out_i64(&n)), e) < 0)
    return -1;
  return n;
}

/* "YYYY-MM-DD" and "HH:MM" (Berlin) → UTC; -1 when malformed. */
static int64_t berlin_to_utc(const char *date, const char *time)
{
  int y, m, d, hh = 9, mm = 0;
  char tail;
  if (!date || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 ||
      d > 31 || y < 2000 || y > 2100)
    return -1;
  if (time && *time &&
      (sscanf(time, "%2d:%2d%c", &hh, &mm, &tail) != 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59))
    return -1;
  int64_t days = time_days_from_civil(y, m, d);
  int yy, mo, dd;
  time_civil_from_days(days, &yy, &mo, &dd);
  if (yy != y || mo != m || dd != d)
    return -1; /* 31 April */
  int64_t local = days * 86400 + hh * 3600 + mm * 60;
  int64_t utc = local - time_berlin_offset(local - 3600);
  int off = time_berlin_offset(utc);
  return local - off;
}

/* ------------------------------------------------------------------ the inbox */

struct list_arg {
  struct arena *a;
  int64_t tenant_id, user_id;
  int page;
  struct crm_filter f;
  struct crm_lead *rows;
  int n;
  int64_t total, week;
  struct crm_counts counts;
  struct crm_user *users;
  int nusers;
  struct retention_entry *log;
  int nlog;
  int64_t last_run;
};

static int tx_list(db_conn *c, void *arg, struct err *e)
{
  struct list_arg *x = arg;
  int64_t now = time_now();
  if (crm_link_contacts(c, x->a, x->tenant_id, e) < 0)
    return -1;
  x->week = lead_store_count_since(c, x->tenant_id, crm_week_start(now), e);
  if (x->week < 0 || crm_counts(c, x->tenant_id, now, &x->counts, e) < 0 ||
      crm_users(c, x->a, x->tenant_id, &x->users, &x->nusers, e) < 0 ||
      retention_log_list(c, x->a, x->tenant_id, RETENTION_LOG_ROWS, &x->log, &x->nlog, &x->last_run,
                         e) < 0)
    return -1;
  return crm_lead_list(c, x->a, x->tenant_id, &x->f, now, x->page, LEADS_PAGE_SIZE, &x->rows, &x->n,
                       &x->total, e);
}

static const char *date_de(struct arena *a, const char *d)
{
  /* "2026-12-04" → "04.12.2026" */
  return strlen(d) == 10 ? arena_printf(a, "%.2s.%.2s.%.4s", d + 8, d + 5, d) : d;
}

static json_t *lead_json(struct http_req *req, const struct crm_lead *x)
{
  const struct lead *l = &x->l;
  char when[32];
  time_berlin_datetime(l->created_at, when, sizeof when);
  json_t *j = json_object();
  json_object_set_new(j, "id", json_string(l->public_id));
  json_object_set_new(j, "when", json_string(when));
  json_object_set_new(j, "kind", json_string(enum_label(&lead_enum_kind, l->kind, req->locale)));
  json_object_set_new(j, "test_drive", json_boolean(l->kind == LEAD_TEST_DRIVE));
  /* an anonymised lead has no name left: the list and the page say so instead */
  json_object_set_new(j, "anonymised", json_boolean(l->anonymised_at > 0));
  json_object_set_new(
      j, "name",
      json_string(l->anonymised_at > 0 ? i18n_get(req->locale, "crm.anonymised") : l->name));
  json_object_set_new(j, "email", json_string(l->email));
  json_object_set_new(j, "phone", json_string(l->phone ? l->phone : ""));
  json_object_set_new(j, "phone_href", json_string(str_tel_uri(req->a, l->phone)));
  json_object_set_new(j, "message", json_string(l->message ? l->message : ""));
  const char *st = l->status && *l->status ? l->status : "new";
  json_object_set_new(j, "status", json_string(st));
  int si = enum_parse(&crm_enum_status, st);
  json_object_set_new(j, "status_label",
                      json_string(si >= 0 ? enum_label(&crm_enum_status, si, req->locale) : st));
  json_object_set_new(j, "is_new", json_boolean(!strcmp(st, "new")));
  json_object_set_new(j, "closed", json_boolean(!strcmp(st, "done") || !strcmp(st, "lost")));
  json_object_set_new(j, "unread", json_boolean(x->read_at == 0));
  if (l->preferred_date && *l->preferred_date)
    json_object_set_new(j, "preferred_date", json_string(date_de(req->a, l->preferred_date)));
  json_object_set_new(j, "vehicle", json_string(l->vehicle_title ? l->vehicle_title : ""));
  json_object_set_new(j, "vehicle_id",
                      json_string(l->vehicle_public_id ? l->vehicle_public_id : ""));
  json_object_set_new(j, "assignee", json_string(x->assignee_name ? x->assignee_name : ""));
  json_object_set_new(j, "assignee_id", json_integer(x->assignee_id));
  if (x->follow_up_at > 0) {
    char fu[32];
    time_berlin_datetime(x->follow_up_at, fu, sizeof fu);
    json_object_set_new(j, "follow_up", json_string(fu));
    json_object_set_new(j, "follow_up_due",
                        json_boolean(x->follow_up_at < crm_day_end(time_now()) &&
                                     strcmp(st, "done") && strcmp(st, "lost")));
    /* the form's values, Berlin time */
    int64_t local = x->follow_up_at + time_berlin_offset(x->follow_up_at);
    int64_t days = local / 86400;
    int y, m, dd;
    time_civil_from_days(days, &y, &m, &dd);
    json_object_set_new(j, "follow_up_date",
                        json_string(arena_printf(req->a, "%04d-%02d-%02d", y, m, dd)));
    json_object_set_new(j, "follow_up_time",
                        json_string(arena_printf(req->a, "%02d:%02d", (int)(local % 86400 / 3600),
                                                 (int)(local % 3600 / 60))));
  }
  return j;
}

/* The retention section of the inbox: the period (the same setting the job uses), when
 * the job last looked at this dealer, and what it cleared. */
static json_t *retention_json(struct http_req *req, const struct list_arg *x)
{
  json_t *j = json_object();
  json_object_set_new(
      j, "policy", json_string(lead_retention_text(req->a, req->locale, "crm.retention_policy")));
  if (x->last_run > 0) {
    char when[32];
    time_berlin_datetime(x->last_run, when, sizeof when);
    json_object_set_new(j, "last_run", json_string(when));
  }
  json_t *rows = json_array();
  for (int i = 0; i < x->nlog; i++) {
    const struct retention_entry *r = &x->log[i];
    char when[32];
    time_berlin_datetime(r->ran_at, when, sizeof when);
    const char *kind = r->kind && !strcmp(r->kind, "outbox") ? "crm.retention_kind_outbox"
                                                             : "crm.retention_kind_leads";
    json_array_append_new(rows,
                          json_pack("{s:s,s:s,s:I}", "when", when, "kind",
                                    i18n_get(req->locale, kind), "rows", (json_int_t)r->rows));
  }
  json_object_set_new(j, "entries", rows);
  return j;
}

static bool is_status(const char *s)
{
  return s && enum_parse(&crm_enum_status, s) >= 0;
}

int crm_leads_page(struct http_req *req)
{
  int64_t page = 1;
  const char *ps = http_query(req, "page");
  if (ps && (!str_to_i64(ps, &page) || page < 1 || page > 100000))
    page = 1;
  struct list_arg x = {.a = req->a, .tenant_id = req->tenant_id, .page = (int)page};
  const char *q = http_query(req, "q"), *status = http_query(req, "status"),
             *kind = http_query(req, "kind"), *who = http_query(req, "wer"),
             *show = http_query(req, "zeige");
  x.f.q = q ? str_trim(req->a, q) : "";
  if (strlen(x.f.q) > 100)
    x.f.q = "";
  x.f.status = is_status(status) ? status : "";
  x.f.kind = kind && enum_parse(&lead_enum_kind, kind) >= 0 ? kind : "";
  if (who && !strcmp(who, "ich"))
    x.f.assignee = req->user_id > 0 ? req->user_id : 0;
  else if (who && !strcmp(who, "niemand"))
    x.f.assignee = -1;
  x.f.due = show && !strcmp(show, "faellig");
  x.f.unread = show && !strcmp(show, "ungelesen");
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_WRITE, tx_list, &x, &e) < 0)
    return http_problem_err(req, &e);
  json_t *ctx = web_dash_context(req);
  json_t *rows = json_array();
  for (int i = 0; i < x.n; i++)
    json_array_append_new(rows, lead_json(req, &x.rows[i]));
  json_object_set_new(ctx, "leads", rows);
  json_object_set_new(ctx, "total", json_integer(x.total));
  json_object_set_new(ctx, "all", json_integer(x.counts.total));
  json_object_set_new(ctx, "unread", json_integer(x.counts.unread));
  json_object_set_new(ctx, "due", json_integer(x.counts.due));
  json_object_set_new(ctx, "open", json_integer(x.counts.open));
  json_object_set_new(ctx, "week", json_integer(x.week));
  json_object_set_new(ctx, "empty", json_boolean(x.counts.total == 0));
  json_object_set_new(ctx, "none_found", json_boolean(x.counts.total > 0 && x.total == 0));
  /* the filter form keeps what was chosen */
  json_t *f = json_object();
  json_object_set_new(f, "q", json_string(x.f.q));
  json_object_set_new(f, "who_me", json_boolean(who && !strcmp(who, "ich")));
  json_object_set_new(f, "who_none", json_boolean(who && !strcmp(who, "niemand")));
  json_object_set_new(f, "due", json_boolean(x.f.due));
  json_object_set_new(f, "unread", json_boolean(x.f.unread));
  json_object_set_new(f, "kind_contact", json_boolean(!strcmp(x.f.kind, "contact")));
  json_object_set_new(f, "kind_test_drive", json_boolean(!strcmp(x.f.kind, "test_drive")));
  json_t *statuses = json_array();
  for (int i = 0; i < crm_enum_status.count; i++)
    json_array_append_new(statuses,
                          json_pack("{s:s,s:s,s:b}", "value", crm_enum_status.values[i], "label",
                                    enum_label(&crm_enum_status, i, req->locale), "selected",
                                    !strcmp(x.f.status, crm_enum_status.values[i])));
  json_object_set_new(f, "statuses", statuses);
  json_object_set_new(ctx, "f", f);
  /* paging links keep the filter */
  struct buf qs;
  buf_init(&qs, req->a);
  const char *keys[] = {"q", "status", "kind", "wer", "zeige"};
  const char *vals[] = {x.f.q, x.f.status, x.f.kind, who, show};
  for (int i = 0; i < 5; i++)
    if (vals[i] && *vals[i]) {
      buf_printf(&qs, "&%s=", keys[i]);
      buf_append_urlenc(&qs, vals[i], strlen(vals[i]));
    }
  json_object_set_new(ctx, "qs", json_string(buf_cstr(&qs)));
  int64_t pages = (x.total + LEADS_PAGE_SIZE - 1) / LEADS_PAGE_SIZE;
  if (page > 1)
    json_object_set_new(ctx, "prev", json_integer(page - 1));
  if (page < pages)
    json_object_set_new(ctx, "next", json_integer(page + 1));
  json_object_set_new(ctx, "page", json_integer(page));
  json_object_set_new(ctx, "pages", json_integer(pages < 1 ? 1 : pages));
  json_object_set_new(ctx, "retention", retention_json(req, &x));
  return web_render(req, 200, "dash_leads", ctx);
}

/* ------------------------------------------------------------------- one lead */

struct one_arg {
  struct arena *a;
  int64_t tenant_id, user_id;
  const char *id;
  struct crm_lead lead;
  int found;
  struct crm_activity *acts;
  int nacts;
  struct crm_lead *others;
  int nothers;
  struct crm_user *users;
  int nusers;
  struct tenant t;
  /* a change (POST) */
  const char *action, *text, *subject, *status, *date, *time;
  int64_t assignee, follow_up;
};

static int load_one(db_conn *c, struct one_arg *x, struct err *e)
{
  if (crm_link_contacts(c, x->a, x->tenant_id, e) < 0)
    return -1;
  x->found = crm_lead_get(c, x->a, x->tenant_id, x->id, &x->lead, e);
  if (x->found <= 0)
    return x->found;
  if (crm_activities(c, x->a, x->tenant_id, x->lead.l.id, &x->acts, &x->nacts, e) < 0 ||
      crm_contact_leads(c, x->a, x->tenant_id, x->lead.contact_id, x->lead.l.id, &x->others,
                        &x->nothers, e) < 0 ||
      crm_users(c, x->a, x->tenant_id, &x->users, &x->nusers, e) < 0 ||
      tenant_store_by_id(c, x->a, x->tenant_id, &x->t, e) < 0)
    return -1;
  return 1;
}

static int tx_load(db_conn *c, void *arg, struct err *e)
{
  return load_one(c, arg, e) < 0 ? -1 : 0;
}

static int tx_one(db_conn *c, void *arg, struct err *e)
{
  struct one_arg *x = arg;
  int rc = load_one(c, x, e);
  if (rc <= 0)
    return rc;
  if (x->lead.read_at == 0 && crm_lead_mark_read(c, x->tenant_id, x->lead.l.id, time_now(), e) < 0)
    return -1;
  return 0;
}

static const char *user_name(const struct one_arg *x, int64_t id)
{
  for (int i = 0; i < x->nusers; i++)
    if (x->users[i].id == id)
      return *x->users[i].name ? x->users[i].name : x->users[i].email;
  return "";
}

/* The reply as the dealer would write it, filled from the lead and the vehicle. */
static const char *reply_template(struct http_req *req, const struct one_arg *x)
{
  const struct lead *l = &x->lead.l;
  const char *loc = req->locale;
  struct buf b;
  buf_init(&b, req->a);
  buf_printf(&b, "%s %s,\n\n", i18n_get(loc, "leads.reply_hello"), l->name);
  if (l->vehicle_title && *l->vehicle_title)
    buf_printf(&b, "%s %s.\n%s/fahrzeuge/x-%s\n\n", i18n_get(loc, "leads.reply_thanks_vehicle"),
               l->vehicle_title, cfg.base_url, l->vehicle_public_id);
  else
    buf_printf(&b, "%s\n\n", i18n_get(loc, "leads.reply_thanks"));
  buf_printf(&b, "\n\n%s\n%s\n%s\n", i18n_get(loc, "leads.reply_regards"),
             user_name(x, req->user_id), x->t.name ? x->t.name : "");
  if (x->t.phone && *x->t.phone)
    buf_printf(&b, "%s: %s\n", i18n_get(loc, "crm.phone"), x->t.phone);
  return buf_cstr(&b);
}

static int render_lead(struct http_req *req, struct one_arg *x, int status,
                       const struct field_errors *errs)
{
  json_t *ctx = web_dash_context(req);
  json_t *lead = lead_json(req, &x->lead);
  json_object_set_new(ctx, "lead", lead);
  json_t *tl = json_array();
  for (int i = 0; i < x->nacts; i++) {
    const struct crm_activity *a = &x->acts[i];
    char when[32];
    time_berlin_datetime(a->created_at, when, sizeof when);
    int k = enum_parse(&crm_enum_activity, a->kind);
    const char *body = a->body;
    if (!strcmp(a->kind, "status")) {
      int si = enum_parse(&crm_enum_status, a->body);
      body = si >= 0 ? enum_label(&crm_enum_status, si, req->locale) : a->body;
    } else if (!strcmp(a->kind, "assign")) {
      int64_t id = 0;
      str_to_i64(a->body, &id);
      body = id > 0 ? user_name(x, id) : i18n_get(req->locale, "leads.nobody");
    } else if (!strcmp(a->kind, "follow_up")) {
      int64_t at = 0;
      str_to_i64(a->body, &at);
      char fu[32];
      time_berlin_datetime(at, fu, sizeof fu);
      body = at > 0 ? arena_strdup(req->a, fu) : i18n_get(req->locale, "leads.no_follow_up");
    }
    /* a received mail (the buyer's answer, crm/lead_inbound.c) is marked in the timeline;
       its "who" is the sender */
    json_array_append_new(
        tl, json_pack("{s:s,s:s,s:s,s:s,s:b,s:b}", "when", when, "kind",
                      k >= 0 ? enum_label(&crm_enum_activity, k, req->locale) : a->kind, "body",
                      body, "who", a->user_name, "long",
                      !strcmp(a->kind, "note") || !strcmp(a->kind, "call") ||
                          !strcmp(a->kind, "mail_out") || !strcmp(a->kind, "mail_in"),
                      "incoming", !strcmp(a->kind, "mail_in")));
  }
  json_object_set_new(ctx, "timeline", tl);
  json_t *others = json_array();
  for (int i = 0; i < x->nothers; i++)
    json_array_append_new(others, lead_json(req, &x->others[i]));
  json_object_set_new(ctx, "others", others);
  json_t *users = json_array();
  for (int i = 0; i < x->nusers; i++)
    json_array_append_new(users,
                          json_pack("{s:I,s:s,s:b}", "id", (json_int_t)x->users[i].id, "name",
                                    *x->users[i].name ? x->users[i].name : x->users[i].email,
                                    "selected", x->users[i].id == x->lead.assignee_id));
  json_object_set_new(ctx, "users", users);
  json_t *statuses = json_array();
  const char *cur = x->lead.l.status && *x->lead.l.status ? x->lead.l.status : "new";
  for (int i = 0; i < crm_enum_status.count; i++)
    json_array_append_new(statuses, json_pack("{s:s,s:s,s:b}", "value", crm_enum_status.values[i],
                                              "label", enum_label(&crm_enum_status, i, req->locale),
                                              "selected", !strcmp(cur, crm_enum_status.values[i])));
  json_object_set_new(ctx, "statuses", statuses);
  const char *subject =
      x->subject && status != 200 ? x->subject
      : x->lead.l.vehicle_title && *x->lead.l.vehicle_title
          ? arena_printf(req->a, "%s%s", i18n_get(req->locale, "crm.reply_subject"),
                         x->lead.l.vehicle_title)
          : i18n_get(req->locale, "leads.reply_subject_plain");
  json_object_set_new(ctx, "reply_subject", json_string(subject));
  json_object_set_new(
      ctx, "reply_text",
      json_string(x->text && status != 200 && x->action && !strcmp(x->action, "reply")
                      ? x->text
                      : reply_template(req, x)));
  if (x->text && status != 200 && x->action &&
      (!strcmp(x->action, "note") || !strcmp(x->action, "call")))
    json_object_set_new(ctx, "note_text", json_string(x->text));
  const char *done = http_query(req, "ok");
  if (done && status == 200) {
    const char *key = !strcmp(done, "reply")  ? "leads.ok_reply"
                      : !strcmp(done, "note") ? "leads.ok_note"
                      : !strcmp(done, "call") ? "leads.ok_call"
                                              : "leads.ok_saved";
    json_object_set_new(ctx, "flash", json_string(i18n_get(req->locale, key)));
  }
  if (errs)
    for (int i = 0; i < errs->n; i++)
      json_object_set_new(ctx, arena_printf(req->a, "err_%s", errs->e[i].field),
                          json_string(errs->e[i].detail));
  return web_render(req, status, "dash_lead", ctx);
}

int crm_lead_page(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such enquiry", "id");
  struct one_arg x = {.a = req->a, .tenant_id = req->tenant_id, .user_id = req->user_id, .id = id};
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_WRITE, tx_one, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such enquiry", "id");
  return render_lead(req, &x, 200, NULL);
}

/* ---------------------------------------------------------------- changes */

static int tx_change(db_conn *c, void *arg, struct err *e)
{
  struct one_arg *x = arg;
  int rc = load_one(c, x, e);
  if (rc <= 0)
    return rc;
  int64_t lid = x->lead.l.id;
  const char *a = x->action;
  if (x->lead.l.anonymised_at > 0 && strcmp(a, "status"))
    return err_set(e, CC24_E_CONFLICT, "the enquiry is anonymised");
  if (!strcmp(a, "note") || !strcmp(a, "call"))
    return crm_activity_add(c, x->tenant_id, lid, x->user_id, a, x->text, e);
  if (!strcmp(a, "status"))
    return crm_lead_set_status(c, x->tenant_id, lid, x->user_id, x->status, e);
  if (!strcmp(a, "assign"))
    return crm_lead_assign(c, x->tenant_id, lid, x->user_id, x->assignee, e);
  if (!strcmp(a, "follow_up"))
    return crm_lead_follow_up(c, x->tenant_id, lid, x->user_id, x->follow_up, e);
  if (!strcmp(a, "reply")) {
    /* the buyer gets the dealer's words; the buyer's answer comes back into the lead
       (mail-inbound-domain set), else to the dealer's address */
    const char *routed = NULL;
    if (crm_reply_address(c, x->a, x->lead.l.public_id, &routed, e) < 0)
      return -1;
    struct mail m = {.tenant_id = x->tenant_id,
                     .to = x->lead.l.email,
                     .locale = "de",
                     .kind = "lead.reply",
                     .subject = x->subject,
                     .text = x->text,
                     .reply_to = routed                      ? routed
                                 : x->t.email && *x->t.email ? x->t.email
                                                             : NULL,
                     .lead_id = lid};
    if (mail_queue(c, &m, e) < 0 ||
        crm_activity_add(c, x->tenant_id, lid, x->user_id, "mail_out",
                         arena_printf(x->a, "%s\n\n%s", x->subject, x->text), e) < 0)
      return -1;
    if (!strcmp(x->lead.l.status, "new"))
      return crm_lead_set_status(c, x->tenant_id, lid, x->user_id, "in_progress", e);
    return 0;
  }
  return err_set(e, CC24_E_VALIDATION, "action: unknown");
}

int crm_lead_post(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such enquiry", "id");
  struct one_arg x = {.a = req->a, .tenant_id = req->tenant_id, .user_id = req->user_id, .id = id};
  x.action = http_form(req, "action");
  const char *loc = req->locale;
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  if (!x.action)
    x.action = "";
  const char *text = http_form(req, "text");
  x.text = text ? str_trim(req->a, text) : "";
  if (!strcmp(x.action, "note") || !strcmp(x.action, "call")) {
    if (!*x.text)
      field_error_add(&errs, "note", "required", "%s", i18n_get(loc, "errors.required"));
    else if (utf8_len(x.text, strlen(x.text)) > CRM_NOTE_MAX)
      field_error_add(&errs, "note", "length", "%s", i18n_get(loc, "leads.too_long"));
  } else if (!strcmp(x.action, "reply")) {
    const char *s = http_form(req, "subject");
    x.subject = s ? str_trim(req->a, s) : "";
    if (!*x.subject || strlen(x.subject) > 200 || strpbrk(x.subject, "\r\n"))
      field_error_add(&errs, "subject", "format", "%s", i18n_get(loc, "leads.bad_subject"));
    if (!*x.text)
      field_error_add(&errs, "text", "required", "%s", i18n_get(loc, "errors.required"));
    else if (strlen(x.text) > CRM_REPLY_MAX)
      field_error_add(&errs, "text", "length", "%s", i18n_get(loc, "leads.too_long"));
  } else if (!strcmp(x.action, "status")) {
    x.status = http_form(req, "status");
    if (!is_status(x.status))
      field_error_add(&errs, "status", "enum", "%s", i18n_get(loc, "leads.bad_status"));
  } else if (!strcmp(x.action, "assign")) {
    const char *as = http_form(req, "assignee");
    if (!as || (*as && (!str_to_i64(as, &x.assignee) || x.assignee < 0)))
      field_error_add(&errs, "assignee", "format", "%s", i18n_get(loc, "leads.bad_assignee"));
  } else if (!strcmp(x.action, "follow_up")) {
    x.date = http_form(req, "date");
    x.time = http_form(req, "time");
    if (x.date && *x.date) {
      x.follow_up = berlin_to_utc(x.date, x.time);
      if (x.follow_up < 0)
        field_error_add(&errs, "date", "format", "%s", i18n_get(loc, "leads.bad_date"));
    }
  } else {
    return http_problem(req, 422, CC24_E_VALIDATION, "unknown action", "action");
  }
  struct err e = {0};
  db *d = ((struct app *)req->app)->db;
  if (errs.n > 0) {
    struct one_arg y = {
        .a = req->a, .tenant_id = req->tenant_id, .user_id = req->user_id, .id = id};
    if (db_tx(d, req->tenant_id, DB_WRITE, tx_load, &y, &e) < 0)
      return http_problem_err(req, &e);
    if (y.found <= 0)
      return http_problem(req, 404, CC24_E_NOT_FOUND, "no such enquiry", "id");
    y.action = x.action;
    y.text = x.text;
    y.subject = x.subject;
    return render_lead(req, &y, 422, &errs);
  }
  if (db_tx(d, req->tenant_id, DB_WRITE, tx_change, &x, &e) < 0) {
    if (e.code == CC24_E_VALIDATION) {
      field_error_add(&errs, !strcmp(x.action, "assign") ? "assignee" : "action", "invalid", "%s",
                      e.msg);
      struct one_arg y = {
          .a = req->a, .tenant_id = req->tenant_id, .user_id = req->user_id, .id = id};
      if (db_tx(d, req->tenant_id, DB_WRITE, tx_load, &y, &e) < 0)
        return http_problem_err(req, &e);
      return render_lead(req, &y, 422, &errs);
    }
    return http_problem_err(req, &e);
  }
  if (!x.found)
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such enquiry", "id");
  return http_redirect(req, 303,
                       arena_printf(req->a, "/dashboard/anfragen/%s?ok=%s#verlauf", id, x.action));
}
