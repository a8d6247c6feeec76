#include "inventory/vehicle_store.h"

#include "core/arena.h"
#include "core/ids.h"
#include "core/str.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>

/* Column order shared by every SELECT below and by row_outs(). */
#define VEHICLE_COLS                                                                               \
  "v.id, v.public_id, v.tenant_id, t.slug, v.make, v.model, v.variant, v.body, v.condition,"       \
  " v.first_reg, v.mileage_km, v.power_kw, v.ccm, v.fuel, v.gearbox, v.drive, v.colour,"           \
  " v.colour_name, v.doors, v.seats, v.previous_owners, v.emission_class, v.co2_g_km,"             \
  " v.consumption_x10, v.consumption_el_x10, v.range_km, v.co2_class, v.vin, v.hu_until,"          \
  " v.accident_free, v.roadworthy, v.price_cents, v.vat_mode, v.features, v.description,"          \
  " v.status, v.created_at, v.updated_at, v.published_at, v.cover"
#define VEHICLE_FROM " FROM vehicles v JOIN tenants t ON t.id = v.tenant_id"
#define NCOLS        40

/* Text columns holding enum values, read as strings then mapped. */
struct row_text {
  char *pub, *body, *cond, *fuel, *gearbox, *drive, *colour, *emission, *vat, *status;
  int64_t features;
};

static void row_outs(struct db_out *o, struct vehicle *v, struct row_text *t)
{
  int i = 0;
  o[i++] = db_out_i64(&v->id);
  o[i++] = db_out_text(&t->pub);
  o[i++] = db_out_i64(&v->tenant_id);
  o[i++] = db_out_text((char **)&v->dealer);
  o[i++] = db_out_text((char **)&v->make);
  o[i++] = db_out_text((char **)&v->model);
  o[i++] = db_out_text((char **)&v->variant);
  o[i++] = db_out_text(&t->body);
  o[i++] = db_out_text(&t->cond);
  o[i++] = db_out_int(&v->first_reg);
  o[i++] = db_out_int(&v->mileage_km);
  o[i++] = db_out_int(&v->power_kw);
  o[i++] = db_out_int(&v->ccm);
  o[i++] = db_out_text(&t->fuel);
  o[i++] = db_out_text(&t->gearbox);
  o[i++] = db_out_text(&t->drive);
  o[i++] = db_out_text(&t->colour);
  o[i++] = db_out_text((char **)&v->colour_name);
  o[i++] = db_out_int(&v->doors);
  o[i++] = db_out_int(&v->seats);
  o[i++] = db_out_int(&v->previous_owners);
  o[i++] = db_out_text(&t->emission);
  o[i++] = db_out_int(&v->co2_g_km);
  o[i++] = db_out_int(&v->consumption_x10);
  o[i++] = db_out_int(&v->consumption_el_x10);
  o[i++] = db_out_int(&v->range_km);
  o[i++] = db_out_text((char **)&v->co2_class);
  o[i++] = db_out_text((char **)&v->vin);
  o[i++] = db_out_int(&v->hu_until);
  o[i++] = db_out_bool(&v->accident_free);
  o[i++] = db_out_bool(&v->roadworthy);
  o[i++] = db_out_i64(&v->price_cents);
  o[i++] = db_out_text(&t->vat);
  o[i++] = db_out_i64(&t->features);
  o[i++] = db_out_text((char **)&v->description);
  o[i++] = db_out_text(&t->status);
  o[i++] = db_out_i64(&v->created_at);
  o[i++] = db_out_i64(&v->updated_at);
  o[i++] = db_out_i64(&v->published_at);
  o[i++] = db_out_text((char **)&v->cover);
  o[i] = (struct db_out){.t = DB_T_END};
}

static int enum_or(const struct enum_def *e, const char *s, int dflt)
{
  int v = enum_parse(e, s);
  return v < 0 ? dflt : v;
}

