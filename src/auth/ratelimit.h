/* ratelimit.h — token buckets keyed by a string ("login:203.0.113.7"): in
 * process by default (one instance), in Redis once redis_configure ran (every
 * instance shares the bucket; GCRA in a Lua script, atomic). When Redis fails
 * the local bucket answers (logged), so an outage degrades to per-instance
 * limits instead of refusing every login. Thread-safe. The local table holds
 * 49,152 buckets; when full it forgets the ones refilled to their burst (they limit
 * nothing), and when every one is still in force it refuses new keys (false, as if
 * limited) — a flood of new keys never wipes a limit in force. Callers key client
 * addresses by http_client_net (IPv6 by its /64). */
#ifndef CC24_AUTH_RATELIMIT_H
#define CC24_AUTH_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* Take one token from the bucket `key` (capacity `burst`, refilled at
 * `per_minute` tokens a minute). true when allowed; otherwise *retry_after gets
 * the seconds until a token is back. */
bool rl_take(const char *key, double burst, double per_minute, int *retry_after);

/* Tokens left in the bucket (an unknown key: burst; looking never adds a key). */
double rl_peek(const char *key, double burst, double per_minute);

/* Forget every local bucket (tests; Redis buckets expire by themselves). */
void rl_reset(void);

/* Local buckets in the table now (tests: the table stays bounded). */
int rl_local_count(void);

/* The clock of the local buckets, in milliseconds (tests: a fake clock instead of
 * sleeping; NULL restores the monotonic clock). */
void rl_set_clock(int64_t (*now_ms)(void));

#endif
