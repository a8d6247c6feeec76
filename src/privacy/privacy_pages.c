/* privacy_pages.c — the public request form, the link's confirmation and answer pages,
 * and the dealer's list of requests (see privacy.h). */
#include "privacy/privacy.h"

#include "app.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crm/lead.h"
#include "http/http.h"
#include "render/i18n.h"
#include "web/web.h"

#include <stdlib.h>
#include <string.h>

static struct app *app_of(struct http_req *req)
{
  return req->app;
}

static int message(struct http_req *req, int status, const char *title_key, const char *text_key)
{
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "title", json_string(i18n_get(req->locale, title_key)));
  json_object_set_new(ctx, "text", json_string(i18n_get(req->locale, text_key)));
  return web_render(req, status, "privacy_message", ctx);
}

static int link_gone(struct http_req *req, int state)
{
  if (state == PRIVACY_LINK_GONE)
    return message(req, 410, "privacy.link_gone_title", "privacy.link_gone_text");
  return message(req, 404, "privacy.link_unknown_title", "privacy.link_unknown_text");
}

static int render_form(struct http_req *req, int status, const char *email, const char *kind,
                       const char *error)
{
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "email", json_string(email ? email : ""));
  json_object_set_new(ctx, "kind_erasure", json_boolean(kind && !strcmp(kind, PRIVACY_ERASURE)));
  if (error)
    json_object_set_new(ctx, "error", json_string(error));
  web_page_urls(req, ctx, "/datenschutz/anfrage", NULL);
  return web_render(req, status, "privacy_request", ctx);
}

int privacy_form_page(struct http_req *req)
{
  return render_form(req, 200, "", PRIVACY_ACCESS, NULL);
}

int privacy_form_post(struct http_req *req)
{
  const char *email = http_form(req, "email"), *kind = http_form(req, "kind");
  email = email ? str_trim(req->a, email) : "";
  if (!kind || (strcmp(kind, PRIVACY_ACCESS) && strcmp(kind, PRIVACY_ERASURE)))
    kind = NULL;
  if (!lead_email_valid(email) || !kind)
    return render_form(
        req, 422, email, kind,
        i18n_get(req->locale, kind ? "privacy.email_invalid" : "privacy.kind_missing"));
  char *lower = arena_strdup(req->a, email);
  for (char *p = lower; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  char *secret = NULL;
  struct err e = {0};
  if (privacy_request(app_of(req)->db, req->a, lower, kind, req->locale, time_now(), &secret, &e) <
      0)
    return http_problem_err(req, &e);
  /* the same answer whether anything is held or not: no enumeration of addresses */
  return message(req, 200, "privacy.sent_title", "privacy.sent_text");
}

int privacy_confirm_page(struct http_req *req)
{
  const char *token = http_query(req, "token");
  const char *kind = NULL;
  struct err e = {0};
  enum privacy_link st = privacy_link_peek(app_of(req)->db, token, time_now(), &kind, &e);
  if (e.code)
    return http_problem_err(req, &e);
  if (st != PRIVACY_LINK_OK)
    return link_gone(req, st);
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "token", json_string(token));
  json_object_set_new(ctx, "erasure", json_boolean(!strcmp(kind, PRIVACY_ERASURE)));
  return web_render(req, 200, "privacy_confirm", ctx);
}

/* The export as a download: the same document the page shows. */
static int reply_download(struct http_req *req, json_t *doc)
{
  char *s = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
  json_decref(doc);
  if (!s)
    return http_problem(req, 500, CC24_E_INTERNAL, "export failed", NULL);
  const char *body = arena_strdup(req->a, s);
  free(s);
  http_set_header(req, "Content-Disposition", "attachment; filename=\"cc24-daten.json\"");
  http_set_header(req, "Cache-Control", "no-store");
  return http_reply(req, 200, "application/json; charset=utf-8", body, strlen(body));
}

int privacy_confirm_post(struct http_req *req)
{
  const char *token = http_form(req, "token"), *format = http_form(req, "format");
  const char *kind = NULL;
  struct err e = {0};
  struct app *app = app_of(req);
  int64_t now = time_now();
  enum privacy_link st = privacy_link_peek(app->db, token, now, &kind, &e);
  if (e.code)
    return http_problem_err(req, &e);
  if (st != PRIVACY_LINK_OK)
    return link_gone(req, st);
  bool erasure = !strcmp(kind, PRIVACY_ERASURE);
  json_t *doc = NULL;
  int rc = erasure ? privacy_erase(app->db, req->a, token, now, &doc, &e)
                   : privacy_access(app->db, req->a, token, now, &doc, &e);
  if (rc < 0)
    return http_problem_err(req, &e);
  if (rc != PRIVACY_LINK_OK)
    return link_gone(req, rc);
  http_set_header(req, "Cache-Control", "no-store");
  if (!erasure && format && !strcmp(format, "json"))
    return reply_download(req, doc);
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "data", doc);
  if (!erasure)
    json_object_set_new(ctx, "token", json_string(token));
  return web_render(req, 200, erasure ? "privacy_erased" : "privacy_export", ctx);
}

/* ---- the dealer's list ---- */

struct list_arg {
  struct arena *a;
  int64_t tenant_id;
  struct privacy_request_row *rows;
  int n;
};

static int tx_list(db_conn *c, void *arg, struct err *e)
{
  struct list_arg *x = arg;
  return privacy_request_list(c, x->a, x->tenant_id, 200, &x->rows, &x->n, e);
}

int privacy_dash_page(struct http_req *req)
{
  struct list_arg x = {.a = req->a, .tenant_id = req->tenant_id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_list, &x, &e) < 0)
    return http_problem_err(req, &e);
  json_t *ctx = web_dash_context(req);
  json_t *rows = json_array();
  int64_t now = time_now();
  int open = 0, overdue = 0;
  for (int i = 0; i < x.n; i++) {
    const struct privacy_request_row *r = &x.rows[i];
    char received[32], due[32], done[32] = "";
    time_berlin_datetime(r->received_at, received, sizeof received);
    time_berlin_date(r->due_at, due, sizeof due);
    if (r->completed_at > 0)
      time_berlin_datetime(r->completed_at, done, sizeof done);
    bool completed = !strcmp(r->status, "completed");
    open += !completed;
    overdue += !completed && r->due_at < now;
    json_array_append_new(
        rows,
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b}", "id", r->public_id, "kind",
                  i18n_get(req->locale, !strcmp(r->kind, PRIVACY_ERASURE) ? "privacy.kind_erasure"
                                                                          : "privacy.kind_access"),
                  "received", received, "due", due, "completed", done, "result",
                  r->result ? r->result : "", "done", completed, "overdue",
                  !completed && r->due_at < now));
  }
  json_object_set_new(ctx, "requests", rows);
  json_object_set_new(ctx, "empty", json_boolean(x.n == 0));
  json_object_set_new(ctx, "open", json_integer(open));
  json_object_set_new(ctx, "overdue", json_integer(overdue));
  return web_render(req, 200, "dash_privacy", ctx);
}
