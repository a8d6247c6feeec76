/* main.c — `cc24 COMMAND [--setting=value ...]`: subcommand dispatch.
 *
 *   serve    HTTP server (site, JSON API) + embedded job workers
 *   worker   job workers only
 *   migrate  apply database migrations
 *   seed     demo data (--demo) or N benchmark vehicles (--vehicles N [--seed S])
 *   admin    operator commands (admin tenant list)
 *   sms      sms send --to NUMBER --text TEXT: one SMS, synchronously (operators)
 */
#include "app.h"
#include "auth/auth.h"
#include "auth/redis.h"
#include "auth/session.h"
#include "auth/sweep.h"
#include "buyer/buyer.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crm/crm.h"
#include "crm/reminders.h"
#include "crm/retention.h"
#include "db/db.h"
#include "http/http.h"
#include "inventory/seed.h"
#include "inventory/vehicle_api.h"
#include "jobs/jobs.h"
#include "mail/mail.h"
#include "media/media.h"
#include "privacy/newsletter.h"
#include "privacy/privacy.h"
#include "render/i18n.h"
#include "render/render.h"
#include "routes.h"
#include "search/search.h"
#include "sms/sms.h"
#include "tenant/tenant.h"
#include "testdrive/testdrive.h"
#include "web/web.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
  (void)sig;
  stop_requested = 1;
}

static void wait_for_signal(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  while (!stop_requested)
    pause();
}

static db *open_db(bool migrate)
{
  struct err e = {0};
  db *d = db_open(cfg.database_url, cfg.db_pool, &e);
  if (!d) {
    log_error("database %s: %s", cfg.database_url, e.msg);
    return NULL;
  }
  if (migrate) {
    int n = db_migrate(d, &e);
    if (n < 0) {
      log_error("migrate: %s", e.msg);
      db_close(d);
      return NULL;
    }
    if (n > 0)
      log_info("applied %d migration(s)", n);
  }
  return d;
}

static void metrics_db(struct buf *out, void *arg)
{
  struct db_stats s;
  db_stats(arg, &s);
  buf_printf(
      out,
      "# HELP cc24_db_pool_connections Database connections by state.\n"
      "# TYPE cc24_db_pool_connections gauge\n"
      "cc24_db_pool_connections{state=\"open\"} %d\n"
      "cc24_db_pool_connections{state=\"in_use\"} %d\n"
      "# HELP cc24_db_pool_waiting Requests waiting for a database connection.\n"
      "# TYPE cc24_db_pool_waiting gauge\n"
      "cc24_db_pool_waiting %d\n"
      "# HELP cc24_db_tx_retries_total Transactions re-run after busy/serialization errors.\n"
      "# TYPE cc24_db_tx_retries_total counter\n"
      "cc24_db_tx_retries_total %llu\n",
      s.size, s.in_use, s.waiting, (unsigned long long)s.retries_total);
}

static void metrics_index(struct buf *out, void *arg)
{
  buf_printf(out,
             "# HELP cc24_search_documents Vehicles in the in-process search index.\n"
             "# TYPE cc24_search_documents gauge\n"
             "cc24_search_documents %zu\n",
             search_count(arg));
}

static int ready_probe(void *app)
{
  struct err e = {0};
  return db_ping(((struct app *)app)->db, &e);
}

/* The media domain from the configuration (store, limits, keys, image cache). */
static int media_setup(db *d, struct err *e)
{
  struct media_config mc = {
      .store_url = cfg.media_store,
      .tmp_dir = cfg.media_tmp_dir,
      .cache_dir = cfg.img_cache_dir,
      .cache_bytes = (int64_t)cfg.img_cache_mb << 20,
      .max_file_bytes = (int64_t)cfg.upload_file_mb << 20,
      .max_request_bytes = (int64_t)cfg.upload_request_mb << 20,
      .quota_bytes = (int64_t)cfg.media_quota_mb << 20,
      .max_pixels = (int64_t)cfg.media_max_mp * 1000000,
      .key_hex = cfg.img_key,
      .salt_hex = cfg.img_salt,
      .avif = cfg.media_avif,
  };
  return media_init(&mc, d, e);
}

