/* Store tests for test-drive bookings — on SQLite and on PostgreSQL
 * (CC24_TEST_DATABASE_URL), there as the application role so row-level security
 * applies: one booking per vehicle and slot (also when threads race for it), a
 * cancelled booking frees its slot, the public books for a public vehicle and sees
 * only taken times, a dealer sees only its own bookings; the reminder goes once. */
#include "core/arena.h"
#include "core/ids.h"
#include "core/timeutil.h"
#include "crm/lead.h"
#include "inventory/vehicle_store.h"
#include "tenant/tenant.h"
#include "testdb.h"
#include "testdrive/testdrive.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

static db *d;
static struct arena *a;
static struct tenant t[2];
static struct vehicle v[3]; /* A published, A draft, B published */
static bool rls;

static int tx_setup(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  const char *slugs[] = {"autohaus-td-a", "autohaus-td-b"};
  for (int i = 0; i < 2; i++) {
    memset(&t[i], 0, sizeof t[i]);
    t[i].slug = slugs[i];
    t[i].name = i ? "Autohaus B" : "Autohaus A";
    if (tenant_store_create(c, &t[i], e) < 0)
      return -1;
  }
  return 0;
}

static int tx_vehicle(db_conn *c, void *arg, struct err *e)
{
  return vehicle_store_insert(c, a, arg, e);
}

static void make_vehicle(struct vehicle *x, int tenant, int status)
{
  vehicle_init(x);
  x->tenant_id = t[tenant].id;
  x->make = "VW";
  x->model = "Golf";
  x->variant = "GTI";
  x->body = BODY_COMPACT;
  x->condition = COND_USED;
  x->first_reg = 2020 * 12;
  x->mileage_km = 40000;
  x->power_kw = 180;
  x->fuel = FUEL_PETROL;
  x->gearbox = GEARBOX_AUTOMATIC;
  x->drive = DRIVE_FRONT;
  x->colour = COLOUR_RED;
  x->price_cents = 2500000;
  x->vat_mode = VAT_SHOWN;
  x->status = status;
  struct err e = {0};
  cr_assert_eq(db_tx(d, x->tenant_id, DB_WRITE, tx_vehicle, x, &e), 0, "%s", e.msg);
}

static void setup(void)
{
  ids_init();
  d = testdb_open();
  cr_assert_not_null(d);
  a = arena_new(0);
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_setup, NULL, &e), 0, "%s", e.msg);
  make_vehicle(&v[0], 0, STATUS_PUBLISHED);
  make_vehicle(&v[1], 0, STATUS_DRAFT);
  make_vehicle(&v[2], 1, STATUS_PUBLISHED);
  rls = db_backend(d) == DB_PG && db_use_role(d, "cc24_app", &e) == 0;
  if (db_backend(d) == DB_PG)
    cr_assert(rls, "the application role cc24_app must be usable: %s", e.msg);
}

static void teardown(void)
{
  arena_free(a);
  testdb_close(d);
}

TestSuite(testdrive_store, .init = setup, .fini = teardown);

#define SLOT (time_days_from_civil(2030, 6, 17) * 86400 + 8 * 3600)

struct book {
  int tenant;
  const struct vehicle *veh;
  int64_t start;
  struct lead l;
  struct td_booking b;
};

/* What the vehicle page does: the lead and the booking in one public transaction. */
static int tx_book(db_conn *c, void *arg, struct err *e)
{
  struct book *x = arg;
  lead_init(&x->l);
  x->l.tenant_id = t[x->tenant].id;
  x->l.vehicle_id = x->veh->id;
  x->l.kind = LEAD_TEST_DRIVE;
  x->l.name = "Erika Mustermann";
  x->l.email = "erika@example.de";
  x->l.phone = "+49 171 1234567";
  x->l.preferred_date = "2030-06-17";
  if (lead_store_insert(c, &x->l, e) < 0)
    return -1;
  memset(&x->b, 0, sizeof x->b);
  x->b.tenant_id = t[x->tenant].id;
  x->b.vehicle_id = x->veh->id;
  x->b.lead_public_id = x->l.public_id;
  x->b.slot_start = x->start;
  x->b.slot_end = x->start + 45 * 60;
  x->b.name = "Erika Mustermann";
  x->b.email = "erika@example.de";
  x->b.phone = "+49 171 1234567";
  x->b.sms_consent = true;
  x->b.locale = "en";
  return td_store_insert(c, &x->b, e);
}

