/* mail_pages.c — the operator's view of the mail queue (platform admins): every mail of
 * every dealer with its state, attempts and last error, filtered by state, and "send
 * again" for a dead one. The same as `cc24 outbox list` / `retry`. */
#include "mail/mail_pages.h"

#include "app.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "mail/mail.h"
#include "render/i18n.h"
#include "web/web.h"

#include <string.h>

static bool state_ok(const char *s)
{
  return s && (!strcmp(s, "queued") || !strcmp(s, "sending") || !strcmp(s, "sent") ||
               !strcmp(s, "dead"));
}

int mail_page_list(struct http_req *req)
{
  const char *state = http_query(req, "status");
  if (!state_ok(state))
    state = "";
  struct mail_row *rows;
  int n;
  struct err e = {0};
  if (mail_list(((struct app *)req->app)->db, req->a, state, 200, &rows, &n, &e) < 0)
    return http_problem_err(req, &e);
  json_t *ctx = web_dash_context(req);
  json_t *list = json_array();
  for (int i = 0; i < n; i++) {
    char created[32], sent[32] = "";
    time_berlin_datetime(rows[i].created_at, created, sizeof created);
    if (rows[i].sent_at > 0)
      time_berlin_datetime(rows[i].sent_at, sent, sizeof sent);
    json_t *r =
        json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:b}", "id", (json_int_t)rows[i].id, "kind",
                  rows[i].kind, "to", rows[i].recipient, "subject", rows[i].subject, "state",
                  rows[i].state, "created", created, "attempts", rows[i].attempts, "sent", sent,
                  "error", rows[i].last_error, "dead", !strcmp(rows[i].state, "dead"));
    json_array_append_new(list, r);
  }
  json_object_set_new(ctx, "mails", list);
  json_object_set_new(ctx, "smtp_on", json_boolean(cfg.smtp_url && *cfg.smtp_url));
  const char *states[] = {"", "queued", "sending", "sent", "dead"};
  json_t *opts = json_array();
  for (int i = 0; i < 5; i++)
    json_array_append_new(
        opts,
        json_pack("{s:s,s:s,s:b}", "value", states[i], "label",
                  i18n_get(req->locale, *states[i] ? arena_printf(req->a, "outbox.s_%s", states[i])
                                                   : "outbox.all"),
                  "selected", !strcmp(state, states[i])));
  json_object_set_new(ctx, "states", opts);
  if (http_query(req, "erneut"))
    json_object_set_new(ctx, "flash", json_string(i18n_get(req->locale, "outbox.requeued")));
  return web_render(req, 200, "dash_outbox", ctx);
}

int mail_page_retry(struct http_req *req)
{
  int64_t id = 0;
  if (!str_to_i64(http_param(req, "id"), &id) || id <= 0)
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such mail", "id");
  struct err e = {0};
  int rc = mail_retry(((struct app *)req->app)->db, id, &e);
  if (rc < 0)
    return http_problem_err(req, &e);
  if (rc == 0)
    return http_problem(req, 409, CC24_E_CONFLICT, "the mail is not waiting or dead", "id");
  return http_redirect(req, 303, "/dashboard/post?erneut=1");
}