/* A vehicle's photos changed on this instance: its cover in the search index, and the
 * microcached pages (a logo shows on many). */
static void media_changed_hook(int64_t vehicle_id, void *arg)
{
  if (vehicle_id > 0)
    vehicle_index_refresh(arg, vehicle_id);
  web_cache_clear();
}

/* PostgreSQL: serve, work and receive as the role cc24_app, so row-level security
 * holds. It fails closed: without the role nothing is served (as the owner, every
 * policy would be bypassed). */
static int use_app_role(db *d)
{
  struct err e = {0};
  if (db_use_role(d, "cc24_app", &e) == 0)
    return 0;
  log_error("refusing to start: cannot assume the role cc24_app, so row-level security would"
            " not hold (%s). Let the database user of database-url assume it: as a superuser,"
            " GRANT cc24_app TO <that user>; (the migrations create the role when the user may"
            " create roles)",
            e.msg);
  return -1;
}

static int cmd_serve(void)
{
  struct err e = {0};
  int rc = 1;
  struct app app = {0};
  struct http_server *srv = NULL;
  struct jobs_pool *jobs = NULL;

  app.db = open_db(true);
  if (!app.db)
    return 1;
  if (media_setup(app.db, &e) < 0) {
    log_error("media: %s", e.msg);
    goto out;
  }
  if (cfg.demo) {
    int empty = seed_db_empty(app.db, &e);
    if (empty < 0) {
      log_error("demo: %s", e.msg);
      goto out;
    }
    if (empty) {
      int64_t n = seed_run(app.db, 300, 24, 0, &e);
      if (n < 0) {
        log_error("demo data: %s", e.msg);
        goto out;
      }
      log_info("loaded demo data: %lld vehicles", (long long)n);
      if (media_seed_demo(app.db, cfg.demo_photos_dir, &e) < 0) {
        log_error("demo photos: %s", e.msg);
        goto out;
      }
    }
  }
  /* from here on, row-level security applies (PostgreSQL) */
  if (db_backend(app.db) == DB_PG) {
    if (use_app_role(app.db) < 0)
      goto out;
    log_info("row-level security enforced: serving as role cc24_app");
  }
  /* sessions and rate limits shared by every instance */
  if (cfg.redis_url && *cfg.redis_url) {
    if (redis_configure(cfg.redis_url, &e) < 0) {
      log_error("redis: %s", e.msg);
      goto out;
    }
    session_use_redis(true);
    log_info("sessions and rate limits in Redis");
  }
  if (i18n_load(cfg.i18n_dir, &e) < 0) {
    log_error("i18n: %s", e.msg);
    goto out;
  }
  app.tmpl = render_load(cfg.templates_dir, cfg.dev, &e);
  if (!app.tmpl) {
    log_error("templates: %s", e.msg);
    goto out;
  }
  if (mail_init(app.tmpl, app.db, &e) < 0) {
    log_error("mail: %s", e.msg);
    goto out;
  }
  app.search = search_new();
  if (vehicle_index_build(&app, &e) < 0) {
    log_error("search index: %s", e.msg);
    goto out;
  }
  if (vehicle_index_listen(&app, &e) < 0) {
    log_error("listen: %s", e.msg);
    goto out;
  }
  media_on_change(media_changed_hook, &app);
  http_metrics_add(metrics_db, app.db);
  http_metrics_add(metrics_index, app.search);
  http_metrics_add(jobs_metrics, app.db);
  http_set_ready_probe(ready_probe);

  int threads = cfg.http_threads;
  if (threads <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    threads = n < 2 ? 2 : (int)n;
  }
  if (threads < 2)
    threads = 2;
  struct http_server_opts o = {
      .listen = cfg.listen,
      .threads = threads,
      .max_connections = cfg.max_connections,
      .per_ip_connections = cfg.per_ip_connections,
      .connection_timeout = cfg.connection_timeout,
      .max_body = (size_t)cfg.max_body_kb * 1024,
      .routes = cc24_routes,
      .nroutes = cc24_nroutes,
      .app = &app,
      .before = web_before,
      .error_page = web_error_page,
      .static_dir = cfg.static_dir,
      .tls = str_starts(cfg.base_url, "https://"),
      .trust_proxy = cfg.trust_proxy,
  };
  srv = http_server_start(&o, &e);
  if (!srv) {
    log_error("http: %s", e.msg);
    goto out;
  }
  if (cfg.workers > 0) {
    char wid[64];
    snprintf(wid, sizeof wid, "serve-%d", (int)getpid());
    /* periodic jobs: saved-search alerts, the sweep of expired login data, the
     * anonymisation of old leads */
    buyer_alerts_register();
    sms_jobs_register();
    td_jobs_register();
    if (buyer_alerts_schedule(app.db, &e) < 0)
      log_warn("alerts: cannot queue the alert job: %s", e.msg);
    auth_sweep_register();
    if (auth_sweep_schedule(app.db, &e) < 0)
      log_warn("sweep: cannot queue the sweep job: %s", e.msg);
    crm_reminders_register();
    if (crm_reminders_schedule(app.db, &e) < 0)
      log_warn("reminders: cannot queue the reminder job: %s", e.msg);
    lead_retention_register();
    if (lead_retention_schedule(app.db, &e) < 0)
      log_warn("retention: cannot queue the retention job: %s", e.msg);
    newsletter_register();
    if (newsletter_schedule(app.db, &e) < 0)
      log_warn("newsletter: cannot queue the newsletter job: %s", e.msg);
    privacy_sweep_register();
    if (privacy_sweep_schedule(app.db, &e) < 0)
      log_warn("privacy: cannot queue the sweep job: %s", e.msg);
    if (media_gc_start(app.db, &e) < 0)
      log_warn("media: cannot queue the media GC: %s", e.msg);
    jobs = jobs_start(app.db, cfg.workers, wid, &e);
    if (!jobs) {
      log_error("jobs: %s", e.msg);
      goto out;
    }
  }
  log_info("cc24 %s serving http://%s (database %s, %d threads, %d workers)", CC24_VERSION,
           cfg.listen, db_backend(app.db) == DB_PG ? "postgresql" : "sqlite", threads, cfg.workers);
  wait_for_signal();
  log_info("shutting down");
  rc = 0;
out:
  if (srv)
    http_server_stop(srv, cfg.shutdown_grace);
  if (jobs)
    jobs_stop(jobs);
  if (app.search)
    search_free(app.search);
  if (app.tmpl)
    render_free(app.tmpl);
  media_shutdown();
  db_close(app.db);
  return rc;
}

