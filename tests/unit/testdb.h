/* testdb.h — a fresh, migrated database for store tests.
 *
 * CC24_TEST_DATABASE_URL unset: a new SQLite file in a temp directory.
 * Set to a postgres:// URL (the harness server): CREATE DATABASE cc24_t_<random>
 * on that server, migrated; testdb_close drops it. Header-only (static inline)
 * because each test binary is built from one .c file. */
#ifndef CC24_TESTS_TESTDB_H
#define CC24_TESTS_TESTDB_H

#include "core/ids.h"
#include "db/db.h"

#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct testdb_state {
  char url[512];
  char name[64];
  char dir[256];
  db *d;
};

static struct testdb_state testdb_cur;

static inline const char *testdb_backend_name(void)
{
  const char *u = getenv("CC24_TEST_DATABASE_URL");
  return u && *u ? "postgresql" : "sqlite";
}

/* The server URL with the database path replaced by name. */
static inline void testdb_url_with(const char *base, const char *name, char *out, size_t n)
{
  const char *scheme_end = strstr(base, "://");
  const char *path = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
  size_t prefix = path ? (size_t)(path - base) : strlen(base);
  const char *query = path ? strchr(path, '?') : NULL;
  snprintf(out, n, "%.*s/%s%s", (int)prefix, base, name, query ? query : "");
}

static inline int testdb_admin(const char *sql)
{
  PGconn *pg = PQconnectdb(getenv("CC24_TEST_DATABASE_URL"));
  if (PQstatus(pg) != CONNECTION_OK) {
    fprintf(stderr, "testdb: %s", PQerrorMessage(pg));
    PQfinish(pg);
    return -1;
  }
  PGresult *r = PQexec(pg, sql);
  int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok)
    fprintf(stderr, "testdb: %s", PQerrorMessage(pg));
  PQclear(r);
  PQfinish(pg);
  return ok ? 0 : -1;
}

/* Open a fresh database migrated up to and including migration `last` ("0009_leads";
 * NULL = all, as testdb_open); NULL on failure (printed). Pool of 8. For upgrade tests. */
static inline db *testdb_open_until(const char *last)
{
  ids_init();
  struct err e = {0};
  const char *base = getenv("CC24_TEST_DATABASE_URL");
  memset(&testdb_cur, 0, sizeof testdb_cur);
  if (base && *base) {
    char id[ID_LEN + 1];
    id_new(id);
    snprintf(testdb_cur.name, sizeof testdb_cur.name, "cc24_t_%s", id);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", testdb_cur.name);
    if (testdb_admin(sql) < 0)
      return NULL;
    testdb_url_with(base, testdb_cur.name, testdb_cur.url, sizeof testdb_cur.url);
  } else {
    snprintf(testdb_cur.dir, sizeof testdb_cur.dir, "/tmp/cc24-testdb-XXXXXX");
    if (!mkdtemp(testdb_cur.dir))
      return NULL;
    snprintf(testdb_cur.url, sizeof testdb_cur.url, "sqlite:%s/test.db", testdb_cur.dir);
  }
  db *d = db_open(testdb_cur.url, 8, &e);
  if (!d) {
    fprintf(stderr, "testdb: open %s: %s\n", testdb_cur.url, e.msg);
    return NULL;
  }
  if (db_migrate_until(d, last, &e) < 0) {
    fprintf(stderr, "testdb: migrate: %s\n", e.msg);
    db_close(d);
    return NULL;
  }
  testdb_cur.d = d;
  return d;
}

/* Open a fresh database, migrated; NULL on failure (printed). Pool of 8. */
static inline db *testdb_open(void)
{
  return testdb_open_until(NULL);
}

/* URL of the database testdb_open made (for a second handle on the same data). */
static inline const char *testdb_url(void)
{
  return testdb_cur.url;
}

static inline void testdb_close(db *d)
{
  db_close(d);
  if (testdb_cur.name[0]) {
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", testdb_cur.name);
    testdb_admin(sql);
  } else if (testdb_cur.dir[0]) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", testdb_cur.dir);
    if (system(cmd) != 0)
      fprintf(stderr, "testdb: could not remove %s\n", testdb_cur.dir);
  }
  memset(&testdb_cur, 0, sizeof testdb_cur);
}

#endif
