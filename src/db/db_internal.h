/* db_internal.h — shared between db.c and the two backends. Not a public API. */
#ifndef CC24_DB_INTERNAL_H
#define CC24_DB_INTERNAL_H

#include "db/db.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>

struct stmt_entry {
  char *sql; /* owned copy, the cache key */
  uint64_t hash;
  sqlite3_stmt *sq; /* SQLite prepared statement */
  char name[24];    /* PostgreSQL prepared statement name */
  int nparams;      /* PostgreSQL: parameters in the statement */
};

struct db_conn {
  struct db *d;
  enum db_backend be;
  sqlite3 *sq;
  PGconn *pg;
  struct stmt_entry *cache;
  int ncache, capcache;
  int next_no;
  bool busy;   /* checked out */
  bool broken; /* needs a reconnect before reuse */
  bool in_tx;
};

struct listener {
  struct listener *next;
  struct db *d;
  char *channel;
  db_listen_fn cb;
  void *arg;
  pthread_t thread;
};

struct db {
  enum db_backend be;
  char *target; /* SQLite path or PostgreSQL conninfo URL */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  struct db_conn **conns;
  int size, nopen, in_use, waiting;
  uint64_t acquired_total, retries_total, errors_total;
  struct listener *listeners;
  volatile int stopping;
  char *role; /* PostgreSQL: SET ROLE after connecting (row-level security) */
};

/* Backend operations. */
int db_sqlite_connect(struct db_conn *c, struct err *e);
void db_sqlite_disconnect(struct db_conn *c);
int db_sqlite_exec(struct db_conn *c, const char *sql, const struct db_param *p, struct err *e);
int db_sqlite_script(struct db_conn *c, const char *sql, struct err *e);
db_stmt *db_sqlite_query(struct db_conn *c, const char *sql, const struct db_param *p,
                         struct err *e);

int db_pg_connect(struct db_conn *c, struct err *e);
void db_pg_disconnect(struct db_conn *c);
int db_pg_exec(struct db_conn *c, const char *sql, const struct db_param *p, struct err *e);
int db_pg_script(struct db_conn *c, const char *sql, struct err *e);
db_stmt *db_pg_query(struct db_conn *c, const char *sql, const struct db_param *p, struct err *e);
void *db_pg_listen_thread(void *arg);

/* Cursor shared shape. */
struct db_stmt {
  struct db_conn *c;
  sqlite3_stmt *sq;
  PGresult *row; /* current single-row result */
  bool done;
  bool first_fetched;
};

int db_sqlite_next(db_stmt *st, struct arena *a, const struct db_out *row, struct err *e);
void db_sqlite_finish(db_stmt *st);
int db_pg_next(db_stmt *st, struct arena *a, const struct db_out *row, struct err *e);
void db_pg_finish(db_stmt *st);

/* Statement cache lookup (FNV-1a of the SQL text). */
struct stmt_entry *db_cache_find(struct db_conn *c, const char *sql, uint64_t *hash);
struct stmt_entry *db_cache_add(struct db_conn *c, const char *sql, uint64_t hash);
void db_cache_clear(struct db_conn *c);

/* Count parameters in a DB_PARAMS list. */
int db_param_count(const struct db_param *p);

/* The embedded migrations (generated at build time). */
struct db_migration {
  const char *name;
  const char *sqlite_sql;
  const char *pg_sql;
};
extern const struct db_migration db_migrations[];
extern const int db_nmigrations;

#endif
