/* redis.c — per-thread hiredis connections to the configured Redis, commands as
 * argument vectors, scripts by SHA. The configuration is written once at
 * start-up (and by tests); a generation counter makes threads drop connections
 * to an old configuration. */
#include "auth/redis.h"

#include "core/arena.h"
#include "core/log.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

struct redis_conf {
  char host[256];
  int port;
  char user[128];
  char password[256];
  int db;
};

static struct redis_conf conf;
static pthread_mutex_t conf_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int generation; /* 0 = not configured */

struct tconn {
  redisContext *c;
  int gen;
};

static pthread_key_t conn_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void tconn_free(void *p)
{
  struct tconn *t = p;
  if (t->c)
    redisFree(t->c);
  free(t);
}

static void key_init(void)
{
  pthread_key_create(&conn_key, tconn_free);
}

/* Percent-decoding for the user and password parts of the URL. */
static void url_unescape(const char *s, size_t n, char *out, size_t cap)
{
  size_t o = 0;
  for (size_t i = 0; i < n && o + 1 < cap; i++) {
    if (s[i] == '%' && i + 2 < n) {
      char hex[3] = {s[i + 1], s[i + 2], 0};
      char *end;
      long v = strtol(hex, &end, 16);
      if (!*end) {
        out[o++] = (char)v;
        i += 2;
        continue;
      }
    }
    out[o++] = s[i];
  }
  out[o] = 0;
}

static int parse_url(const char *url, struct redis_conf *c, struct err *e)
{
  memset(c, 0, sizeof *c);
  c->port = 6379;
  if (strncmp(url, "redis://", 8) != 0)
    return err_set(e, CC24_E_CONFIG, "redis URL must start with redis://");
  const char *p = url + 8;
  const char *at = strrchr(p, '@');
  const char *slash = strchr(at ? at : p, '/');
  if (at && (!slash || at < slash)) {
    const char *colon = memchr(p, ':', (size_t)(at - p));
    if (colon) {
      url_unescape(p, (size_t)(colon - p), c->user, sizeof c->user);
      url_unescape(colon + 1, (size_t)(at - colon - 1), c->password, sizeof c->password);
    } else {
      url_unescape(p, (size_t)(at - p), c->password, sizeof c->password);
    }
    p = at + 1;
  }
  const char *end = slash ? slash : p + strlen(p);
  const char *colon = memchr(p, ':', (size_t)(end - p));
  const char *hend = colon ? colon : end;
  if (hend == p || (size_t)(hend - p) >= sizeof c->host)
    return err_set(e, CC24_E_CONFIG, "redis URL without a host");
  memcpy(c->host, p, (size_t)(hend - p));
  if (colon) {
    char *pe;
    long port = strtol(colon + 1, &pe, 10);
    if (pe != end || port < 1 || port > 65535)
      return err_set(e, CC24_E_CONFIG, "redis URL with a bad port");
    c->port = (int)port;
  }
  if (slash && slash[1]) {
    char *de;
    long db = strtol(slash + 1, &de, 10);
    if (*de || db < 0 || db > 1000)
      return err_set(e, CC24_E_CONFIG, "redis URL with a bad database number");
    c->db = (int)db;
  }
  return 0;
}

static redisReply *raw(redisContext *c, int argc, const char **argv, const size_t *lens)
{
  return redisCommandArgv(c, argc, argv, lens);
}

/* A fresh connection with AUTH and SELECT done; NULL + e. */
static redisContext *connect_conf(const struct redis_conf *cf, struct err *e)
{
  struct timeval tv = {1, 0};
  redisContext *c = redisConnectWithTimeout(cf->host, cf->port, tv);
  if (!c || c->err) {
    err_set(e, CC24_E_DB_UNAVAILABLE, "redis %s:%d: %s", cf->host, cf->port,
            c ? c->errstr : "out of memory");
    if (c)
      redisFree(c);
    return NULL;
  }
  redisSetTimeout(c, tv);
  redisEnableKeepAlive(c);
  redisReply *r = NULL;
  if (cf->password[0]) {
    const char *av[] = {"AUTH", cf->user, cf->password};
    r = cf->user[0] ? raw(c, 3, av, NULL) : raw(c, 2, (const char *[]){"AUTH", cf->password}, NULL);
    if (!r || r->type == REDIS_REPLY_ERROR) {
      err_set(e, CC24_E_DB_UNAVAILABLE, "redis AUTH failed");
      goto fail;
    }
    freeReplyObject(r);
  }
  if (cf->db) {
    char db[16];
    snprintf(db, sizeof db, "%d", cf->db);
    r = raw(c, 2, (const char *[]){"SELECT", db}, NULL);
    if (!r || r->type == REDIS_REPLY_ERROR) {
      err_set(e, CC24_E_DB_UNAVAILABLE, "redis SELECT %s failed", db);
      goto fail;
    }
    freeReplyObject(r);
  }
  return c;
fail:
  if (r)
    freeReplyObject(r);
  redisFree(c);
  return NULL;
}

