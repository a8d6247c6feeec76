/* dashboard.c — login/logout and the dealer dashboard: overview with KPIs,
 * inventory table (filter, search, paging), vehicle create/edit form with
 * server-side validation and inline errors that keep the input, status changes.
 * Every form posts a CSRF token bound to the session (checked in web_before). */
#include "app.h"
#include "auth/auth.h"
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
#include "finance/conditions.h"
#include "inventory/vehicle_json.h"
#include "inventory/vehicle_store.h"
#include "render/i18n.h"
#include "search/search.h"
#include "web/web.h"
#include <math.h>
#include <stdlib.h>

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

static void set_session_cookie(struct http_req *req, const char *value, int max_age)
{
  bool tls = str_starts(cfg.base_url, "https://");
  http_set_cookie(req, web_session_cookie_name(), value,
                  arena_printf(req->a, "Path=/; HttpOnly; SameSite=Lax; Max-Age=%d%s", max_age,
                               tls ? "; Secure" : ""));
}

/* A local path to return to after login ("/dashboard"), never another host. */
static const char *safe_next(const char *next)
{
  if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strpbrk(next, "\r\n"))
    return "/dashboard";
  return next;
}

/* ---- login / logout ---- */

static int render_login(struct http_req *req, int status, const char *email, const char *error)
{
  json_t *ctx = web_context(req);
  json_object_set_new(ctx, "email", json_string(email ? email : ""));
  json_object_set_new(ctx, "next",
                      json_string(safe_next(http_query(req, "next") ? http_query(req, "next")
                                                                    : http_form(req, "next"))));
  if (error)
    json_object_set_new(ctx, "error", json_string(error));
  return web_render(req, status, "login", ctx);
}

int web_login_page(struct http_req *req)
{
  if (req->user_id)
    return http_redirect(req, 303, "/dashboard");
  return render_login(req, 200, "", NULL);
}

struct login_arg {
  struct arena *a;
  const char *email, *password, *ip;
  struct auth_user u;
  int found;
  bool ok;
  char *token;
};

/* A hash to verify against when the address is unknown, so both answers take as long. */
static char dummy_hash[AUTH_HASH_MAX];

static int tx_login(db_conn *c, void *arg, struct err *e)
{
  struct login_arg *x = arg;
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
  if (session_create(c, x->a, &x->u, &x->token, e) < 0)
    return -1;
  return auth_audit(c, x->u.tenant_id, x->u.id, "login", "password", x->ip, e);
}

