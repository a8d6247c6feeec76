/* Store tests for vehicles and tenants — run on SQLite and on PostgreSQL
 * (CC24_TEST_DATABASE_URL). Every query is scoped by tenant: another dealer's
 * vehicles are invisible, drafts are invisible to the public. */
#include "core/arena.h"
#include "core/ids.h"
#include "core/json.h"
#include "inventory/vehicle_store.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <string.h>

static db *d;
static struct arena *a;

static void setup(void)
{
  ids_init();
  d = testdb_open();
  cr_assert_not_null(d);
  a = arena_new(0);
}

static void teardown(void)
{
  arena_free(a);
  testdb_close(d);
}

TestSuite(vehicle_store, .init = setup, .fini = teardown);

struct ctx {
  struct tenant t[2];
  struct vehicle v;
  struct vehicle *list;
  int n;
  int64_t total;
  int rc;
};

static int tx_tenants(db_conn *c, void *arg, struct err *e)
{
  struct ctx *x = arg;
  const char *slugs[] = {"autohaus-alpha", "autohaus-beta"};
  for (int i = 0; i < 2; i++) {
    memset(&x->t[i], 0, sizeof x->t[i]);
    x->t[i].slug = slugs[i];
    x->t[i].name = i ? "Autohaus Beta GmbH" : "Autohaus Alpha GmbH";
    x->t[i].city = "Hamburg";
    if (tenant_store_create(c, &x->t[i], e) < 0)
      return -1;
  }
  return 0;
}

static void make_tenants(struct ctx *x)
{
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_tenants, x, &e), 0, "%s", e.msg);
}

static struct vehicle sample(int64_t tenant, const char *dealer, int status)
{
  struct vehicle v;
  vehicle_init(&v);
  v.tenant_id = tenant;
  v.dealer = dealer;
  v.make = "Škoda";
  v.model = "Octavia";
  v.variant = "Combi 2.0 TDI RS <b>'; DROP TABLE vehicles; --";
  v.body = BODY_ESTATE;
  v.condition = COND_USED;
  v.first_reg = 2020 * 12 + 5;
  v.mileage_km = 61234;
  v.power_kw = 147;
  v.ccm = 1968;
  v.fuel = FUEL_DIESEL;
  v.gearbox = GEARBOX_AUTOMATIC;
  v.drive = DRIVE_ALL;
  v.colour = COLOUR_GREY;
  v.colour_name = "Race-Blau";
  v.co2_g_km = 139;
  v.consumption_x10 = 53;
  v.co2_class = "E";
  v.vin = "TMBZZZNXZLY000123";
  v.hu_until = 2027 * 12 + 4;
  v.accident_free = false;
  v.price_cents = 2589000;
  v.vat_mode = VAT_MARGIN;
  v.features = (1u << FEAT_NAVIGATION) | (1u << FEAT_TRAILER_HITCH);
  v.description = "Gepflegt.\nZweite Zeile mit Ümläuten.";
  v.status = status;
  return v;
}

static int tx_insert(db_conn *c, void *arg, struct err *e)
{
  struct ctx *x = arg;
  return vehicle_store_insert(c, a, &x->v, e);
}

static int tx_get(db_conn *c, void *arg, struct err *e)
{
  struct ctx *x = arg;
  char id[17];
  memcpy(id, x->v.public_id, sizeof id);
  int64_t tenant = x->v.tenant_id;
  x->rc = vehicle_store_get(c, a, tenant, id, &x->v, e);
  return x->rc < 0 ? -1 : 0;
}

