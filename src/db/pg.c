/* pg.c — the PostgreSQL backend (libpq): prepared statements per connection,
 * text-format parameters and results, single-row mode for cursors, SQLSTATE
 * mapping (40001/40P01 → retry, 23xxx → constraint), and the LISTEN thread. */
#include "core/arena.h"
#include "core/log.h"
#include "db/db_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int map_result(struct db_conn *c, PGresult *r, struct err *e)
{
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg);
  char clean[200];
  snprintf(clean, sizeof clean, "%s", msg && *msg ? msg : "unknown error");
  clean[strcspn(clean, "\n")] = 0;
  if (PQstatus(c->pg) != CONNECTION_OK) {
    c->broken = true;
    return err_set(e, CC24_E_DB_UNAVAILABLE, "postgresql: %s", clean);
  }
  if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03")))
    return err_set(e, CC24_E_DB_BUSY, "postgresql: %s", clean);
  if (state && !strncmp(state, "23", 2))
    return err_set(e, CC24_E_DB_CONSTRAINT, "postgresql: %s", clean);
  return err_set(e, CC24_E_DB, "postgresql: %s (%s)", clean, state ? state : "?");
}

static void notice_quiet(void *arg, const char *msg)
{
  (void)arg;
  (void)msg; /* NOTICEs (e.g. "relation already exists, skipping") are not errors */
}

int db_pg_connect(struct db_conn *c, struct err *e)
{
  c->pg = PQconnectdb(c->d->target);
  if (PQstatus(c->pg) != CONNECTION_OK) {
    char msg[200];
    snprintf(msg, sizeof msg, "%s", PQerrorMessage(c->pg));
    msg[strcspn(msg, "\n")] = 0;
    PQfinish(c->pg);
    c->pg = NULL;
    return err_set(e, CC24_E_DB_UNAVAILABLE, "postgresql: %s", msg);
  }
  PQsetNoticeProcessor(c->pg, notice_quiet, NULL);
  PGresult *r = PQexec(c->pg, "SET TIME ZONE 'UTC'; SET client_encoding = 'UTF8'");
  PQclear(r);
  return 0;
}

void db_pg_disconnect(struct db_conn *c)
{
  if (c->pg)
    PQfinish(c->pg);
  c->pg = NULL;
}

/* Parameter values as text; numbers are formatted into buf. */
struct pg_params {
  const char *values[64];
  char nums[64][32];
  int n;
};

static int to_text(const struct db_param *p, struct pg_params *pp, struct err *e)
{
  pp->n = db_param_count(p);
  if (pp->n > 64)
    return err_set(e, CC24_E_INTERNAL, "too many parameters (%d)", pp->n);
  for (int i = 0; i < pp->n; i++) {
    switch (p[i].t) {
    case DB_T_I64:
    case DB_T_INT:
    case DB_T_BOOL:
      snprintf(pp->nums[i], sizeof pp->nums[i], "%lld", (long long)p[i].i);
      pp->values[i] = pp->nums[i];
      break;
    case DB_T_F64:
      snprintf(pp->nums[i], sizeof pp->nums[i], "%.17g", p[i].f);
      pp->values[i] = pp->nums[i];
      break;
    case DB_T_TEXT:
      pp->values[i] = p[i].s;
      break;
    default:
      pp->values[i] = NULL;
    }
  }
  return 0;
}

static struct stmt_entry *prepare(struct db_conn *c, const char *sql, struct err *e)
{
  uint64_t h;
  struct stmt_entry *s = db_cache_find(c, sql, &h);
  if (s)
    return s;
  s = db_cache_add(c, sql, h);
  PGresult *r = PQprepare(c->pg, s->name, sql, 0, NULL);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    map_result(c, r, e);
    PQclear(r);
    free(s->sql);
    c->ncache--;
    return NULL;
  }
  PQclear(r);
  r = PQdescribePrepared(c->pg, s->name);
  s->nparams = PQresultStatus(r) == PGRES_COMMAND_OK ? PQnparams(r) : -1;
  PQclear(r);
  return s;
}

static int prepared_run(struct db_conn *c, const char *sql, const struct db_param *p,
                        struct pg_params *pp, struct stmt_entry **out, struct err *e)
{
  if (to_text(p, pp, e) < 0)
    return -1;
  struct stmt_entry *s = prepare(c, sql, e);
  if (!s)
    return -1;
  if (s->nparams >= 0 && pp->n < s->nparams)
    return err_set(e, CC24_E_INTERNAL, "statement wants %d parameters, got %d", s->nparams, pp->n);
  if (s->nparams >= 0)
    pp->n = s->nparams;
  *out = s;
  return 0;
}

int db_pg_exec(struct db_conn *c, const char *sql, const struct db_param *p, struct err *e)
{
  struct pg_params pp;
  struct stmt_entry *s;
  if (prepared_run(c, sql, p, &pp, &s, e) < 0)
    return -1;
  PGresult *r = PQexecPrepared(c->pg, s->name, pp.n, pp.values, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    map_result(c, r, e);
    PQclear(r);
    return -1;
  }
  const char *n = PQcmdTuples(r);
  int rows = n && *n ? atoi(n) : 0;
  PQclear(r);
  return rows;
}

