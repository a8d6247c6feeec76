/* dashboard.c — login/logout and the dealer dashboard: overview with KPIs,
 * inventory table (filter, search, paging), vehicle create/edit form with
 * server-side validation and inline errors that keep the input, status changes.
 * Every form posts a CSRF token bound to the session (checked in web_before). */
#include "app.h"
#include "auth/auth.h"
#include "auth/ratelimit.h"
#include "auth/session.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/money.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crm/lead_pages.h"
#include "finance/conditions.h"
#include "inventory/vehicle_json.h"
#include "inventory/vehicle_store.h"
#include "render/i18n.h"
#include "routes.h"
#include "search/search.h"
#include "web/site.h"
#include "web/web.h"
#include <math.h>
#include <stdlib.h>

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static struct app *app_of(struct http_req *req)
{
  return req->app;
}

const char *web_session_cookie_name(void)
{
  /* __Host- cookies must be Secure, which needs TLS in front of cc24 */
  return str_starts(cfg.base_url, "https://") ? "__Host-cc24_session" : "cc24_session";
}

/* ---- login / logout ---- */

static bool tls_of(struct http_req *req)
{
  return req->tls || str_starts(cfg.base_url, "https://");
}

void web_set_session_cookie(struct http_req *req, const char *value, int max_age)
{
  http_set_cookie(req, web_session_cookie_name(), value,
                  arena_printf(req->a, "Path=/; HttpOnly; SameSite=Lax; Max-Age=%d%s", max_age,
                               tls_of(req) ? "; Secure" : ""));
}

/* The pending second login step: its own short-lived cookie, never a session. */
static const char *challenge_cookie_name(void)
{
  return str_starts(cfg.base_url, "https://") ? "__Host-cc24_login" : "cc24_login";
}

static void set_challenge_cookie(struct http_req *req, const char *value, int max_age)
{
  http_set_cookie(req, challenge_cookie_name(), value,
                  arena_printf(req->a, "Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", max_age,
                               tls_of(req) ? "; Secure" : ""));
}

/* A local path to return to after login ("/dashboard"), never another host. */
static const char *safe_next(const char *next)
{
  if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strpbrk(next, "\r\n") ||
      strlen(next) > 500)
    return "/dashboard";
  return next;
}

static int render_login(struct http_req *req, int status, const char *email, const char *error)
{
  json_t *ctx = web_context(req);
  json_object_set_new(
      ctx, "email",
      json_string(email && utf8_valid(email, strlen(email)) && strlen(email) <= 254 ? email : ""));
  const char *next =
      safe_next(http_query(req, "next") ? http_query(req, "next") : http_form(req, "next"));
  json_object_set_new(ctx, "next", json_string(next));
  /* the buyer sign-up link keeps where the login would have gone */
  if (strcmp(next, "/dashboard")) {
    struct buf q;
    buf_init(&q, req->a);
    buf_append_urlenc(&q, next, strlen(next));
    json_object_set_new(ctx, "next_q", json_string(buf_cstr(&q)));
  }
  if (error)
    json_object_set_new(ctx, "error", json_string(error));
  const char *out = http_query(req, "abgemeldet");
  json_object_set_new(ctx, "logged_out_everywhere", json_boolean(out && !strcmp(out, "ueberall")));
  return web_render(req, status, "login", ctx);
}

/* Where a login lands: `next` when the account may open it, else the account's home
 * (/konto for a buyer, /dashboard for a dealer) — a buyer is never sent into the
 * dashboard, nor a dealer into a buyer's pages. */
static const char *landing(struct http_req *req, int auth_role, const char *next)
{
  int role = web_role_of(auth_role);
  const char *home = role == ROLE_BUYER ? "/konto" : "/dashboard";
  char *path = arena_strdup(req->a, next ? next : home);
  path[strcspn(path, "?#")] = 0;
  struct http_req probe = {.a = req->a};
  int mismatch = 0;
  const struct route *r =
      http_route_match(cc24_routes, cc24_nroutes, "GET", path, &probe, &mismatch);
  if (r && !web_role_allows(role, r->role))
    return home;
  return next ? next : home;
}

int web_login_page(struct http_req *req)
{
  if (req->user_id)
    return http_redirect(req, 303, req->role == ROLE_BUYER ? "/konto" : "/dashboard");
  return render_login(req, 200, "", NULL);
}

struct login_arg {
  struct arena *a;
  const char *email, *password, *ip, *next;
  struct auth_user u;
  int found;
  bool ok;
  char *token;     /* the new session */
  char *challenge; /* or the pending second step */
};

/* A hash to verify against when the address is unknown, so both answers take as long. */
static char dummy_hash[AUTH_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
  struct err e;
  auth_password_hash("cc24-timing-equaliser", dummy_hash, &e);
}

static int tx_login(db_conn *c, void *arg, struct err *e)
{
  struct login_arg *x = arg;
  /* finds the account before anyone knows the dealer; the transaction then acts
   * for the account's dealer (row-level security) */
  x->found = auth_user_by_email(c, x->a, x->email, &x->u, e);
  if (x->found < 0)
    return -1;
  if (x->found == 1 && !x->u.disabled)
    x->ok = auth_password_verify(x->u.password_hash, x->password);
  else
    auth_password_verify(dummy_hash, x->password);
  if (!x->ok) {
    auth_audit(c, x->found == 1 ? x->u.tenant_id : 0, x->found == 1 ? x->u.id : 0, "login.failed",
               x->found == 1 ? "password" : "unknown address", x->ip, e);
    return 0;
  }
  if (auth_password_needs_rehash(x->u.password_hash) &&
      auth_user_set_password(c, x->u.id, x->password, e) < 0)
    return -1;
  if (x->u.totp_enabled_at > 0) {
    /* the password alone opens nothing: the session comes after the code */
    if (auth_challenge_create(c, x->a, &x->u, x->next, &x->challenge, e) < 0)
      return -1;
    return auth_audit(c, x->u.tenant_id, x->u.id, "login.password", "second factor pending", x->ip,
                      e);
  }
  if (session_create(c, x->a, &x->u, &x->token, NULL, e) < 0)
    return -1;
  return auth_audit(c, x->u.tenant_id, x->u.id, "login", "password", x->ip, e);
}

static int tx_end_session(db_conn *c, void *arg, struct err *e)
{
  struct session s;
  struct arena *a = arena_new(0);
  /* the cookie may belong to another dealer's session: look it up (which switches the
   * transaction to its dealer) before ending it */
  int rc = session_lookup(c, a, arg, &s, e);
  if (rc == 1)
    rc = session_destroy(c, arg, e);
  arena_free(a);
  return rc < 0 ? -1 : 0;
}

/* Whatever session cookie came with a login is ended first: a session planted in the
 * browser before the login (fixation) never becomes the logged-in one. */
static void end_presented_session(struct http_req *req)
{
  const char *old = http_cookie(req, web_session_cookie_name());
  struct err e = {0};
  if (old && *old && db_tx(app_of(req)->db, 0, DB_WRITE, tx_end_session, (void *)old, &e) < 0)
    log_warn("login: could not end the presented session: %s", e.msg);
}

/* Progressive delay after failed logins of one account (known or not, so the answer
 * reveals nothing): the first LOGIN_FAIL_FREE failures cost nothing, then one attempt
 * every 10 s; from the LOGIN_FAIL_LONG-th on, one every 5 minutes. Failures drain two
 * buckets (shared through Redis when configured); while either is empty the login is
 * refused with 429 and Retry-After — no request thread ever sleeps. */