static int cmd_worker(void)
{
  struct err e = {0};
  db *d = open_db(true);
  if (!d)
    return 1;
  /* the worker runs as the app role too, and writes mails in the buyer's language */
  if (db_backend(d) == DB_PG && use_app_role(d) < 0) {
    db_close(d);
    return 1;
  }
  if (i18n_load(cfg.i18n_dir, &e) < 0) {
    log_error("i18n: %s", e.msg);
    db_close(d);
    return 1;
  }
  if (media_setup(d, &e) < 0) {
    log_error("media: %s", e.msg);
    db_close(d);
    return 1;
  }
  /* mails written by jobs (alerts) use the HTML layout; the worker sends mails too */
  struct tmpl_set *tmpl = render_load(cfg.templates_dir, cfg.dev, &e);
  if (!tmpl || mail_init(tmpl, d, &e) < 0) {
    log_error("%s: %s", tmpl ? "mail" : "templates", e.msg);
    if (tmpl)
      render_free(tmpl);
    db_close(d);
    return 1;
  }
  if (media_gc_start(d, &e) < 0)
    log_warn("media: cannot queue the media GC: %s", e.msg);
  buyer_alerts_register();
  sms_jobs_register();
  td_jobs_register();
  if (buyer_alerts_schedule(d, &e) < 0)
    log_warn("alerts: cannot queue the alert job: %s", e.msg);
  auth_sweep_register();
  if (auth_sweep_schedule(d, &e) < 0)
    log_warn("sweep: cannot queue the sweep job: %s", e.msg);
  crm_reminders_register();
  if (crm_reminders_schedule(d, &e) < 0)
    log_warn("reminders: cannot queue the reminder job: %s", e.msg);
  lead_retention_register();
  if (lead_retention_schedule(d, &e) < 0)
    log_warn("retention: cannot queue the retention job: %s", e.msg);
  newsletter_register();
  if (newsletter_schedule(d, &e) < 0)
    log_warn("newsletter: cannot queue the newsletter job: %s", e.msg);
  privacy_sweep_register();
  if (privacy_sweep_schedule(d, &e) < 0)
    log_warn("privacy: cannot queue the sweep job: %s", e.msg);
  char wid[64];
  snprintf(wid, sizeof wid, "worker-%d", (int)getpid());
  int n = cfg.workers > 0 ? cfg.workers : 2;
  struct jobs_pool *p = jobs_start(d, n, wid, &e);
  if (!p) {
    log_error("jobs: %s", e.msg);
    db_close(d);
    return 1;
  }
  log_info("cc24 worker: %d workers on %s", n, db_backend(d) == DB_PG ? "postgresql" : "sqlite");
  wait_for_signal();
  jobs_stop(p);
  media_shutdown();
  render_free(tmpl);
  db_close(d);
  return 0;
}

