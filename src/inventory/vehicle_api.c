#include "inventory/vehicle_api.h"

#include "app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "inventory/vehicle_json.h"
#include "inventory/vehicle_store.h"
#include "media/media.h"
#include "search/search.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- index maintenance ---- */

static void notify_changed(db_conn *c, int64_t id, struct err *e)
{
  char payload[24];
  snprintf(payload, sizeof payload, "%" PRId64, id);
  /* A lost notification only delays other instances until their next restart;
   * the write itself must not fail because of it. */
  if (db_notify(c, VEHICLE_CHANNEL, payload, e) < 0)
    log_warn("vehicle %" PRId64 ": notify failed: %s", id, e->msg);
}

static void index_add(const struct vehicle *v, void *arg)
{
  search_upsert(arg, v);
}

struct build_arg {
  struct app *app;
  struct arena *a;
};

static int tx_build(db_conn *c, void *arg, struct err *e)
{
  struct build_arg *b = arg;
  return vehicle_store_foreach_indexable(c, b->a, index_add, b->app->search, e);
}

int vehicle_index_build(struct app *app, struct err *e)
{
  int64_t t0 = time_mono_ms();
  struct arena *a = arena_new(1 << 20);
  struct build_arg b = {app, a};
  int rc = db_tx(app->db, 0, DB_READ, tx_build, &b, e);
  arena_free(a);
  if (rc < 0)
    return -1;
  log_info("search index built: %zu vehicles in %lld ms", search_count(app->search),
           (long long)(time_mono_ms() - t0));
  return 0;
}

struct refresh_arg {
  int64_t id;
  struct vehicle v;
  struct arena *a;
  int found;
};

static int tx_refresh(db_conn *c, void *arg, struct err *e)
{
  struct refresh_arg *r = arg;
  r->found = vehicle_store_get_by_id(c, r->a, r->id, &r->v, e);
  return r->found < 0 ? -1 : 0;
}

void vehicle_index_refresh(struct app *app, int64_t vehicle_id)
{
  struct refresh_arg r = {.id = vehicle_id, .a = arena_new(0)};
  struct err e = {0};
  if (db_tx(app->db, 0, DB_READ, tx_refresh, &r, &e) < 0)
    log_warn("index refresh of vehicle %" PRId64 " failed: %s", vehicle_id, e.msg);
  else if (r.found)
    search_upsert(app->search, &r.v);
  else
    search_remove(app->search, vehicle_id);
  arena_free(r.a);
}

static void on_notify(const char *channel, const char *payload, void *arg)
{
  (void)channel;
  int64_t id;
  if (str_to_i64(payload, &id) && id > 0)
    vehicle_index_refresh(arg, id);
}

int vehicle_index_listen(struct app *app, struct err *e)
{
  return db_listen(app->db, VEHICLE_CHANNEL, on_notify, app, e);
}

/* ---- handlers ---- */

static struct app *app_of(struct http_req *req)
{
  return req->app;
}

int vehicle_api_search(struct http_req *req)
{
  const char **names, **values;
  int n = http_query_pairs(req, &names, &values);
  struct search_query q;
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  if (search_query_parse(req->a, n, names, values, SEARCH_STRICT, &q, &errs) < 0)
    return http_problem_fields(req, &errs);
  struct search_result res;
  if (search_run(app_of(req)->search, &q, req->a, &res) < 0)
    return http_problem(req, 500, CC24_E_INTERNAL, "search failed", NULL);
  struct buf b;
  buf_init(&b, req->a);
  search_result_json(&res, &b);
  return http_reply_arena(req, 200, "application/json", b.data, b.len);
}

int vehicle_api_makes(struct http_req *req)
{
  struct buf b;
  buf_init(&b, req->a);
  search_makes_json(app_of(req)->search, &b);
  return http_reply_arena(req, 200, "application/json", b.data, b.len);
}

struct list_arg {
  struct arena *a;
  int64_t tenant_id;
  const char *status;
  int page, size;
  struct vehicle *items;
  int n;
  int64_t total;
};

static int tx_list(db_conn *c, void *arg, struct err *e)
{
  struct list_arg *l = arg;
  return vehicle_store_list(c, l->a, l->tenant_id, l->status, l->page, l->size, &l->items, &l->n,
                            &l->total, e);
}

/* Parse a positive integer query parameter within [lo, hi]; dflt when absent. */
static int int_param(struct http_req *req, const char *name, int dflt, int lo, int hi,
                     struct field_errors *errs)
{
  const char *s = http_query(req, name);
  if (!s)
    return dflt;
  int64_t v;
  if (!str_to_i64(s, &v) || v < lo || v > hi) {
    field_error_add(errs, name, "range", "%s must be an integer between %d and %d", name, lo, hi);
    return dflt;
  }
  return (int)v;
}

int vehicle_api_list(struct http_req *req)
{
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  struct list_arg l = {.a = req->a, .tenant_id = req->tenant_id};
  l.page = int_param(req, "page", 1, 1, 100000, &errs);
  l.size = int_param(req, "size", 24, 1, 100, &errs);
  const char *st = http_query(req, "status");
  if (st && enum_parse(&vehicle_enum_status, st) < 0)
    field_error_add(&errs, "status", "enum", "status is not one of the allowed values");
  if (st && req->tenant_id <= 0)
    field_error_add(&errs, "status", "forbidden", "status filters need a dealer credential");
  const char **names, **values;
  int n = http_query_pairs(req, &names, &values);
  for (int i = 0; i < n; i++)
    if (strcmp(names[i], "page") && strcmp(names[i], "size") && strcmp(names[i], "status"))
      field_error_add(&errs, names[i], "unknown", "unknown parameter %s", names[i]);
  if (errs.n)
    return http_problem_fields(req, &errs);
  l.status = st;
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_list, &l, &e) < 0)
    return http_problem_err(req, &e);
  json_t *items = json_array();
  for (int i = 0; i < l.n; i++)
    json_array_append_new(items, vehicle_to_json(&l.items[i]));
  return http_reply_json(req, 200,
                         json_pack("{s:I, s:i, s:i, s:o}", "total", (json_int_t)l.total, "page",
                                   l.page, "size", l.size, "items", items));
}