#define LOGIN_FAIL_FREE          3
#define LOGIN_FAIL_SHORT_PER_MIN 6.0
#define LOGIN_FAIL_LONG          10
#define LOGIN_FAIL_LONG_PER_MIN  0.2

static const char *fail_key(struct http_req *req, const char *email, bool long_window)
{
  const char *norm = auth_email_normalize(req->a, email);
  return arena_printf(req->a, "login-fail%s:%s", long_window ? "-long" : "",
                      norm ? norm : str_lower(req->a, email));
}

/* 0 when the account may try now, else the seconds to wait. */
static int login_delay(struct http_req *req, const char *email)
{
  double s = rl_peek(fail_key(req, email, false), LOGIN_FAIL_FREE, LOGIN_FAIL_SHORT_PER_MIN);
  double l = rl_peek(fail_key(req, email, true), LOGIN_FAIL_LONG, LOGIN_FAIL_LONG_PER_MIN);
  int wait = 0;
  if (s < 1)
    wait = (int)ceil((1 - s) * 60 / LOGIN_FAIL_SHORT_PER_MIN);
  if (l < 1) {
    int w = (int)ceil((1 - l) * 60 / LOGIN_FAIL_LONG_PER_MIN);
    wait = w > wait ? w : wait;
  }
  return wait;
}

static void login_failed(struct http_req *req, const char *email)
{
  int retry;
  rl_take(fail_key(req, email, false), LOGIN_FAIL_FREE, LOGIN_FAIL_SHORT_PER_MIN, &retry);
  rl_take(fail_key(req, email, true), LOGIN_FAIL_LONG, LOGIN_FAIL_LONG_PER_MIN, &retry);
}

int web_login_post(struct http_req *req)
{
  pthread_once(&dummy_once, make_dummy_hash);
  const char *email = http_form(req, "email"), *password = http_form(req, "password");
  if (!email || !password || !*email || !*password)
    return render_login(req, 422, email, i18n_get(req->locale, "auth.missing"));
  int wait = login_delay(req, email);
  if (wait > 0) {
    http_set_header(req, "Retry-After", arena_printf(req->a, "%d", wait));
    return render_login(req, 429, email, i18n_get(req->locale, "auth.too_many"));
  }
  if (strlen(password) > 1000) {
    login_failed(req, email);
    return render_login(req, 401, email, i18n_get(req->locale, "auth.failed"));
  }
  struct login_arg x = {.a = req->a,
                        .email = email,
                        .password = password,
                        .ip = req->client_ip,
                        .next = safe_next(http_form(req, "next"))};
  struct err e = {0};
  if (db_tx(app_of(req)->db, 0, DB_WRITE, tx_login, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.ok) {
    login_failed(req, email);
    return render_login(req, 401, email, i18n_get(req->locale, "auth.failed"));
  }
  end_presented_session(req);
  if (x.challenge) {
    set_challenge_cookie(req, x.challenge, AUTH_CHALLENGE_TTL);
    return http_redirect(req, 303, "/anmelden/code");
  }
  web_set_session_cookie(req, x.token, SESSION_ABSOLUTE_SECONDS);
  return http_redirect(req, 303, landing(req, x.u.role, x.next));
}

/* ---- the second step: a code from the authenticator app or a recovery code ---- */

static int render_code(struct http_req *req, int status, const char *error)
{
  json_t *ctx = web_context(req);
  if (error)
    json_object_set_new(ctx, "error", json_string(error));
  return web_render(req, status, "login_code", ctx);
}

struct code_arg {
  struct arena *a;
  const char *challenge, *code, *ip;
  const char *next;
  int found, attempts;
  bool ok, recovery;
  struct auth_user u;
  char *token;
};

static int tx_code_page(db_conn *c, void *arg, struct err *e)
{
  struct code_arg *x = arg;
  int64_t uid;
  x->found = auth_challenge_get(c, x->a, x->challenge, &uid, &x->next, &x->attempts, e);
  return x->found < 0 ? -1 : 0;
}

int web_login_code_page(struct http_req *req)
{
  struct code_arg x = {.a = req->a, .challenge = http_cookie(req, challenge_cookie_name())};
  struct err e = {0};
  if (!x.challenge || db_tx(app_of(req)->db, 0, DB_READ, tx_code_page, &x, &e) < 0 || !x.found) {
    if (e.code)
      return http_problem_err(req, &e);
    return http_redirect(req, 303, "/anmelden");
  }
  return render_code(req, 200, NULL);
}

static int tx_code(db_conn *c, void *arg, struct err *e)
{
  struct code_arg *x = arg;
  int64_t uid = 0;
  x->found = auth_challenge_get(c, x->a, x->challenge, &uid, &x->next, &x->attempts, e);
  if (x->found <= 0)
    return x->found;
  int rc = auth_user_get(c, x->a, uid, &x->u, e);
  if (rc < 0)
    return -1;
  if (rc == 1 && !x->u.disabled) {
    /* six digits are a code from the app; anything else may be a recovery code */
    size_t digits = 0, n = 0;
    for (const char *p = x->code; *p; p++, n++)
      digits += (*p >= '0' && *p <= '9');
    bool app_code = digits == 6 && n <= 8;
    rc = app_code ? auth_totp_accept(c, x->a, uid, x->code, time_now(), e)
                  : auth_recovery_use(c, uid, x->code, e);
    if (rc < 0)
      return -1;
    x->ok = rc == 1;
    x->recovery = !app_code;
  }
  if (!x->ok) {
    x->attempts = auth_challenge_fail(c, x->challenge, e);
    if (x->attempts < 0)
      return -1;
    return auth_audit(c, x->u.tenant_id, uid, "login.failed", "second factor", x->ip, e);
  }
  if (auth_challenge_delete(c, x->challenge, e) < 0 ||
      session_create(c, x->a, &x->u, &x->token, NULL, e) < 0)
    return -1;
  return auth_audit(c, x->u.tenant_id, uid, "login", x->recovery ? "recovery code" : "totp", x->ip,
                    e);
}

int web_login_code_post(struct http_req *req)
{
  const char *code = http_form(req, "code");
  struct code_arg x = {.a = req->a,
                       .challenge = http_cookie(req, challenge_cookie_name()),
                       .code = code && strlen(code) <= 40 ? code : "",
                       .ip = req->client_ip};
  struct err e = {0};
  if (!x.challenge || db_tx(app_of(req)->db, 0, DB_WRITE, tx_code, &x, &e) < 0 || !x.found) {
    if (e.code)
      return http_problem_err(req, &e);
    set_challenge_cookie(req, "", 0);
    return render_login(req, 401, "", i18n_get(req->locale, "twofa.expired"));
  }
  if (!x.ok) {
    if (x.attempts >= AUTH_CHALLENGE_ATTEMPTS) {
      set_challenge_cookie(req, "", 0);
      return render_login(req, 401, "", i18n_get(req->locale, "twofa.too_many"));
    }
    return render_code(req, 401, i18n_get(req->locale, "twofa.wrong_code"));
  }
  set_challenge_cookie(req, "", 0);
  end_presented_session(req);
  web_set_session_cookie(req, x.token, SESSION_ABSOLUTE_SECONDS);
  return http_redirect(req, 303, landing(req, x.u.role, safe_next(x.next)));
}

struct logout_arg {
  const char *token;
  int64_t user_id, tenant_id;
  bool everywhere;
  const char *ip;
};

static int tx_logout(db_conn *c, void *arg, struct err *e)
{
  struct logout_arg *x = arg;
  if ((x->everywhere ? session_destroy_user(c, x->user_id, e) : session_destroy(c, x->token, e)) <
      0)
    return -1;
  return auth_audit(c, x->tenant_id, x->user_id, x->everywhere ? "logout.everywhere" : "logout", "",
                    x->ip, e);
}

int web_logout(struct http_req *req)
{
  struct logout_arg x = {http_cookie(req, web_session_cookie_name()), req->user_id, req->tenant_id,
                         http_form(req, "everywhere") != NULL, req->client_ip};
  struct err e = {0};
  if (x.token && db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_logout, &x, &e) < 0)
    return http_problem_err(req, &e);
  web_set_session_cookie(req, "", 0);
  return http_redirect(req, 303, x.everywhere ? "/anmelden?abgemeldet=ueberall" : "/");
}