int redis_configure(const char *url, struct err *e)
{
  struct redis_conf c;
  if (parse_url(url, &c, e) < 0)
    return -1;
  redisContext *test = connect_conf(&c, e);
  if (!test)
    return -1;
  redisReply *r = raw(test, 1, (const char *[]){"PING"}, NULL);
  bool ok = r && r->type != REDIS_REPLY_ERROR;
  if (r)
    freeReplyObject(r);
  redisFree(test);
  if (!ok)
    return err_set(e, CC24_E_DB_UNAVAILABLE, "redis does not answer PING");
  pthread_mutex_lock(&conf_mu);
  conf = c;
  int g = atomic_load(&generation);
  atomic_store(&generation, g < 0 ? 1 : g + 1);
  pthread_mutex_unlock(&conf_mu);
  return 0;
}

void redis_unconfigure(void)
{
  pthread_mutex_lock(&conf_mu);
  /* negative: not configured, but connections of the last generation are stale */
  int g = atomic_load(&generation);
  atomic_store(&generation, g > 0 ? -g : g);
  pthread_mutex_unlock(&conf_mu);
}

bool redis_enabled(void)
{
  return atomic_load(&generation) > 0;
}

static struct tconn *thread_conn(void)
{
  pthread_once(&key_once, key_init);
  struct tconn *t = pthread_getspecific(conn_key);
  if (!t) {
    t = xcalloc(1, sizeof *t);
    pthread_setspecific(conn_key, t);
  }
  return t;
}

redisReply *redis_cmd(int argc, const char **argv, const size_t *lens, struct err *e)
{
  int gen = atomic_load(&generation);
  if (gen <= 0) {
    err_set(e, CC24_E_CONFIG, "redis is not configured");
    return NULL;
  }
  struct tconn *t = thread_conn();
  if (t->c && t->gen != gen) {
    redisFree(t->c);
    t->c = NULL;
  }
  for (int attempt = 0; attempt < 2; attempt++) {
    if (!t->c) {
      struct redis_conf cf;
      pthread_mutex_lock(&conf_mu);
      cf = conf;
      pthread_mutex_unlock(&conf_mu);
      t->c = connect_conf(&cf, e);
      t->gen = gen;
      if (!t->c)
        return NULL;
    }
    redisReply *r = raw(t->c, argc, argv, lens);
    if (r) {
      if (r->type == REDIS_REPLY_ERROR) {
        err_set(e, CC24_E_DB_UNAVAILABLE, "redis %s: %.*s", argv[0], (int)r->len, r->str);
        freeReplyObject(r);
        return NULL;
      }
      return r;
    }
    /* the connection broke (server restarted, timeout): one fresh try */
    log_warn("redis connection lost: %s", t->c->errstr);
    redisFree(t->c);
    t->c = NULL;
  }
  err_set(e, CC24_E_DB_UNAVAILABLE, "redis unavailable");
  return NULL;
}

redisReply *redis_eval(const char *script, int nkeys, int argc, const char **argv, struct err *e)
{
  /* SHA-1 of the script, as Redis names it (libsodium has no SHA-1: Redis computes it
   * for us on SCRIPT LOAD; cache it per script pointer) */
  static struct {
    const char *script;
    char sha[41];
  } cache[8];
  static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  char sha[41] = "";
  pthread_mutex_lock(&mu);
  for (size_t i = 0; i < sizeof cache / sizeof cache[0]; i++)
    if (cache[i].script == script)
      memcpy(sha, cache[i].sha, sizeof sha);
  pthread_mutex_unlock(&mu);
  const char **av = xcalloc((size_t)argc + 3, sizeof *av);
  char nk[16];
  snprintf(nk, sizeof nk, "%d", nkeys);
  memcpy(av + 3, argv, sizeof *av * (size_t)argc);
  av[2] = nk;
  redisReply *r = NULL;
  if (sha[0]) {
    av[0] = "EVALSHA";
    av[1] = sha;
    struct err tmp = {0};
    r = redis_cmd(argc + 3, av, NULL, &tmp);
    if (r || !strstr(tmp.msg, "NOSCRIPT")) {
      if (!r && e)
        *e = tmp;
      free(av);
      return r;
    }
  }
  /* first use (or the server forgot it): load it and remember the SHA */
  redisReply *l = redis_cmd(3, (const char *[]){"SCRIPT", "LOAD", script}, NULL, e);
  if (!l) {
    free(av);
    return NULL;
  }
  if (l->type == REDIS_REPLY_STRING && l->len == 40) {
    memcpy(sha, l->str, 40);
    sha[40] = 0;
    pthread_mutex_lock(&mu);
    size_t slot = 0;
    for (size_t i = 0; i < sizeof cache / sizeof cache[0]; i++)
      if (cache[i].script == script || !cache[i].script) {
        slot = i;
        break;
      }
    cache[slot].script = script;
    memcpy(cache[slot].sha, sha, sizeof sha);
    pthread_mutex_unlock(&mu);
  }
  freeReplyObject(l);
  av[0] = "EVALSHA";
  av[1] = sha;
  r = redis_cmd(argc + 3, av, NULL, e);
  free(av);
  return r;
}

void redis_free(redisReply *r)
{
  if (r)
    freeReplyObject(r);
}