struct write_arg {
  struct arena *a;
  struct vehicle *v;
  const char *public_id;
  json_t *body;
  struct field_errors *errs;
  int found;
  int64_t deleted_id;
  json_t *photos; /* GET: the vehicle's photos */
};

static int tx_create(db_conn *c, void *arg, struct err *e)
{
  struct write_arg *w = arg;
  if (vehicle_store_insert(c, w->a, w->v, e) < 0)
    return -1;
  notify_changed(c, w->v->id, e);
  return 0;
}

int vehicle_api_create(struct http_req *req)
{
  struct err e = {0};
  json_t *body = http_json_body(req, &e);
  if (!body)
    return http_problem_err(req, &e);
  struct vehicle v;
  vehicle_init(&v);
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  if (vehicle_from_json(req->a, body, true, &v, &errs) < 0)
    return http_problem_fields(req, &errs);
  v.tenant_id = req->tenant_id;
  v.dealer = req->tenant_slug;
  struct write_arg w = {.a = req->a, .v = &v};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_create, &w, &e) < 0)
    return http_problem_err(req, &e);
  search_upsert(app_of(req)->search, &v);
  http_set_header(req, "Location", arena_printf(req->a, "/api/v1/vehicles/%s", v.public_id));
  return http_reply_json(req, 201, vehicle_to_json(&v));
}

static int tx_get(db_conn *c, void *arg, struct err *e)
{
  struct write_arg *w = arg;
  w->found = vehicle_store_get(c, w->a, w->v->tenant_id, w->public_id, w->v, e);
  if (w->found != 1)
    return w->found < 0 ? -1 : 0;
  /* the dealer sees every photo with its state; the public the ready ones */
  w->photos = media_vehicle_photos_json(c, w->a, w->v->id, w->v->tenant_id == 0, e);
  return w->photos ? 0 : -1;
}

int vehicle_api_get(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", "id");
  struct vehicle v;
  vehicle_init(&v);
  v.tenant_id = req->tenant_id;
  struct write_arg w = {.a = req->a, .v = &v, .public_id = id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_READ, tx_get, &w, &e) < 0)
    return http_problem_err(req, &e);
  if (!w.found && req->tenant_id > 0) {
    /* A dealer may also look at other dealers' public vehicles. */
    v.tenant_id = 0;
    if (db_tx(app_of(req)->db, 0, DB_READ, tx_get, &w, &e) < 0)
      return http_problem_err(req, &e);
  }
  if (!w.found)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", "id");
  json_t *j = vehicle_to_json(&v);
  json_object_set_new(j, "photos", w.photos);
  return http_reply_json(req, 200, j);
}

static int tx_patch(db_conn *c, void *arg, struct err *e)
{
  struct write_arg *w = arg;
  int64_t tenant = w->v->tenant_id;
  const char *dealer = w->v->dealer;
  w->found = vehicle_store_get(c, w->a, tenant, w->public_id, w->v, e);
  if (w->found <= 0)
    return w->found;
  w->v->dealer = dealer;
  if (vehicle_from_json(w->a, w->body, false, w->v, w->errs) < 0)
    return -1; /* roll back; the caller answers 422 */
  int rc = vehicle_store_update(c, w->a, w->v, e);
  if (rc < 0)
    return -1;
  w->found = rc;
  notify_changed(c, w->v->id, e);
  return 0;
}

int vehicle_api_patch(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", "id");
  struct err e = {0};
  json_t *body = http_json_body(req, &e);
  if (!body)
    return http_problem_err(req, &e);
  struct vehicle v;
  vehicle_init(&v);
  v.tenant_id = req->tenant_id;
  v.dealer = req->tenant_slug;
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  struct write_arg w = {.a = req->a, .v = &v, .public_id = id, .body = body, .errs = &errs};
  int rc = db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_patch, &w, &e);
  if (errs.n)
    return http_problem_fields(req, &errs);
  if (rc < 0)
    return http_problem_err(req, &e);
  if (!w.found)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", "id");
  search_upsert(app_of(req)->search, &v);
  return http_reply_json(req, 200, vehicle_to_json(&v));
}

static int tx_delete(db_conn *c, void *arg, struct err *e)
{
  struct write_arg *w = arg;
  w->found = vehicle_store_delete(c, w->v->tenant_id, w->public_id, &w->deleted_id, e);
  if (w->found == 1)
    notify_changed(c, w->deleted_id, e);
  return w->found < 0 ? -1 : 0;
}

int vehicle_api_delete(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", "id");
  struct vehicle v;
  vehicle_init(&v);
  v.tenant_id = req->tenant_id;
  struct write_arg w = {.a = req->a, .v = &v, .public_id = id};
  struct err e = {0};
  if (db_tx(app_of(req)->db, req->tenant_id, DB_WRITE, tx_delete, &w, &e) < 0)
    return http_problem_err(req, &e);
  if (!w.found)
    return http_problem(req, 404, CC24_E_VEHICLE_NOT_FOUND, "no such vehicle", "id");
  search_remove(app_of(req)->search, w.deleted_id);
  return http_reply(req, 204, "text/plain", "", 0);
}
