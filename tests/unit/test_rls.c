/* Tenant isolation, the second time: row-level security on PostgreSQL, checked
 * with raw SQL as the application role cc24_app (what `serve` runs as).
 *
 * - every table with a tenant_id column has row-level security on (a new table
 *   without it fails here), except the job queue (system work, see below);
 * - cc24_app is neither superuser nor BYPASSRLS and owns no table;
 * - without cc24.tenant_id the role sees zero dealer rows in every such table;
 *   with cc24.tenant_id = A exactly A's rows; cc24.public = on only published
 *   vehicles (and no accounts, sessions or tokens);
 * - writes for another dealer are refused (WITH CHECK);
 * - the login-time lookups (SECURITY DEFINER) find one row by its secret only.
 * On SQLite (one process, no roles) the test is skipped. */
#include "auth/auth.h"
#include "auth/session.h"
#include "core/arena.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "mail/mail.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <string.h>

/* Tables with a tenant_id that are not dealer data: the job queue holds work for the
 * workers of every dealer (claimed with FOR UPDATE SKIP LOCKED across dealers); its
 * payloads carry ids, never a dealer's content. */
static const char *const exempt[] = {"jobs", NULL};

static bool is_exempt(const char *t)
{
  for (int i = 0; exempt[i]; i++)
    if (!strcmp(exempt[i], t))
      return true;
  return false;
}

struct seed {
  struct arena *a;
  int64_t tenant[2];
  int64_t user[2];
  char *session[2];
  char *api[2];
  int64_t vehicle[2][2]; /* [dealer][0 draft, 1 published] */
};

static int exec1(db_conn *c, const char *sql, const struct db_param *p, struct err *e)
{
  return db_exec(c, sql, p, e) < 0 ? -1 : 0;
}

