/* team_pages.c — the owner's pages: team (invite staff, change role, remove), API
 * tokens (create — shown once —, revoke) and the audit log. Every query is scoped
 * by the session's dealer; another dealer's ids answer 404. */
#include "app.h"
#include "auth/auth.h"
#include "auth/auth_pages.h"
#include "auth/session.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "mail/mail.h"
#include "render/i18n.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

#define INVITE_TTL (7 * 86400)

static struct app *app_of(struct http_req *req)
{
  return req->app;
}

static json_t *owner_context(struct http_req *req)
{
  return web_dash_context(req);
}

/* ---- team ---- */

struct team_arg {
  struct arena *a;
  const char *locale;
  int64_t tenant_id, by_user;
  json_t *rows;
  const char *email, *role, *ip, *id;
  char *token;
  int found;
};

static int tx_team(db_conn *c, void *arg, struct err *e)
{
  struct team_arg *x = arg;
  db_stmt *st = db_query(c,
                         "SELECT public_id, email, name, role, email_verified_at, disabled, id,"
                         " totp_enabled_at FROM users WHERE tenant_id = $1 ORDER BY email",
                         DB_PARAMS(db_i64(x->tenant_id)), e);
  if (!st)
    return -1;
  char *pub, *email, *name, *role;
  int64_t verified, id, totp;
  bool disabled;
  int rc;
  while ((rc = db_next(st, x->a,
                       DB_ROW(db_out_text(&pub), db_out_text(&email), db_out_text(&name),
                              db_out_text(&role), db_out_i64(&verified), db_out_bool(&disabled),
                              db_out_i64(&id), db_out_i64(&totp)),
                       e)) == 1)
    json_array_append_new(
        x->rows,
        json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:b,s:b,s:b,s:s}", "id", pub, "email", email, "name",
                  name ? name : "", "role", role, "verified", verified > 0, "disabled", disabled,
                  "is_staff", !strcmp(role, "staff"), "self", id == x->by_user, "totp", totp > 0,
                  "role_label",
                  i18n_get(x->locale, !strcmp(role, "owner") ? "team.owner" : "team.staff")));
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int auth_team_page(struct http_req *req)
{
  struct team_arg x = {.a = req->a,
                       .locale = req->locale,
                       .tenant_id = req->tenant_id,
                       .by_user = req->user_id,
                       .rows = json_array()};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_team, &x, &e) < 0) {
    json_decref(x.rows);
    return http_problem_err(req, &e);
  }
  json_t *ctx = owner_context(req);
  json_object_set_new(ctx, "members", x.rows);
  json_object_set_new(ctx, "invited", json_boolean(http_query(req, "eingeladen") != NULL));
  json_object_set_new(ctx, "role_changed", json_boolean(http_query(req, "rolle") != NULL));
  return web_render(req, 200, "team", ctx);
}

static int tx_invite(db_conn *c, void *arg, struct err *e)
{
  struct team_arg *x = arg;
  char pw[48];
  id_token(pw, sizeof pw, 24); /* unusable until the invitee sets their own */
  struct auth_user u = {
      .tenant_id = x->tenant_id, .email = x->email, .role = auth_role_parse(x->role)};
  if (auth_user_create(c, x->a, &u, pw, e) < 0)
    return -1;
  if (auth_onetime_create(c, x->a, u.id, "reset", INVITE_TTL, &x->token, e) < 0)
    return -1;
  const char *loc = x->locale;
  struct mail m = {
      .tenant_id = x->tenant_id,
      .to = u.email,
      .locale = loc,
      .kind = "auth.invite",
      .subject = i18n_get(loc, "mail.invite_subject"),
      .text = arena_printf(x->a, "%s\n%s/passwort-neu?token=%s\n\n%s\n",
                           i18n_get(loc, "mail.invite_text"), cfg.base_url, x->token,
                           i18n_get(loc, "mail.invite_ttl")),
  };
  if (mail_queue(c, &m, e) < 0)
    return -1;
  return auth_audit(c, x->tenant_id, x->by_user, "team.invite",
                    arena_printf(x->a, "%s as %s", u.email, x->role), x->ip, e);
}

