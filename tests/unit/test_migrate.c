/* Upgrade test for the embedded migrations — run on SQLite and on PostgreSQL
 * (CC24_TEST_DATABASE_URL). A database is built the way an old release left it
 * (migrated only up to 0009_leads), filled with a dealer, a user, a vehicle and a
 * lead through plain SQL of that schema, then upgraded with the normal db_migrate.
 * The data must survive, the columns added since must hold their defaults (and the
 * backfills their values), the current stores must read the old rows,
 * schema_migrations must list every version exactly once, and a second run must do
 * nothing. */
#include "core/arena.h"
#include "core/ids.h"
#include "crm/crm.h"
#include "crm/lead.h"
#include "inventory/vehicle.h"
#include "inventory/vehicle_store.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <string.h>

#define OLD_VERSION "0009_leads"
#define OLD_COUNT   9
#define CREATED_AT  1767225600 /* 2026-01-01T00:00:00Z */

static db *d;
static struct arena *a;

struct old_data {
  int64_t tenant_id, vehicle_id, lead_id, user_id;
  char tenant_pub[ID_LEN + 1], vehicle_pub[ID_LEN + 1], lead_pub[ID_LEN + 1], user_pub[ID_LEN + 1];
};

static struct old_data od;

static void setup(void)
{
  ids_init();
  a = arena_new(0);
  d = testdb_open_until(OLD_VERSION);
  cr_assert_not_null(d, "an old database (up to %s) on %s", OLD_VERSION, testdb_backend_name());
}

static void teardown(void)
{
  if (d)
    testdb_close(d);
  arena_free(a);
}

static int64_t count(const char *sql, const struct db_param *params)
{
  struct err e = {0};
  db_conn *c = db_acquire(d, &e);
  cr_assert_not_null(c, "%s", e.msg);
  int64_t n = -1;
  int rc = db_query_one(c, NULL, sql, params, DB_ROW(db_out_i64(&n)), &e);
  db_release(c);
  cr_assert_eq(rc, 1, "%s: %s", sql, e.msg);
  return n;
}

/* Only the schema of 0009: explicit columns, no store code (it knows today's schema). */
static int tx_fill_old(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  if (db_exec(c,
              "INSERT INTO tenants (public_id, slug, name, street, zip, city, phone, email,"
              " created_at) VALUES ($1, 'autohaus-alt', 'Autohaus Alt GmbH', 'Hauptstr. 1',"
              " '10115', 'Berlin', '+49 30 123456', 'info@autohaus-alt.de', $2)",
              DB_PARAMS(db_text(od.tenant_pub), db_i64(CREATED_AT)), e) != 1)
    return -1;
  if (db_query_one(c, NULL, "SELECT id FROM tenants WHERE public_id = $1",
                   DB_PARAMS(db_text(od.tenant_pub)), DB_ROW(db_out_i64(&od.tenant_id)), e) != 1)
    return -1;
  if (db_exec(c,
              "INSERT INTO users (public_id, tenant_id, email, password_hash, name, role,"
              " created_at) VALUES ($1, $2, 'chef@autohaus-alt.de', '$argon2id$x', 'Eva Alt',"
              " 'owner', $3)",
              DB_PARAMS(db_text(od.user_pub), db_i64(od.tenant_id), db_i64(CREATED_AT)), e) != 1)
    return -1;
  if (db_query_one(c, NULL, "SELECT id FROM users WHERE public_id = $1",
                   DB_PARAMS(db_text(od.user_pub)), DB_ROW(db_out_i64(&od.user_id)), e) != 1)
    return -1;
  if (db_exec(c,
              "INSERT INTO vehicles (public_id, tenant_id, make, model, variant, body, condition,"
              " first_reg, mileage_km, power_kw, fuel, gearbox, drive, colour, price_cents,"
              " vat_mode, description, status, created_at, updated_at, published_at)"
              " VALUES ($1, $2, 'VW', 'Golf', 'GTI', 'compact', 'used', $3, 42000, 180, 'petrol',"
              " 'automatic', 'front', 'red', 2499000, 'shown', 'Scheckheftgepflegt.',"
              " 'published', $4, $4, $4)",
              DB_PARAMS(db_text(od.vehicle_pub), db_i64(od.tenant_id), db_i64(2020 * 12 + 4),
                        db_i64(CREATED_AT)),
              e) != 1)
    return -1;
  if (db_query_one(c, NULL, "SELECT id FROM vehicles WHERE public_id = $1",
                   DB_PARAMS(db_text(od.vehicle_pub)), DB_ROW(db_out_i64(&od.vehicle_id)), e) != 1)
    return -1;
  if (db_exec(c,
              "INSERT INTO leads (public_id, tenant_id, vehicle_id, kind, name, email, phone,"
              " message, privacy_notice, status, created_at) VALUES ($1, $2, $3, 'contact',"
              " 'Max Müller', 'max@example.org', '+49 170 1234567', 'Ist der Golf noch da?',"
              " 'lead-notice-2025-10', 'new', $4)",
              DB_PARAMS(db_text(od.lead_pub), db_i64(od.tenant_id), db_i64(od.vehicle_id),
                        db_i64(CREATED_AT + 3600)),
              e) != 1)
    return -1;
  if (db_query_one(c, NULL, "SELECT id FROM leads WHERE public_id = $1",
                   DB_PARAMS(db_text(od.lead_pub)), DB_ROW(db_out_i64(&od.lead_id)), e) != 1)
    return -1;
  return 0;
}