/* cc24 outbox list|show ID|retry ID: the mails, for the operator. */
static int cmd_outbox(char **argv, const int *rest, int nrest)
{
  char *w[4] = {0};
  int nw = 0;
  for (int i = 0; i < nrest && nw < 4; i++)
    w[nw++] = argv[rest[i]];
  db *d = open_db(true);
  if (!d)
    return 1;
  int rc = mail_cli(d, nw, w);
  db_close(d);
  return rc;
}

/* cc24 mail receive [--to ADDR]: one message on stdin into its lead (an MTA's pipe
 * transport; docs/mail.md). Exit codes are sysexits.h's (crm_mail_cli); a database that
 * cannot be opened is a temporary failure (75), so the MTA tries again. */
static int cmd_mail(const char **w, int nw)
{
  if (nw < 1 || strcmp(w[0], "receive") != 0)
    return crm_mail_cli(NULL, nw, w); /* prints the usage */
  db *d = open_db(true);
  if (!d)
    return 75;
  /* like the worker: as the app role, so row-level security holds */
  if (db_backend(d) == DB_PG && use_app_role(d) < 0) {
    db_close(d);
    return 75;
  }
  int rc = crm_mail_cli(d, nw, w);
  db_close(d);
  return rc;
}

static int cmd_migrate(void)
{
  db *d = open_db(false);
  if (!d)
    return 1;
  struct err e = {0};
  int n = db_migrate(d, &e);
  db_close(d);
  if (n < 0) {
    log_error("migrate: %s", e.msg);
    return 1;
  }
  printf("applied %d migration(s); %d known\n", n, db_migration_count());
  return 0;
}