static void row_finish(struct vehicle *v, const struct row_text *t)
{
  snprintf(v->public_id, sizeof v->public_id, "%s", t->pub ? t->pub : "");
  v->body = enum_or(&vehicle_enum_body, t->body, BODY_OTHER);
  v->condition = enum_or(&vehicle_enum_condition, t->cond, COND_USED);
  v->fuel = enum_or(&vehicle_enum_fuel, t->fuel, FUEL_OTHER);
  v->gearbox = enum_or(&vehicle_enum_gearbox, t->gearbox, GEARBOX_MANUAL);
  v->drive = enum_or(&vehicle_enum_drive, t->drive, DRIVE_FRONT);
  v->colour = enum_or(&vehicle_enum_colour, t->colour, COLOUR_OTHER);
  v->emission_class = enum_or(&vehicle_enum_emission, t->emission, EURO_NONE);
  v->vat_mode = enum_or(&vehicle_enum_vat, t->vat, VAT_SHOWN);
  v->status = enum_or(&vehicle_enum_status, t->status, STATUS_DRAFT);
  v->features = (uint64_t)t->features;
  const char **strs[] = {&v->dealer,    &v->make, &v->model,       &v->variant, &v->colour_name,
                         &v->co2_class, &v->vin,  &v->description, &v->cover};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
    if (!*strs[i])
      *strs[i] = "";
}

static char *search_text(struct arena *a, const struct vehicle *v)
{
  return str_search_text(a, arena_printf(a, "%s %s %s", v->make, v->model, v->variant));
}

/* The 35 column values every write binds, in the order of WRITE_COLS. */
#define WRITE_COLS                                                                                 \
  "make, model, variant, search_text, body, condition, first_reg, mileage_km, power_kw, ccm, "     \
  "fuel,"                                                                                          \
  " gearbox, drive, colour, colour_name, doors, seats, previous_owners, emission_class, co2_g_km," \
  " consumption_x10, consumption_el_x10, range_km, co2_class, vin, hu_until, accident_free,"       \
  " roadworthy, price_cents, vat_mode, features, description, status, updated_at, published_at"
#define NWRITE 35

static void write_params(struct arena *a, const struct vehicle *v, struct db_param *p)
{
  int i = 0;
  p[i++] = db_text(v->make);
  p[i++] = db_text(v->model);
  p[i++] = db_text(v->variant);
  p[i++] = db_text(search_text(a, v));
  p[i++] = db_text(enum_value(&vehicle_enum_body, v->body));
  p[i++] = db_text(enum_value(&vehicle_enum_condition, v->condition));
  p[i++] = db_i64(v->first_reg);
  p[i++] = db_i64(v->mileage_km);
  p[i++] = db_i64(v->power_kw);
  p[i++] = db_i64(v->ccm);
  p[i++] = db_text(enum_value(&vehicle_enum_fuel, v->fuel));
  p[i++] = db_text(enum_value(&vehicle_enum_gearbox, v->gearbox));
  p[i++] = db_text(enum_value(&vehicle_enum_drive, v->drive));
  p[i++] = db_text(enum_value(&vehicle_enum_colour, v->colour));
  p[i++] = db_text(v->colour_name);
  p[i++] = db_i64(v->doors);
  p[i++] = db_i64(v->seats);
  p[i++] = db_i64(v->previous_owners);
  p[i++] = db_text(enum_value(&vehicle_enum_emission, v->emission_class));
  p[i++] = db_i64(v->co2_g_km);
  p[i++] = db_i64(v->consumption_x10);
  p[i++] = db_i64(v->consumption_el_x10);
  p[i++] = db_i64(v->range_km);
  p[i++] = db_text(v->co2_class);
  p[i++] = db_text(v->vin);
  p[i++] = db_i64(v->hu_until);
  p[i++] = db_bool(v->accident_free);
  p[i++] = db_bool(v->roadworthy);
  p[i++] = db_i64(v->price_cents);
  p[i++] = db_text(enum_value(&vehicle_enum_vat, v->vat_mode));
  p[i++] = db_i64((int64_t)v->features);
  p[i++] = db_text(v->description);
  p[i++] = db_text(enum_value(&vehicle_enum_status, v->status));
  p[i++] = db_i64(v->updated_at);
  p[i++] = db_i64(v->published_at);
}

/* "$first, $first+1, ..." for n placeholders, or "col = $k, ..." for updates. */
static char *placeholders(struct arena *a, int first, int n)
{
  char *s = arena_alloc(a, (size_t)n * 6 + 1);
  size_t o = 0;
  for (int i = 0; i < n; i++)
    o += (size_t)sprintf(s + o, "%s$%d", i ? ", " : "", first + i);
  return s;
}

static char *assignments(struct arena *a, int first)
{
  char *cols = arena_strdup(a, WRITE_COLS), *save = NULL;
  char *out = arena_alloc(a, strlen(WRITE_COLS) + NWRITE * 8 + 1);
  size_t o = 0;
  int i = 0;
  for (char *c = strtok_r(cols, ", ", &save); c; c = strtok_r(NULL, ", ", &save))
    o += (size_t)sprintf(out + o, "%s%s = $%d", i ? ", " : "", c, first + i), i++;
  return out;
}