int auth_team_invite(struct http_req *req)
{
  const char *email = http_form(req, "email"), *role = http_form(req, "role");
  if (!role || (strcmp(role, "staff") && strcmp(role, "owner")))
    role = "staff";
  if (!auth_email_normalize(req->a, email))
    return http_problem(req, 422, CC24_E_VALIDATION, i18n_get(req->locale, "errors.email"),
                        "email");
  struct team_arg x = {.a = req->a,
                       .locale = req->locale,
                       .tenant_id = req->tenant_id,
                       .by_user = req->user_id,
                       .email = email,
                       .role = role,
                       .ip = req->client_ip};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_invite, &x, &e) < 0) {
    if (e.code == CC24_E_DB_CONSTRAINT)
      return http_problem(req, 409, CC24_E_CONFLICT, i18n_get(req->locale, "auth.email_taken"),
                          "email");
    return http_problem_err(req, &e);
  }
  return http_redirect(req, 303, "/dashboard/team?eingeladen=1");
}

static int tx_remove(db_conn *c, void *arg, struct err *e)
{
  struct team_arg *x = arg;
  int64_t uid = 0;
  x->found = db_query_one(c, NULL,
                          "UPDATE users SET disabled = 1 WHERE tenant_id = $1 AND public_id = $2"
                          " AND id <> $3 RETURNING id",
                          DB_PARAMS(db_i64(x->tenant_id), db_text(x->id), db_i64(x->by_user)),
                          DB_ROW(db_out_i64(&uid)), e);
  if (x->found <= 0)
    return x->found;
  if (session_destroy_user(c, uid, e) < 0)
    return -1;
  return auth_audit(c, x->tenant_id, x->by_user, "team.remove", x->id, x->ip, e);
}

int auth_team_remove(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_NOT_FOUND, NULL, NULL);
  struct team_arg x = {.a = req->a,
                       .tenant_id = req->tenant_id,
                       .by_user = req->user_id,
                       .id = id,
                       .ip = req->client_ip};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_remove, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_NOT_FOUND, NULL, NULL);
  return http_redirect(req, 303, "/dashboard/team");
}

/* The owner changes a member's role. The member's sessions end (their privileges
 * changed: they log in again and get a fresh session); never one's own role, so a
 * dealer cannot end up without an owner. */
static int tx_role(db_conn *c, void *arg, struct err *e)
{
  struct team_arg *x = arg;
  int64_t uid = 0;
  x->found =
      auth_user_set_role(c, x->tenant_id, x->id, auth_role_parse(x->role), x->by_user, &uid, e);
  if (x->found <= 0)
    return x->found;
  if (session_destroy_user(c, uid, e) < 0)
    return -1;
  return auth_audit(c, x->tenant_id, x->by_user, "team.role",
                    arena_printf(x->a, "%s → %s", x->id, x->role), x->ip, e);
}

int auth_team_role(struct http_req *req)
{
  const char *id = http_param(req, "id"), *role = http_form(req, "role");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_NOT_FOUND, NULL, NULL);
  if (!role || (strcmp(role, "staff") && strcmp(role, "owner")))
    return http_problem(req, 422, CC24_E_VALIDATION, "role must be staff or owner", "role");
  struct team_arg x = {.a = req->a,
                       .tenant_id = req->tenant_id,
                       .by_user = req->user_id,
                       .id = id,
                       .role = role,
                       .ip = req->client_ip};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_role, &x, &e) < 0)
    return http_problem_err(req, &e);
  /* unknown, another dealer's, or one's own: the same answer */
  if (!x.found)
    return http_problem(req, 404, CC24_E_NOT_FOUND, NULL, NULL);
  return http_redirect(req, 303, "/dashboard/team?rolle=1");
}

/* ---- API tokens ---- */

static int tx_tokens(db_conn *c, void *arg, struct err *e)
{
  struct team_arg *x = arg;
  db_stmt *st = db_query(c,
                         "SELECT public_id, name, scopes, created_at, last_used_at FROM api_tokens"
                         " WHERE tenant_id = $1 AND revoked_at = 0 ORDER BY created_at DESC",
                         DB_PARAMS(db_i64(x->tenant_id)), e);
  if (!st)
    return -1;
  char *pub, *name, *scopes;
  int64_t created, used;
  int rc;
  while ((rc = db_next(st, x->a,
                       DB_ROW(db_out_text(&pub), db_out_text(&name), db_out_text(&scopes),
                              db_out_i64(&created), db_out_i64(&used)),
                       e)) == 1) {
    char d[32];
    time_berlin_datetime(created, d, sizeof d);
    json_array_append_new(x->rows, json_pack("{s:s,s:s,s:s,s:s}", "id", pub, "name", name, "scopes",
                                             scopes, "created", d));
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

static int render_tokens(struct http_req *req, const char *new_token)
{
  struct team_arg x = {.a = req->a, .tenant_id = req->tenant_id, .rows = json_array()};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_tokens, &x, &e) < 0) {
    json_decref(x.rows);
    return http_problem_err(req, &e);
  }
  json_t *ctx = owner_context(req);
  json_object_set_new(ctx, "tokens", x.rows);
  if (new_token)
    json_object_set_new(ctx, "new_token", json_string(new_token));
  /* a freshly created token is shown once: never cache this page */
  http_set_header(req, "Cache-Control", "no-store");
  return web_render(req, 200, "tokens", ctx);
}

