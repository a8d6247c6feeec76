/* db.h — one database API over SQLite (embedded default) and PostgreSQL.
 *
 * SQL is written once with $1..$n placeholders in the subset both engines
 * understand; where they differ, pick with DB_SQL(c, sqlite_sql, pg_sql).
 * Parameters and result columns are described declaratively:
 *
 *   rc = db_query_one(c, a, "SELECT make, price_cents FROM vehicles WHERE id = $1",
 *                     DB_PARAMS(db_i64(id)),
 *                     DB_ROW(db_out_text(&make), db_out_i64(&price)), &e);
 *
 * Work happens inside db_tx(), which checks out a connection, begins a
 * transaction, sets the tenant for row-level security (PostgreSQL:
 * set_config('cc24.tenant_id', …, true)), runs the callback and commits; on a
 * busy/serialization/deadlock failure the whole callback is run again (so it
 * must not have side effects outside the database).
 *
 * Booleans are stored as INTEGER 0/1, money as BIGINT cents, times as BIGINT
 * Unix seconds (UTC) — the same on both engines.
 *
 * Text results are copied into the arena passed to the call; NULL columns give
 * NULL for text and 0 for numbers (use db_out_*_null to tell them apart).
 * Thread-safety: a db handle is shared by all threads; a db_conn belongs to
 * one thread between acquire and release. */
#ifndef CC24_DB_DB_H
#define CC24_DB_DB_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

typedef struct db db;
typedef struct db_conn db_conn;
typedef struct db_stmt db_stmt;

enum db_backend { DB_SQLITE, DB_PG };

enum db_type { DB_T_END = 0, DB_T_NULL, DB_T_I64, DB_T_INT, DB_T_TEXT, DB_T_F64, DB_T_BOOL };

struct db_param {
  enum db_type t;
  int64_t i;
  double f;
  const char *s;
};

#define db_i64(x)  ((struct db_param){.t = DB_T_I64, .i = (int64_t)(x)})
#define db_bool(x) ((struct db_param){.t = DB_T_I64, .i = (x) ? 1 : 0})
#define db_f64(x)  ((struct db_param){.t = DB_T_F64, .f = (double)(x)})
static inline struct db_param db_text_param_(const char *s)
{
  struct db_param p = {.t = s ? DB_T_TEXT : DB_T_NULL, .s = s};
  return p;
}
#define db_text(x)     db_text_param_(x)
#define db_null()      ((struct db_param){.t = DB_T_NULL})
#define DB_PARAMS(...) ((const struct db_param[]){__VA_ARGS__, {.t = DB_T_END}})
#define DB_NOPARAMS    ((const struct db_param[]){{.t = DB_T_END}})

struct db_out {
  enum db_type t;
  void *p;       /* int64_t*, int*, char**, double*, bool* */
  bool *is_null; /* optional */
};

#define db_out_i64(ptr)              ((struct db_out){DB_T_I64, (ptr), NULL})
#define db_out_int(ptr)              ((struct db_out){DB_T_INT, (ptr), NULL})
#define db_out_text(ptr)             ((struct db_out){DB_T_TEXT, (ptr), NULL})
#define db_out_f64(ptr)              ((struct db_out){DB_T_F64, (ptr), NULL})
#define db_out_bool(ptr)             ((struct db_out){DB_T_BOOL, (ptr), NULL})
#define db_out_i64_null(ptr, isnull) ((struct db_out){DB_T_I64, (ptr), (isnull)})
#define db_out_int_null(ptr, isnull) ((struct db_out){DB_T_INT, (ptr), (isnull)})
#define db_out_skip()                ((struct db_out){DB_T_NULL, NULL, NULL})
#define DB_ROW(...)                  ((const struct db_out[]){__VA_ARGS__, {.t = DB_T_END}})

/* Open by URL: "sqlite:PATH" (file created if missing; parent directory too) or
 * "postgres://user:pass@host:port/db?..." / "postgresql://...". pool_size is the
 * number of connections kept (SQLite: readers share a pool too). NULL + e on error. */
db *db_open(const char *url, int pool_size, struct err *e);
void db_close(db *d);

enum db_backend db_backend(const db *d);
enum db_backend db_conn_backend(const db_conn *c);
#define DB_SQL(c, sqlite_sql, pg_sql) (db_conn_backend(c) == DB_PG ? (pg_sql) : (sqlite_sql))

/* 0 when the database answers a trivial query. */
int db_ping(db *d, struct err *e);