static int tx_seed(db_conn *c, void *arg, struct err *e)
{
  struct seed *x = arg;
  const char *slugs[] = {"rls-haus-a", "rls-haus-b"};
  for (int i = 0; i < 2; i++) {
    struct tenant t = {.slug = slugs[i], .name = slugs[i]};
    if (tenant_store_create(c, &t, e) < 0)
      return -1;
    x->tenant[i] = t.id;
    int64_t tid = t.id;
    struct auth_user u = {.tenant_id = tid,
                          .role = AUTH_ROLE_OWNER,
                          .email = i ? "b@rls-haus-b.example" : "a@rls-haus-a.example"};
    if (auth_user_create(c, x->a, &u, "Ein-langes-Passwort", e) < 0)
      return -1;
    x->user[i] = u.id;
    char *tok, *codes[AUTH_RECOVERY_CODES];
    if (session_create(c, x->a, &u, &x->session[i], NULL, e) < 0 ||
        auth_token_create(c, x->a, tid, "rls", AUTH_SCOPE_READ, u.id, NULL, &x->api[i], e) < 0 ||
        auth_onetime_create(c, x->a, u.id, "reset", 3600, &tok, e) < 0 ||
        auth_recovery_create(c, x->a, u.id, codes, e) < 0 ||
        auth_challenge_create(c, x->a, &u, "/dashboard", &tok, e) < 0 ||
        auth_audit(c, tid, u.id, "login", "", "127.0.0.1", e) < 0 ||
        mail_queue(
            c,
            &(struct mail){.tenant_id = tid, .to = u.email, .subject = "Betreff", .text = "Text"},
            e) < 0)
      return -1;
    char pub[ID_LEN + 1];
    id_new(pub);
    int64_t now = time_now(), vid = 0;
    /* one draft and one published vehicle each */
    for (int k = 0; k < 2; k++) {
      if (k)
        id_new(pub);
      /* published vehicles were published at creation (published_at), as the store does */
      if (db_query_one(
              c, NULL,
              "INSERT INTO vehicles (public_id, tenant_id, make, model, body, condition,"
              " mileage_km, power_kw, fuel, gearbox, drive, colour, price_cents,"
              " vat_mode, status, created_at, updated_at, published_at) VALUES ($1, $2, 'VW',"
              " 'Golf', 'compact', 'used', 1000, 90, 'petrol', 'manual', 'front', 'black',"
              " 1500000, 'margin', $3, $4, $4, $5) RETURNING id",
              DB_PARAMS(db_text(pub), db_i64(tid), db_text(k ? "published" : "draft"), db_i64(now),
                        db_i64(k ? now : 0)),
              DB_ROW(db_out_i64(&vid)), e) != 1)
        return -1;
      x->vehicle[i][k] = vid;
    }
    if (exec1(c,
              "INSERT INTO vehicle_views (vehicle_id, tenant_id, day, views) VALUES ($1, $2, 1, 3)",
              DB_PARAMS(db_i64(vid), db_i64(tid)), e) < 0 ||
        exec1(c,
              "INSERT INTO finance_conditions (tenant_id, body, valid_from, created_at)"
              " VALUES ($1, '{}', 0, 0)",
              DB_PARAMS(db_i64(tid)), e) < 0 ||
        /* the dealer profile (public: showrooms, Impressum, dealer cards) */
        exec1(c, "INSERT INTO dealer_profiles (tenant_id, updated_at) VALUES ($1, 0)",
              DB_PARAMS(db_i64(tid)), e) < 0 ||
        exec1(c,
              "INSERT INTO dealer_hours (tenant_id, weekday, opens, closes) VALUES ($1, 0, 540,"
              " 1080)",
              DB_PARAMS(db_i64(tid)), e) < 0 ||
        exec1(c, "INSERT INTO dealer_team (tenant_id, position, name) VALUES ($1, 0, 'Verkauf')",
              DB_PARAMS(db_i64(tid)), e) < 0)
      return -1;
    /* a photo on each vehicle and the dealer's logo (one blob, shared by both dealers'
     * photos: media_blobs holds no dealer data) */
    if (exec1(c,
              "INSERT INTO media_blobs (sha256, bytes, format, created_at) VALUES ('"
              "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 10, 'jpeg',"
              " 0) ON CONFLICT (sha256) DO NOTHING",
              DB_NOPARAMS, e) < 0)
      return -1;
    for (int k = 0; k < 3; k++) {
      id_new(pub);
      if (exec1(c,
                "INSERT INTO media_photos (public_id, tenant_id, vehicle_id, kind, sha256,"
                " format, bytes, created_at, updated_at) VALUES ($1, $2, $3, $4, '"
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'jpeg', 10,"
                " 0, 0)",
                DB_PARAMS(db_text(pub), db_i64(tid), k < 2 ? db_i64(x->vehicle[i][k]) : db_null(),
                          db_text(k < 2 ? "vehicle" : "logo")),
                e) < 0)
        return -1;
    }
    /* a buyer's enquiry about the published vehicle (the public writes, never reads) */
    id_new(pub);
    if (exec1(c,
              "INSERT INTO leads (public_id, tenant_id, vehicle_id, kind, name, email,"
              " privacy_notice, created_at) VALUES ($1, $2, $3, 'contact', 'Erika',"
              " 'erika@example.de', 'n', 0)",
              DB_PARAMS(db_text(pub), db_i64(tid), db_i64(x->vehicle[i][1])), e) < 0)
      return -1;
    /* its contact and a note in its timeline (lead management) */
    char cpub[ID_LEN + 1];
    id_new(cpub);
    if (exec1(c,
              "INSERT INTO contacts (public_id, tenant_id, name, email, created_at, updated_at)"
              " VALUES ($1, $2, 'Erika', 'erika@example.de', 0, 0)",
              DB_PARAMS(db_text(cpub), db_i64(tid)), e) < 0 ||
        exec1(c,
              "INSERT INTO lead_activities (tenant_id, lead_id, kind, body, created_at)"
              " SELECT $1, id, 'note', 'n', 0 FROM leads WHERE public_id = $2",
              DB_PARAMS(db_i64(tid), db_text(pub)), e) < 0)
      return -1;
    /* a pipeline stage, a deal on it from that lead, and its history (crm/deal*.c) */
    char dpub[ID_LEN + 1];
    id_new(dpub);
    if (exec1(
            c,
            "INSERT INTO deal_stages (tenant_id, position, name, won) VALUES ($1, 0, 'Anfrage', 0)",
            DB_PARAMS(db_i64(tid)), e) < 0 ||
        exec1(c,
              "INSERT INTO deals (public_id, tenant_id, lead_id, title, stage_id, stage_since,"
              " created_at, updated_at) SELECT $1, $2, l.id, 'Erika', s.id, 0, 0, 0 FROM leads l,"
              " deal_stages s WHERE l.public_id = $3 AND s.tenant_id = $2",
              DB_PARAMS(db_text(dpub), db_i64(tid), db_text(pub)), e) < 0 ||
        exec1(c,
              "INSERT INTO deal_history (tenant_id, deal_id, to_stage_id, state, at)"
              " SELECT $1, d.id, d.stage_id, 'open', 0 FROM deals d WHERE d.public_id = $2",
              DB_PARAMS(db_i64(tid), db_text(dpub)), e) < 0)
      return -1;
    /* a run of the retention job (crm/retention.c) */
    if (exec1(c,
              "INSERT INTO retention_log (tenant_id, ran_at, kind, row_count, cutoff)"
              " VALUES ($1, 1, 'leads', 0, 0)",
              DB_PARAMS(db_i64(tid)), e) < 0)
      return -1;
    /* a privacy request recorded for the dealer and a legal hold (privacy/) */
    char rpub[ID_LEN + 1];
    id_new(rpub);
    if (exec1(c,
              "INSERT INTO privacy_requests (public_id, tenant_id, token_hash, kind, email_hash,"
              " received_at, due_at) VALUES ($1, $2, 'h', 'access', 'x', 1, 2)",
              DB_PARAMS(db_text(rpub), db_i64(tid)), e) < 0 ||
        exec1(c,
              "INSERT INTO legal_holds (tenant_id, email, kind, keep_until)"
              " VALUES ($1, 'erika@example.de', 'invoice', 1)",
              DB_PARAMS(db_i64(tid)), e) < 0)
      return -1;
    /* a test drive booked with that lead (the public books, never reads; it learns
     * the taken times through cc24_test_drive_taken) and the dealer's SMS setting */
    char bp[ID_LEN + 1];
    id_new(bp);
    if (exec1(c,
              "INSERT INTO test_drives (public_id, tenant_id, vehicle_id, lead_public_id,"
              " slot_start, slot_end, name, email, created_at) VALUES ($1, $2, $3, $4, 3600,"
              " 6300, 'Erika', 'erika@example.de', 0)",
              DB_PARAMS(db_text(bp), db_i64(tid), db_i64(x->vehicle[i][1]), db_text(pub)), e) < 0 ||
        exec1(c,
              "INSERT INTO test_drive_settings (tenant_id, sms_enabled, updated_at)"
              " VALUES ($1, 1, 0)",
              DB_PARAMS(db_i64(tid)), e) < 0)
      return -1;
    /* the processing record of that lead with its notice, and a newsletter sign-up
     * (privacy/consent.h, privacy/newsletter.h) */
    char np[ID_LEN + 1];
    id_new(np);
    if (exec1(c,
              "INSERT INTO consent_texts (tenant_id, hash, form, locale, body, first_used_at)"
              " VALUES ($1, 'h', 'enquiry', 'de', 'Hinweis', 0)",
              DB_PARAMS(db_i64(tid)), e) < 0 ||
        exec1(c,
              "INSERT INTO processing_records (tenant_id, form, purpose, legal_basis, text_hash,"
              " email, reference, created_at) VALUES ($1, 'contact', 'p', 'b', 'h',"
              " 'erika@example.de', $2, 0)",
              DB_PARAMS(db_i64(tid), db_text(pub)), e) < 0 ||
        exec1(c,
              "INSERT INTO newsletter_subscribers (public_id, tenant_id, email, status,"
              " created_at) VALUES ($1, $2, 'erika@example.de', 'pending', 0)",
              DB_PARAMS(db_text(np), db_i64(tid)), e) < 0)
      return -1;
  }
  /* the Börse: A lists its published vehicle, B its draft; each offers on the other's
   * listing; one deal each way (seller = tenant_id, buyer = buyer_tenant_id) */
  for (int i = 0; i < 2; i++) {
    int64_t seller = x->tenant[i], buyer = x->tenant[1 - i], listing = 0, offer = 0;
    char lp[ID_LEN + 1], op[ID_LEN + 1], dp[ID_LEN + 1];
    id_new(lp);
    id_new(op);
    id_new(dp);
    if (db_query_one(c, NULL,
                     "INSERT INTO market_listings (public_id, tenant_id, vehicle_id, price_cents,"
                     " valid_until, created_at, updated_at) VALUES ($1, $2, $3, 1000000,"
                     " 9999999999, 0, 0) RETURNING id",
                     DB_PARAMS(db_text(lp), db_i64(seller), db_i64(x->vehicle[i][i ? 0 : 1])),
                     DB_ROW(db_out_i64(&listing)), e) != 1 ||
        db_query_one(c, NULL,
                     "INSERT INTO market_offers (public_id, tenant_id, buyer_tenant_id,"
                     " listing_id, amount_cents, turn, created_at, updated_at) VALUES ($1, $2,"
                     " $3, $4, 900000, 'seller', 0, 0) RETURNING id",
                     DB_PARAMS(db_text(op), db_i64(seller), db_i64(buyer), db_i64(listing)),
                     DB_ROW(db_out_i64(&offer)), e) != 1 ||
        exec1(c,
              "INSERT INTO market_offer_events (offer_id, tenant_id, buyer_tenant_id, actor,"
              " action, amount_cents, created_at) VALUES ($1, $2, $3, 'buyer', 'offer', 900000, 0)",
              DB_PARAMS(db_i64(offer), db_i64(seller), db_i64(buyer)), e) < 0 ||
        exec1(c,
              "INSERT INTO market_deals (public_id, tenant_id, buyer_tenant_id, vehicle_title,"
              " net_cents, vat_mode, commission_bp, commission_cents, created_at) VALUES ($1, $2,"
              " $3, 'VW Golf', 900000, 'vat', 1358, 122220, 0)",
              DB_PARAMS(db_text(dp), db_i64(seller), db_i64(buyer)), e) < 0)
      return -1;
  }
  return 0;
}

