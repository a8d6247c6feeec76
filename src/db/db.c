/* db.c — the backend-neutral part: URL dispatch, the connection pool,
 * transactions with retry, the statement cache, dispatch to the backends. */
#include "core/arena.h"
#include "core/log.h"
#include "db/db_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ACQUIRE_TIMEOUT_S 10
#define TX_MAX_ATTEMPTS   10

static int mkdir_parents(const char *path)
{
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", path);
  char *slash = strrchr(tmp, '/');
  if (!slash || slash == tmp)
    return 0;
  *slash = 0;
  for (char *p = tmp + 1; *p; p++) {
    if (*p == '/') {
      *p = 0;
      if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
        return -1;
      *p = '/';
    }
  }
  if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
    return -1;
  return 0;
}

db *db_open(const char *url, int pool_size, struct err *e)
{
  if (!url || !*url) {
    err_set(e, CC24_E_CONFIG, "empty database URL");
    return NULL;
  }
  struct db *d = xcalloc(1, sizeof *d);
  if (!strncmp(url, "sqlite://", 9) || !strncmp(url, "sqlite:", 7)) {
    d->be = DB_SQLITE;
    const char *path = url + (url[7] == '/' && url[8] == '/' ? 9 : 7);
    if (!*path) {
      free(d);
      err_set(e, CC24_E_CONFIG, "sqlite URL without a path");
      return NULL;
    }
    d->target = xstrdup(path);
    if (strcmp(path, ":memory:") != 0 && mkdir_parents(path) < 0) {
      err_set(e, CC24_E_IO, "cannot create the directory of %s: %s", path, strerror(errno));
      free(d->target);
      free(d);
      return NULL;
    }
  } else if (!strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13)) {
    d->be = DB_PG;
    d->target = xstrdup(url);
  } else {
    free(d);
    err_set(e, CC24_E_CONFIG, "unsupported database URL (want sqlite:PATH or postgres://...)");
    return NULL;
  }
  d->size = pool_size < 1 ? 1 : pool_size;
  d->conns = xcalloc((size_t)d->size, sizeof *d->conns);
  pthread_mutex_init(&d->mu, NULL);
  pthread_cond_init(&d->cv, NULL);
  /* Open one connection now so a bad URL fails at start-up, not at the first request. */
  db_conn *c = db_acquire(d, e);
  if (!c) {
    db_close(d);
    return NULL;
  }
  db_release(c);
  return d;
}

void db_close(db *d)
{
  if (!d)
    return;
  d->stopping = 1;
  struct listener *l = d->listeners;
  while (l) {
    pthread_join(l->thread, NULL);
    struct listener *n = l->next;
    free(l->channel);
    free(l);
    l = n;
  }
  for (int i = 0; i < d->nopen; i++) {
    struct db_conn *c = d->conns[i];
    db_cache_clear(c);
    if (c->be == DB_SQLITE)
      db_sqlite_disconnect(c);
    else
      db_pg_disconnect(c);
    free(c->cache);
    free(c);
  }
  free(d->conns);
  free(d->target);
  free(d->role);
  pthread_mutex_destroy(&d->mu);
  pthread_cond_destroy(&d->cv);
  free(d);
}

enum db_backend db_backend(const db *d)
{
  return d->be;
}

enum db_backend db_conn_backend(const db_conn *c)
{
  return c->be;
}

void db_stats(db *d, struct db_stats *out)
{
  pthread_mutex_lock(&d->mu);
  out->size = d->nopen;
  out->in_use = d->in_use;
  out->waiting = d->waiting;
  out->acquired_total = d->acquired_total;
  out->retries_total = d->retries_total;
  out->errors_total = d->errors_total;
  pthread_mutex_unlock(&d->mu);
}

static int connect_conn(struct db_conn *c, struct err *e)
{
  if (c->be == DB_SQLITE)
    return db_sqlite_connect(c, e);
  if (db_pg_connect(c, e) < 0)
    return -1;
  if (c->d->role) {
    char sql[96];
    snprintf(sql, sizeof sql, "SET ROLE %s", c->d->role);
    if (db_pg_script(c, sql, e) < 0)
      return -1;
  }
  return 0;
}