/* ---- dashboard ---- */

json_t *web_dash_context(struct http_req *req)
{
  json_t *ctx = web_context(req);
  const struct session *s = req->session;
  json_object_set_new(ctx, "csrf", json_string(s ? s->csrf : ""));
  json_object_set_new(ctx, "user_name",
                      json_string(s && s->name && *s->name ? s->name
                                  : s                      ? s->email
                                                           : ""));
  json_object_set_new(ctx, "dealer", json_string(req->tenant_slug ? req->tenant_slug : ""));
  json_object_set_new(ctx, "is_owner", json_boolean(req->role >= ROLE_OWNER));
  /* the dashboard navigation marks the page the user is on */
  const char *p = req->path ? req->path : "";
  const char *sections[] = {"overview", "vehicles", "finance", "team",    "tokens", "audit",
                            "account",  "market",   "market",  "profile", "leads"};
  const char *prefixes[] = {"/dashboard",
                            "/dashboard/fahrzeuge",
                            "/dashboard/finanzierung",
                            "/dashboard/team",
                            "/dashboard/api-tokens",
                            "/dashboard/protokoll",
                            "/dashboard/konto",
                            "/boerse",
                            "/dashboard/boerse",
                            "/dashboard/profil",
                            "/dashboard/anfragen"};
  int best = -1;
  size_t best_len = 0;
  for (int i = 0; i < (int)(sizeof sections / sizeof sections[0]); i++) {
    size_t n = strlen(prefixes[i]);
    if (!strncmp(p, prefixes[i], n) && (p[n] == 0 || p[n] == '/') && n > best_len) {
      best = i;
      best_len = n;
    }
  }
  json_t *nav = json_object();
  if (best >= 0)
    json_object_set_new(nav, sections[best], json_true());
  json_object_set_new(ctx, "nav_on", nav);
  return ctx;
}

#define PAGE_SIZE  25
#define VIEWS_DAYS 30

/* Inventory sort orders: the query parameter and its ORDER BY (whitelisted). */
static const struct {
  const char *key, *order;
} sorts[] = {
    {"updated", "v.updated_at DESC, v.id DESC"},
    {"newest", "v.created_at DESC, v.id DESC"},
    {"oldest", "v.created_at ASC, v.id ASC"},
    {"price_asc", "v.price_cents ASC, v.id ASC"},
    {"price_desc", "v.price_cents DESC, v.id DESC"},
    {"mileage", "v.mileage_km ASC, v.id ASC"},
    {"views", "views DESC, v.id DESC"},
    {"title", "v.make ASC, v.model ASC, v.id ASC"},
};

struct row {
  char *id, *make, *model, *variant, *status;
  int64_t price, mileage, created, views;
};

struct kpi_arg {
  struct arena *a;
  int64_t tenant_id;
  int64_t counts[STATUS__COUNT];
  int64_t avg_days, stock_value, views, leads_week;
  struct row *rows;
  int n;
  int64_t total;
  const char *status, *q;
  int sort;
  int page;
};