int vehicle_store_insert(db_conn *c, struct arena *a, struct vehicle *v, struct err *e)
{
  id_new(v->public_id);
  /* created_at may be preset (imports, demo data); otherwise it is now */
  if (!v->created_at)
    v->created_at = time_now();
  v->updated_at = v->created_at;
  /* offered to the public from now on (a vehicle entered as reserved was offered too) */
  if ((v->status == STATUS_PUBLISHED || v->status == STATUS_RESERVED) && !v->published_at)
    v->published_at = v->created_at;
  struct db_param p[NWRITE + 4];
  p[0] = db_text(v->public_id);
  p[1] = db_i64(v->tenant_id);
  p[2] = db_i64(v->created_at);
  write_params(a, v, p + 3);
  p[NWRITE + 3] = (struct db_param){.t = DB_T_END};
  char *sql = arena_printf(a,
                           "INSERT INTO vehicles (public_id, tenant_id, created_at, " WRITE_COLS
                           ") VALUES (%s) RETURNING id",
                           placeholders(a, 1, NWRITE + 3));
  return db_query_one(c, a, sql, p, DB_ROW(db_out_i64(&v->id)), e) == 1 ? 0 : -1;
}

int vehicle_store_update(db_conn *c, struct arena *a, struct vehicle *v, struct err *e)
{
  v->updated_at = time_now();
  if ((v->status == STATUS_PUBLISHED || v->status == STATUS_RESERVED) && !v->published_at)
    v->published_at = v->updated_at;
  struct db_param p[NWRITE + 3];
  p[0] = db_i64(v->tenant_id);
  p[1] = db_text(v->public_id);
  write_params(a, v, p + 2);
  p[NWRITE + 2] = (struct db_param){.t = DB_T_END};
  char *sql = arena_printf(a,
                           "UPDATE vehicles SET %s WHERE tenant_id = $1 AND public_id = $2"
                           " RETURNING id",
                           assignments(a, 3));
  return db_query_one(c, a, sql, p, DB_ROW(db_out_i64(&v->id)), e);
}

static int get_where(db_conn *c, struct arena *a, const char *where, const struct db_param *p,
                     struct vehicle *v, struct err *e)
{
  struct db_out o[NCOLS + 1];
  struct row_text t;
  memset(&t, 0, sizeof t);
  vehicle_init(v);
  row_outs(o, v, &t);
  char *sql = arena_printf(a, "SELECT " VEHICLE_COLS VEHICLE_FROM " WHERE %s", where);
  int rc = db_query_one(c, a, sql, p, o, e);
  if (rc == 1)
    row_finish(v, &t);
  return rc;
}

int vehicle_store_get(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
                      struct vehicle *v, struct err *e)
{
  if (tenant_id > 0)
    return get_where(c, a, "v.tenant_id = $1 AND v.public_id = $2",
                     DB_PARAMS(db_i64(tenant_id), db_text(public_id)), v, e);
  return get_where(c, a, "v.public_id = $1 AND " VEHICLE_LISTED_SQL("v."),
                   DB_PARAMS(db_text(public_id)), v, e);
}

int vehicle_store_get_by_id(db_conn *c, struct arena *a, int64_t id, struct vehicle *v,
                            struct err *e)
{
  return get_where(c, a, "v.id = $1", DB_PARAMS(db_i64(id)), v, e);
}

int vehicle_store_delete(db_conn *c, int64_t tenant_id, const char *public_id, int64_t *id_out,
                         struct err *e)
{
  int64_t id = 0;
  int rc = db_query_one(
      c, NULL, "DELETE FROM vehicles WHERE tenant_id = $1 AND public_id = $2 RETURNING id",
      DB_PARAMS(db_i64(tenant_id), db_text(public_id)), DB_ROW(db_out_i64(&id)), e);
  if (id_out)
    *id_out = id;
  return rc;
}

