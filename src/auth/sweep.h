/* sweep.h — the periodic sweep of login data that can never be used again: sessions
 * past their idle or absolute expiry, one-time tokens (verification, reset,
 * invitation) and two-factor login challenges a day past theirs. A job ("auth.sweep",
 * every 15 minutes, in `serve` and `cc24 worker`) so the tables do not grow without
 * bound and no stale hash lingers. Sessions kept in Redis expire there by TTL. */
#ifndef CC24_AUTH_SWEEP_H
#define CC24_AUTH_SWEEP_H

#include "core/err.h"
#include "db/db.h"

#include <stdint.h>

#define AUTH_SWEEP_KIND     "auth.sweep"
#define AUTH_SWEEP_INTERVAL (15 * 60)

struct auth_sweep_stats {
  int64_t sessions, tokens, challenges; /* rows deleted */
};

/* Delete what expired before now, inside the caller's transaction (PostgreSQL: through
 * the SECURITY DEFINER function cc24_auth_sweep, since no dealer is set). 0 or -1. */
int auth_sweep(db_conn *c, int64_t now, struct auth_sweep_stats *st, struct err *e);

/* Register the job handler (before the workers start) and queue the first run unless
 * one is queued or running. */
void auth_sweep_register(void);
int auth_sweep_schedule(db *d, struct err *e);

#endif