int db_use_role(db *d, const char *role, struct err *e)
{
  if (d->be != DB_PG)
    return 0;
  for (const char *p = role; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
      return err_set(e, CC24_E_CONFIG, "role names are [a-z0-9_]");
  db_conn *c = db_acquire(d, e);
  if (!c)
    return -1;
  char sql[96];
  snprintf(sql, sizeof sql, "SET ROLE %s", role);
  int rc = db_exec_script(c, sql, e);
  if (rc == 0)
    db_exec_script(c, "RESET ROLE", e);
  db_release(c);
  if (rc < 0)
    return -1;
  pthread_mutex_lock(&d->mu);
  free(d->role);
  d->role = xstrdup(role);
  /* reconnect every connection so each one takes the role */
  for (int i = 0; i < d->nopen; i++)
    d->conns[i]->broken = true;
  pthread_mutex_unlock(&d->mu);
  return 0;
}

db_conn *db_acquire(db *d, struct err *e)
{
  pthread_mutex_lock(&d->mu);
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += ACQUIRE_TIMEOUT_S;
  struct db_conn *c = NULL;
  for (;;) {
    for (int i = 0; i < d->nopen; i++)
      if (!d->conns[i]->busy) {
        c = d->conns[i];
        break;
      }
    if (c)
      break;
    if (d->nopen < d->size) {
      c = xcalloc(1, sizeof *c);
      c->d = d;
      c->be = d->be;
      c->broken = true; /* connected below, outside the lock */
      d->conns[d->nopen++] = c;
      break;
    }
    d->waiting++;
    int rc = pthread_cond_timedwait(&d->cv, &d->mu, &deadline);
    d->waiting--;
    if (rc == ETIMEDOUT) {
      d->errors_total++;
      pthread_mutex_unlock(&d->mu);
      err_set(e, CC24_E_DB_UNAVAILABLE, "no database connection free within %d s",
              ACQUIRE_TIMEOUT_S);
      return NULL;
    }
  }
  c->busy = true;
  d->in_use++;
  d->acquired_total++;
  pthread_mutex_unlock(&d->mu);

  if (c->broken) {
    db_cache_clear(c);
    if (c->be == DB_SQLITE)
      db_sqlite_disconnect(c);
    else
      db_pg_disconnect(c);
    if (connect_conn(c, e) < 0) {
      db_release(c);
      return NULL;
    }
    c->broken = false;
  }
  return c;
}

void db_release(db_conn *c)
{
  if (!c)
    return;
  struct db *d = c->d;
  if (c->in_tx) {
    /* Never hand out a connection in the middle of a transaction. */
    struct err e;
    if (c->be == DB_SQLITE)
      db_sqlite_script(c, "ROLLBACK", &e);
    else
      db_pg_script(c, "ROLLBACK", &e);
    c->in_tx = false;
  }
  pthread_mutex_lock(&d->mu);
  c->busy = false;
  d->in_use--;
  pthread_cond_signal(&d->cv);
  pthread_mutex_unlock(&d->mu);
}

int db_param_count(const struct db_param *p)
{
  int n = 0;
  if (p)
    while (p[n].t != DB_T_END)
      n++;
  return n;
}

int db_exec(db_conn *c, const char *sql, const struct db_param *params, struct err *e)
{
  return c->be == DB_SQLITE ? db_sqlite_exec(c, sql, params, e) : db_pg_exec(c, sql, params, e);
}

int db_exec_script(db_conn *c, const char *sql, struct err *e)
{
  return c->be == DB_SQLITE ? db_sqlite_script(c, sql, e) : db_pg_script(c, sql, e);
}

db_stmt *db_query(db_conn *c, const char *sql, const struct db_param *params, struct err *e)
{
  return c->be == DB_SQLITE ? db_sqlite_query(c, sql, params, e) : db_pg_query(c, sql, params, e);
}

int db_next(db_stmt *st, struct arena *a, const struct db_out *row, struct err *e)
{
  return st->c->be == DB_SQLITE ? db_sqlite_next(st, a, row, e) : db_pg_next(st, a, row, e);
}

void db_finish(db_stmt *st)
{
  if (!st)
    return;
  if (st->c->be == DB_SQLITE)
    db_sqlite_finish(st);
  else
    db_pg_finish(st);
}

int db_query_one(db_conn *c, struct arena *a, const char *sql, const struct db_param *params,
                 const struct db_out *row, struct err *e)
{
  db_stmt *st = db_query(c, sql, params, e);
  if (!st)
    return -1;
  int rc = db_next(st, a, row, e);
  db_finish(st);
  return rc;
}

int db_ping(db *d, struct err *e)
{
  db_conn *c = db_acquire(d, e);
  if (!c)
    return -1;
  int64_t one = 0;
  int rc = db_query_one(c, NULL, "SELECT 1", DB_NOPARAMS, DB_ROW(db_out_i64(&one)), e);
  if (rc < 0 && c->be == DB_PG)
    c->broken = true;
  db_release(c);
  return rc == 1 && one == 1 ? 0 : -1;
}

static void backoff(int attempt)
{
  /* 2, 4, 8, ... ms with jitter, capped at 200 ms */
  long ms = 1L << (attempt < 7 ? attempt + 1 : 7);
  if (ms > 200)
    ms = 200;
  ms = ms / 2 + rand() % (ms / 2 + 1);
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Every transaction says whom it works for (PostgreSQL row-level security): a dealer
 * (cc24.tenant_id), the public (cc24.public = on) and/or one buyer (cc24.user_id).
 * The settings are local to the transaction, so a pooled connection never carries
 * them into the next one. */
static int tx_run(db *d, int64_t tenant_id, int64_t user_id, int flags, db_tx_fn fn, void *arg,
                  struct err *e)
{
  struct err local;
  if (!e)
    e = &local;
  for (int attempt = 0;; attempt++) {
    db_conn *c = db_acquire(d, e);
    if (!c)
      return -1;
    const char *begin = c->be == DB_SQLITE && (flags & DB_WRITE) ? "BEGIN IMMEDIATE" : "BEGIN";
    int rc = db_exec_script(c, begin, e);
    if (rc == 0) {
      c->in_tx = true;
      if (c->be == DB_PG) {
        /* who this transaction works for: a dealer, or the public */
        char t[24] = "", u[24] = "";
        if (tenant_id > 0)
          snprintf(t, sizeof t, "%lld", (long long)tenant_id);
        if (user_id > 0)
          snprintf(u, sizeof u, "%lld", (long long)user_id);
        if (db_exec(c,
                    "SELECT set_config('cc24.tenant_id', $1, true),"
                    " set_config('cc24.public', $2, true), set_config('cc24.user_id', $3, true)",
                    DB_PARAMS(db_text(t), db_text(tenant_id > 0 ? "off" : "on"), db_text(u)),
                    e) < 0)
          rc = -1;
      }
      if (rc == 0) {
        e->code = 0;
        rc = fn(c, arg, e);
      }
      if (rc >= 0) {
        rc = db_exec_script(c, "COMMIT", e) < 0 ? -1 : rc;
        if (rc < 0)
          db_exec_script(c, "ROLLBACK", &local);
      } else {
        db_exec_script(c, "ROLLBACK", &local);
      }
      c->in_tx = false;
    }
    db_release(c);
    if (rc >= 0)
      return rc;
    if (e->code != CC24_E_DB_BUSY || attempt + 1 >= TX_MAX_ATTEMPTS) {
      if (e->code == CC24_E_DB_BUSY || e->code == CC24_E_DB || e->code == CC24_E_DB_UNAVAILABLE) {
        pthread_mutex_lock(&d->mu);
        d->errors_total++;
        pthread_mutex_unlock(&d->mu);
      }
      return rc;
    }
    pthread_mutex_lock(&d->mu);
    d->retries_total++;
    pthread_mutex_unlock(&d->mu);
    backoff(attempt);
  }
}

int db_tx(db *d, int64_t tenant_id, int flags, db_tx_fn fn, void *arg, struct err *e)
{
  return tx_run(d, tenant_id, 0, flags, fn, arg, e);
}

int db_tx_user(db *d, int64_t user_id, int flags, db_tx_fn fn, void *arg, struct err *e)
{
  return tx_run(d, 0, user_id, flags, fn, arg, e);
}

int db_set_user(db_conn *c, int64_t user_id, struct err *e)
{
  if (c->be != DB_PG)
    return 0;
  char u[24] = "";
  if (user_id > 0)
    snprintf(u, sizeof u, "%lld", (long long)user_id);
  return db_exec(c, "SELECT set_config('cc24.user_id', $1, true)", DB_PARAMS(db_text(u)), e) < 0
             ? -1
             : 0;
}

int db_notify(db_conn *c, const char *channel, const char *payload, struct err *e)
{
  if (c->be != DB_PG)
    return 0;
  return db_exec(c, "SELECT pg_notify($1, $2)", DB_PARAMS(db_text(channel), db_text(payload)), e) <
                 0
             ? -1
             : 0;
}

int db_listen(db *d, const char *channel, db_listen_fn cb, void *arg, struct err *e)
{
  if (d->be != DB_PG)
    return 0;
  for (const char *p = channel; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
      return err_set(e, CC24_E_INTERNAL, "channel names are [a-z0-9_]");
  struct listener *l = xcalloc(1, sizeof *l);
  l->d = d;
  l->channel = xstrdup(channel);
  l->cb = cb;
  l->arg = arg;
  if (pthread_create(&l->thread, NULL, db_pg_listen_thread, l) != 0) {
    free(l->channel);
    free(l);
    return err_set(e, CC24_E_INTERNAL, "cannot start the listener thread");
  }
  l->next = d->listeners;
  d->listeners = l;
  return 0;
}

/* ---- statement cache ---- */

static uint64_t fnv1a(const char *s)
{
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

struct stmt_entry *db_cache_find(struct db_conn *c, const char *sql, uint64_t *hash)
{
  uint64_t h = fnv1a(sql);
  *hash = h;
  for (int i = 0; i < c->ncache; i++)
    if (c->cache[i].hash == h && strcmp(c->cache[i].sql, sql) == 0)
      return &c->cache[i];
  return NULL;
}

struct stmt_entry *db_cache_add(struct db_conn *c, const char *sql, uint64_t hash)
{
  if (c->ncache == c->capcache) {
    c->capcache = c->capcache ? c->capcache * 2 : 32;
    c->cache = xrealloc(c->cache, sizeof *c->cache * (size_t)c->capcache);
  }
  struct stmt_entry *s = &c->cache[c->ncache++];
  memset(s, 0, sizeof *s);
  s->sql = xstrdup(sql);
  s->hash = hash;
  snprintf(s->name, sizeof s->name, "cc24_%d", c->next_no++);
  return s;
}

void db_cache_clear(struct db_conn *c)
{
  for (int i = 0; i < c->ncache; i++) {
    if (c->cache[i].sq)
      sqlite3_finalize(c->cache[i].sq);
    free(c->cache[i].sql);
  }
  c->ncache = 0;
}

/* ---- migrations ---- */

int db_migration_count(void)
{
  return db_nmigrations;
}

const char *db_migration_name(int i)
{
  return i >= 0 && i < db_nmigrations ? db_migrations[i].name : NULL;
}

int db_migrate(db *d, struct err *e)
{
  return db_migrate_until(d, NULL, e);
}

int db_migrate_until(db *d, const char *last, struct err *e)
{
  int n = db_nmigrations;
  if (last) {
    for (n = 0; n < db_nmigrations && strcmp(db_migrations[n].name, last) != 0; n++)
      ;
    if (n == db_nmigrations) {
      err_set(e, CC24_E_MIGRATION, "no migration %s", last);
      return -1;
    }
    n++; /* up to and including last */
  }
  db_conn *c = db_acquire(d, e);
  if (!c)
    return -1;
  int applied = 0;
  bool locked = false;
  if (c->be == DB_PG && d->role && db_exec_script(c, "RESET ROLE", e) < 0)
    goto fail;
  if (c->be == DB_PG) {
    /* One instance migrates at a time; the others wait, then find nothing to do. */
    if (db_exec(c, "SELECT pg_advisory_lock(724242)", DB_NOPARAMS, e) < 0)
      goto fail;
    locked = true;
  }
  if (db_exec_script(c,
                     "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY,"
                     " applied_at BIGINT NOT NULL)",
                     e) < 0)
    goto fail;
  for (int i = 0; i < n; i++) {
    const struct db_migration *m = &db_migrations[i];
    const char *sql = c->be == DB_PG ? m->pg_sql : m->sqlite_sql;
    if (db_exec_script(c, c->be == DB_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN", e) < 0)
      goto fail;
    c->in_tx = true;
    int64_t one = 0;
    int found = db_query_one(c, NULL, "SELECT 1 FROM schema_migrations WHERE version = $1",
                             DB_PARAMS(db_text(m->name)), DB_ROW(db_out_i64(&one)), e);
    if (found < 0)
      goto fail;
    if (found == 0) {
      if (sql && db_exec_script(c, sql, e) < 0) {
        char msg[sizeof e->msg];
        snprintf(msg, sizeof msg, "%s", e->msg);
        err_set(e, CC24_E_MIGRATION, "migration %s: %s", m->name, msg);
        goto fail;
      }
      if (db_exec(c, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                  DB_PARAMS(db_text(m->name), db_i64(time(NULL))), e) < 0)
        goto fail;
      applied++;
    }
    if (db_exec_script(c, "COMMIT", e) < 0)
      goto fail;
    c->in_tx = false;
    /* DDL may change what cached statements see. */
    db_cache_clear(c);
  }
  if (locked)
    db_exec(c, "SELECT pg_advisory_unlock(724242)", DB_NOPARAMS, e);
  if (d->role)
    c->broken = true; /* reconnects with the role */
  db_release(c);
  return applied;
fail:
  if (c->in_tx) {
    struct err tmp;
    db_exec_script(c, "ROLLBACK", &tmp);
    c->in_tx = false;
  }
  if (locked) {
    struct err tmp;
    db_exec(c, "SELECT pg_advisory_unlock(724242)", DB_NOPARAMS, &tmp);
  }
  db_release(c);
  return -1;
}
