#include "auth/ratelimit.h"

#include "core/arena.h"
#include "core/timeutil.h"

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
    table[i].at_ms = time_mono_ms();
    used++;
  }
  return &table[i];
}

static void refill(struct bucket *b, double burst, double per_minute)
{
  int64_t now = time_mono_ms();
  b->tokens = fmin(burst, b->tokens + (double)(now - b->at_ms) * per_minute / 60000.0);
  b->at_ms = now;
}

bool rl_take(const char *key, double burst, double per_minute, int *retry_after)
{
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
