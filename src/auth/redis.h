/* redis.h — the shared key-value store behind sessions and rate limits when
 * CC24_REDIS_URL is set (more than one `serve` instance). A thin layer over
 * hiredis: one connection per thread (connected on first use, reconnected once
 * after an error), commands as argument vectors (no format strings, so no
 * injection through keys), Lua scripts by SHA with a fallback to EVAL.
 *
 * URL: redis://[[user]:password@]host[:port][/db] (port 6379, db 0 by default).
 * Replies are hiredis objects the caller releases with redis_free. */
#ifndef CC24_AUTH_REDIS_H
#define CC24_AUTH_REDIS_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

struct redisReply;

/* Parse url, connect once to check it, and make it the process's Redis. 0 or -1. */
int redis_configure(const char *url, struct err *e);

/* Forget the configuration (tests); connections of other threads close on their next use. */
void redis_unconfigure(void);

/* True after a successful redis_configure. */
bool redis_enabled(void);

/* Run one command. argv/lens as for redisCommandArgv (lens NULL: strlen of each).
 * The reply, or NULL + e (CC24_E_DB_UNAVAILABLE) when Redis cannot be reached or
 * answers with an error. */
struct redisReply *redis_cmd(int argc, const char **argv, const size_t *lens, struct err *e);

/* Run a Lua script with nkeys keys followed by arguments (argv holds keys then args). */
struct redisReply *redis_eval(const char *script, int nkeys, int argc, const char **argv,
                              struct err *e);

void redis_free(struct redisReply *r);

#endif
