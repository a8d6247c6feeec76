/* Store tests for db.h on SQLite and PostgreSQL: placeholders, typed values,
 * cursors, transactions, retries, constraint mapping, migrations, notify. */
#include "core/arena.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static db *d;
static struct arena *a;

static void setup(void)
{
  d = testdb_open();
  cr_assert_not_null(d);
  a = arena_new(0);
  struct err e = {0};
  db_conn *c = db_acquire(d, &e);
  cr_assert_not_null(c, "%s", e.msg);
  cr_assert_eq(
      db_exec_script(c,
                     "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT UNIQUE, score BIGINT,"
                     " ratio DOUBLE PRECISION, flag INTEGER NOT NULL DEFAULT 0)",
                     &e),
      0, "%s", e.msg);
  db_release(c);
}

static void teardown(void)
{
  arena_free(a);
  testdb_close(d);
}

TestSuite(db, .init = setup, .fini = teardown);

Test(db, placeholders_bind_by_number_and_types_round_trip)
{
  struct err e = {0};
  db_conn *c = db_acquire(d, &e);
  /* $2 before $1, $1 used twice, a '$1' inside a string literal stays text */
  cr_assert_eq(
      db_exec(c, "INSERT INTO t (id, name, score, ratio, flag) VALUES ($2, $1 || '$1', $3, $4, $5)",
              DB_PARAMS(db_text("Käfer"), db_i64(7), db_i64(-9000000000LL), db_f64(0.25),
                        db_bool(true)),
              &e),
      1, "%s", e.msg);
  char *name = NULL;
  int64_t score = 0, id = 0;
  double ratio = 0;
  bool flag = false;
  cr_assert_eq(db_query_one(c, a,
                            "SELECT id, name, score, ratio, flag FROM t WHERE id = $1 AND $1 = $1",
                            DB_PARAMS(db_i64(7)),
                            DB_ROW(db_out_i64(&id), db_out_text(&name), db_out_i64(&score),
                                   db_out_f64(&ratio), db_out_bool(&flag)),
                            &e),
               1, "%s", e.msg);
  cr_assert_str_eq(name, "Käfer$1");
  cr_assert_eq(score, -9000000000LL);
  cr_assert_float_eq(ratio, 0.25, 1e-12);
  cr_assert(flag);
  /* NULLs */
  cr_assert_eq(
      db_exec(c, "INSERT INTO t (id, name) VALUES ($1, $2)", DB_PARAMS(db_i64(8), db_null()), &e),
      1);
  bool isnull = false;
  cr_assert_eq(db_query_one(c, a, "SELECT name, score FROM t WHERE id = $1", DB_PARAMS(db_i64(8)),
                            DB_ROW(db_out_text(&name), db_out_i64_null(&score, &isnull)), &e),
               1);
  cr_assert_null(name);
  cr_assert(isnull);
  /* ten and more parameters */
  cr_assert_eq(
      db_query_one(c, a,
                   "SELECT CAST($1 AS BIGINT) + $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 + $10 + $11",
                   DB_PARAMS(db_i64(1), db_i64(2), db_i64(3), db_i64(4), db_i64(5), db_i64(6),
                             db_i64(7), db_i64(8), db_i64(9), db_i64(10), db_i64(11)),
                   DB_ROW(db_out_i64(&score)), &e),
      1, "%s", e.msg);
  cr_assert_eq(score, 66);
  cr_assert_eq(db_query_one(c, a, "SELECT id FROM t WHERE id = $1", DB_PARAMS(db_i64(999)),
                            DB_ROW(db_out_i64(&id)), &e),
               0, "no row");
  db_release(c);
}