Test(vehicle_store, insert_and_read_back_every_field)
{
  struct ctx x;
  make_tenants(&x);
  struct vehicle in = sample(x.t[0].id, x.t[0].slug, STATUS_PUBLISHED);
  x.v = in;
  struct err e = {0};
  cr_assert_eq(db_tx(d, x.t[0].id, DB_WRITE, tx_insert, &x, &e), 0, "%s", e.msg);
  cr_assert_gt(x.v.id, 0);
  cr_assert(id_valid(x.v.public_id));
  cr_assert_gt(x.v.published_at, 0);
  struct vehicle saved = x.v;
  cr_assert_eq(db_tx(d, x.t[0].id, DB_READ, tx_get, &x, &e), 0, "%s", e.msg);
  cr_assert_eq(x.rc, 1);
  struct vehicle *o = &x.v;
  cr_assert_str_eq(o->dealer, "autohaus-alpha");
  cr_assert_str_eq(o->make, in.make);
  cr_assert_str_eq(o->variant, in.variant, "stored verbatim, escaping is the renderer's job");
  cr_assert_str_eq(o->description, in.description);
  cr_assert_eq(o->body, in.body);
  cr_assert_eq(o->first_reg, in.first_reg);
  cr_assert_eq(o->mileage_km, in.mileage_km);
  cr_assert_eq(o->ccm, in.ccm);
  cr_assert_eq(o->drive, in.drive);
  cr_assert_eq(o->colour, in.colour);
  cr_assert_eq(o->doors, -1);
  cr_assert_eq(o->co2_g_km, 139);
  cr_assert_str_eq(o->co2_class, "E");
  cr_assert_str_eq(o->vin, in.vin);
  cr_assert_eq(o->hu_until, in.hu_until);
  cr_assert_eq(o->accident_free, false);
  cr_assert_eq(o->roadworthy, true);
  cr_assert_eq(o->price_cents, in.price_cents);
  cr_assert_eq(o->vat_mode, VAT_MARGIN);
  cr_assert_eq(o->features, in.features);
  cr_assert_eq(o->status, STATUS_PUBLISHED);
  cr_assert_eq(o->created_at, saved.created_at);
}

Test(vehicle_store, tenants_cannot_see_each_other)
{
  struct ctx x;
  make_tenants(&x);
  x.v = sample(x.t[0].id, x.t[0].slug, STATUS_DRAFT);
  struct err e = {0};
  cr_assert_eq(db_tx(d, x.t[0].id, DB_WRITE, tx_insert, &x, &e), 0, "%s", e.msg);
  char id[17];
  memcpy(id, x.v.public_id, sizeof id);

  x.v.tenant_id = x.t[1].id;
  cr_assert_eq(db_tx(d, x.t[1].id, DB_READ, tx_get, &x, &e), 0);
  cr_assert_eq(x.rc, 0, "another dealer sees nothing");

  memcpy(x.v.public_id, id, sizeof id);
  x.v.tenant_id = 0;
  cr_assert_eq(db_tx(d, 0, DB_READ, tx_get, &x, &e), 0);
  cr_assert_eq(x.rc, 0, "the public does not see drafts");

  memcpy(x.v.public_id, id, sizeof id);
  x.v.tenant_id = x.t[0].id;
  cr_assert_eq(db_tx(d, x.t[0].id, DB_READ, tx_get, &x, &e), 0);
  cr_assert_eq(x.rc, 1, "the owner does");
}

struct upd {
  struct vehicle v;
  int rc;
  int64_t deleted;
  const char *id;
  int64_t tenant;
};

static int tx_update(db_conn *c, void *arg, struct err *e)
{
  struct upd *u = arg;
  u->rc = vehicle_store_update(c, a, &u->v, e);
  return u->rc < 0 ? -1 : 0;
}

static int tx_delete(db_conn *c, void *arg, struct err *e)
{
  struct upd *u = arg;
  u->rc = vehicle_store_delete(c, u->tenant, u->id, &u->deleted, e);
  return u->rc < 0 ? -1 : 0;
}

Test(vehicle_store, update_and_delete_are_scoped)
{
  struct ctx x;
  make_tenants(&x);
  x.v = sample(x.t[0].id, x.t[0].slug, STATUS_DRAFT);
  struct err e = {0};
  cr_assert_eq(db_tx(d, x.t[0].id, DB_WRITE, tx_insert, &x, &e), 0, "%s", e.msg);
  cr_assert_eq(x.v.published_at, 0);

  struct upd u = {.v = x.v};
  u.v.tenant_id = x.t[1].id; /* tampering: another dealer's id */
  u.v.price_cents = 100;
  cr_assert_eq(db_tx(d, x.t[1].id, DB_WRITE, tx_update, &u, &e), 0);
  cr_assert_eq(u.rc, 0, "nothing updated across tenants");

  u.v.tenant_id = x.t[0].id;
  u.v.status = STATUS_PUBLISHED;
  u.v.price_cents = 2399000;
  cr_assert_eq(db_tx(d, x.t[0].id, DB_WRITE, tx_update, &u, &e), 0);
  cr_assert_eq(u.rc, 1);
  cr_assert_gt(u.v.published_at, 0);

  x.v.tenant_id = 0;
  cr_assert_eq(db_tx(d, 0, DB_READ, tx_get, &x, &e), 0);
  cr_assert_eq(x.rc, 1, "published: public now");
  cr_assert_eq(x.v.price_cents, 2399000);

  u.id = x.v.public_id;
  u.tenant = x.t[1].id;
  cr_assert_eq(db_tx(d, x.t[1].id, DB_WRITE, tx_delete, &u, &e), 0);
  cr_assert_eq(u.rc, 0, "no delete across tenants");
  u.tenant = x.t[0].id;
  cr_assert_eq(db_tx(d, x.t[0].id, DB_WRITE, tx_delete, &u, &e), 0);
  cr_assert_eq(u.rc, 1);
  cr_assert_eq(u.deleted, x.v.id);
}

