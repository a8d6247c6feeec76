/* ratelimit.c — token buckets: in process (an open-addressing table under one
 * mutex), or in Redis as GCRA when Redis is configured, so every instance draws
 * from the same bucket. */
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

#define RL_SLOTS 65536 /* open addressing; swept when 3/4 full */

struct bucket {
  char *key;
  double tokens;
  int64_t at_ms;
};

static struct bucket table[RL_SLOTS];
static int used;
static int64_t (*clock_ms)(void) = time_mono_ms;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

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
}

static struct bucket *find(const char *key, double burst)
{
  if (used * 4 >= RL_SLOTS * 3)
    clear_all(); /* crude but bounded: a flood of new keys cannot grow memory */
  size_t i = hash(key) & (RL_SLOTS - 1);
  while (table[i].key && strcmp(table[i].key, key) != 0)
    i = (i + 1) & (RL_SLOTS - 1);
  if (!table[i].key) {
    table[i].key = xstrdup(key);
    table[i].tokens = burst;
    table[i].at_ms = clock_ms();
    used++;
  }
  return &table[i];
}

static void refill(struct bucket *b, double burst, double per_minute)
{
  int64_t now = clock_ms();
  b->tokens = fmin(burst, b->tokens + (double)(now - b->at_ms) * per_minute / 60000.0);
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
  struct bucket *b = find(key, burst);
  refill(b, burst, per_minute);
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
  struct bucket *b = find(key, burst);
  refill(b, burst, per_minute);
  double t = b->tokens;
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