static int book(int tenant, const struct vehicle *veh, int64_t start, struct book *x, struct err *e)
{
  memset(x, 0, sizeof *x);
  x->tenant = tenant;
  x->veh = veh;
  x->start = start;
  return db_tx(d, 0, DB_WRITE, tx_book, x, e);
}

struct list {
  int64_t tenant;
  struct td_booking *out;
  int n;
  int64_t *taken;
  int ntaken;
  int64_t vehicle;
  const char *id;
  int rc;
  struct td_booking one;
};

static int tx_list(db_conn *c, void *arg, struct err *e)
{
  struct list *x = arg;
  return td_store_list(c, a, x->tenant, SLOT - 86400, SLOT + 86400, &x->out, &x->n, e);
}

static int tx_taken(db_conn *c, void *arg, struct err *e)
{
  struct list *x = arg;
  return td_store_taken(c, a, x->vehicle, SLOT - 86400, SLOT + 86400, &x->taken, &x->ntaken, e);
}

static int tx_cancel(db_conn *c, void *arg, struct err *e)
{
  struct list *x = arg;
  x->rc = td_store_cancel(c, x->tenant, x->id, time_now(), e);
  return x->rc < 0 ? -1 : 0;
}

static int tx_get(db_conn *c, void *arg, struct err *e)
{
  struct list *x = arg;
  x->rc = td_store_get(c, a, x->tenant, x->id, &x->one, e);
  return x->rc < 0 ? -1 : 0;
}

static int tx_leads(db_conn *c, void *arg, struct err *e)
{
  struct list *x = arg;
  struct lead *out;
  int64_t total;
  return lead_store_list(c, a, x->tenant, 1, 50, &out, &x->n, &total, e);
}

Test(testdrive_store, one_booking_per_vehicle_and_slot)
{
  struct book x, y;
  struct err e = {0};
  cr_assert_eq(book(0, &v[0], SLOT, &x, &e), 0, "%s", e.msg);
  cr_expect(id_valid(x.b.public_id));
  memset(&e, 0, sizeof e);
  cr_expect_lt(book(0, &v[0], SLOT, &y, &e), 0, "the same slot again");
  cr_expect_eq(e.code, CC24_E_DB_CONSTRAINT, "%s", e.msg);
  /* nothing of the refused booking stays: its lead went with it */
  struct list l = {.tenant = t[0].id};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_leads, &l, &e), 0, "%s", e.msg);
  cr_expect_eq(l.n, 1, "one lead, of the booking that went through");
  /* the next slot, and the same slot of another dealer's vehicle, are free */
  memset(&e, 0, sizeof e);
  cr_expect_eq(book(0, &v[0], SLOT + 45 * 60, &y, &e), 0, "%s", e.msg);
  cr_expect_eq(book(1, &v[2], SLOT, &y, &e), 0, "%s", e.msg);

  struct list pub = {.vehicle = v[0].id};
  cr_assert_eq(db_tx(d, 0, DB_READ, tx_taken, &pub, &e), 0, "%s", e.msg);
  cr_expect_eq(pub.ntaken, 2, "the public sees the taken times");

  struct list g = {.tenant = t[0].id, .id = x.b.public_id};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_get, &g, &e), 0, "%s", e.msg);
  cr_assert_eq(g.rc, 1);
  cr_expect_eq(g.one.slot_start, SLOT);
  cr_expect_eq(g.one.slot_end, SLOT + 45 * 60);
  cr_expect_eq(g.one.status, TD_BOOKED);
  cr_expect(g.one.sms_consent);
  cr_expect_str_eq(g.one.locale, "en");
  cr_expect_str_eq(g.one.vehicle_title, "VW Golf GTI");
  cr_expect_str_eq(g.one.vehicle_public_id, v[0].public_id);
  cr_expect_str_eq(g.one.lead_public_id, x.l.public_id);
}

Test(testdrive_store, a_cancelled_booking_frees_the_slot)
{
  struct book x, y;
  struct err e = {0};
  cr_assert_eq(book(0, &v[0], SLOT, &x, &e), 0, "%s", e.msg);
  struct list c = {.tenant = t[1].id, .id = x.b.public_id};
  cr_assert_eq(db_tx(d, t[1].id, DB_WRITE, tx_cancel, &c, &e), 0, "%s", e.msg);
  cr_expect_eq(c.rc, 0, "another dealer cannot cancel it");
  c.tenant = t[0].id;
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_cancel, &c, &e), 0, "%s", e.msg);
  cr_expect_eq(c.rc, 1);
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_cancel, &c, &e), 0, "%s", e.msg);
  cr_expect_eq(c.rc, 0, "cancelled already");
  struct list pub = {.vehicle = v[0].id};
  cr_assert_eq(db_tx(d, 0, DB_READ, tx_taken, &pub, &e), 0, "%s", e.msg);
  cr_expect_eq(pub.ntaken, 0);
  cr_expect_eq(book(0, &v[0], SLOT, &y, &e), 0, "booked again: %s", e.msg);
  struct list l = {.tenant = t[0].id};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_list, &l, &e), 0, "%s", e.msg);
  cr_assert_eq(l.n, 2, "the day list shows the cancelled one too");
  cr_expect_eq(l.out[0].status + l.out[1].status, TD_CANCELLED + TD_BOOKED);
}