static void fill_old(void)
{
  memset(&od, 0, sizeof od);
  id_new(od.tenant_pub);
  id_new(od.vehicle_pub);
  id_new(od.lead_pub);
  id_new(od.user_pub);
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_fill_old, NULL, &e), 0, "fill the old schema: %s", e.msg);
  cr_assert_gt(od.tenant_id, 0);
  cr_assert_gt(od.lead_id, 0);
}

Test(migrate, old_database_has_only_the_old_versions, .init = setup, .fini = teardown)
{
  cr_assert_str_eq(db_migration_name(OLD_COUNT - 1), OLD_VERSION);
  cr_assert_eq(count("SELECT COUNT(*) FROM schema_migrations", DB_NOPARAMS), OLD_COUNT);
  cr_assert_eq(count("SELECT COUNT(*) FROM schema_migrations WHERE version > $1",
                     DB_PARAMS(db_text(OLD_VERSION))),
               0);
  /* the columns of 0018 do not exist yet */
  struct err e = {0};
  db_conn *c = db_acquire(d, &e);
  cr_assert_not_null(c);
  cr_assert_eq(db_exec(c, "UPDATE leads SET source = 'api'", DB_NOPARAMS, &e), -1);
  db_release(c);
}

Test(migrate, unknown_target_version_is_refused, .init = setup, .fini = teardown)
{
  struct err e = {0};
  cr_assert_eq(db_migrate_until(d, "9999_nothing", &e), -1);
  cr_assert_not_null(strstr(e.msg, "9999_nothing"), "%s", e.msg);
  cr_assert_eq(count("SELECT COUNT(*) FROM schema_migrations", DB_NOPARAMS), OLD_COUNT,
               "nothing applied");
}

