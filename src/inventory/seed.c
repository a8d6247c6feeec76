#include "inventory/seed.h"

#include "auth/auth.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "finance/conditions.h"
#include "inventory/seed_data.h"
#include "inventory/vehicle_store.h"
#include "market/market_store.h"
#include "tenant/tenant.h"

#include <stdio.h>
#include <string.h>

/* Demo bank partner conditions (a fictitious lender) so examples show on the site. */
static int seed_finance_conditions(db_conn *c, struct arena *a, int64_t tenant_id, struct err *e)
{
  static const char *demo =
      "{\"lender_name\": \"cc24 Demo Autobank AG\","
      " \"lender_address\": \"Musterstraße 1, 10115 Berlin\","
      " \"min_amount_cents\": 250000, \"max_amount_cents\": 15000000000,"
      " \"fees_cents\": 0, \"default_term\": 48, \"default_down_bp\": 2000, \"representative\": 1,"
      " \"bands\": [{\"term_min\": 12, \"term_max\": 36, \"rate_percent\": 3.99},"
      " {\"term_min\": 37, \"term_max\": 60, \"rate_percent\": 4.99},"
      " {\"term_min\": 61, \"term_max\": 96, \"rate_percent\": 5.99}]}";
  json_error_t je;
  json_t *j = json_arena(a, json_loads(demo, 0, &je));
  struct fin_conditions fc;
  struct field_errors errs;
  field_errors_init(&errs, a);
  if (!j || fin_conditions_from_json(a, j, &fc, &errs) < 0)
    return err_set(e, CC24_E_INTERNAL, "demo finance conditions do not parse");
  int64_t version;
  return fin_conditions_save(c, a, tenant_id, &fc, &version, e);
}

struct dealers_arg {
  struct arena *a;
  int64_t ids[16];
  const char *slugs[16];
  int n;
};

static int tx_dealers(db_conn *c, void *arg, struct err *e)
{
  struct dealers_arg *d = arg;
  d->n = 0;
  for (int i = 0; i < seed_dealer_count && i < 16; i++) {
    const struct seed_dealer *s = &seed_dealers[i];
    struct tenant t;
    int rc = tenant_store_by_slug(c, d->a, s->slug, &t, e);
    if (rc < 0)
      return -1;
    if (rc == 0) {
      memset(&t, 0, sizeof t);
      t.slug = s->slug;
      t.name = s->name;
      t.street = s->street;
      t.zip = s->zip;
      t.city = s->city;
      t.country = "DE";
      t.phone = s->phone;
      t.email = s->email;
      t.website = s->website;
      if (tenant_store_create(c, &t, e) < 0)
        return -1;
      /* demo credentials (README): API token demo-key-SLUG, owner owner@SLUG.demo */
      char key[96], *secret;
      snprintf(key, sizeof key, "demo-key-%s", s->slug);
      if (auth_token_create(c, d->a, t.id, "Demo",
                            AUTH_SCOPE_READ | AUTH_SCOPE_INVENTORY_WRITE | AUTH_SCOPE_LEADS, 0, key,
                            &secret, e) < 0)
        return -1;
      struct auth_user u = {.tenant_id = t.id,
                            .role = AUTH_ROLE_OWNER,
                            .name = "Demo Inhaber",
                            .email = arena_printf(d->a, "owner@%s.demo", s->slug),
                            .email_verified_at = time_now()};
      if (auth_user_create(c, d->a, &u, SEED_DEMO_PASSWORD, e) < 0)
        return -1;
      if (seed_finance_conditions(c, d->a, t.id, e) < 0)
        return -1;
      if (seed_dealer_profile(c, d->a, &t, s, e) < 0)
        return -1;
    }
    d->ids[d->n] = t.id;
    d->slugs[d->n] = s->slug;
    d->n++;
  }
  return 0;
}

struct batch_arg {
  struct arena *a;
  struct seed_rng *rng;
  struct dealers_arg *dealers;
  int64_t count;
  int64_t now;
  uint64_t rng_state[4];
};

static int tx_batch(db_conn *c, void *arg, struct err *e)
{
  struct batch_arg *b = arg;
  /* A retried transaction must produce the same vehicles: restart the generator. */
  memcpy(b->rng->s, b->rng_state, sizeof b->rng_state);
  for (int64_t i = 0; i < b->count; i++) {
    struct vehicle v;
    vehicle_init(&v);
    seed_vehicle(b->rng, b->a, b->now, &v);
    int k = (int)(seed_rng_next(b->rng) % (uint64_t)b->dealers->n);
    v.tenant_id = b->dealers->ids[k];
    v.dealer = b->dealers->slugs[k];
    if (vehicle_store_insert(c, b->a, &v, e) < 0)
      return -1;
  }
  return 0;
}

int64_t seed_run(db *d, int64_t n, uint64_t seed, int verbose, struct err *e)
{
  struct arena *a = arena_new(1 << 16);
  struct dealers_arg dealers = {.a = a};
  int64_t done = -1;
  if (db_tx(d, 0, DB_WRITE, tx_dealers, &dealers, e) < 0 || dealers.n == 0)
    goto out;
  struct seed_rng rng;
  seed_rng_init(&rng, seed);
  int64_t now = time_now();
  done = 0;
  while (done < n) {
    struct arena *ba = arena_new(1 << 20);
    struct batch_arg b = {.a = ba, .rng = &rng, .dealers = &dealers, .now = now};
    b.count = n - done < 2000 ? n - done : 2000;
    memcpy(b.rng_state, rng.s, sizeof b.rng_state);
    int rc = db_tx(d, 0, DB_WRITE, tx_batch, &b, e);
    arena_free(ba);
    if (rc < 0) {
      done = -1;
      goto out;
    }
    done += b.count;
    if (verbose && n >= 10000)
      fprintf(stderr, "\rseed: %lld / %lld vehicles", (long long)done, (long long)n);
  }
  if (verbose && n >= 10000)
    fputc('\n', stderr);
  if (market_seed_demo(d, e) < 0)
    done = -1;
out:
  arena_free(a);
  return done;
}

struct empty_arg {
  int64_t tenants, vehicles;
};

static int tx_empty(db_conn *c, void *arg, struct err *e)
{
  struct empty_arg *x = arg;
  if (db_query_one(c, NULL, "SELECT COUNT(*) FROM tenants", DB_NOPARAMS,
                   DB_ROW(db_out_i64(&x->tenants)), e) < 0)
    return -1;
  x->vehicles = vehicle_store_count(c, e);
  return x->vehicles < 0 ? -1 : 0;
}

int seed_db_empty(db *d, struct err *e)
{
  struct empty_arg x = {0};
  if (db_tx(d, 0, DB_READ, tx_empty, &x, e) < 0)
    return -1;
  return x.tenants == 0 && x.vehicles == 0;
}