static int collect(db_stmt *st, struct arena *a, struct vehicle **out, int *n, struct err *e)
{
  int cap = 0, rc;
  for (;;) {
    struct vehicle v;
    struct row_text t;
    struct db_out o[NCOLS + 1];
    memset(&t, 0, sizeof t);
    vehicle_init(&v);
    row_outs(o, &v, &t);
    rc = db_next(st, a, o, e);
    if (rc <= 0)
      break;
    row_finish(&v, &t);
    if (*n == cap) {
      int nc = cap ? cap * 2 : 32;
      *out = arena_realloc(a, *out, sizeof **out * (size_t)cap, sizeof **out * (size_t)nc);
      cap = nc;
    }
    (*out)[(*n)++] = v;
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int vehicle_store_list(db_conn *c, struct arena *a, int64_t tenant_id, const char *status, int page,
                       int size, struct vehicle **out, int *n, int64_t *total, struct err *e)
{
  *out = NULL;
  *n = 0;
  *total = 0;
  if (page < 1)
    page = 1;
  int64_t offset = (int64_t)(page - 1) * size;
  /* Three shapes of one query; each binds exactly the parameters it uses. */
  const char *where;
  struct db_param filter[3] = {{.t = DB_T_END}, {.t = DB_T_END}, {.t = DB_T_END}};
  if (tenant_id > 0 && status) {
    where = "v.tenant_id = $1 AND v.status = $2";
    filter[0] = db_i64(tenant_id);
    filter[1] = db_text(status);
  } else if (tenant_id > 0) {
    where = "v.tenant_id = $1";
    filter[0] = db_i64(tenant_id);
  } else {
    where = VEHICLE_LISTED_SQL("v.");
  }
  int nf = tenant_id > 0 ? (status ? 2 : 1) : 0;
  char *count_sql = arena_printf(a, "SELECT COUNT(*) FROM vehicles v WHERE %s", where);
  if (db_query_one(c, a, count_sql, filter, DB_ROW(db_out_i64(total)), e) < 0)
    return -1;
  struct db_param p[5];
  memcpy(p, filter, sizeof(struct db_param) * (size_t)nf);
  p[nf] = db_i64(size);
  p[nf + 1] = db_i64(offset);
  p[nf + 2] = (struct db_param){.t = DB_T_END};
  char *sql = arena_printf(a,
                           "SELECT " VEHICLE_COLS VEHICLE_FROM
                           " WHERE %s ORDER BY v.updated_at DESC, v.id DESC LIMIT $%d OFFSET $%d",
                           where, nf + 1, nf + 2);
  db_stmt *st = db_query(c, sql, p, e);
  if (!st)
    return -1;
  return collect(st, a, out, n, e);
}

int vehicle_store_foreach_indexable(db_conn *c, struct arena *a,
                                    void (*fn)(const struct vehicle *v, void *arg), void *arg,
                                    struct err *e)
{
  db_stmt *st = db_query(c,
                         "SELECT " VEHICLE_COLS VEHICLE_FROM
                         /* by make and model: the index gives slots in this order, so
                            each make's and model's docs form runs (see search.h) */
                         " WHERE " VEHICLE_LISTED_SQL("v.") " ORDER BY v.make, v.model, v.id",
                         DB_NOPARAMS, e);
  if (!st)
    return -1;
  int rc;
  for (;;) {
    struct vehicle v;
    struct row_text t;
    struct db_out o[NCOLS + 1];
    memset(&t, 0, sizeof t);
    vehicle_init(&v);
    row_outs(o, &v, &t);
    rc = db_next(st, a, o, e);
    if (rc <= 0)
      break;
    row_finish(&v, &t);
    fn(&v, arg);
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int64_t vehicle_store_count(db_conn *c, struct err *e)
{
  int64_t n = 0;
  if (db_query_one(c, NULL, "SELECT COUNT(*) FROM vehicles", DB_NOPARAMS, DB_ROW(db_out_i64(&n)),
                   e) < 0)
    return -1;
  return n;
}

int vehicle_store_reserve(db_conn *c, int64_t tenant_id, int64_t id, struct err *e)
{
  return db_exec(c,
                 "UPDATE vehicles SET status = 'reserved', updated_at = $3"
                 " WHERE tenant_id = $1 AND id = $2 AND status IN ('draft', 'published')",
                 DB_PARAMS(db_i64(tenant_id), db_i64(id), db_i64(time_now())), e);
}

int vehicle_store_set_status(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
                             int status, struct vehicle *v, struct err *e)
{
  int found = vehicle_store_get(c, a, tenant_id, public_id, v, e);
  if (found <= 0)
    return found;
  v->status = status;
  if (vehicle_store_update(c, a, v, e) < 0)
    return -1;
  char payload[24];
  snprintf(payload, sizeof payload, "%lld", (long long)v->id);
  return db_notify(c, "cc24_vehicles", payload, e) < 0 ? -1 : 1;
}