/* Which rows of a table a dealer ($1) and the public may see: the dealer's own rows,
 * except where a table is shared on purpose (the Börse between dealers, profiles and
 * published vehicles with the public). Each rule is evaluated by the owner (no RLS)
 * to get the expected counts; as cc24_app the counts must match exactly, and no row
 * outside the rule may be visible. */
struct visibility {
  const char *table, *dealer, *public;
};

static const struct visibility rules[] = {
    {"vehicles",
     "tenant_id = $1 OR EXISTS (SELECT 1 FROM market_listings l WHERE l.vehicle_id = vehicles.id"
     " AND l.status = 'active') OR EXISTS (SELECT 1 FROM market_offers o JOIN market_listings l"
     " ON l.id = o.listing_id WHERE l.vehicle_id = vehicles.id AND o.buyer_tenant_id = $1)",
     "status = 'published' OR (status IN ('reserved', 'sold') AND published_at > 0)"},
    {"finance_conditions", NULL, "true"},
    {"dealer_profiles", NULL, "true"},
    {"dealer_hours", NULL, "true"},
    {"dealer_team", NULL, "true"},
    {"test_drive_settings", NULL, "true"},
    {"market_listings",
     "tenant_id = $1 OR status = 'active' OR EXISTS (SELECT 1 FROM market_offers o WHERE"
     " o.listing_id = market_listings.id AND o.buyer_tenant_id = $1)",
     NULL},
    /* photos go with their vehicle; logos are public */
    {"media_photos",
     "tenant_id = $1 OR EXISTS (SELECT 1 FROM vehicles v WHERE v.id ="
     " media_photos.vehicle_id AND (v.tenant_id = $1 OR EXISTS (SELECT 1 FROM market_listings"
     " l WHERE l.vehicle_id = v.id AND l.status = 'active') OR EXISTS (SELECT 1 FROM"
     " market_offers o JOIN market_listings l ON l.id = o.listing_id WHERE l.vehicle_id = v.id"
     " AND o.buyer_tenant_id = $1)))",
     "kind = 'logo' OR EXISTS (SELECT 1 FROM vehicles v WHERE v.id = media_photos.vehicle_id"
     " AND (v.status = 'published' OR (v.status IN ('reserved', 'sold') AND v.published_at >"
     " 0)))"},
    {"market_offers", "tenant_id = $1 OR buyer_tenant_id = $1", NULL},
    {"market_offer_events", "tenant_id = $1 OR buyer_tenant_id = $1", NULL},
    {"market_deals", "tenant_id = $1 OR buyer_tenant_id = $1", NULL},
};