static int tx_dashboard(db_conn *c, void *arg, struct err *e)
{
  struct kpi_arg *k = arg;
  int64_t now = time_now(), since = now / 86400 - VIEWS_DAYS;
  db_stmt *st = db_query(c,
                         "SELECT status, COUNT(*), COALESCE(SUM(price_cents), 0),"
                         " COALESCE(SUM($2 - created_at), 0) FROM vehicles WHERE tenant_id = $1"
                         " GROUP BY status",
                         DB_PARAMS(db_i64(k->tenant_id), db_i64(now)), e);
  if (!st)
    return -1;
  char *status;
  int64_t n, value, age, online = 0, age_sum = 0;
  int rc;
  while ((rc = db_next(
              st, k->a,
              DB_ROW(db_out_text(&status), db_out_i64(&n), db_out_i64(&value), db_out_i64(&age)),
              e)) == 1) {
    int s = enum_parse(&vehicle_enum_status, status);
    if (s >= 0)
      k->counts[s] = n;
    if (s == STATUS_PUBLISHED || s == STATUS_RESERVED) {
      online += n;
      age_sum += age;
      k->stock_value += value;
    }
  }
  db_finish(st);
  if (rc < 0)
    return -1;
  k->avg_days = online ? money_div_round(age_sum, online * 86400) : 0;
  if (db_query_one(c, NULL,
                   "SELECT COALESCE(SUM(views), 0) FROM vehicle_views WHERE tenant_id = $1"
                   " AND day > $2",
                   DB_PARAMS(db_i64(k->tenant_id), db_i64(since)), DB_ROW(db_out_i64(&k->views)),
                   e) < 0)
    return -1;
  k->leads_week = lead_store_count_since(c, k->tenant_id, crm_week_start(now), e);
  if (k->leads_week < 0)
    return -1;

  /* the inventory table: filter by status, search words (each must be in the search
   * text: make, model, variant, folded), sort, page */
  struct buf where;
  buf_init(&where, k->a);
  struct db_param p[16];
  int np = 0;
  p[np++] = db_i64(k->tenant_id);
  p[np++] = db_i64(since);
  buf_puts(&where, "v.tenant_id = $1");
  if (k->status) {
    p[np] = db_text(k->status);
    buf_printf(&where, " AND v.status = $%d", ++np);
  }
  char *words = k->q ? str_search_text(k->a, k->q) : NULL;
  for (char *save = NULL, *w = words ? strtok_r(words, " ", &save) : NULL; w && np < 12;
       w = strtok_r(NULL, " ", &save)) {
    p[np] = db_text(arena_printf(k->a, "%%%s%%", w));
    buf_printf(&where, " AND v.search_text LIKE $%d", ++np);
  }
  p[np] = (struct db_param){.t = DB_T_END};
  /* the count binds the same parameters; $2 (the views window) is only typed here */
  if (db_query_one(c, NULL,
                   arena_printf(k->a,
                                "SELECT COUNT(*) FROM vehicles v WHERE %s"
                                " AND CAST($2 AS BIGINT) IS NOT NULL",
                                buf_cstr(&where)),
                   p, DB_ROW(db_out_i64(&k->total)), e) < 0)
    return -1;
  p[np] = db_i64(PAGE_SIZE);
  p[np + 1] = db_i64((int64_t)(k->page - 1) * PAGE_SIZE);
  p[np + 2] = (struct db_param){.t = DB_T_END};
  const char *sql = arena_printf(
      k->a,
      "SELECT v.public_id, v.make, v.model, v.variant, v.status, v.price_cents, v.mileage_km,"
      " v.created_at, COALESCE(w.views, 0) AS views FROM vehicles v LEFT JOIN"
      " (SELECT vehicle_id, SUM(views) AS views FROM vehicle_views WHERE tenant_id = $1"
      " AND day > $2 GROUP BY vehicle_id) w ON w.vehicle_id = v.id"
      " WHERE %s ORDER BY %s LIMIT $%d OFFSET $%d",
      buf_cstr(&where), sorts[k->sort].order, np + 1, np + 2);
  st = db_query(c, sql, p, e);
  if (!st)
    return -1;
  k->rows = arena_calloc(k->a, PAGE_SIZE, sizeof *k->rows);
  struct row r;
  while (k->n < PAGE_SIZE &&
         (rc = db_next(st, k->a,
                       DB_ROW(db_out_text(&r.id), db_out_text(&r.make), db_out_text(&r.model),
                              db_out_text(&r.variant), db_out_text(&r.status), db_out_i64(&r.price),
                              db_out_i64(&r.mileage), db_out_i64(&r.created), db_out_i64(&r.views)),
                       e)) == 1)
    k->rows[k->n++] = r;
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

/* 140625 → "140.625" (German) or "140,625" (English). */
static const char *thousands(struct arena *a, int64_t n, const char *locale)
{
  char out[48];
  num_format_grouped(n, locale, out, sizeof out);
  return arena_strdup(a, out);
}

/* "/dashboard?status=…&q=…&sort=…" with one parameter changed (page reset unless given). */
static const char *dash_url(struct http_req *req, const struct kpi_arg *k, const char *sort,
                            int page)
{
  struct buf b;
  buf_init(&b, req->a);
  buf_puts(&b, "/dashboard?sort=");
  buf_puts(&b, sort ? sort : sorts[k->sort].key);
  if (k->status)
    buf_printf(&b, "&status=%s", k->status);
  if (k->q && *k->q) {
    buf_puts(&b, "&q=");
    buf_append_urlenc(&b, k->q, strlen(k->q));
  }
  if (page > 1)
    buf_printf(&b, "&page=%d", page);
  return buf_cstr(&b);
}

static json_t *status_options(struct http_req *req, const char *selected)
{
  json_t *arr = json_array();
  for (int i = 0; i < STATUS__COUNT; i++)
    json_array_append_new(
        arr, json_pack("{s:s,s:s,s:b}", "value", vehicle_enum_status.values[i], "label",
                       enum_label(&vehicle_enum_status, i, req->locale), "selected",
                       selected && !strcmp(selected, vehicle_enum_status.values[i])));
  return arr;
}

/* The overview page: KPIs and the inventory table. bulk_error / bulk: a refused bulk
 * price change is shown again with its message and what the user typed. */
static int render_dashboard(struct http_req *req, int status, const char *bulk_error)
{
  web_views_flush(req);
  struct kpi_arg k = {.a = req->a, .tenant_id = req->tenant_id, .page = 1};
  const char *st = http_query(req, "status");
  if (st && enum_parse(&vehicle_enum_status, st) >= 0)
    k.status = st;
  const char *q = http_query(req, "q");
  if (q && *q && strlen(q) <= 100 && utf8_valid(q, strlen(q)))
    k.q = q;
  const char *so = http_query(req, "sort");
  for (size_t i = 0; so && i < sizeof sorts / sizeof sorts[0]; i++)
    if (!strcmp(so, sorts[i].key))
      k.sort = (int)i;
  int64_t page;
  const char *ps = http_query(req, "page");
  if (ps && str_to_i64(ps, &page) && page >= 1 && page <= 10000)
    k.page = (int)page;
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_dashboard, &k, &e) < 0)
    return http_problem_err(req, &e);
  json_t *ctx = web_dash_context(req);
  char s[64];
  int64_t now = time_now();
  json_object_set_new(ctx, "online",
                      json_integer(k.counts[STATUS_PUBLISHED] + k.counts[STATUS_RESERVED]));
  json_object_set_new(ctx, "drafts", json_integer(k.counts[STATUS_DRAFT]));
  json_object_set_new(ctx, "reserved", json_integer(k.counts[STATUS_RESERVED]));
  json_object_set_new(ctx, "sold", json_integer(k.counts[STATUS_SOLD]));
  json_object_set_new(ctx, "avg_days", json_integer(k.avg_days));
  json_object_set_new(ctx, "views", json_string(thousands(req->a, k.views, req->locale)));
  json_object_set_new(ctx, "leads_week", json_integer(k.leads_week));
  money_format_euros(k.stock_value, s, sizeof s);
  json_object_set_new(ctx, "stock_value", json_string(s));
  json_t *rows = json_array();
  for (int i = 0; i < k.n; i++) {
    struct row *v = &k.rows[i];
    json_t *r = json_object();
    int stv = enum_parse(&vehicle_enum_status, v->status);
    json_object_set_new(r, "id", json_string(v->id));
    json_object_set_new(r, "title", json_string(arena_printf(req->a, "%s %s", v->make, v->model)));
    json_object_set_new(r, "variant", json_string(v->variant ? v->variant : ""));
    money_format_euros(v->price, s, sizeof s);
    json_object_set_new(r, "price", json_string(s));
    json_object_set_new(r, "status", json_string(v->status));
    json_object_set_new(r, "status_label",
                        json_string(enum_label(&vehicle_enum_status, stv, req->locale)));
    json_object_set_new(r, "mileage", json_string(thousands(req->a, v->mileage, req->locale)));
    json_object_set_new(r, "days", json_integer((now - v->created) / 86400));
    json_object_set_new(r, "views", json_string(thousands(req->a, v->views, req->locale)));
    json_object_set_new(r, "published", json_boolean(stv == STATUS_PUBLISHED));
    json_object_set_new(r, "reserved", json_boolean(stv == STATUS_RESERVED));
    json_object_set_new(r, "draft", json_boolean(stv == STATUS_DRAFT));
    json_array_append_new(rows, r);
  }
  json_object_set_new(ctx, "rows", rows);
  json_object_set_new(ctx, "total", json_integer(k.total));
  json_object_set_new(ctx, "filtered", json_boolean(k.status || k.q));
  int pages = (int)((k.total + PAGE_SIZE - 1) / PAGE_SIZE);
  json_object_set_new(ctx, "page", json_integer(k.page));
  json_object_set_new(ctx, "pages", json_integer(pages > 0 ? pages : 1));
  if (k.page > 1)
    json_object_set_new(ctx, "prev_url", json_string(dash_url(req, &k, NULL, k.page - 1)));
  if (k.page < pages)
    json_object_set_new(ctx, "next_url", json_string(dash_url(req, &k, NULL, k.page + 1)));
  /* sortable column headers: a second click on price reverses it */
  json_t *sort = json_object();
  const char *cur = sorts[k.sort].key;
  json_object_set_new(sort, "title", json_string(dash_url(req, &k, "title", 1)));
  json_object_set_new(
      sort, "price",
      json_string(dash_url(req, &k, !strcmp(cur, "price_asc") ? "price_desc" : "price_asc", 1)));
  json_object_set_new(sort, "mileage", json_string(dash_url(req, &k, "mileage", 1)));
  json_object_set_new(sort, "days", json_string(dash_url(req, &k, "oldest", 1)));
  json_object_set_new(sort, "views", json_string(dash_url(req, &k, "views", 1)));
  json_object_set_new(ctx, "sort_url", sort);
  json_t *sort_on = json_object();
  json_object_set_new(sort_on, cur, json_true());
  json_object_set_new(ctx, "sort_on", sort_on);
  json_t *sort_opts = json_array();
  for (size_t i = 0; i < sizeof sorts / sizeof sorts[0]; i++)
    json_array_append_new(
        sort_opts,
        json_pack("{s:s,s:s,s:b}", "value", sorts[i].key, "label",
                  i18n_get(req->locale, arena_printf(req->a, "inventory.sort_%s", sorts[i].key)),
                  "selected", (int)i == k.sort));
  json_object_set_new(ctx, "sort_options", sort_opts);
  json_object_set_new(ctx, "statuses", status_options(req, k.status));
  json_object_set_new(ctx, "q", json_string(k.q ? k.q : ""));
  json_object_set_new(ctx, "current_sort", json_string(cur));
  json_object_set_new(ctx, "back", json_string(dash_url(req, &k, NULL, k.page)));
  json_object_set_new(ctx, "saved", json_boolean(http_query(req, "saved") != NULL));
  const char *changed = http_query(req, "geaendert");
  int64_t nchanged;
  if (changed && str_to_i64(changed, &nchanged) && nchanged >= 0)
    json_object_set_new(ctx, "bulk_done", json_integer(nchanged));
  if (bulk_error) {
    json_object_set_new(ctx, "bulk_error", json_string(bulk_error));
    const char *mode = http_form(req, "mode"), *value = http_form(req, "value");
    json_object_set_new(ctx, "bulk_value", json_string(value && strlen(value) < 40 ? value : ""));
    json_object_set_new(ctx, "bulk_amount", json_boolean(mode && !strcmp(mode, "amount")));
    /* the ticked vehicles stay ticked */
    const char **names, **values;
    int n = http_form_pairs(req, &names, &values);
    for (size_t i = 0; i < json_array_size(rows); i++) {
      json_t *r = json_array_get(rows, i);
      for (int j = 0; j < n; j++)
        if (!strcmp(names[j], "ids") &&
            !strcmp(values[j], json_string_value(json_object_get(r, "id"))))
          json_object_set_new(r, "checked", json_true());
    }
  }
  return web_render(req, status, "dashboard", ctx);
}