int web_login_post(struct http_req *req)
{
  if (!dummy_hash[0]) {
    struct err e;
    auth_password_hash("cc24-timing-equaliser", dummy_hash, &e);
  }
  const char *email = http_form(req, "email"), *password = http_form(req, "password");
  if (!email || !password || !*email || !*password)
    return render_login(req, 422, email, i18n_get(req->locale, "auth.missing"));
  struct login_arg x = {.a = req->a, .email = email, .password = password, .ip = req->client_ip};
  struct err e = {0};
  if (db_tx(app_of(req)->db, 0, DB_WRITE, tx_login, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.ok)
    return render_login(req, 401, email, i18n_get(req->locale, "auth.failed"));
  set_session_cookie(req, x.token, SESSION_ABSOLUTE_SECONDS);
  return http_redirect(req, 303, safe_next(http_form(req, "next")));
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
  set_session_cookie(req, "", 0);
  return http_redirect(req, 303, "/");
}

/* ---- dashboard ---- */

static json_t *dash_context(struct http_req *req)
{
  json_t *ctx = web_context(req);
  const struct session *s = req->session;
  json_object_set_new(ctx, "csrf", json_string(s ? s->csrf : ""));
  json_object_set_new(ctx, "user_name",
                      json_string(s && s->name && *s->name ? s->name
                                  : s                      ? s->email
                                                           : ""));
  json_object_set_new(ctx, "dealer", json_string(req->tenant_slug ? req->tenant_slug : ""));
  return ctx;
}

struct kpi_arg {
  struct arena *a;
  int64_t tenant_id;
  int64_t counts[STATUS__COUNT];
  int64_t avg_days, stock_value;
  struct vehicle *list;
  int n;
  int64_t total;
  const char *status;
  int page;
};

static int tx_dashboard(db_conn *c, void *arg, struct err *e)
{
  struct kpi_arg *k = arg;
  db_stmt *st = db_query(c,
                         "SELECT status, COUNT(*), COALESCE(SUM(price_cents), 0),"
                         " COALESCE(SUM($2 - created_at), 0) FROM vehicles WHERE tenant_id = $1"
                         " GROUP BY status",
                         DB_PARAMS(db_i64(k->tenant_id), db_i64(time_now())), e);
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
  k->avg_days = online ? age_sum / online / 86400 : 0;
  return vehicle_store_list(c, k->a, k->tenant_id, k->status, k->page, 25, &k->list, &k->n,
                            &k->total, e);
}

int web_dashboard(struct http_req *req)
{
  struct kpi_arg k = {.a = req->a, .tenant_id = req->tenant_id, .page = 1};
  const char *st = http_query(req, "status");
  if (st && enum_parse(&vehicle_enum_status, st) >= 0)
    k.status = st;
  int64_t page;
  const char *ps = http_query(req, "page");
  if (ps && str_to_i64(ps, &page) && page >= 1 && page <= 10000)
    k.page = (int)page;
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_dashboard, &k, &e) < 0)
    return http_problem_err(req, &e);
  json_t *ctx = dash_context(req);
  char s[64];
  json_object_set_new(ctx, "online",
                      json_integer(k.counts[STATUS_PUBLISHED] + k.counts[STATUS_RESERVED]));
  json_object_set_new(ctx, "drafts", json_integer(k.counts[STATUS_DRAFT]));
  json_object_set_new(ctx, "reserved", json_integer(k.counts[STATUS_RESERVED]));
  json_object_set_new(ctx, "sold", json_integer(k.counts[STATUS_SOLD]));
  json_object_set_new(ctx, "avg_days", json_integer(k.avg_days));
  money_format_euros(k.stock_value, s, sizeof s);
  json_object_set_new(ctx, "stock_value", json_string(s));
  json_t *rows = json_array();
  for (int i = 0; i < k.n; i++) {
    struct vehicle *v = &k.list[i];
    json_t *r = json_object();
    json_object_set_new(r, "id", json_string(v->public_id));
    json_object_set_new(r, "title", json_string(arena_printf(req->a, "%s %s", v->make, v->model)));
    json_object_set_new(r, "variant", json_string(v->variant));
    money_format_euros(v->price_cents, s, sizeof s);
    json_object_set_new(r, "price", json_string(s));
    json_object_set_new(r, "status", json_string(enum_value(&vehicle_enum_status, v->status)));
    json_object_set_new(r, "status_label",
                        json_string(enum_label(&vehicle_enum_status, v->status, req->locale)));
    json_object_set_new(r, "mileage", json_integer(v->mileage_km));
    json_object_set_new(r, "published", json_boolean(v->status == STATUS_PUBLISHED));
    json_object_set_new(r, "draft", json_boolean(v->status == STATUS_DRAFT));
    json_array_append_new(rows, r);
  }
  json_object_set_new(ctx, "rows", rows);
  json_object_set_new(ctx, "total", json_integer(k.total));
  if (k.page > 1)
    json_object_set_new(ctx, "prev", json_integer(k.page - 1));
  if ((int64_t)k.page * 25 < k.total)
    json_object_set_new(ctx, "next", json_integer(k.page + 1));
  json_object_set_new(ctx, "status_filter", json_string(k.status ? k.status : ""));
  return web_render(req, 200, "dashboard", ctx);
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
  json_t *ctx = dash_context(req);
  json_object_set_new(ctx, "id", json_string(id ? id : ""));
  json_object_set_new(ctx, "editing", json_boolean(id != NULL));
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
  json_t *ctx = dash_context(req);
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
  return http_redirect(req, 303, "/dashboard/finanzierung?saved=1");
}