Test(db, cursors_and_statement_cache)
{
  struct err e = {0};
  db_conn *c = db_acquire(d, &e);
  for (int i = 0; i < 100; i++)
    cr_assert_eq(db_exec(c, "INSERT INTO t (id, score) VALUES ($1, $2)",
                         DB_PARAMS(db_i64(i), db_i64(i * i)), &e),
                 1);
  db_stmt *st =
      db_query(c, "SELECT id, score FROM t WHERE id >= $1 ORDER BY id", DB_PARAMS(db_i64(90)), &e);
  cr_assert_not_null(st, "%s", e.msg);
  int64_t id, score;
  int n = 0;
  while (db_next(st, a, DB_ROW(db_out_i64(&id), db_out_i64(&score)), &e) == 1) {
    cr_assert_eq(score, id * id);
    n++;
  }
  db_finish(st);
  cr_assert_eq(n, 10);
  /* abandoning a cursor early leaves the connection usable */
  st = db_query(c, "SELECT id FROM t ORDER BY id", DB_NOPARAMS, &e);
  cr_assert_eq(db_next(st, a, DB_ROW(db_out_i64(&id)), &e), 1);
  db_finish(st);
  cr_assert_eq(
      db_query_one(c, a, "SELECT COUNT(*) FROM t", DB_NOPARAMS, DB_ROW(db_out_i64(&score)), &e), 1);
  cr_assert_eq(score, 100);
  db_release(c);
}

static int tx_insert_then_fail(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  if (db_exec(c, "INSERT INTO t (id, name) VALUES (1, 'rolled back')", DB_NOPARAMS, e) < 0)
    return -1;
  return err_set(e, CC24_E_VALIDATION, "changed my mind");
}

static int tx_insert_ok(db_conn *c, void *arg, struct err *e)
{
  return db_exec(c, "INSERT INTO t (id, name) VALUES ($1, $2)",
                 DB_PARAMS(db_i64(*(int64_t *)arg), db_text("x")), e) < 0
             ? -1
             : 0;
}

static int tx_dupe(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  return db_exec(c, "INSERT INTO t (id, name) VALUES (2, 'x')", DB_NOPARAMS, e) < 0 ? -1 : 0;
}

Test(db, transactions_commit_roll_back_and_map_constraints)
{
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_insert_then_fail, NULL, &e), -1);
  cr_assert_eq(e.code, CC24_E_VALIDATION);
  int64_t one = 1;
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_insert_ok, &one, &e), 0, "%s", e.msg);
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_dupe, NULL, &e), -1, "unique name");
  cr_assert_eq(e.code, CC24_E_DB_CONSTRAINT, "%d %s", e.code, e.msg);
  db_conn *c = db_acquire(d, &e);
  char *name;
  cr_assert_eq(db_query_one(c, a, "SELECT name FROM t WHERE id = 1", DB_NOPARAMS,
                            DB_ROW(db_out_text(&name)), &e),
               1);
  cr_assert_str_eq(name, "x", "the failed transaction left nothing behind");
  db_release(c);
  struct db_stats s;
  db_stats(d, &s);
  cr_assert_geq(s.acquired_total, 3);
  cr_assert_eq(s.in_use, 0);
  cr_assert_eq(db_ping(d, &e), 0);
}

struct writer {
  int base;
  int failures;
};

static int tx_counter(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  int64_t v = 0;
  if (db_query_one(c, NULL, "SELECT score FROM t WHERE id = 0", DB_NOPARAMS, DB_ROW(db_out_i64(&v)),
                   e) < 0)
    return -1;
  return db_exec(c, "UPDATE t SET score = $1 WHERE id = 0", DB_PARAMS(db_i64(v + 1)), e) < 0 ? -1
                                                                                             : 0;
}

static void *write_many(void *arg)
{
  struct writer *w = arg;
  for (int i = 0; i < 50; i++) {
    struct err e = {0};
    if (db_tx(d, 0, DB_WRITE, tx_counter, NULL, &e) < 0)
      w->failures++;
  }
  return NULL;
}