static int cmd_seed(int argc, char **argv, const int *rest, int nrest)
{
  bool demo = cfg.demo;
  int64_t n = -1, seed = 24;
  for (int i = 0; i < nrest; i++) {
    const char *a = argv[rest[i]];
    const char *next = rest[i] + 1 < argc ? argv[rest[i] + 1] : NULL;
    if (!strcmp(a, "--demo")) {
      demo = true;
    } else if (!strncmp(a, "--vehicles", 10)) {
      const char *v = a[10] == '=' ? a + 11 : next;
      if (a[10] != '=')
        i++;
      if (!v || !str_to_i64(v, &n) || n < 0 || n > 10000000) {
        fprintf(stderr, "cc24 seed: --vehicles needs a number from 0 to 10000000\n");
        return 2;
      }
    } else if (!strncmp(a, "--seed", 6)) {
      const char *v = a[6] == '=' ? a + 7 : next;
      if (a[6] != '=')
        i++;
      if (!v || !str_to_i64(v, &seed)) {
        fprintf(stderr, "cc24 seed: --seed needs an integer\n");
        return 2;
      }
    } else if (strcmp(a, "seed") != 0) {
      fprintf(stderr, "cc24 seed: unknown argument %s\n", a);
      return 2;
    }
  }
  if (!demo && n < 0) {
    fprintf(stderr, "usage: cc24 seed --demo | --vehicles N [--seed S]\n");
    return 2;
  }
  db *d = open_db(true);
  if (!d)
    return 1;
  struct err e = {0};
  int rc = 0;
  if (demo) {
    int empty = seed_db_empty(d, &e);
    if (empty < 0)
      rc = 1;
    else if (!empty && n < 0)
      printf("database is not empty: demo data not loaded\n");
    else if (n < 0)
      n = 300;
  }
  if (rc == 0 && n >= 0) {
    int64_t t0 = time_mono_ms();
    int64_t added = seed_run(d, n, (uint64_t)seed, 1, &e);
    if (added < 0)
      rc = 1;
    else
      printf("added %lld vehicles in %lld ms\n", (long long)added,
             (long long)(time_mono_ms() - t0));
  }
  if (rc)
    log_error("seed: %s", e.msg);
  db_close(d);
  return rc;
}

/* Value of "--name VALUE" / "--name=VALUE" among the admin words, or NULL. */
static const char *opt(const char **w, int nw, const char *name, int *from)
{
  size_t nl = strlen(name);
  for (int i = from ? *from : 0; i < nw; i++) {
    if (!strncmp(w[i], name, nl) && w[i][nl] == '=') {
      if (from)
        *from = i + 1;
      return w[i] + nl + 1;
    }
    if (!strcmp(w[i], name) && i + 1 < nw) {
      if (from)
        *from = i + 2;
      return w[i + 1];
    }
  }
  return NULL;
}

struct admin_arg {
  struct arena *a;
  const char **w;
  int nw;
  const char *cmd;
  char *out;
  int status; /* exit status for usage errors */
};