int web_dashboard(struct http_req *req)
{
  return render_dashboard(req, 200, NULL);
}

/* ---- bulk price change ---- */

#define BULK_MAX 100

/* "5", "-2,5", "+12.75" percent as basis points (two decimals at most). */
static bool parse_percent_bp(const char *s, int64_t *bp)
{
  if (!s)
    return false;
  while (*s == ' ')
    s++;
  int sign = 1;
  if (*s == '+' || *s == '-')
    sign = *s++ == '-' ? -1 : 1;
  int64_t whole = 0, frac = 0;
  int nd = 0, nf = 0;
  for (; *s >= '0' && *s <= '9' && nd < 4; s++, nd++)
    whole = whole * 10 + (*s - '0');
  if (*s == ',' || *s == '.') {
    s++;
    for (; *s >= '0' && *s <= '9' && nf < 2; s++, nf++)
      frac = frac * 10 + (*s - '0');
    if (nf == 1)
      frac *= 10;
  }
  while (*s == ' ' || *s == '%')
    s++;
  if (*s || (nd == 0 && nf == 0))
    return false;
  *bp = sign * (whole * 100 + frac);
  return true;
}

/* A signed amount in euros ("-500", "+1.000,50") as cents. */
static bool parse_amount(const char *s, int64_t *cents)
{
  if (!s)
    return false;
  while (*s == ' ')
    s++;
  int sign = 1;
  if (*s == '+' || *s == '-')
    sign = *s++ == '-' ? -1 : 1;
  char buf[40];
  snprintf(buf, sizeof buf, "%s", s);
  size_t n = strlen(buf);
  while (n && (buf[n - 1] == ' ' || (unsigned char)buf[n - 1] >= 0x80))
    buf[--n] = 0; /* "500 €" */
  if (money_parse_euros(buf, cents) < 0)
    return false;
  *cents *= sign;
  return true;
}

struct bulk_arg {
  struct arena *a;
  int64_t tenant_id, user_id;
  const char **ids;
  int nids;
  bool amount;
  int64_t value; /* bp or cents */
  struct vehicle *v;
  int nv;
  const char *bad; /* the vehicle whose new price is out of range */
  const char *ip;
};

/* The new price: percent changes are rounded half away from zero to the cent. */
static int64_t new_price(const struct bulk_arg *x, int64_t cents)
{
  return x->amount ? cents + x->value : cents + money_apply_bp(cents, x->value);
}

static int tx_bulk(db_conn *c, void *arg, struct err *e)
{
  struct bulk_arg *x = arg;
  x->v = arena_calloc(x->a, (size_t)x->nids, sizeof *x->v);
  for (int i = 0; i < x->nids; i++) {
    struct vehicle *v = &x->v[x->nv];
    vehicle_init(v);
    int rc = vehicle_store_get(c, x->a, x->tenant_id, x->ids[i], v, e);
    if (rc < 0)
      return -1;
    if (rc == 0)
      continue; /* not this dealer's: nothing to change, nothing to reveal */
    int64_t p = new_price(x, v->price_cents);
    if (p < 100 || p > 100000000000LL) {
      x->bad = arena_printf(x->a, "%s %s", v->make, v->model);
      return err_set_field(e, CC24_E_VALIDATION, "value", "price out of range");
    }
    v->price_cents = p;
    if (vehicle_store_update(c, x->a, v, e) < 0)
      return -1;
    char payload[24];
    snprintf(payload, sizeof payload, "%lld", (long long)v->id);
    if (db_notify(c, "cc24_vehicles", payload, e) < 0)
      return -1;
    x->nv++;
  }
  char detail[96];
  snprintf(detail, sizeof detail, "%d vehicles, %s %lld", x->nv, x->amount ? "cents" : "bp",
           (long long)x->value);
  return auth_audit(c, x->tenant_id, x->user_id, "inventory.bulk_price", detail, x->ip, e);
}

int web_bulk_price(struct http_req *req)
{
  struct bulk_arg x = {.a = req->a,
                       .tenant_id = req->tenant_id,
                       .user_id = req->user_id,
                       .ip = req->client_ip,
                       .ids = arena_calloc(req->a, BULK_MAX, sizeof(char *))};
  const char **names, **values;
  int n = http_form_pairs(req, &names, &values);
  for (int i = 0; i < n; i++)
    if (!strcmp(names[i], "ids") && id_valid(values[i])) {
      bool dup = false;
      for (int j = 0; j < x.nids; j++)
        dup |= !strcmp(x.ids[j], values[i]);
      if (!dup && x.nids < BULK_MAX)
        x.ids[x.nids++] = values[i];
    }
  const char *mode = http_form(req, "mode");
  x.amount = mode && !strcmp(mode, "amount");
  const char *value = http_form(req, "value");
  const char *loc = req->locale;
  if (!x.nids)
    return render_dashboard(req, 422, i18n_get(loc, "inventory.bulk_none"));
  if (x.amount ? !parse_amount(value, &x.value) || x.value == 0 || x.value < -100000000000LL ||
                     x.value > 100000000000LL
               : !parse_percent_bp(value, &x.value) || x.value == 0 || x.value < -9000 ||
                     x.value > 10000)
    return render_dashboard(
        req, 422,
        i18n_get(loc, x.amount ? "inventory.bulk_bad_amount" : "inventory.bulk_bad_percent"));
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_bulk, &x, &e) < 0) {
    if (e.code == CC24_E_VALIDATION && x.bad) {
      const char *t = i18n_get(loc, "inventory.bulk_out_of_range");
      const char *p = strstr(t, "{vehicle}");
      return render_dashboard(
          req, 422, p ? arena_printf(req->a, "%.*s%s%s", (int)(p - t), t, x.bad, p + 9) : t);
    }
    return http_problem_err(req, &e);
  }
  for (int i = 0; i < x.nv; i++) {
    x.v[i].dealer = req->tenant_slug;
    search_upsert(app_of(req)->search, &x.v[i]);
  }
  const char *back = http_form(req, "back");
  if (!back || strncmp(back, "/dashboard?", 11) != 0 || strpbrk(back, "\r\n") ||
      strstr(back, "geaendert="))
    back = "/dashboard?";
  return http_redirect(req, 303, arena_printf(req->a, "%s&geaendert=%d", back, x.nv));
}

