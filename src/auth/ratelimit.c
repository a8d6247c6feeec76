/* ratelimit.c — token buckets: in process (an open-addressing table under one
 * mutex), or in Redis as GCRA when Redis is configured, so every instance draws
 * from the same bucket. The local table forgets only buckets that limit nothing any
 * more; full of live ones, it refuses new keys rather than forget a limit. */
#include "auth/ratelimit.h"

#include "auth/redis.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <hiredis/hiredis.h>
#include <stdio.h>

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RL_SLOTS    65536 /* open addressing, at most 3/4 used */
#define RL_LIMIT    (RL_SLOTS / 4 * 3)
#define RL_SWEEP_MS 1000 /* a full table is swept at most once a second */

/* A bucket keeps its own shape, so a sweep can tell whether it still limits anything. */
struct bucket {
  char *key;
  double tokens;
  double burst, per_minute;
  int64_t at_ms;
};

static struct bucket table[RL_SLOTS];
static int used;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t last_sweep_ms = -1; /* none yet */
static int64_t (*clock_ms)(void) = time_mono_ms;

static uint64_t hash(const char *s)
{
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static void clear_all(void)
{
  for (int i = 0; i < RL_SLOTS; i++) {
    free(table[i].key);
    table[i].key = NULL;
  }
  used = 0;
  last_sweep_ms = -1;
}

static double level(const struct bucket *b, int64_t now)
{
  return fmin(b->burst, b->tokens + (double)(now - b->at_ms) * b->per_minute / 60000.0);
}

static void place(struct bucket *b)
{
  size_t i = hash(b->key) & (RL_SLOTS - 1);
  while (table[i].key)
    i = (i + 1) & (RL_SLOTS - 1);
  table[i] = *b;
  used++;
}

/* Forget the buckets that no longer limit anything (refilled to their burst): a limit
 * in force is never forgotten, whatever else the server sees. The table is rebuilt
 * (open addressing has no cheap delete); at most once per RL_SWEEP_MS. */
static void sweep(int64_t now)
{
  if (last_sweep_ms >= 0 && now - last_sweep_ms < RL_SWEEP_MS)
    return;
  last_sweep_ms = now;
  struct bucket *live = malloc((size_t)used * sizeof *live);
  if (!live)
    return;
  int n = 0;
  for (int i = 0; i < RL_SLOTS; i++) {
    if (!table[i].key)
      continue;
    if (level(&table[i], now) >= table[i].burst)
      free(table[i].key);
    else
      live[n++] = table[i];
    table[i].key = NULL;
  }
  used = 0;
  for (int i = 0; i < n; i++)
    place(&live[i]);
  free(live);
}

/* The bucket of key; a new one (full) when insert and there is room, else NULL. */
static struct bucket *find(const char *key, double burst, double per_minute, bool insert)
{
  size_t i = hash(key) & (RL_SLOTS - 1);
  while (table[i].key && strcmp(table[i].key, key) != 0)
    i = (i + 1) & (RL_SLOTS - 1);
  if (table[i].key) {
    table[i].burst = burst;
    table[i].per_minute = per_minute;
    return &table[i];
  }
  if (!insert)
    return NULL;
  if (used >= RL_LIMIT) {
    sweep(clock_ms());
    if (used >= RL_LIMIT)
      return NULL; /* full of limits in force: no room for a stranger */
    i = hash(key) & (RL_SLOTS - 1);
    while (table[i].key)
      i = (i + 1) & (RL_SLOTS - 1);
  }
  table[i] = (struct bucket){.key = xstrdup(key),
                             .tokens = burst,
                             .burst = burst,
                             .per_minute = per_minute,
                             .at_ms = clock_ms()};
  used++;
  return &table[i];
}

static void refill(struct bucket *b)
{
  int64_t now = clock_ms();
  b->tokens = level(b, now);
  b->at_ms = now;
}

/* GCRA (the generic cell rate algorithm) — a token bucket stored as one number, the
 * theoretical arrival time (TAT) of the next request, in Redis server time so the
 * instances' clocks do not matter. Atomic because Redis runs a script alone.
 * KEYS[1] the bucket; ARGV[1] the emission interval T in ms (one token per T);
 * ARGV[2] the burst; ARGV[3] 1 to take a token, 0 to look. Returns {allowed,
 * retry-after ms, tokens left x1000}. */
static const char GCRA[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local T = tonumber(ARGV[1])\n"
    "local limit = T * tonumber(ARGV[2])\n"
    "local tat = tonumber(redis.call('GET', KEYS[1]) or now)\n"
    "if tat < now then tat = now end\n"
    "local new_tat = tat + T\n"
    "if ARGV[3] == '0' then return {1, 0, math.floor((limit - (tat - now)) * 1000 / T)} end\n"
    "if new_tat - now > limit then\n"
    "  return {0, new_tat - now - limit, math.floor((limit - (tat - now)) * 1000 / T)}\n"
    "end\n"
    "redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, new_tat - now))\n"
    "return {1, 0, math.floor((limit - (new_tat - now)) * 1000 / T)}\n";

/* 1 allowed, 0 refused, -1 Redis failed (the caller falls back to the local bucket). */
static int redis_take(const char *key, double burst, double per_minute, bool take, int *retry_after,
                      double *left)
{
  char k[300], t[32], b[32];
  snprintf(k, sizeof k, "cc24:rl:%s", key);
  snprintf(t, sizeof t, "%.0f", 60000.0 / per_minute);
  snprintf(b, sizeof b, "%.0f", burst);
  struct err e = {0};
  struct redisReply *r = redis_eval(GCRA, 1, 4, (const char *[]){k, t, b, take ? "1" : "0"}, &e);
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
    static _Atomic int64_t last_warn;
    int64_t now = time_mono_ms();
    if (now - last_warn > 10000) {
      last_warn = now;
      log_warn("rate limit in Redis failed (%s); using the local bucket", e.msg);
    }
    redis_free(r);
    return -1;
  }
  int allowed = (int)r->element[0]->integer;
  if (!allowed && retry_after)
    *retry_after = (int)((r->element[1]->integer + 999) / 1000);
  if (left)
    *left = (double)r->element[2]->integer / 1000.0;
  redis_free(r);
  return allowed;
}

bool rl_take(const char *key, double burst, double per_minute, int *retry_after)
{
  if (redis_enabled()) {
    int rc = redis_take(key, burst, per_minute, true, retry_after, NULL);
    if (rc >= 0)
      return rc == 1;
  }
  pthread_mutex_lock(&mu);
  struct bucket *b = find(key, burst, per_minute, true);
  if (!b) {
    /* the table is full of limits in force: a new key waits until one expires */
    pthread_mutex_unlock(&mu);
    if (retry_after)
      *retry_after = RL_SWEEP_MS / 1000 + 1;
    return false;
  }
  refill(b);
  bool ok = b->tokens >= 1.0;
  if (ok)
    b->tokens -= 1.0;
  else if (retry_after)
    *retry_after = (int)ceil((1.0 - b->tokens) * 60.0 / per_minute);
  pthread_mutex_unlock(&mu);
  return ok;
}

double rl_peek(const char *key, double burst, double per_minute)
{
  double left;
  if (redis_enabled() && redis_take(key, burst, per_minute, false, NULL, &left) >= 0)
    return left;
  pthread_mutex_lock(&mu);
  struct bucket *b = find(key, burst, per_minute, false);
  double t = burst; /* an unknown key is a full bucket; looking adds nothing */
  if (b) {
    refill(b);
    t = b->tokens;
  }
  pthread_mutex_unlock(&mu);
  return t;
}

void rl_reset(void)
{
  pthread_mutex_lock(&mu);
  clear_all();
  pthread_mutex_unlock(&mu);
}

int rl_local_count(void)
{
  pthread_mutex_lock(&mu);
  int n = used;
  pthread_mutex_unlock(&mu);
  return n;
}

void rl_set_clock(int64_t (*now_ms)(void))
{
  pthread_mutex_lock(&mu);
  clock_ms = now_ms ? now_ms : time_mono_ms;
  pthread_mutex_unlock(&mu);
}
