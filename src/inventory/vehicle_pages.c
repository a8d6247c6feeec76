/* vehicle_pages.c — the dealer dashboard: overview with KPIs, inventory table
 * (filter, search, paging), vehicle create/edit form with server-side validation
 * and inline errors that keep the input, status changes, bulk prices, duplicates.
 * Every form posts a CSRF token bound to the session (checked in web_before). */
#include "inventory/vehicle_pages.h"
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
#include "media/media.h"
#include "render/i18n.h"
#include "routes.h"
#include "search/search.h"
#include "site/site.h"
#include "web/web.h"
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct app *app_of(struct http_req *req)
{
  return req->app;
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
  char *id, *make, *model, *variant, *status, *cover;
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
      " v.created_at, COALESCE(w.views, 0) AS views, v.cover FROM vehicles v LEFT JOIN"
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
                              db_out_i64(&r.mileage), db_out_i64(&r.created), db_out_i64(&r.views),
                              db_out_text(&r.cover)),
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
  site_views_flush(req);
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
    json_t *photo = media_cover_json(req->a, v->cover, "", "64px");
    if (photo)
      json_object_set_new(r, "photo", photo);
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

int vehicle_page_dashboard(struct http_req *req)
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

int vehicle_page_bulk_price(struct http_req *req)
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

int vehicle_page_duplicate(struct http_req *req)
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
  x->found = vehicle_store_set_status(c, x->a, x->tenant_id, x->id, x->status, &x->v, e);
  return x->found < 0 ? -1 : 0;
}

int vehicle_page_status(struct http_req *req)
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

/* ---- the photos panel of the vehicle form ---- */

struct photos_arg {
  struct arena *a;
  int64_t tenant_id;
  const char *id;
  struct vehicle v;
  int found;
  struct media_photo *ps;
  int n;
};

static int tx_photos(db_conn *c, void *arg, struct err *e)
{
  struct photos_arg *x = arg;
  x->found = vehicle_store_get(c, x->a, x->tenant_id, x->id, &x->v, e);
  if (x->found != 1)
    return x->found < 0 ? -1 : 0;
  return media_photos_of_vehicle(c, x->a, x->v.id, &x->ps, &x->n, e);
}

/* The texts the photo uploader's script shows, in the page's language. */
static const char *const photo_text_keys[] = {
    "cover",    "processing", "failed",    "retry", "delete",  "confirm_delete",
    "dismiss",  "alt",        "earlier",   "later", "photo",   "uploading",
    "uploaded", "too_many",   "too_large", "empty", "network", "order_saved",
    "moved",    "alt_saved",  "deleted",   NULL};

static int photos_context(struct http_req *req, json_t *ctx, const char *id)
{
  struct photos_arg x = {.a = req->a, .tenant_id = req->tenant_id, .id = id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_photos, &x, &e) < 0)
    return -1;
  json_t *arr = json_array();
  for (int i = 0; i < x.n; i++) {
    const struct media_photo *p = &x.ps[i];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(p->public_id));
    json_object_set_new(o, "number", json_integer(i + 1));
    json_object_set_new(o, "cover", json_boolean(i == 0));
    json_object_set_new(o, "state", json_string(media_state_name(p->state)));
    json_object_set_new(o, "processing", json_boolean(p->state == MEDIA_PROCESSING));
    json_object_set_new(o, "failed", json_boolean(p->state == MEDIA_FAILED));
    json_object_set_new(o, "error", json_string(p->error));
    json_object_set_new(o, "alt", json_string(p->alt));
    json_object_set_new(o, "width", json_integer(p->width));
    json_object_set_new(o, "height", json_integer(p->height));
    const char *thumb = media_photo_url(req->a, p, 320, "webp");
    if (thumb)
      json_object_set_new(o, "thumb", json_string(thumb));
    json_array_append_new(arr, o);
  }
  json_object_set_new(ctx, "photos", arr);
  json_object_set_new(ctx, "photo_count", json_integer(x.n));
  json_object_set_new(ctx, "photo_max_mb", json_integer(cfg.upload_file_mb));
  const char *fmt = i18n_get(req->locale, "photos.formats");
  const char *pc = strstr(fmt, "%d");
  json_object_set_new(ctx, "photo_formats",
                      json_string(pc ? arena_printf(req->a, "%.*s%d%s", (int)(pc - fmt), fmt,
                                                    cfg.upload_file_mb, pc + 2)
                                     : fmt));
  json_t *texts = json_object();
  for (int i = 0; photo_text_keys[i]; i++) {
    char key[64];
    snprintf(key, sizeof key, "photos.%s", photo_text_keys[i]);
    json_object_set_new(texts, photo_text_keys[i], json_string(i18n_get(req->locale, key)));
  }
  char *dump = json_dumps(texts, JSON_COMPACT);
  json_decref(texts);
  /* inside <script>: no "<" at all, so nothing can close the element early */
  struct buf b;
  buf_init(&b, req->a);
  for (const char *c = dump; c && *c; c++) {
    if (*c == '<')
      buf_puts(&b, "\\u003c");
    else
      buf_putc(&b, *c);
  }
  free(dump);
  json_object_set_new(ctx, "photo_texts", json_string(buf_cstr(&b)));
  return 0;
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
  if (id && photos_context(req, ctx, id) < 0)
    return http_problem(req, 503, CC24_E_DB, "the photos cannot be loaded now", NULL);
  return web_render(req, status, "vehicle_form", ctx);
}

int vehicle_page_new(struct http_req *req)
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

int vehicle_page_create(struct http_req *req)
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

int vehicle_page_edit(struct http_req *req)
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

int vehicle_page_update(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, NULL, NULL);
  return save(req, id);
}