/* ---- duplicate ---- */

struct dup_arg {
  struct arena *a;
  int64_t tenant_id, user_id;
  const char *id, *ip;
  struct vehicle v;
  int found;
};

static int tx_duplicate(db_conn *c, void *arg, struct err *e)
{
  struct dup_arg *x = arg;
  vehicle_init(&x->v);
  x->found = vehicle_store_get(c, x->a, x->tenant_id, x->id, &x->v, e);
  if (x->found <= 0)
    return x->found;
  /* a new draft with the same data; the VIN belongs to the original car */
  const char *from = x->v.public_id[0] ? arena_strdup(x->a, x->v.public_id) : "";
  x->v.status = STATUS_DRAFT;
  x->v.vin = "";
  x->v.created_at = 0;
  x->v.published_at = 0;
  if (vehicle_store_insert(c, x->a, &x->v, e) < 0)
    return -1;
  return auth_audit(c, x->tenant_id, x->user_id, "inventory.duplicate",
                    arena_printf(x->a, "%s → %s", from, x->v.public_id), x->ip, e);
}

int web_vehicle_duplicate(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, NULL, NULL);
  struct dup_arg x = {.a = req->a,
                      .tenant_id = req->tenant_id,
                      .user_id = req->user_id,
                      .id = id,
                      .ip = req->client_ip};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_duplicate, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, NULL, NULL);
  return http_redirect(req, 303,
                       arena_printf(req->a, "/dashboard/fahrzeuge/%s?kopie=1", x.v.public_id));
}

struct status_arg {
  struct arena *a;
  int64_t tenant_id;
  const char *id;
  int status;
  struct vehicle v;
  int found;
};

static int tx_status(db_conn *c, void *arg, struct err *e)
{
  struct status_arg *x = arg;
  x->found = vehicle_store_get(c, x->a, x->tenant_id, x->id, &x->v, e);
  if (x->found <= 0)
    return x->found;
  x->v.status = x->status;
  if (vehicle_store_update(c, x->a, &x->v, e) < 0)
    return -1;
  char payload[24];
  snprintf(payload, sizeof payload, "%lld", (long long)x->v.id);
  return db_notify(c, "cc24_vehicles", payload, e);
}

int web_dashboard_status(struct http_req *req)
{
  const char *id = http_param(req, "id");
  int status = enum_parse(&vehicle_enum_status, http_form(req, "status"));
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, NULL, NULL);
  if (status < 0)
    return http_problem(req, 422, CC24_E_VALIDATION, "unknown status", "status");
  struct status_arg x = {.a = req->a, .tenant_id = req->tenant_id, .id = id, .status = status};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_status, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, NULL, NULL);
  x.v.dealer = req->tenant_slug;
  search_upsert(app_of(req)->search, &x.v);
  return http_redirect(req, 303, "/dashboard");
}

/* ---- vehicle form ---- */

static const char *const form_text[] = {"make", "model",       "variant", "colour_name",
                                        "vin",  "description", NULL};
static const char *const form_int[] = {"mileage_km", "power_kw",        "ccm",      "doors",
                                       "seats",      "previous_owners", "co2_g_km", NULL};
static const char *const form_enum[] = {"body",   "condition", "fuel",   "gearbox",        "drive",
                                        "colour", "vat_mode",  "status", "emission_class", NULL};

/* The form as the API's JSON: empty fields are left out, numbers parsed where
 * they parse (what does not parse stays a string and fails validation by name). */
static json_t *form_to_json(struct http_req *req, int64_t *price_bad)
{
  json_t *j = json_object();
  for (int i = 0; form_text[i]; i++) {
    const char *v = http_form(req, form_text[i]);
    if (v && (*v || !strcmp(form_text[i], "variant") || !strcmp(form_text[i], "description")))
      json_object_set_new(j, form_text[i], json_string(v));
  }
  for (int i = 0; form_int[i]; i++) {
    const char *v = http_form(req, form_int[i]);
    int64_t x;
    if (v && *v)
      json_object_set_new(j, form_int[i], str_to_i64(v, &x) ? json_integer(x) : json_string(v));
  }
  for (int i = 0; form_enum[i]; i++) {
    const char *v = http_form(req, form_enum[i]);
    if (v && *v)
      json_object_set_new(j, form_enum[i], json_string(v));
  }
  const char *fr = http_form(req, "first_registration");
  if (fr && *fr)
    json_object_set_new(j, "first_registration", json_string(fr));
  const char *price = http_form(req, "price");
  int64_t cents;
  *price_bad = 0;
  if (price && *price) {
    if (money_parse_euros(price, &cents) == 0)
      json_object_set_new(j, "price_cents", json_integer(cents));
    else
      *price_bad = 1;
  }
  json_t *feats = json_array();
  const char **names, **values;
  int n = http_form_pairs(req, &names, &values);
  for (int i = 0; i < n; i++)
    if (!strcmp(names[i], "features"))
      json_array_append_new(feats, json_string(values[i]));
  json_object_set_new(j, "features", feats);
  return json_arena(req->a, j);
}

static json_t *options(struct http_req *req, const struct enum_def *en, int selected)
{
  json_t *arr = json_array();
  for (int i = 0; i < en->count; i++)
    json_array_append_new(arr,
                          json_pack("{s:s,s:s,s:b}", "value", en->values[i], "label",
                                    enum_label(en, i, req->locale), "selected", i == selected));
  return arr;
}