int db_pg_script(struct db_conn *c, const char *sql, struct err *e)
{
  PGresult *r = PQexec(c->pg, sql);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
    map_result(c, r, e);
    PQclear(r);
    return -1;
  }
  PQclear(r);
  return 0;
}

db_stmt *db_pg_query(struct db_conn *c, const char *sql, const struct db_param *p, struct err *e)
{
  struct pg_params pp;
  struct stmt_entry *s;
  if (prepared_run(c, sql, p, &pp, &s, e) < 0)
    return NULL;
  if (!PQsendQueryPrepared(c->pg, s->name, pp.n, pp.values, NULL, NULL, 0)) {
    map_result(c, NULL, e);
    return NULL;
  }
  PQsetSingleRowMode(c->pg);
  struct db_stmt *st = xcalloc(1, sizeof *st);
  st->c = c;
  return st;
}

static void drain(struct db_conn *c)
{
  PGresult *r;
  while ((r = PQgetResult(c->pg)))
    PQclear(r);
}

int db_pg_next(db_stmt *st, struct arena *a, const struct db_out *row, struct err *e)
{
  if (st->done)
    return 0;
  PQclear(st->row);
  st->row = NULL;
  PGresult *r = PQgetResult(st->c->pg);
  if (!r) {
    st->done = true;
    return 0;
  }
  ExecStatusType s = PQresultStatus(r);
  if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) {
    /* end of rows */
    PQclear(r);
    drain(st->c);
    st->done = true;
    return 0;
  }
  if (s != PGRES_SINGLE_TUPLE) {
    map_result(st->c, r, e);
    PQclear(r);
    drain(st->c);
    st->done = true;
    return -1;
  }
  st->row = r;
  int ncol = PQnfields(r);
  for (int i = 0; row && row[i].t != DB_T_END; i++) {
    if (i >= ncol)
      return err_set(e, CC24_E_INTERNAL, "query returns %d columns, %d wanted", ncol, i + 1);
    const struct db_out *o = &row[i];
    bool null = PQgetisnull(r, 0, i);
    const char *v = null ? NULL : PQgetvalue(r, 0, i);
    if (o->is_null)
      *o->is_null = null;
    switch (o->t) {
    case DB_T_I64:
      *(int64_t *)o->p = v ? strtoll(v, NULL, 10) : 0;
      break;
    case DB_T_INT:
      *(int *)o->p = v ? (int)strtol(v, NULL, 10) : 0;
      break;
    case DB_T_BOOL:
      *(bool *)o->p = v && (v[0] == 't' || (v[0] >= '1' && v[0] <= '9') || v[0] == '-');
      break;
    case DB_T_F64:
      *(double *)o->p = v ? strtod(v, NULL) : 0;
      break;
    case DB_T_TEXT:
      if (!v) {
        *(char **)o->p = NULL;
      } else {
        if (!a)
          return err_set(e, CC24_E_INTERNAL, "text column without an arena");
        *(char **)o->p = arena_memdup(a, v, (size_t)PQgetlength(r, 0, i));
      }
      break;
    default:
      break;
    }
  }
  return 1;
}

void db_pg_finish(db_stmt *st)
{
  PQclear(st->row);
  if (!st->done)
    drain(st->c);
  free(st);
}

void *db_pg_listen_thread(void *arg)
{
  struct listener *l = arg;
  PGconn *conn = NULL;
  int delay_ms = 100;
  bool had_conn = false;
  while (!l->d->stopping) {
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
      if (conn)
        PQfinish(conn);
      conn = PQconnectdb(l->d->target);
      if (PQstatus(conn) == CONNECTION_OK) {
        char sql[128];
        snprintf(sql, sizeof sql, "LISTEN %s", l->channel);
        PGresult *r = PQexec(conn, sql);
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (ok) {
          delay_ms = 100;
          /* After an outage anything may have changed while nobody listened. */
          if (had_conn)
            l->cb(l->channel, "*", l->arg);
          had_conn = true;
        } else {
          PQfinish(conn);
          conn = NULL;
        }
      }
      if (!conn || PQstatus(conn) != CONNECTION_OK) {
        log_warn("listen %s: cannot connect, retrying in %d ms", l->channel, delay_ms);
        struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        if (delay_ms < 5000)
          delay_ms *= 2;
        continue;
      }
    }
    struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLIN};
    int n = poll(&pfd, 1, 250);
    if (n < 0 && errno != EINTR)
      continue;
    if (n > 0 && !PQconsumeInput(conn))
      continue; /* reconnect on the next turn */
    PGnotify *note;
    while ((note = PQnotifies(conn))) {
      l->cb(note->relname, note->extra, l->arg);
      PQfreemem(note);
    }
  }
  if (conn)
    PQfinish(conn);
  return NULL;
}