static int tx_admin(db_conn *c, void *arg, struct err *e)
{
  struct admin_arg *x = arg;
  const char **w = x->w;
  int nw = x->nw;
  if (!strcmp(x->cmd, "token-create")) {
    const char *slug = opt(w, nw, "--tenant", NULL);
    struct tenant t;
    int found = slug ? tenant_store_by_slug(c, x->a, slug, &t, e) : 0;
    if (found < 0)
      return -1;
    if (!found) {
      x->status = 2;
      return err_set(e, CC24_E_TENANT_NOT_FOUND, "no dealer \"%s\"", slug ? slug : "");
    }
    unsigned scopes = 0;
    int from = 0;
    for (const char *sc; (sc = opt(w, nw, "--scope", &from));) {
      unsigned one;
      if (auth_scopes_parse(sc, &one) < 0) {
        x->status = 2;
        return err_set(e, CC24_E_BAD_PARAMETER,
                       "unknown scope \"%s\" (read, inventory:write, leads)", sc);
      }
      scopes |= one;
    }
    if (!scopes) {
      x->status = 2;
      return err_set(e, CC24_E_BAD_PARAMETER, "at least one --scope is needed");
    }
    const char *name = opt(w, nw, "--name", NULL);
    if (auth_token_create(c, x->a, t.id, name ? name : "admin", scopes, 0, NULL, &x->out, e) < 0)
      return -1;
    return auth_audit(c, t.id, 0, "token.create", auth_scopes_format(x->a, scopes), "cli", e);
  }
  const char *email = opt(w, nw, "--email", NULL);
  if (!email) {
    x->status = 2;
    return err_set(e, CC24_E_BAD_PARAMETER, "--email is needed");
  }
  if (!strcmp(x->cmd, "user-add")) {
    const char *slug = opt(w, nw, "--tenant", NULL), *role = opt(w, nw, "--role", NULL);
    struct auth_user u = {.email = email,
                          .role = auth_role_parse(role ? role : "staff"),
                          .name = opt(w, nw, "--name", NULL)};
    if (u.role < 0 || u.role == AUTH_ROLE_BUYER) {
      x->status = 2;
      return err_set(e, CC24_E_BAD_PARAMETER, "--role is staff, owner or admin");
    }
    if (u.role != AUTH_ROLE_ADMIN) {
      struct tenant t;
      int found = slug ? tenant_store_by_slug(c, x->a, slug, &t, e) : 0;
      if (found <= 0) {
        x->status = 2;
        return found < 0 ? -1 : err_set(e, CC24_E_TENANT_NOT_FOUND, "--tenant names no dealer");
      }
      u.tenant_id = t.id;
    }
    const char *pw = getenv("CC24_NEW_PASSWORD");
    char gen[40];
    if (!pw) {
      id_token(gen, sizeof gen, 15);
      pw = gen;
      x->out = arena_strdup(x->a, gen);
    }
    u.email_verified_at = time_now();
    if (auth_user_create(c, x->a, &u, pw, e) < 0)
      return -1;
    return auth_audit(c, u.tenant_id, 0, "user.add", u.email, "cli", e);
  }
  struct auth_user u;
  int found = auth_user_by_email(c, x->a, email, &u, e);
  if (found <= 0) {
    x->status = found < 0 ? 1 : 2;
    return found < 0 ? -1 : err_set(e, CC24_E_NOT_FOUND, "no user %s", email);
  }
  if (!strcmp(x->cmd, "user-reset-password")) {
    char gen[40];
    id_token(gen, sizeof gen, 15);
    x->out = arena_strdup(x->a, gen);
    if (auth_user_set_password(c, u.id, gen, e) < 0)
      return -1;
    return auth_audit(c, u.tenant_id, u.id, "user.reset_password", "", "cli", e);
  }
  if (!strcmp(x->cmd, "user-reset-2fa")) {
    /* support: the phone and the recovery codes are lost; the user logs in with the
     * password alone again and should set two-factor up anew */
    if (auth_totp_disable(c, u.id, e) < 0 || session_destroy_user(c, u.id, e) < 0)
      return -1;
    return auth_audit(c, u.tenant_id, u.id, "user.reset_2fa", "", "cli", e);
  }
  if (auth_user_set_disabled(c, u.id, true, e) < 0)
    return -1;
  return auth_audit(c, u.tenant_id, u.id, "user.disable", "", "cli", e);
}

struct tenant_list_arg {
  struct arena *a;
  struct tenant *t;
  int n;
};

static int tx_tenant_list(db_conn *c, void *arg, struct err *e)
{
  struct tenant_list_arg *l = arg;
  return tenant_store_list(c, l->a, &l->t, &l->n, e);
}

/* cc24 admin tenant list | token create --tenant SLUG --scope S [--scope S] [--name N]
 *   | user add --email E --tenant SLUG [--role staff|owner|admin] [--name N]
 *   | user reset-password --email E | user reset-2fa --email E | user disable --email E
 * Contract: token create prints the token and nothing else; user add and
 * reset-password print the new password (unless CC24_NEW_PASSWORD gave one). */