static int render_form(struct http_req *req, int status, const struct vehicle *v, const char *id,
                       const struct field_errors *errs, json_t *raw)
{
  json_t *ctx = web_dash_context(req);
  json_object_set_new(ctx, "id", json_string(id ? id : ""));
  json_object_set_new(ctx, "editing", json_boolean(id != NULL));
  json_object_set_new(ctx, "copy", json_boolean(id && http_query(req, "kopie") != NULL));
  json_t *f = raw ? json_deep_copy(raw) : json_object();
  if (!raw) {
    json_object_set_new(f, "make", json_string(v->make));
    json_object_set_new(f, "model", json_string(v->model));
    json_object_set_new(f, "variant", json_string(v->variant));
    json_object_set_new(f, "colour_name", json_string(v->colour_name));
    json_object_set_new(f, "vin", json_string(v->vin));
    json_object_set_new(f, "description", json_string(v->description));
    if (id) {
      json_object_set_new(f, "mileage_km", json_integer(v->mileage_km));
      json_object_set_new(f, "power_kw", json_integer(v->power_kw));
      char ym[8];
      vehicle_ym_format(v->first_reg, ym);
      json_object_set_new(f, "first_registration", json_string(ym));
      char p[32];
      snprintf(p, sizeof p, "%lld,%02lld", (long long)(v->price_cents / 100),
               (long long)(v->price_cents % 100));
      json_object_set_new(f, "price", json_string(p));
    }
  } else {
    const char *p = http_form(req, "price");
    json_object_set_new(f, "price", json_string(p ? p : ""));
  }
  json_object_set_new(ctx, "f", f);
  json_object_set_new(ctx, "bodies", options(req, &vehicle_enum_body, v->body));
  json_object_set_new(ctx, "conditions", options(req, &vehicle_enum_condition, v->condition));
  json_object_set_new(ctx, "fuels", options(req, &vehicle_enum_fuel, v->fuel));
  json_object_set_new(ctx, "gearboxes", options(req, &vehicle_enum_gearbox, v->gearbox));
  json_object_set_new(ctx, "colours", options(req, &vehicle_enum_colour, v->colour));
  json_object_set_new(ctx, "vat_modes", options(req, &vehicle_enum_vat, v->vat_mode));
  json_object_set_new(ctx, "statuses", options(req, &vehicle_enum_status, v->status));
  json_t *feats = json_array();
  for (int i = 0; i < FEAT__COUNT; i++)
    json_array_append_new(feats,
                          json_pack("{s:s,s:s,s:b}", "value", vehicle_enum_feature.values[i],
                                    "label", enum_label(&vehicle_enum_feature, i, req->locale),
                                    "checked", (v->features >> i) & 1));
  json_object_set_new(ctx, "features", feats);
  json_t *err = json_object();
  for (int i = 0; errs && i < errs->n; i++) {
    const char *field = errs->e[i].field;
    if (!strcmp(field, "price_cents"))
      field = "price";
    /* the user's language: a message per error code; the price keeps its own text */
    char key[64];
    snprintf(key, sizeof key, "errors.%s", errs->e[i].code);
    const char *msg = i18n_get(req->locale, key);
    if (!strcmp(msg, key) || !strcmp(field, "price"))
      msg = errs->e[i].detail;
    if (!json_object_get(err, field))
      json_object_set_new(err, field, json_string(msg));
  }
  json_object_set_new(ctx, "has_errors", json_boolean(errs && errs->n > 0));
  json_object_set_new(ctx, "err", err);
  return web_render(req, status, "vehicle_form", ctx);
}

int web_vehicle_new(struct http_req *req)
{
  struct vehicle v;
  vehicle_init(&v);
  return render_form(req, 200, &v, NULL, NULL, NULL);
}

struct save_arg {
  struct arena *a;
  struct vehicle *v;
  const char *id;
  json_t *body;
  struct field_errors *errs;
  int found;
};

static int tx_save(db_conn *c, void *arg, struct err *e)
{
  struct save_arg *x = arg;
  if (x->id) {
    int64_t tenant = x->v->tenant_id;
    x->found = vehicle_store_get(c, x->a, tenant, x->id, x->v, e);
    if (x->found <= 0)
      return x->found;
    if (vehicle_from_json(x->a, x->body, false, x->v, x->errs) < 0 || x->errs->n)
      return -1;
    if (vehicle_store_update(c, x->a, x->v, e) < 0)
      return -1;
  } else {
    if (vehicle_from_json(x->a, x->body, true, x->v, x->errs) < 0 || x->errs->n)
      return -1;
    if (vehicle_store_insert(c, x->a, x->v, e) < 0)
      return -1;
    x->found = 1;
  }
  char payload[24];
  snprintf(payload, sizeof payload, "%lld", (long long)x->v->id);
  return db_notify(c, "cc24_vehicles", payload, e);
}

static int save(struct http_req *req, const char *id)
{
  int64_t price_bad;
  json_t *body = form_to_json(req, &price_bad);
  struct vehicle v;
  vehicle_init(&v);
  v.tenant_id = req->tenant_id;
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  if (price_bad)
    field_error_add(&errs, "price", "format", "%s",
                    i18n_get(req->locale, "dashboard.price_format"));
  struct save_arg x = {.a = req->a, .v = &v, .id = id, .body = body, .errs = &errs};
  struct err e = {0};
  int rc = db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_save, &x, &e);
  if (errs.n)
    return render_form(req, 422, &v, id, &errs, body);
  if (rc < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, NULL, NULL);
  v.dealer = req->tenant_slug;
  search_upsert(app_of(req)->search, &v);
  return http_redirect(req, 303, "/dashboard?saved=1");
}

int web_vehicle_create(struct http_req *req)
{
  return save(req, NULL);
}

struct load_arg {
  struct arena *a;
  int64_t tenant_id;
  const char *id;
  struct vehicle v;
  int found;
};

static int tx_load(db_conn *c, void *arg, struct err *e)
{
  struct load_arg *x = arg;
  x->found = vehicle_store_get(c, x->a, x->tenant_id, x->id, &x->v, e);
  return x->found < 0 ? -1 : 0;
}

int web_vehicle_edit(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, NULL, NULL);
  struct load_arg x = {.a = req->a, .tenant_id = req->tenant_id, .id = id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_load, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, NULL, NULL);
  return render_form(req, 200, &x.v, id, NULL, NULL);
}

int web_vehicle_update(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, NULL, NULL);
  return save(req, id);
}

/* ---- the dealer's financing conditions ---- */

#define FORM_BANDS 4

struct fc_arg {
  struct arena *a;
  int64_t tenant_id;
  struct fin_conditions c;
  int64_t version;
  int found;
};

static int tx_fc_load(db_conn *c, void *arg, struct err *e)
{
  struct fc_arg *x = arg;
  x->found = fin_conditions_load(c, x->a, x->tenant_id, 0, &x->c, &x->version, e);
  return x->found < 0 ? -1 : 0;
}

static int tx_fc_save(db_conn *c, void *arg, struct err *e)
{
  struct fc_arg *x = arg;
  if (fin_conditions_save(c, x->a, x->tenant_id, &x->c, &x->version, e) < 0)
    return -1;
  return auth_audit(c, x->tenant_id, 0, "finance.conditions",
                    arena_printf(x->a, "version %lld", (long long)x->version), "", e);
}

static int render_fc(struct http_req *req, int status, json_t *f, const struct field_errors *errs,
                     json_t *problems, bool saved)
{
  json_t *ctx = web_dash_context(req);
  json_object_set_new(ctx, "f", f);
  json_t *err = json_object();
  for (int i = 0; errs && i < errs->n; i++)
    if (!json_object_get(err, errs->e[i].field))
      json_object_set_new(err, errs->e[i].field, json_string(errs->e[i].detail));
  json_object_set_new(ctx, "err", err);
  json_object_set_new(ctx, "has_errors",
                      json_boolean((errs && errs->n) || json_array_size(problems)));
  json_object_set_new(ctx, "problems", problems ? problems : json_array());
  json_object_set_new(ctx, "saved", json_boolean(saved));
  return web_render(req, status, "dash_finance", ctx);
}

/* The stored conditions as form values (rates in percent with a comma). */
static json_t *fc_form(const struct fin_conditions *c)
{
  json_t *f = json_object();
  json_object_set_new(f, "lender_name", json_string(c->lender_name ? c->lender_name : ""));
  json_object_set_new(f, "lender_address", json_string(c->lender_address ? c->lender_address : ""));
  json_object_set_new(f, "variable_rate", json_boolean(c->variable_rate));
  json_object_set_new(f, "fees", json_integer(c->fees_cents / 100));
  json_object_set_new(f, "default_term", json_integer(c->default_term ? c->default_term : 48));
  json_object_set_new(f, "default_down", json_integer(c->default_down_bp / 100));
  json_t *bands = json_array();
  for (int i = 0; i < FORM_BANDS; i++) {
    json_t *b = json_pack("{s:i,s:b}", "i", i, "representative",
                          c->nbands ? c->representative == i : i == 0);
    if (i < c->nbands) {
      json_object_set_new(b, "term_min", json_integer(c->bands[i].term_min));
      json_object_set_new(b, "term_max", json_integer(c->bands[i].term_max));
    }
    json_array_append_new(bands, b);
  }
  json_object_set_new(f, "bands", bands);
  return f;
}