Test(migrate, upgrade_keeps_data_and_fills_new_columns, .init = setup, .fini = teardown)
{
  fill_old();
  int total = db_migration_count();
  cr_assert_gt(total, OLD_COUNT);

  /* before the upgrade the users.role CHECK of 0004 refuses buyers */
  struct err e = {0};
  db_conn *c = db_acquire(d, &e);
  cr_assert_not_null(c);
  cr_assert_eq(db_exec(c,
                       "INSERT INTO users (public_id, email, password_hash, role, created_at)"
                       " VALUES ('buyer0000000000a', 'kaeufer@example.org', 'x', 'buyer', 1)",
                       DB_NOPARAMS, &e),
               -1, "0009 knows no buyers");
  db_release(c);

  cr_assert_eq(db_migrate(d, &e), total - OLD_COUNT, "%s", e.msg);

  /* every version once, all of them */
  cr_assert_eq(count("SELECT COUNT(*) FROM schema_migrations", DB_NOPARAMS), total);
  cr_assert_eq(count("SELECT COUNT(DISTINCT version) FROM schema_migrations", DB_NOPARAMS), total);
  for (int i = 0; i < total; i++)
    cr_assert_eq(count("SELECT COUNT(*) FROM schema_migrations WHERE version = $1",
                       DB_PARAMS(db_text(db_migration_name(i)))),
                 1, "%s", db_migration_name(i));

  /* the old rows, unchanged, and the defaults of the columns added since */
  c = db_acquire(d, &e);
  cr_assert_not_null(c);
  char *name = NULL, *email = NULL, *message = NULL, *source = NULL, *topic = NULL, *status = NULL,
       *notice = NULL;
  int64_t created = 0, updated = -1, anonymised = -1, follow_up = -1, read_at = -1, opt_in = -1,
          contact = -1, vehicle = 0;
  bool contact_null = false;
  int rc = db_query_one(
      c, a,
      "SELECT name, email, message, source, topic, status, privacy_notice, created_at,"
      " updated_at, anonymised_at, follow_up_at, read_at, marketing_opt_in, contact_id,"
      " vehicle_id FROM leads WHERE id = $1",
      DB_PARAMS(db_i64(od.lead_id)),
      DB_ROW(db_out_text(&name), db_out_text(&email), db_out_text(&message), db_out_text(&source),
             db_out_text(&topic), db_out_text(&status), db_out_text(&notice), db_out_i64(&created),
             db_out_i64(&updated), db_out_i64(&anonymised), db_out_i64(&follow_up),
             db_out_i64(&read_at), db_out_i64(&opt_in), db_out_i64_null(&contact, &contact_null),
             db_out_i64(&vehicle)),
      &e);
  cr_assert_eq(rc, 1, "%s", e.msg);
  cr_assert_str_eq(name, "Max Müller");
  cr_assert_str_eq(email, "max@example.org");
  cr_assert_str_eq(message, "Ist der Golf noch da?");
  cr_assert_str_eq(status, "new");
  cr_assert_str_eq(notice, "lead-notice-2025-10");
  cr_assert_eq(created, CREATED_AT + 3600);
  cr_assert_eq(vehicle, od.vehicle_id);
  cr_assert_str_eq(source, "website", "0018: leads before the API came from the website");
  cr_assert_str_eq(topic, "");
  cr_assert_eq(updated, created, "0018 backfills updated_at from created_at");
  cr_assert_eq(anonymised, 0, "0016: not anonymised");
  cr_assert_eq(follow_up, 0);
  cr_assert_eq(read_at, 0);
  cr_assert_eq(opt_in, 0, "no marketing consent is invented");
  cr_assert(contact_null, "no contact is invented");

  int64_t has_spin = -1;
  char *cover = NULL, *tenant_name = NULL, *locale = NULL, *role = NULL;
  cr_assert_eq(db_query_one(c, a, "SELECT has_spin, cover FROM vehicles WHERE id = $1",
                            DB_PARAMS(db_i64(od.vehicle_id)),
                            DB_ROW(db_out_i64(&has_spin), db_out_text(&cover)), &e),
               1, "%s", e.msg);
  cr_assert_eq(has_spin, 0, "0010 default");
  cr_assert_str_eq(cover, "", "0014 default");
  cr_assert_eq(db_query_one(c, a, "SELECT name FROM tenants WHERE id = $1",
                            DB_PARAMS(db_i64(od.tenant_id)), DB_ROW(db_out_text(&tenant_name)), &e),
               1, "%s", e.msg);
  cr_assert_str_eq(tenant_name, "Autohaus Alt GmbH");
  cr_assert_eq(db_query_one(c, a, "SELECT locale, role FROM users WHERE id = $1",
                            DB_PARAMS(db_i64(od.user_id)),
                            DB_ROW(db_out_text(&locale), db_out_text(&role)), &e),
               1, "%s", e.msg);
  cr_assert_str_eq(locale, "de", "0012 default");
  cr_assert_str_eq(role, "owner");
  /* 0012 widened the role CHECK without losing the row (SQLite edits the schema text) */
  cr_assert_eq(db_exec(c,
                       "INSERT INTO users (public_id, email, password_hash, role, created_at)"
                       " VALUES ('buyer0000000000a', 'kaeufer@example.org', 'x', 'buyer', 1)",
                       DB_NOPARAMS, &e),
               1, "%s", e.msg);
  cr_assert_eq(db_exec(c,
                       "INSERT INTO users (public_id, email, password_hash, role, created_at)"
                       " VALUES ('nobody0000000000', 'x@example.org', 'x', 'emperor', 1)",
                       DB_NOPARAMS, &e),
               -1, "the widened CHECK still checks");
  /* 0018's topic CHECK holds on upgraded rows too */
  cr_assert_eq(db_exec(c, "UPDATE leads SET topic = 'cake' WHERE id = $1",
                       DB_PARAMS(db_i64(od.lead_id)), &e),
               -1);
  db_release(c);
}