static int cmd_admin(int argc, char **argv, const int *rest, int nrest)
{
  (void)argc;
  const char *w[64];
  int nw = 0;
  for (int i = 0; i < nrest && nw < 64; i++)
    w[nw++] = argv[rest[i]];
  const char *cmd = NULL;
  if (nw >= 3 && !strcmp(w[1], "tenant") && !strcmp(w[2], "list"))
    cmd = "tenant-list";
  else if (nw >= 3 && !strcmp(w[1], "token") && !strcmp(w[2], "create"))
    cmd = "token-create";
  else if (nw >= 3 && !strcmp(w[1], "user") && !strcmp(w[2], "add"))
    cmd = "user-add";
  else if (nw >= 3 && !strcmp(w[1], "user") && !strcmp(w[2], "reset-password"))
    cmd = "user-reset-password";
  else if (nw >= 3 && !strcmp(w[1], "user") && !strcmp(w[2], "disable"))
    cmd = "user-disable";
  else if (nw >= 3 && !strcmp(w[1], "user") && !strcmp(w[2], "reset-2fa"))
    cmd = "user-reset-2fa";
  if (!cmd) {
    fprintf(stderr,
            "usage: cc24 admin tenant list\n"
            "       cc24 admin token create --tenant SLUG --scope SCOPE [--scope ...]\n"
            "       cc24 admin user add --email E --tenant SLUG [--role staff|owner|admin]\n"
            "       cc24 admin user reset-password --email E\n"
            "       cc24 admin user reset-2fa --email E\n"
            "       cc24 admin user disable --email E\n");
    return 2;
  }
  db *d = open_db(true);
  if (!d)
    return 1;
  struct err e = {0};
  int rc;
  struct arena *a = arena_new(0);
  if (!strcmp(cmd, "tenant-list")) {
    struct tenant_list_arg l = {.a = a};
    rc = db_tx(d, 0, DB_READ, tx_tenant_list, &l, &e);
    if (rc == 0)
      for (int i = 0; i < l.n; i++)
        printf("%s\n", l.t[i].slug);
  } else {
    struct admin_arg x = {.a = a, .w = w + 3, .nw = nw - 3, .cmd = cmd};
    rc = db_tx(d, 0, DB_WRITE, tx_admin, &x, &e);
    if (rc == 0 && x.out)
      printf("%s\n", x.out);
    if (rc < 0 && x.status) {
      fprintf(stderr, "cc24 admin: %s\n", e.msg);
      arena_free(a);
      db_close(d);
      return x.status;
    }
  }
  if (rc < 0)
    log_error("%s", e.msg);
  arena_free(a);
  db_close(d);
  return rc ? 1 : 0;
}

/* cc24 sms send --to NUMBER --text TEXT: send one SMS now through the configured
 * gateway, so an operator can test sms-url, sms-account-sid, sms-auth-token and
 * sms-from. Contract: prints the message's sid and nothing else; exit 2 for bad
 * input or configuration (nothing sent), 1 when the gateway refused or could not be
 * reached (the reason on stderr, never the token). */
static int cmd_sms(const char **w, int nw)
{
  const char *to = opt(w, nw, "--to", NULL), *text = opt(w, nw, "--text", NULL);
  if (nw < 1 || strcmp(w[0], "send") != 0 || !to || !text) {
    fprintf(stderr, "usage: cc24 sms send --to NUMBER --text TEXT\n");
    return 2;
  }
  for (int i = 1; i < nw; i++) {
    if (!strcmp(w[i], "--to") || !strcmp(w[i], "--text"))
      i++; /* its value, whatever it looks like */
    else if (strncmp(w[i], "--to=", 5) && strncmp(w[i], "--text=", 7)) {
      fprintf(stderr, "cc24 sms: unknown argument %s (see --help)\n", w[i]);
      return 2;
    }
  }
  struct err e = {0};
  struct sms_gateway g;
  int cf = sms_gateway_from_config(&g, &e);
  if (cf > 0) {
    fprintf(stderr, "cc24 sms: SMS is off: set sms-url (CC24_SMS_URL) and its credentials\n");
    return 2;
  }
  if (cf < 0) {
    fprintf(stderr, "cc24 sms: %s\n", e.msg);
    return 2;
  }
  char to164[SMS_E164_SIZE];
  if (sms_phone_e164(to, to164, &e) < 0 || sms_body_check(text, &e) < 0) {
    fprintf(stderr, "cc24 sms: %s: %s\n", !strcmp(e.field, "body") ? "--text" : "--to", e.msg);
    return 2;
  }
  struct sms_result r;
  int rc = sms_send(&g, to164, text, &r, &e);
  if (rc == SMS_SENT) {
    printf("%s\n", r.sid);
    return 0;
  }
  fprintf(stderr, "cc24 sms: %s\n", e.msg);
  if (r.http_status == 401 || r.http_status == 403)
    fprintf(stderr, "cc24 sms: check sms-account-sid and sms-auth-token\n");
  else if (rc == SMS_RETRY)
    fprintf(stderr, "cc24 sms: a temporary failure; a queued SMS would be retried\n");
  return 1;
}