Test(testdrive_store, dealers_see_only_their_own_and_the_public_none)
{
  struct book x;
  struct err e = {0};
  cr_assert_eq(book(0, &v[0], SLOT, &x, &e), 0, "%s", e.msg);
  cr_assert_eq(book(1, &v[2], SLOT, &x, &e), 0, "%s", e.msg);
  struct list la = {.tenant = t[0].id}, lb = {.tenant = t[1].id};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_list, &la, &e), 0, "%s", e.msg);
  cr_assert_eq(db_tx(d, t[1].id, DB_READ, tx_list, &lb, &e), 0, "%s", e.msg);
  cr_expect_eq(la.n, 1);
  cr_expect_eq(lb.n, 1);
  struct list g = {.tenant = t[0].id, .id = x.b.public_id};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_get, &g, &e), 0, "%s", e.msg);
  cr_expect_eq(g.rc, 0, "B's booking by id for A: none");
  if (rls) {
    struct list cross = {.tenant = t[1].id};
    cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_list, &cross, &e), 0, "%s", e.msg);
    cr_expect_eq(cross.n, 0, "RLS hides B's bookings from A's transaction");
    struct list pub = {.tenant = t[0].id};
    cr_assert_eq(db_tx(d, 0, DB_READ, tx_list, &pub, &e), 0, "%s", e.msg);
    cr_expect_eq(pub.n, 0, "the public reads no bookings");
    /* the public cannot book a draft, nor for A a vehicle of B */
    memset(&e, 0, sizeof e);
    cr_expect_lt(book(0, &v[1], SLOT, &x, &e), 0, "no booking for a draft");
    cr_expect_lt(book(0, &v[2], SLOT + 3600, &x, &e), 0, "no booking for A of B's vehicle");
  }
}

struct flag {
  int64_t tenant;
  int set; /* -1 read only, 0/1 write */
  int rc;
  const char *id;
};

static int tx_flag(db_conn *c, void *arg, struct err *e)
{
  struct flag *x = arg;
  if (x->set >= 0 && td_store_set_sms_enabled(c, x->tenant, x->set, e) < 0)
    return -1;
  x->rc = td_store_sms_enabled(c, x->tenant, e);
  return x->rc < 0 ? -1 : 0;
}

static int tx_remind(db_conn *c, void *arg, struct err *e)
{
  struct flag *x = arg;
  x->rc = td_store_mark_reminded(c, x->tenant, x->id, time_now(), e);
  return x->rc < 0 ? -1 : 0;
}

Test(testdrive_store, sms_setting_and_reminder_once)
{
  struct err e = {0};
  struct flag f = {.tenant = t[0].id, .set = -1};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_flag, &f, &e), 0, "%s", e.msg);
  cr_expect_eq(f.rc, 0, "off by default");
  f.set = 1;
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_flag, &f, &e), 0, "%s", e.msg);
  cr_expect_eq(f.rc, 1);
  f.set = -1;
  cr_assert_eq(db_tx(d, 0, DB_READ, tx_flag, &f, &e), 0, "%s", e.msg);
  cr_expect_eq(f.rc, 1, "the vehicle page (public) reads it");
  struct flag fb = {.tenant = t[1].id, .set = -1};
  cr_assert_eq(db_tx(d, t[1].id, DB_READ, tx_flag, &fb, &e), 0, "%s", e.msg);
  cr_expect_eq(fb.rc, 0, "B's stays off");
  if (rls) {
    struct flag bad = {.tenant = t[1].id, .set = 1};
    cr_expect_lt(db_tx(d, t[0].id, DB_WRITE, tx_flag, &bad, &e), 0, "A cannot set B's");
  }

  struct book x;
  cr_assert_eq(book(0, &v[0], SLOT, &x, &e), 0, "%s", e.msg);
  struct flag r = {.tenant = t[0].id, .id = x.b.public_id};
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_remind, &r, &e), 0, "%s", e.msg);
  cr_expect_eq(r.rc, 1, "the first run sends");
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_remind, &r, &e), 0, "%s", e.msg);
  cr_expect_eq(r.rc, 0, "a second run does not");
  struct book y;
  cr_assert_eq(book(0, &v[0], SLOT + 3600, &y, &e), 0, "%s", e.msg);
  struct list c = {.tenant = t[0].id, .id = y.b.public_id};
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_cancel, &c, &e), 0, "%s", e.msg);
  r.id = y.b.public_id;
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_remind, &r, &e), 0, "%s", e.msg);
  cr_expect_eq(r.rc, 0, "no reminder for a cancelled booking");
}