int web_dash_finance(struct http_req *req)
{
  struct fc_arg x = {.a = req->a, .tenant_id = req->tenant_id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_fc_load, &x, &e) < 0)
    return http_problem_err(req, &e);
  json_t *f = fc_form(&x.c);
  json_t *bands = json_object_get(f, "bands");
  for (int i = 0; i < x.c.nbands && i < FORM_BANDS; i++) {
    char r[32];
    snprintf(r, sizeof r, "%d,%02d", x.c.bands[i].rate_bp / 100, x.c.bands[i].rate_bp % 100);
    json_object_set_new(json_array_get(bands, (size_t)i), "rate", json_string(r));
  }
  json_object_set_new(f, "version", json_integer(x.found == 1 ? x.version : 0));
  return render_fc(req, 200, f, NULL, NULL, http_query(req, "saved") != NULL);
}

static double decimal(const char *s, bool *ok)
{
  *ok = false;
  if (!s || !*s)
    return 0;
  char buf[32];
  snprintf(buf, sizeof buf, "%s", s);
  for (char *p = buf; *p; p++)
    if (*p == ',')
      *p = '.';
  char *end;
  double d = strtod(buf, &end);
  *ok = end != buf && !*end && isfinite(d);
  return d;
}

int web_dash_finance_post(struct http_req *req)
{
  struct arena *a = req->a;
  struct field_errors errs;
  field_errors_init(&errs, a);
  /* the form as the API's JSON, validated by the same code */
  json_t *j = json_arena(a, json_object());
  json_object_set_new(
      j, "lender_name",
      json_string(http_form(req, "lender_name") ? http_form(req, "lender_name") : ""));
  json_object_set_new(
      j, "lender_address",
      json_string(http_form(req, "lender_address") ? http_form(req, "lender_address") : ""));
  json_object_set_new(j, "variable_rate", json_boolean(http_form(req, "variable_rate") != NULL));
  int64_t fees = 0, x;
  if (http_form(req, "fees") && *http_form(req, "fees") &&
      money_parse_euros(http_form(req, "fees"), &fees) < 0)
    field_error_add(&errs, "fees", "format", "%s", i18n_get(req->locale, "errors.format"));
  json_object_set_new(j, "fees_cents", json_integer(fees));
  const char *dt = http_form(req, "default_term"), *dd = http_form(req, "default_down");
  json_object_set_new(j, "default_term",
                      dt && str_to_i64(dt, &x) ? json_integer(x) : json_string(dt ? dt : ""));
  json_object_set_new(j, "default_down_bp",
                      dd && str_to_i64(dd, &x) ? json_integer(x * 100) : json_string(dd ? dd : ""));
  int rep = 0;
  const char *rs = http_form(req, "representative");
  if (rs && str_to_i64(rs, &x) && x >= 0 && x < FORM_BANDS)
    rep = (int)x;
  json_t *bands = json_array();
  int kept = 0, rep_index = 0;
  for (int i = 0; i < FORM_BANDS; i++) {
    const char *tmin = http_form(req, arena_printf(a, "band%d_min", i));
    const char *tmax = http_form(req, arena_printf(a, "band%d_max", i));
    const char *rate = http_form(req, arena_printf(a, "band%d_rate", i));
    if ((!tmin || !*tmin) && (!tmax || !*tmax) && (!rate || !*rate))
      continue;
    bool ok;
    double r = decimal(rate, &ok);
    int64_t a1 = 0, a2 = 0;
    json_t *b = json_object();
    json_object_set_new(b, "term_min",
                        tmin && str_to_i64(tmin, &a1) ? json_integer(a1)
                                                      : json_string(tmin ? tmin : ""));
    json_object_set_new(b, "term_max",
                        tmax && str_to_i64(tmax, &a2) ? json_integer(a2)
                                                      : json_string(tmax ? tmax : ""));
    json_object_set_new(b, "rate_percent", ok ? json_real(r) : json_string(rate ? rate : ""));
    if (i == rep)
      rep_index = kept;
    json_array_append_new(bands, b);
    kept++;
  }
  json_object_set_new(j, "bands", bands);
  json_object_set_new(j, "representative", json_integer(rep_index));
  struct fc_arg fa = {.a = a, .tenant_id = req->tenant_id};
  fin_conditions_from_json(a, j, &fa.c, &errs);

  /* an example copied from the bank's sheet is checked before anything goes online */
  json_t *problems = json_array();
  const char *ex_net = http_form(req, "ex_net"), *ex_n = http_form(req, "ex_n"),
             *ex_rate = http_form(req, "ex_installment"), *ex_apr = http_form(req, "ex_apr");
  if (ex_net && *ex_net) {
    struct fin_stated st = {0};
    bool ok1, ok2;
    int64_t n = 0;
    bool ok = money_parse_euros(ex_net, &st.net_loan_cents) == 0 && ex_n && str_to_i64(ex_n, &n) &&
              ex_rate && money_parse_euros(ex_rate, &st.installment_cents) == 0;
    st.installments = (int)n;
    st.stated_apr_percent = decimal(ex_apr, &ok1);
    st.nominal_rate_percent = decimal(http_form(req, "ex_nominal"), &ok2);
    if (!ok2)
      st.nominal_rate_percent = -1;
    struct fin_check ck;
    struct err e = {0};
    if (!ok || !ok1 || fin_check_example(&st, &ck, &e) < 0) {
      field_error_add(&errs, "ex_net", "format", "%s",
                      i18n_get(req->locale, "finance_dash.example_incomplete"));
    } else if (!ck.consistent) {
      char c[32];
      fin_percent_display(ck.computed_apr_percent, c, sizeof c);
      const char *t = i18n_get(req->locale, "finance_dash.example_inconsistent");
      const char *p = strstr(t, "{apr}");
      json_array_append_new(
          problems, json_string(p ? arena_printf(a, "%.*s%s%s", (int)(p - t), t, c, p + 5) : t));
    }
  }
  if (errs.n || json_array_size(problems)) {
    json_t *f = json_object();
    const char **names, **values;
    int n = http_form_pairs(req, &names, &values);
    for (int i = 0; i < n; i++)
      if (strcmp(names[i], "_csrf"))
        json_object_set_new(f, names[i], json_string(values[i]));
    json_t *fb = json_array();
    for (int i = 0; i < FORM_BANDS; i++) {
      const char *v1 = http_form(req, arena_printf(a, "band%d_min", i));
      const char *v2 = http_form(req, arena_printf(a, "band%d_max", i));
      const char *v3 = http_form(req, arena_printf(a, "band%d_rate", i));
      json_array_append_new(fb, json_pack("{s:i,s:s,s:s,s:s,s:b}", "i", i, "term_min", v1 ? v1 : "",
                                          "term_max", v2 ? v2 : "", "rate", v3 ? v3 : "",
                                          "representative", i == rep));
    }
    json_object_set_new(f, "bands", fb);
    json_object_set_new(f, "variable_rate", json_boolean(http_form(req, "variable_rate") != NULL));
    return render_fc(req, 422, f, &errs, problems, false);
  }
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_fc_save, &fa, &e) < 0)
    return http_problem_err(req, &e);
  site_cache_clear(); /* vehicle pages show the new example at once */
  return http_redirect(req, 303, "/dashboard/finanzierung?saved=1");
}
