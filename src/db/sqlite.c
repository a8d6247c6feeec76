/* sqlite.c — the SQLite backend: WAL, busy timeout, $N → ?N rewriting,
 * cached prepared statements, typed binding and reading. */
#include "core/arena.h"
#include "core/buf.h"
#include "db/db_internal.h"

#include <stdlib.h>
#include <string.h>

static int map_error(struct db_conn *c, int rc, struct err *e)
{
  int primary = rc & 0xff;
  const char *msg = c->sq ? sqlite3_errmsg(c->sq) : sqlite3_errstr(rc);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    return err_set(e, CC24_E_DB_BUSY, "sqlite: %s", msg);
  if (primary == SQLITE_CONSTRAINT)
    return err_set(e, CC24_E_DB_CONSTRAINT, "sqlite: %s", msg);
  return err_set(e, CC24_E_DB, "sqlite: %s", msg);
}

int db_sqlite_connect(struct db_conn *c, struct err *e)
{
  int rc = sqlite3_open_v2(c->d->target, &c->sq,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    err_set(e, CC24_E_DB_UNAVAILABLE, "sqlite: cannot open %s: %s", c->d->target,
            c->sq ? sqlite3_errmsg(c->sq) : sqlite3_errstr(rc));
    sqlite3_close(c->sq);
    c->sq = NULL;
    return -1;
  }
  sqlite3_busy_timeout(c->sq, 5000);
  sqlite3_extended_result_codes(c->sq, 1);
  char *msg = NULL;
  rc = sqlite3_exec(c->sq,
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                    " PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
                    NULL, NULL, &msg);
  if (rc != SQLITE_OK) {
    err_set(e, CC24_E_DB_UNAVAILABLE, "sqlite: %s", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    sqlite3_close(c->sq);
    c->sq = NULL;
    return -1;
  }
  return 0;
}

void db_sqlite_disconnect(struct db_conn *c)
{
  if (c->sq)
    sqlite3_close_v2(c->sq);
  c->sq = NULL;
}

/* Rewrite $N placeholders to ?N outside string literals and quoted identifiers,
 * so parameters bind by number, never by order of appearance. */
static char *rewrite(const char *sql)
{
  struct buf b;
  buf_init(&b, NULL);
  buf_reserve(&b, strlen(sql));
  char quote = 0;
  for (const char *p = sql; *p; p++) {
    char ch = *p;
    if (quote) {
      buf_putc(&b, ch);
      if (ch == quote)
        quote = 0;
      continue;
    }
    if (ch == '\'' || ch == '"') {
      quote = ch;
      buf_putc(&b, ch);
      continue;
    }
    if (ch == '$' && p[1] >= '0' && p[1] <= '9') {
      buf_putc(&b, '?');
      continue;
    }
    buf_putc(&b, ch);
  }
  return buf_detach(&b, NULL);
}

static sqlite3_stmt *prepare(struct db_conn *c, const char *sql, struct err *e)
{
  uint64_t h;
  struct stmt_entry *s = db_cache_find(c, sql, &h);
  if (s) {
    sqlite3_reset(s->sq);
    sqlite3_clear_bindings(s->sq);
    return s->sq;
  }
  char *q = rewrite(sql);
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v3(c->sq, q, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
  free(q);
  if (rc != SQLITE_OK) {
    map_error(c, rc, e);
    return NULL;
  }
  s = db_cache_add(c, sql, h);
  s->sq = st;
  return st;
}

static int bind(struct db_conn *c, sqlite3_stmt *st, const struct db_param *p, struct err *e)
{
  int n = db_param_count(p);
  int want = sqlite3_bind_parameter_count(st);
  if (n < want)
    return err_set(e, CC24_E_INTERNAL, "statement wants %d parameters, got %d", want, n);
  for (int i = 0; i < n && i < want; i++) {
    int rc;
    switch (p[i].t) {
    case DB_T_I64:
    case DB_T_INT:
    case DB_T_BOOL:
      rc = sqlite3_bind_int64(st, i + 1, p[i].i);
      break;
    case DB_T_F64:
      rc = sqlite3_bind_double(st, i + 1, p[i].f);
      break;
    case DB_T_TEXT:
      rc = sqlite3_bind_text(st, i + 1, p[i].s, -1, SQLITE_TRANSIENT);
      break;
    default:
      rc = sqlite3_bind_null(st, i + 1);
    }
    if (rc != SQLITE_OK)
      return map_error(c, rc, e);
  }
  return 0;
}

int db_sqlite_exec(struct db_conn *c, const char *sql, const struct db_param *p, struct err *e)
{
  sqlite3_stmt *st = prepare(c, sql, e);
  if (!st || bind(c, st, p, e) < 0)
    return -1;
  int rc, rows = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    rows++;
  if (rc != SQLITE_DONE) {
    map_error(c, rc, e);
    sqlite3_reset(st);
    return -1;
  }
  /* like PostgreSQL: rows returned for queries, rows changed for writes */
  bool ro = sqlite3_stmt_readonly(st);
  sqlite3_reset(st);
  return ro ? rows : sqlite3_changes(c->sq);
}

int db_sqlite_script(struct db_conn *c, const char *sql, struct err *e)
{
  char *msg = NULL;
  int rc = sqlite3_exec(c->sq, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK) {
    int primary = rc & 0xff;
    int code = primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? CC24_E_DB_BUSY
               : primary == SQLITE_CONSTRAINT                     ? CC24_E_DB_CONSTRAINT
                                                                  : CC24_E_DB;
    err_set(e, code, "sqlite: %s", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

db_stmt *db_sqlite_query(struct db_conn *c, const char *sql, const struct db_param *p,
                         struct err *e)
{
  sqlite3_stmt *st = prepare(c, sql, e);
  if (!st)
    return NULL;
  if (bind(c, st, p, e) < 0) {
    sqlite3_reset(st);
    return NULL;
  }
  struct db_stmt *s = xcalloc(1, sizeof *s);
  s->c = c;
  s->sq = st;
  return s;
}

int db_sqlite_next(db_stmt *s, struct arena *a, const struct db_out *row, struct err *e)
{
  if (s->done)
    return 0;
  int rc = sqlite3_step(s->sq);
  if (rc == SQLITE_DONE) {
    s->done = true;
    return 0;
  }
  if (rc != SQLITE_ROW) {
    s->done = true;
    return map_error(s->c, rc, e);
  }
  int ncol = sqlite3_column_count(s->sq);
  for (int i = 0; row && row[i].t != DB_T_END; i++) {
    if (i >= ncol)
      return err_set(e, CC24_E_INTERNAL, "query returns %d columns, %d wanted", ncol, i + 1);
    const struct db_out *o = &row[i];
    bool null = sqlite3_column_type(s->sq, i) == SQLITE_NULL;
    if (o->is_null)
      *o->is_null = null;
    switch (o->t) {
    case DB_T_I64:
      *(int64_t *)o->p = sqlite3_column_int64(s->sq, i);
      break;
    case DB_T_INT:
      *(int *)o->p = (int)sqlite3_column_int64(s->sq, i);
      break;
    case DB_T_BOOL:
      *(bool *)o->p = sqlite3_column_int64(s->sq, i) != 0;
      break;
    case DB_T_F64:
      *(double *)o->p = sqlite3_column_double(s->sq, i);
      break;
    case DB_T_TEXT:
      if (null) {
        *(char **)o->p = NULL;
      } else {
        if (!a)
          return err_set(e, CC24_E_INTERNAL, "text column without an arena");
        const unsigned char *t = sqlite3_column_text(s->sq, i);
        int n = sqlite3_column_bytes(s->sq, i);
        *(char **)o->p = arena_memdup(a, t, (size_t)n);
      }
      break;
    default:
      break;
    }
  }
  return 1;
}

void db_sqlite_finish(db_stmt *s)
{
  sqlite3_reset(s->sq);
  sqlite3_clear_bindings(s->sq);
  free(s);
}