int auth_tokens_page(struct http_req *req)
{
  return render_tokens(req, NULL);
}

struct token_arg {
  struct arena *a;
  int64_t tenant_id, by_user;
  const char *name, *ip, *id;
  unsigned scopes;
  char *secret;
  int found;
};

static int tx_token_create(db_conn *c, void *arg, struct err *e)
{
  struct token_arg *x = arg;
  if (auth_token_create(c, x->a, x->tenant_id, x->name, x->scopes, x->by_user, NULL, &x->secret,
                        e) < 0)
    return -1;
  return auth_audit(c, x->tenant_id, x->by_user, "token.create",
                    auth_scopes_format(x->a, x->scopes), x->ip, e);
}

int auth_token_create_post(struct http_req *req)
{
  const char **names, **values;
  int n = http_form_pairs(req, &names, &values);
  unsigned scopes = 0;
  for (int i = 0; i < n; i++)
    if (!strcmp(names[i], "scope")) {
      unsigned one;
      if (auth_scopes_parse(values[i], &one) < 0)
        return http_problem(req, 422, CC24_E_VALIDATION, "unknown scope", "scope");
      scopes |= one;
    }
  if (!scopes)
    scopes = AUTH_SCOPE_READ;
  const char *name = http_form(req, "name");
  if (!name || !*name || strlen(name) > 80 || !utf8_valid(name, strlen(name)))
    name = "API";
  struct token_arg x = {.a = req->a,
                        .tenant_id = req->tenant_id,
                        .by_user = req->user_id,
                        .name = name,
                        .ip = req->client_ip,
                        .scopes = scopes};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_token_create, &x, &e) < 0)
    return http_problem_err(req, &e);
  return render_tokens(req, x.secret);
}

static int tx_token_revoke(db_conn *c, void *arg, struct err *e)
{
  struct token_arg *x = arg;
  x->found = auth_token_revoke(c, x->tenant_id, x->id, e);
  if (x->found <= 0)
    return x->found < 0 ? -1 : 0;
  return auth_audit(c, x->tenant_id, x->by_user, "token.revoke", x->id, x->ip, e);
}

int auth_token_revoke_post(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_NOT_FOUND, NULL, NULL);
  struct token_arg x = {.a = req->a,
                        .tenant_id = req->tenant_id,
                        .by_user = req->user_id,
                        .id = id,
                        .ip = req->client_ip};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_token_revoke, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_NOT_FOUND, NULL, NULL);
  return http_redirect(req, 303, "/dashboard/api-tokens");
}

/* ---- audit log ---- */

static int tx_audit(db_conn *c, void *arg, struct err *e)
{
  struct team_arg *x = arg;
  db_stmt *st = db_query(c,
                         "SELECT a.created_at, a.action, a.detail, a.ip, COALESCE(u.email, '')"
                         " FROM audit_log a LEFT JOIN users u ON u.id = a.user_id"
                         " WHERE a.tenant_id = $1 ORDER BY a.id DESC LIMIT 200",
                         DB_PARAMS(db_i64(x->tenant_id)), e);
  if (!st)
    return -1;
  int64_t at;
  char *action, *detail, *ip, *who;
  int rc;
  while ((rc = db_next(st, x->a,
                       DB_ROW(db_out_i64(&at), db_out_text(&action), db_out_text(&detail),
                              db_out_text(&ip), db_out_text(&who)),
                       e)) == 1) {
    char d[32];
    time_berlin_datetime(at, d, sizeof d);
    json_array_append_new(x->rows, json_pack("{s:s,s:s,s:s,s:s,s:s}", "at", d, "action", action,
                                             "detail", detail, "ip", ip, "who", who));
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int auth_audit_page(struct http_req *req)
{
  struct team_arg x = {.a = req->a, .tenant_id = req->tenant_id, .rows = json_array()};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_audit, &x, &e) < 0) {
    json_decref(x.rows);
    return http_problem_err(req, &e);
  }
  json_t *ctx = owner_context(req);
  json_object_set_new(ctx, "entries", x.rows);
  return web_render(req, 200, "audit", ctx);
}