/* Pool statistics for /metrics. */
struct db_stats {
  int size, in_use, waiting;
  uint64_t acquired_total, retries_total, errors_total;
};
void db_stats(db *d, struct db_stats *out);

/* Transactions. flags: DB_READ (SQLite: deferred BEGIN) or DB_WRITE (SQLite:
 * BEGIN IMMEDIATE, so writers queue on the busy timeout instead of deadlocking).
 * tenant_id > 0 sets cc24.tenant_id for the transaction (PostgreSQL RLS); tenant_id 0
 * sets cc24.public = on instead (the public site: published vehicles only);
 * cc24.user_id is '' (no buyer; see db_tx_user). fn returns 0 to commit, < 0 to roll back (its
 * return value is returned, e is left as fn filled it). Retries up to 10 times on
 * busy/serialization errors. */
enum { DB_READ = 0, DB_WRITE = 1 };
typedef int (*db_tx_fn)(db_conn *c, void *arg, struct err *e);
int db_tx(db *d, int64_t tenant_id, int flags, db_tx_fn fn, void *arg, struct err *e);

/* A transaction for one buyer account (a user without a dealer, migration 0012): like
 * db_tx for the public (cc24.public = on, so published vehicles are readable) and
 * with cc24.user_id = user_id, which the row-level security of the buyer's own rows
 * (favourites, saved searches, the account itself) keys on. Every other transaction
 * has cc24.user_id = '' (nobody). user_id must be an account the caller has just
 * authenticated (session, signed link) or a job's own bookkeeping. */
int db_tx_user(db *d, int64_t user_id, int flags, db_tx_fn fn, void *arg, struct err *e);

/* Inside a transaction: from now on it works for buyer user_id (0: for nobody) — after
 * the account became known within it (a login, a signed link). No-op on SQLite. */
int db_set_user(db_conn *c, int64_t user_id, struct err *e);

/* Raw connection checkout, autocommit (for migrations, LISTEN, admin tools). */
db_conn *db_acquire(db *d, struct err *e);
void db_release(db_conn *c);

/* Execute a statement; returns rows affected (>= 0) or -1. */
int db_exec(db_conn *c, const char *sql, const struct db_param *params, struct err *e);

/* Run several ;-separated statements without parameters (migrations). 0 or -1. */
int db_exec_script(db_conn *c, const char *sql, struct err *e);

/* One row: 1 = found (outputs filled), 0 = no row, -1 = error. Extra rows are ignored. */
int db_query_one(db_conn *c, struct arena *a, const char *sql, const struct db_param *params,
                 const struct db_out *row, struct err *e);

/* Cursor over many rows: db_query, then db_next until it returns 0 (done) or -1
 * (error); always db_finish. Outputs are filled for each row. */
db_stmt *db_query(db_conn *c, const char *sql, const struct db_param *params, struct err *e);
int db_next(db_stmt *st, struct arena *a, const struct db_out *row, struct err *e);
void db_finish(db_stmt *st);

/* Notifications. db_notify queues a NOTIFY sent at commit (PostgreSQL) and is a
 * no-op on SQLite (one process owns the file). db_listen starts a background
 * thread with its own connection that calls cb for each notification on channel
 * (PostgreSQL; returns 0 and does nothing on SQLite). Reconnects on failure. */
int db_notify(db_conn *c, const char *channel, const char *payload, struct err *e);
typedef void (*db_listen_fn)(const char *channel, const char *payload, void *arg);
int db_listen(db *d, const char *channel, db_listen_fn cb, void *arg, struct err *e);

/* PostgreSQL: from now on every connection runs `SET ROLE role`, so row-level
 * security applies (the role must not own the tables nor bypass RLS). -1 when the
 * role cannot be assumed (the caller decides); no-op on SQLite. */
int db_use_role(db *d, const char *role, struct err *e);

/* Apply the embedded migrations (src/db/migrations/NNNN_name[.pg|.sqlite].sql) that are
 * not yet recorded in schema_migrations, each in its own transaction, in order.
 * Returns the number applied, or -1. */
int db_migrate(db *d, struct err *e);

/* Tests only (tests/unit/test_migrate.c): db_migrate, but stopping after the migration
 * named last ("0009_leads"), so a test can build a database as an old release left it,
 * fill it and upgrade it with db_migrate. last NULL = all. Returns the number applied,
 * or -1 (also when no migration is named last). */
int db_migrate_until(db *d, const char *last, struct err *e);

/* Names of the embedded migrations in order (for tests and `cc24 migrate --status`). */
int db_migration_count(void);
const char *db_migration_name(int i);

#endif
