/* seed.h — `cc24 seed`: demo dealers and plausible vehicles from the
 * deterministic generator in seed_data.h. */
#ifndef CC24_INVENTORY_SEED_H
#define CC24_INVENTORY_SEED_H

#include "db/db.h"

#include <stdint.h>

/* The password of the demo owners owner@SLUG.demo (stated in the README). */
#define SEED_DEMO_PASSWORD "cc24-Demo-2026"

/* Make sure the demo dealers exist (with their demo API keys "demo-key-<slug>"),
 * then add n vehicles spread over them, generated from seed. Prints progress to
 * stderr when verbose. Returns the number of vehicles added, or -1. */
int64_t seed_run(db *d, int64_t n, uint64_t seed, int verbose, struct err *e);

struct arena;
struct seed_dealer;
struct tenant;

/* The showroom profile of demo dealer t (legal data, hours, colours, team, social
 * links; d gives the address and about texts). Dealers without demo profile data
 * are left alone. 0 or -1. */
int seed_dealer_profile(db_conn *c, struct arena *a, const struct tenant *t,
                        const struct seed_dealer *d, struct err *e);

/* True when the database holds no vehicles and no tenants. -1 on error. */
int seed_db_empty(db *d, struct err *e);

#endif