struct race {
  int ok, taken, other;
  pthread_mutex_t mu;
};

static void *racer(void *arg)
{
  struct race *r = arg;
  struct book x;
  struct err e = {0};
  int rc = book(0, &v[0], SLOT, &x, &e);
  pthread_mutex_lock(&r->mu);
  if (rc == 0)
    r->ok++;
  else if (e.code == CC24_E_DB_CONSTRAINT)
    r->taken++;
  else
    r->other++;
  pthread_mutex_unlock(&r->mu);
  return NULL;
}

Test(testdrive_store, racing_buyers_get_one_booking)
{
  struct race r = {.mu = PTHREAD_MUTEX_INITIALIZER};
  pthread_t th[8];
  for (int i = 0; i < 8; i++)
    pthread_create(&th[i], NULL, racer, &r);
  for (int i = 0; i < 8; i++)
    pthread_join(th[i], NULL);
  cr_expect_eq(r.ok, 1, "exactly one booking");
  cr_expect_eq(r.taken, 7, "the others see the slot taken (other errors: %d)", r.other);
  struct list l = {.tenant = t[0].id};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_list, &l, &e), 0, "%s", e.msg);
  cr_expect_eq(l.n, 1);
}

struct closed_arg {
  int64_t tenant;
  const int64_t *set; /* NULL: read only */
  int nset;
  int64_t *days;
  int n;
  bool sms;
};

static int tx_closed(db_conn *c, void *arg, struct err *e)
{
  struct closed_arg *x = arg;
  if (x->set && td_store_set_closed_days(c, a, x->tenant, x->set, x->nset, e) < 0)
    return -1;
  int on = td_store_sms_enabled(c, x->tenant, e);
  if (on < 0)
    return -1;
  x->sms = on == 1;
  return td_store_closed_days(c, a, x->tenant, &x->days, &x->n, e);
}

Test(testdrive_store, closed_days_are_stored_and_read_by_the_vehicle_page)
{
  struct err e = {0};
  struct closed_arg r = {.tenant = t[0].id};
  cr_assert_eq(db_tx(d, t[0].id, DB_READ, tx_closed, &r, &e), 0, "%s", e.msg);
  cr_expect_eq(r.n, 0, "none by default");
  /* the SMS setting first: storing closed days keeps it */
  struct flag f = {.tenant = t[0].id, .set = 1};
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_flag, &f, &e), 0, "%s", e.msg);
  int64_t days[] = {time_days_from_civil(2030, 12, 24), time_days_from_civil(2030, 12, 31)};
  struct closed_arg w = {.tenant = t[0].id, .set = days, .nset = 2};
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_closed, &w, &e), 0, "%s", e.msg);
  cr_assert_eq(w.n, 2);
  cr_expect_eq(w.days[0], days[0]);
  cr_expect_eq(w.days[1], days[1]);
  cr_expect(w.sms, "the SMS setting is kept");
  struct closed_arg pub = {.tenant = t[0].id};
  cr_assert_eq(db_tx(d, 0, DB_READ, tx_closed, &pub, &e), 0, "%s", e.msg);
  cr_expect_eq(pub.n, 2, "the vehicle page (public) reads them");
  struct closed_arg other = {.tenant = t[1].id};
  cr_assert_eq(db_tx(d, t[1].id, DB_READ, tx_closed, &other, &e), 0, "%s", e.msg);
  cr_expect_eq(other.n, 0, "B's are its own");
  if (rls) {
    struct closed_arg bad = {.tenant = t[1].id, .set = days, .nset = 1};
    cr_expect_lt(db_tx(d, t[0].id, DB_WRITE, tx_closed, &bad, &e), 0, "A cannot set B's");
  }
  /* cleared */
  w.nset = 0;
  cr_assert_eq(db_tx(d, t[0].id, DB_WRITE, tx_closed, &w, &e), 0, "%s", e.msg);
  cr_expect_eq(w.n, 0);
}