static int tx_list(db_conn *c, void *arg, struct err *e)
{
  struct ctx *x = arg;
  return vehicle_store_list(c, a, x->v.tenant_id, NULL, 1, 3, &x->list, &x->n, &x->total, e);
}

static int count_cb_n;
static void count_cb(const struct vehicle *v, void *arg)
{
  (void)arg;
  cr_assert(v->status == STATUS_PUBLISHED || v->status == STATUS_RESERVED);
  count_cb_n++;
}

static int tx_foreach(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  return vehicle_store_foreach_indexable(c, a, count_cb, NULL, e);
}

Test(vehicle_store, list_pages_and_indexable)
{
  struct ctx x;
  make_tenants(&x);
  struct err e = {0};
  int statuses[] = {STATUS_DRAFT, STATUS_PUBLISHED, STATUS_RESERVED, STATUS_SOLD, STATUS_PUBLISHED};
  for (int i = 0; i < 5; i++) {
    x.v = sample(x.t[i % 2].id, x.t[i % 2].slug, statuses[i]);
    cr_assert_eq(db_tx(d, x.v.tenant_id, DB_WRITE, tx_insert, &x, &e), 0, "%s", e.msg);
  }
  x.v.tenant_id = x.t[0].id;
  cr_assert_eq(db_tx(d, x.t[0].id, DB_READ, tx_list, &x, &e), 0, "%s", e.msg);
  cr_assert_eq(x.total, 3, "dealer alpha has 3 vehicles in any status");
  for (int i = 0; i < x.n; i++)
    cr_assert_eq(x.list[i].tenant_id, x.t[0].id);
  x.v.tenant_id = 0;
  cr_assert_eq(db_tx(d, 0, DB_READ, tx_list, &x, &e), 0, "%s", e.msg);
  cr_assert_eq(x.total, 3, "the public sees published and reserved");
  count_cb_n = 0;
  cr_assert_eq(db_tx(d, 0, DB_READ, tx_foreach, NULL, &e), 0, "%s", e.msg);
  cr_assert_eq(count_cb_n, 3);
}

static int tx_slug_dupe(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  struct tenant t = {.slug = "autohaus-alpha", .name = "Copy"};
  return tenant_store_create(c, &t, e);
}

struct lookup {
  struct tenant t;
  int rc;
  struct tenant *all;
  int n;
};

static int tx_lookup(db_conn *c, void *arg, struct err *e)
{
  struct lookup *l = arg;
  if (tenant_store_by_slug(c, a, "autohaus-beta", &l->t, e) != 1)
    return -1;
  return tenant_store_list(c, a, &l->all, &l->n, e);
}

Test(vehicle_store, tenants_slugs_keys_and_validation)
{
  struct ctx x;
  make_tenants(&x);
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_slug_dupe, NULL, &e), -1);
  cr_assert_eq(e.code, CC24_E_DB_CONSTRAINT, "duplicate slug is a constraint error (%d %s)", e.code,
               e.msg);
  struct lookup l;
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_lookup, &l, &e), 0, "%s", e.msg);
  cr_assert_str_eq(l.t.name, "Autohaus Beta GmbH");
  cr_assert_eq(l.n, 2);
  cr_assert_str_eq(l.all[0].slug, "autohaus-alpha");

  struct field_errors errs;
  field_errors_init(&errs, a);
  struct tenant bad = {.slug = "Bad Slug!", .name = "X", .email = "nope"};
  cr_assert_eq(tenant_validate(&bad, &errs), -1);
  cr_assert_not_null(field_error_get(&errs, "slug"));
  cr_assert_not_null(field_error_get(&errs, "name"));
  cr_assert_not_null(field_error_get(&errs, "email"));
}
