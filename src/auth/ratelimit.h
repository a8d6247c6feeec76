/* ratelimit.h — token buckets keyed by a string ("login:203.0.113.7"), held in
 * process (one instance) — shared limits across instances come with Redis.
 * Thread-safe; old buckets are swept as the table fills. */
#ifndef CC24_AUTH_RATELIMIT_H
#define CC24_AUTH_RATELIMIT_H

#include <stdbool.h>

/* Take one token from the bucket `key` (capacity `burst`, refilled at
 * `per_minute` tokens a minute). true when allowed; otherwise *retry_after gets
 * the seconds until a token is back. */
bool rl_take(const char *key, double burst, double per_minute, int *retry_after);

/* Tokens left in the bucket (tests). */
double rl_peek(const char *key, double burst, double per_minute);

/* Forget every bucket (tests). */
void rl_reset(void);

#endif