static int tx_read_with_stores(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  struct vehicle v;
  int rc = vehicle_store_get(c, a, od.tenant_id, od.vehicle_pub, &v, e);
  if (rc != 1)
    return rc < 0 ? -1 : (err_set(e, CC24_E_INTERNAL, "vehicle not found"), -1);
  cr_assert_str_eq(v.make, "VW");
  cr_assert_str_eq(v.model, "Golf");
  cr_assert_eq(v.mileage_km, 42000);
  cr_assert_eq(v.price_cents, 2499000);
  cr_assert_eq(v.status, STATUS_PUBLISHED);
  cr_assert_str_eq(v.cover, "");
  struct lead l;
  rc = lead_store_get(c, a, od.tenant_id, od.lead_pub, &l, e);
  if (rc != 1)
    return rc < 0 ? -1 : (err_set(e, CC24_E_INTERNAL, "lead not found"), -1);
  cr_assert_str_eq(l.name, "Max Müller");
  cr_assert_eq(l.kind, LEAD_CONTACT);
  cr_assert_str_eq(l.vehicle_public_id, od.vehicle_pub);
  cr_assert_eq(l.anonymised_at, 0);
  /* the CRM (0018) sees the old lead with its defaults, and links it to a contact */
  struct crm_lead cl;
  rc = crm_lead_get(c, a, od.tenant_id, od.lead_pub, &cl, e);
  if (rc != 1)
    return rc < 0 ? -1 : (err_set(e, CC24_E_INTERNAL, "crm lead not found"), -1);
  cr_assert_str_eq(cl.source, "website");
  cr_assert_eq(cl.updated_at, CREATED_AT + 3600);
  cr_assert_eq(cl.read_at, 0, "unread");
  cr_assert_eq(cl.contact_id, 0);
  if (crm_link_contacts(c, a, od.tenant_id, e) != 1)
    return -1;
  rc = crm_lead_get(c, a, od.tenant_id, od.lead_pub, &cl, e);
  if (rc != 1)
    return -1;
  cr_assert_gt(cl.contact_id, 0);
  return 0;
}

Test(migrate, current_stores_read_upgraded_rows, .init = setup, .fini = teardown)
{
  fill_old();
  struct err e = {0};
  cr_assert_geq(db_migrate(d, &e), 1, "%s", e.msg);
  cr_assert_eq(db_tx(d, od.tenant_id, DB_WRITE, tx_read_with_stores, NULL, &e), 0, "%s", e.msg);
}

Test(migrate, second_run_is_a_no_op, .init = setup, .fini = teardown)
{
  fill_old();
  struct err e = {0};
  int total = db_migration_count();
  cr_assert_eq(db_migrate(d, &e), total - OLD_COUNT, "%s", e.msg);
  int64_t stamp = count("SELECT MAX(applied_at) FROM schema_migrations", DB_NOPARAMS);
  cr_assert_eq(db_migrate(d, &e), 0, "nothing left to apply: %s", e.msg);
  cr_assert_eq(db_migrate(d, &e), 0, "%s", e.msg);
  cr_assert_eq(db_migrate_until(d, OLD_VERSION, &e), 0, "an older target undoes nothing");
  cr_assert_eq(count("SELECT COUNT(*) FROM schema_migrations", DB_NOPARAMS), total);
  cr_assert_eq(count("SELECT MAX(applied_at) FROM schema_migrations", DB_NOPARAMS), stamp);
  cr_assert_eq(count("SELECT COUNT(*) FROM leads", DB_NOPARAMS), 1);
  cr_assert_eq(count("SELECT COUNT(*) FROM vehicles", DB_NOPARAMS), 1);
  cr_assert_eq(count("SELECT COUNT(*) FROM tenants", DB_NOPARAMS), 1);
}

Test(migrate, fresh_database_in_one_step_equals_the_upgrade_path, .init = setup, .fini = teardown)
{
  /* the table of contents after an upgrade matches a database migrated in one go */
  struct err e = {0};
  cr_assert_geq(db_migrate(d, &e), 1, "%s", e.msg);
  const char *q = db_backend(d) == DB_PG
                      ? "SELECT COUNT(*) FROM information_schema.columns"
                        " WHERE table_schema = 'public'"
                      : "SELECT COUNT(*) FROM sqlite_schema s, pragma_table_info(s.name)"
                        " WHERE s.type = 'table'";
  int64_t upgraded = count(q, DB_NOPARAMS);
  struct testdb_state keep = testdb_cur;
  db *fresh = testdb_open();
  cr_assert_not_null(fresh);
  db *old = d;
  d = fresh;
  int64_t direct = count(q, DB_NOPARAMS);
  testdb_close(fresh);
  testdb_cur = keep;
  d = old;
  cr_assert_gt(direct, 100);
  cr_assert_eq(upgraded, direct, "columns after upgrade %lld, fresh %lld", (long long)upgraded,
               (long long)direct);
}
