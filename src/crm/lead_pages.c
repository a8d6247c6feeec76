#include "crm/lead_pages.h"

#include "app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/ids.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crm/lead.h"
#include "crm/retention.h"
#include "render/i18n.h"
#include "web/web.h"

#include <string.h>

#define LEADS_PAGE_SIZE 25

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

#define RETENTION_LOG_ROWS 10

struct list_arg {
  struct arena *a;
  int64_t tenant_id;
  int page;
  struct lead *rows;
  int n;
  int64_t total, week;
  struct retention_entry *log;
  int nlog;
  int64_t last_run;
  const char *id;
  struct lead one;
  int found;
};

static int tx_list(db_conn *c, void *arg, struct err *e)
{
  struct list_arg *x = arg;
  x->week = lead_store_count_since(c, x->tenant_id, crm_week_start(time_now()), e);
  if (x->week < 0)
    return -1;
  if (retention_log_list(c, x->a, x->tenant_id, RETENTION_LOG_ROWS, &x->log, &x->nlog, &x->last_run,
                         e) < 0)
    return -1;
  return lead_store_list(c, x->a, x->tenant_id, x->page, LEADS_PAGE_SIZE, &x->rows, &x->n,
                         &x->total, e);
}

static json_t *lead_json(struct http_req *req, const struct lead *l)
{
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
  json_object_set_new(j, "status", json_string(l->status ? l->status : "new"));
  json_object_set_new(j, "is_new", json_boolean(!l->status || !strcmp(l->status, "new")));
  if (l->preferred_date && *l->preferred_date) {
    /* "2026-12-04" → "04.12.2026" */
    const char *d = l->preferred_date;
    json_object_set_new(
        j, "preferred_date",
        json_string(strlen(d) == 10 ? arena_printf(req->a, "%.2s.%.2s.%.4s", d + 8, d + 5, d) : d));
  }
  json_object_set_new(j, "vehicle", json_string(l->vehicle_title ? l->vehicle_title : ""));
  json_object_set_new(j, "vehicle_id",
                      json_string(l->vehicle_public_id ? l->vehicle_public_id : ""));
  /* a subject line the dealer's mail program fills in (percent-encoded for mailto:) */
  const char *subject = arena_printf(req->a, "%s%s", i18n_get(req->locale, "crm.reply_subject"),
                                     l->vehicle_title ? l->vehicle_title : "");
  struct buf b;
  buf_init(&b, req->a);
  buf_append_urlenc(&b, subject, strlen(subject));
  json_object_set_new(j, "reply_subject", json_string(buf_cstr(&b)));
  return j;
}

/* The retention section of the lead page: the period (the same setting the job uses),
 * when the job last looked at this dealer, and what it cleared. */
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

int crm_leads_page(struct http_req *req)
{
  int64_t page = 1;
  const char *ps = http_query(req, "page");
  if (ps && (!str_to_i64(ps, &page) || page < 1 || page > 100000))
    page = 1;
  struct list_arg x = {.a = req->a, .tenant_id = req->tenant_id, .page = (int)page};
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_READ, tx_list, &x, &e) < 0)
    return http_problem_err(req, &e);
  json_t *ctx = web_dash_context(req);
  json_t *rows = json_array();
  for (int i = 0; i < x.n; i++)
    json_array_append_new(rows, lead_json(req, &x.rows[i]));
  json_object_set_new(ctx, "leads", rows);
  json_object_set_new(ctx, "total", json_integer(x.total));
  json_object_set_new(ctx, "week", json_integer(x.week));
  json_object_set_new(ctx, "empty", json_boolean(x.total == 0));
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

static int tx_one(db_conn *c, void *arg, struct err *e)
{
  struct list_arg *x = arg;
  x->found = lead_store_get(c, x->a, x->tenant_id, x->id, &x->one, e);
  return x->found < 0 ? -1 : 0;
}

int crm_lead_page(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such enquiry", "id");
  struct list_arg x = {.a = req->a, .tenant_id = req->tenant_id, .id = id};
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_READ, tx_one, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such enquiry", "id");
  json_t *ctx = web_dash_context(req);
  json_object_set_new(ctx, "lead", lead_json(req, &x.one));
  return web_render(req, 200, "dash_lead", ctx);
}