static const struct visibility *rule_of(const char *table)
{
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
    if (!strcmp(rules[i].table, table))
      return &rules[i];
  return NULL;
}

static const char *dealer_rule(const char *table)
{
  const struct visibility *r = rule_of(table);
  return r && r->dealer ? r->dealer : "tenant_id = $1";
}

static const char *public_rule(const char *table)
{
  const struct visibility *r = rule_of(table);
  return r && r->public ? r->public : "false";
}

static int64_t count(db_conn *c, const char *sql, const struct db_param *p)
{
  struct err e = {0};
  int64_t n = -1;
  cr_assert_eq(db_query_one(c, NULL, sql, p, DB_ROW(db_out_i64(&n)), &e), 1, "%s: %s", sql, e.msg);
  return n;
}

static void set_ctx(db_conn *c, const char *tenant, const char *pub)
{
  struct err e = {0};
  cr_assert_geq(db_exec(c,
                        "SELECT set_config('cc24.tenant_id', $1, false),"
                        " set_config('cc24.public', $2, false)",
                        DB_PARAMS(db_text(tenant), db_text(pub)), &e),
                0, "%s", e.msg);
}

Test(rls, app_role_sees_only_its_dealer)
{
  if (strcmp(testdb_backend_name(), "postgresql") != 0)
    cr_skip_test("row-level security exists only on PostgreSQL");
  db *d = testdb_open();
  cr_assert_not_null(d);
  struct seed x = {.a = arena_new(0)};
  struct err e = {0};
  /* the owner (the migration's role) writes the test data for both dealers */
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_seed, &x, &e), 0, "%s", e.msg);

  db_conn *c = db_acquire(d, &e);
  cr_assert_not_null(c);
  /* the tables that hold a dealer's rows, and how many each dealer has */
  db_stmt *st = db_query(c,
                         "SELECT c.relname, c.relrowsecurity::int FROM pg_class c"
                         " JOIN pg_namespace n ON n.oid = c.relnamespace"
                         " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'"
                         " WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname",
                         DB_NOPARAMS, &e);
  cr_assert_not_null(st, "%s", e.msg);
  char *names[64];
  int ntables = 0, rc;
  char *name;
  int64_t rls;
  while ((rc = db_next(st, x.a, DB_ROW(db_out_text(&name), db_out_i64(&rls)), &e)) == 1) {
    if (is_exempt(name))
      continue;
    cr_expect_eq(rls, 1, "table %s has tenant_id but no row-level security", name);
    cr_assert_lt(ntables, 64);
    names[ntables++] = name;
  }
  db_finish(st);
  cr_assert_geq(ntables, 11, "users, sessions, tokens, audit, outbox, vehicles, ...: %d", ntables);
  int64_t own[64][2], visible[64][2], pub[64];
  for (int i = 0; i < ntables; i++) {
    for (int k = 0; k < 2; k++) {
      own[i][k] =
          count(c, arena_printf(x.a, "SELECT COUNT(*) FROM %s WHERE tenant_id = $1", names[i]),
                DB_PARAMS(db_i64(x.tenant[k])));
      cr_assert_gt(own[i][k], 0, "seed rows for %s", names[i]);
      visible[i][k] = count(
          c, arena_printf(x.a, "SELECT COUNT(*) FROM %s WHERE %s", names[i], dealer_rule(names[i])),
          DB_PARAMS(db_i64(x.tenant[k])));
    }
    pub[i] = count(
        c, arena_printf(x.a, "SELECT COUNT(*) FROM %s WHERE %s", names[i], public_rule(names[i])),
        DB_NOPARAMS);
  }

  /* the app role: not the owner, cannot bypass */
  cr_assert_eq(count(c,
                     "SELECT COUNT(*) FROM pg_roles WHERE rolname = 'cc24_app' AND NOT rolsuper"
                     " AND NOT rolbypassrls",
                     DB_NOPARAMS),
               1);
  cr_assert_eq(
      count(c, "SELECT COUNT(*) FROM pg_tables WHERE tableowner = 'cc24_app'", DB_NOPARAMS), 0);
  cr_assert_eq(db_exec_script(c, "SET ROLE cc24_app", &e), 0, "%s", e.msg);

  /* nobody: zero rows everywhere */
  set_ctx(c, "", "");
  for (int i = 0; i < ntables; i++)
    cr_expect_eq(count(c, arena_printf(x.a, "SELECT COUNT(*) FROM %s", names[i]), DB_NOPARAMS), 0,
                 "%s visible without a dealer", names[i]);
  /* the public: published vehicles (and the financing conditions behind their
   * examples), no accounts */
  set_ctx(c, "", "on");
  for (int i = 0; i < ntables; i++) {
    int64_t n = count(c, arena_printf(x.a, "SELECT COUNT(*) FROM %s", names[i]), DB_NOPARAMS);
    cr_expect_eq(n, pub[i], "%s: the public sees %lld rows, should see %lld", names[i],
                 (long long)n, (long long)pub[i]);
    if (!strcmp(names[i], "vehicles"))
      cr_expect_eq(n, 2, "the two published vehicles, not the drafts");
  }
  /* dealer A: exactly A's rows */
  for (int k = 0; k < 2; k++) {
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)x.tenant[k]);
    set_ctx(c, t, "off");
    for (int i = 0; i < ntables; i++) {
      cr_expect_eq(count(c, arena_printf(x.a, "SELECT COUNT(*) FROM %s", names[i]), DB_NOPARAMS),
                   visible[i][k], "%s as dealer %d", names[i], k);
      cr_expect_eq(count(c,
                         arena_printf(x.a, "SELECT COUNT(*) FROM %s WHERE NOT (%s)", names[i],
                                      dealer_rule(names[i])),
                         DB_PARAMS(db_i64(x.tenant[k]))),
                   0, "%s: rows of another dealer beyond what is shared", names[i]);
      if (!rule_of(names[i]) || !rule_of(names[i])->dealer)
        cr_expect_eq(visible[i][k], own[i][k], "%s: exactly the own rows", names[i]);
    }
  }
  /* writes for another dealer are refused, and nothing of B's can be changed by A */
  char ta[24];
  snprintf(ta, sizeof ta, "%lld", (long long)x.tenant[0]);
  set_ctx(c, ta, "off");
  struct err we = {0};
  cr_expect_lt(db_exec(c,
                       "INSERT INTO api_tokens (public_id, tenant_id, name, token_hash, scopes,"
                       " created_at) VALUES ('rlsxxxxxxxxxxxxx', $1, 'x', 'h', 'read', 0)",
                       DB_PARAMS(db_i64(x.tenant[1])), &we),
               0, "insert for another dealer");
  we = (struct err){0};
  cr_expect_lt(db_exec(c, "UPDATE users SET tenant_id = $1 WHERE tenant_id = $2",
                       DB_PARAMS(db_i64(x.tenant[1]), db_i64(x.tenant[0])), &we),
               0, "moving a row to another dealer");
  we = (struct err){0};
  cr_expect_eq(db_exec(c, "UPDATE vehicles SET price_cents = 1 WHERE tenant_id = $1",
                       DB_PARAMS(db_i64(x.tenant[1])), &we),
               0, "another dealer's vehicles are not there to update");
  we = (struct err){0};
  cr_expect_lt(db_exec(c,
                       "INSERT INTO audit_log (tenant_id, action, created_at)"
                       " VALUES ($1, 'forged', 0)",
                       DB_PARAMS(db_i64(x.tenant[1])), &we),
               0, "audit entries for another dealer");

  /* before the dealer is known: one row by its secret, nothing by guessing */
  set_ctx(c, "", "on");
  char hash[65];
  id_sha256_hex(x.session[1], strlen(x.session[1]), hash);
  cr_expect_eq(count(c, "SELECT COUNT(*) FROM cc24_auth_session($1, 0)", DB_PARAMS(db_text(hash))),
               1);
  cr_expect_eq(count(c, "SELECT COUNT(*) FROM cc24_auth_session($1, 0)", DB_PARAMS(db_text("%"))),
               0);
  id_sha256_hex(x.api[0], strlen(x.api[0]), hash);
  cr_expect_eq(count(c, "SELECT COUNT(*) FROM cc24_auth_api_token($1)", DB_PARAMS(db_text(hash))),
               1);
  cr_expect_eq(count(c, "SELECT COUNT(*) FROM cc24_auth_user_by_email($1)",
                     DB_PARAMS(db_text("a@rls-haus-a.example"))),
               1);
  cr_expect_eq(
      count(c, "SELECT COUNT(*) FROM cc24_auth_user_by_email($1)", DB_PARAMS(db_text("%"))), 0);
  db_exec_script(c, "RESET ROLE", &e);
  set_ctx(c, "", "");
  db_release(c);
  arena_free(x.a);
  testdb_close(d);
}