static void usage(FILE *out)
{
  fprintf(out,
          "cc24 %s — the platform a German car dealer runs on\n\n"
          "usage: cc24 COMMAND [--setting=value ...]\n\n"
          "commands:\n"
          "  serve     HTTP server (website, JSON API) + embedded job workers\n"
          "  worker    job workers only\n"
          "  migrate   apply database migrations\n"
          "  seed      --demo | --vehicles N [--seed S]\n"
          "  admin     tenant list\n"
          "  outbox    list [STATE] | show ID | retry ID: the mails and their delivery\n"
          "  mail      receive [--to ADDRESS] < MESSAGE: a buyer's answer into its enquiry\n"
          "  sms       send --to NUMBER --text TEXT (test the SMS gateway settings)\n"
          "  routes    print the route table\n"
          "  version   print the version\n\n"
          "`cc24 COMMAND --help` lists every setting.\n",
          CC24_VERSION);
}

int main(int argc, char **argv)
{
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    usage(stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "routes")) {
    /* The route table, one "METHOD PATTERN ROLE" per line (tests and docs). */
    static const char *roles[] = {"buyer", "public", "staff", "owner", "admin"};
    for (size_t i = 0; i < cc24_nroutes; i++) {
      int r = cc24_routes[i].role;
      printf("%s %s %s\n", cc24_routes[i].method, cc24_routes[i].pattern,
             r >= ROLE_BUYER && r <= ROLE_ADMIN ? roles[r + 1] : "?");
    }
    return 0;
  }
  if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
    printf("cc24 %s\n", CC24_VERSION);
    return 0;
  }
  int *rest = calloc((size_t)argc + 1, sizeof *rest), nrest = 0;
  if (!rest || config_load(argc, argv, 2, rest, &nrest, cmd) < 0) {
    free(rest);
    return 2;
  }
  log_init(cfg.log_format, cfg.log_level);
  if (ids_init() < 0) {
    fprintf(stderr, "cc24: libsodium failed to initialise\n");
    free(rest);
    return 1;
  }
  int rc;
  if (!strcmp(cmd, "serve") || !strcmp(cmd, "worker") || !strcmp(cmd, "migrate")) {
    if (nrest > 0) {
      fprintf(stderr, "cc24 %s: unknown argument %s (see --help)\n", cmd, argv[rest[0]]);
      free(rest);
      return 2;
    }
    rc = !strcmp(cmd, "serve")    ? cmd_serve()
         : !strcmp(cmd, "worker") ? cmd_worker()
                                  : cmd_migrate();
  } else if (!strcmp(cmd, "outbox")) {
    rc = cmd_outbox(argv, rest, nrest);
  } else if (!strcmp(cmd, "seed")) {
    rc = cmd_seed(argc, argv, rest, nrest);
  } else if (!strcmp(cmd, "admin")) {
    /* rest holds "admin"? no: argv[1] is the command; words start at index 2 */
    int *r2 = calloc((size_t)nrest + 2, sizeof *r2);
    r2[0] = 1;
    for (int i = 0; i < nrest; i++)
      r2[i + 1] = rest[i];
    rc = cmd_admin(argc, argv, r2, nrest + 1);
    free(r2);
  } else if (!strcmp(cmd, "mail")) {
    const char **w = calloc((size_t)nrest + 1, sizeof *w);
    for (int i = 0; i < nrest; i++)
      w[i] = argv[rest[i]];
    rc = cmd_mail(w, nrest);
    free(w);
  } else if (!strcmp(cmd, "sms")) {
    const char **w = calloc((size_t)nrest + 1, sizeof *w);
    for (int i = 0; i < nrest; i++)
      w[i] = argv[rest[i]];
    rc = cmd_sms(w, nrest);
    free(w);
  } else {
    fprintf(stderr, "cc24: unknown command %s\n\n", cmd);
    usage(stderr);
    rc = 2;
  }
  free(rest);
  return rc;
}