Test(db, concurrent_writers_all_succeed)
{
  struct err e = {0};
  db_conn *c = db_acquire(d, &e);
  db_exec(c, "INSERT INTO t (id, score) VALUES (0, 0)", DB_NOPARAMS, &e);
  db_release(c);
  pthread_t th[4];
  struct writer w[4] = {0};
  for (int i = 0; i < 4; i++)
    pthread_create(&th[i], NULL, write_many, &w[i]);
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < 4; i++)
    cr_assert_eq(w[i].failures, 0);
  int64_t v = 0;
  c = db_acquire(d, &e);
  db_query_one(c, NULL, "SELECT score FROM t WHERE id = 0", DB_NOPARAMS, DB_ROW(db_out_i64(&v)),
               &e);
  db_release(c);
  /* SQLite serialises writers (BEGIN IMMEDIATE); on PostgreSQL read committed may lose
   * increments of this read-modify-write — there only "no failure" is promised */
  if (db_backend(d) == DB_SQLITE)
    cr_assert_eq(v, 200);
  else
    cr_assert_gt(v, 0);
}

Test(db, migrations_are_recorded_and_idempotent)
{
  struct err e = {0};
  cr_assert_geq(db_migration_count(), 2);
  cr_assert_str_eq(db_migration_name(0), "0001_jobs");
  cr_assert_eq(db_migrate(d, &e), 0, "nothing left to apply: %s", e.msg);
  db_conn *c = db_acquire(d, &e);
  int64_t n = 0;
  db_query_one(c, NULL, "SELECT COUNT(*) FROM schema_migrations", DB_NOPARAMS,
               DB_ROW(db_out_i64(&n)), &e);
  db_release(c);
  cr_assert_eq(n, db_migration_count());
  /* a second handle migrating concurrently finds nothing to do either */
  db *d2 = db_open(testdb_url(), 2, &e);
  cr_assert_not_null(d2, "%s", e.msg);
  cr_assert_eq(db_migrate(d2, &e), 0);
  db_close(d2);
}

Test(db, bad_urls_and_sql_give_errors)
{
  struct err e = {0};
  cr_assert_null(db_open("mysql://nope", 1, &e));
  cr_assert_eq(e.code, CC24_E_CONFIG);
  cr_assert_null(db_open("postgres://nobody@127.0.0.1:1/none", 1, &e));
  cr_assert_eq(e.code, CC24_E_DB_UNAVAILABLE);
  db_conn *c = db_acquire(d, &e);
  cr_assert_eq(db_exec(c, "SELEKT nonsense", DB_NOPARAMS, &e), -1);
  cr_assert_eq(e.code, CC24_E_DB);
  int64_t v;
  cr_assert_eq(
      db_query_one(c, NULL, "SELECT 1 WHERE 1 = $1", DB_NOPARAMS, DB_ROW(db_out_i64(&v)), &e), -1,
      "missing parameters are an error, not a crash");
  cr_assert_eq(db_exec(c, "SELECT 1", DB_NOPARAMS, &e), 1, "rows returned, like PostgreSQL");
  db_release(c);
}

static volatile int notified;
static char note_payload[64];

static void on_note(const char *channel, const char *payload, void *arg)
{
  (void)channel;
  (void)arg;
  if (strcmp(payload, "*") == 0)
    return;
  snprintf(note_payload, sizeof note_payload, "%s", payload);
  __atomic_store_n(&notified, 1, __ATOMIC_RELEASE);
}

static int tx_notify(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  return db_notify(c, "cc24_test", "hello 42", e);
}

Test(db, notify_reaches_listeners_after_commit)
{
  struct err e = {0};
  cr_assert_eq(db_listen(d, "cc24_test", on_note, NULL, &e), 0, "%s", e.msg);
  if (db_backend(d) != DB_PG) {
    cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_notify, NULL, &e), 0, "a no-op on SQLite");
    cr_skip_test("LISTEN/NOTIFY exists on PostgreSQL only (a no-op on SQLite, checked)");
  }
  usleep(300000); /* the listener connects */
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_notify, NULL, &e), 0, "%s", e.msg);
  for (int i = 0; i < 100 && !__atomic_load_n(&notified, __ATOMIC_ACQUIRE); i++)
    usleep(20000);
  cr_assert(notified);
  cr_assert_str_eq(note_payload, "hello 42");
  cr_assert_eq(db_listen(d, "bad channel!", on_note, NULL, &e), -1);
}
