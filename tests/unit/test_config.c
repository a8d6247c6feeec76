/* Unit tests for src/core/config: built-in defaults, the CC24_* environment layer,
 * name normalisation, and that invalid values are refused with a message naming the
 * setting, where it came from and what is allowed. (test_core covers the layering of
 * file < environment < flags.) Criterion runs each test in its own process, so the
 * global cfg and the environment do not leak between tests. */
#include "core/config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- capturing what config writes to stderr ---- */

static int saved_fd = -1;
static char cap_path[] = "/tmp/cc24-config-stderr-XXXXXX";

static void capture_begin(void)
{
  fflush(stderr);
  int fd = mkstemp(cap_path);
  cr_assert_geq(fd, 0);
  saved_fd = dup(2);
  dup2(fd, 2);
  close(fd);
}

/* The text written since capture_begin (static buffer). */
static const char *capture_end(void)
{
  static char text[8192];
  fflush(stderr);
  dup2(saved_fd, 2);
  close(saved_fd);
  FILE *f = fopen(cap_path, "r");
  cr_assert_not_null(f);
  size_t n = fread(text, 1, sizeof text - 1, f);
  text[n] = 0;
  fclose(f);
  unlink(cap_path);
  memcpy(cap_path + strlen(cap_path) - 6, "XXXXXX", 6);
  return text;
}

static void clean_env(void)
{
  /* nothing from the harness environment may shadow a default */
  extern char **environ;
  for (;;) {
    char **e = environ;
    while (*e && strncmp(*e, "CC24_", 5) != 0)
      e++;
    if (!*e)
      break;
    char name[128];
    size_t n = strcspn(*e, "=");
    snprintf(name, sizeof name, "%.*s", (int)n, *e);
    unsetenv(name);
  }
  /* and no cc24.conf from the working directory */
  cr_assert_eq(chdir("/"), 0);
}

static int load(int argc, char **argv)
{
  int rest[16], nrest = 0;
  return config_load(argc, argv, 1, rest, &nrest, "serve");
}

/* ---- defaults ---- */

Test(config, defaults, .init = clean_env)
{
  config_defaults();
  cr_assert_str_eq(cfg.listen, "127.0.0.1:8080");
  cr_assert_str_eq(cfg.database_url, "sqlite:data/cc24.db");
  cr_assert_str_eq(cfg.redis_url, "");
  cr_assert_str_eq(cfg.media_store, "file:data/media");
  cr_assert_str_eq(cfg.base_url, "http://127.0.0.1:8080");
  cr_assert_str_eq(cfg.log_format, "auto");
  cr_assert_str_eq(cfg.log_level, "info");
  cr_assert_str_eq(cfg.config_file, "");
  cr_assert_eq(cfg.workers, 2);
  cr_assert_eq(cfg.http_threads, 0);
  cr_assert_eq(cfg.max_connections, 16384);
  cr_assert_eq(cfg.per_ip_connections, 256);
  cr_assert_eq(cfg.connection_timeout, 30);
  cr_assert_eq(cfg.max_body_kb, 1024);
  cr_assert_eq(cfg.db_pool, 8);
  cr_assert_eq(cfg.job_max_attempts, 8);
  cr_assert_eq(cfg.job_lock_seconds, 300);
  cr_assert_eq(cfg.shutdown_grace, 10);
  cr_assert_not(cfg.demo);
  cr_assert_not(cfg.dev);
  cr_assert_not(cfg.trust_proxy);
  cr_assert_not(cfg.media_avif);
  cr_assert_eq(cfg.market_commission_bp, 1358);
  cr_assert_eq(cfg.page_cache_seconds, 10);
  cr_assert_eq(cfg.img_cache_mb, 1024);
  cr_assert_eq(cfg.upload_file_mb, 40);
  cr_assert_eq(cfg.upload_request_mb, 400);
  cr_assert_eq(cfg.media_quota_mb, 5120);
  cr_assert_eq(cfg.media_max_mp, 100);
  cr_assert_str_eq(cfg.smtp_url, "");
  cr_assert_str_eq(cfg.mail_from, "cc24 <noreply@cc24.localhost>");
  cr_assert_eq(cfg.mail_domain_rate, 60);
  cr_assert_eq(cfg.mail_max_attempts, 8);
  cr_assert_eq(cfg.mail_retry_seconds, 60);
  cr_assert_eq(cfg.mail_timeout_seconds, 30);
  cr_assert_str_eq(cfg.sms_url, "");
  cr_assert_str_eq(cfg.sms_auth_token, "");
  cr_assert_eq(cfg.lead_retention_months, 12);
}

Test(config, defaults_reset_what_was_set, .init = clean_env)
{
  config_defaults();
  cr_assert_eq(config_set("workers", "9"), 0);
  cr_assert_eq(config_set("listen", "0.0.0.0:80"), 0);
  cr_assert_eq(config_set("dev", "yes"), 0);
  config_defaults();
  cr_assert_eq(cfg.workers, 2);
  cr_assert_str_eq(cfg.listen, "127.0.0.1:8080");
  cr_assert_not(cfg.dev);
}

Test(config, load_without_anything_gives_the_defaults, .init = clean_env)
{
  char *argv[] = {"cc24", NULL};
  cr_assert_eq(load(1, argv), 0);
  cr_assert_eq(cfg.workers, 2);
  cr_assert_str_eq(cfg.database_url, "sqlite:data/cc24.db");
  cr_assert_str_eq(cfg.config_file, "", "no cc24.conf in /");
}

/* ---- the environment ---- */

Test(config, environment_overrides_every_type, .init = clean_env)
{
  setenv("CC24_DATABASE_URL", "postgres://cc24@db/cc24", 1);
  setenv("CC24_DB_POOL", "32", 1);
  setenv("CC24_TRUST_PROXY", "true", 1);
  setenv("CC24_DEMO", "on", 1);
  setenv("CC24_DEV", "no", 1);
  setenv("CC24_REDIS_URL", "", 1);
  setenv("CC24_MEDIA_MAX_MEGAPIXELS", "1000", 1);
  setenv("CC24_LEAD_RETENTION_MONTHS", "1", 1);
  char *argv[] = {"cc24", NULL};
  cr_assert_eq(load(1, argv), 0);
  cr_assert_str_eq(cfg.database_url, "postgres://cc24@db/cc24");
  cr_assert_eq(cfg.db_pool, 32);
  cr_assert(cfg.trust_proxy);
  cr_assert(cfg.demo);
  cr_assert_not(cfg.dev);
  cr_assert_str_eq(cfg.redis_url, "", "an empty value is a value");
  cr_assert_eq(cfg.media_max_mp, 1000, "the variable follows the flag name, not the field");
  cr_assert_eq(cfg.lead_retention_months, 1, "the lower bound is allowed");
}

Test(config, flags_beat_the_environment, .init = clean_env)
{
  setenv("CC24_WORKERS", "7", 1);
  setenv("CC24_DEMO", "1", 1);
  char *argv[] = {"cc24", "--workers", "3", "--demo=0", NULL};
  cr_assert_eq(load(4, argv), 0);
  cr_assert_eq(cfg.workers, 3);
  cr_assert_not(cfg.demo);
}

struct bad_env {
  const char *var, *value;
  const char *message; /* expected in stderr */
};

static const struct bad_env bad_envs[] = {
    {"CC24_WORKERS", "many", "CC24_WORKERS: workers must be an integer in [0, 64], got \"many\""},
    {"CC24_WORKERS", "65", "workers must be an integer in [0, 64], got \"65\""},
    {"CC24_WORKERS", "-1", "got \"-1\""},
    {"CC24_WORKERS", "", "got \"\""},
    {"CC24_WORKERS", "3x", "got \"3x\""},
    {"CC24_WORKERS", " 3", NULL}, /* strtol skips leading blanks: accepted */
    {"CC24_DB_POOL", "0", "db-pool must be an integer in [1, 256]"},
    {"CC24_MAX_BODY_KB", "99999999999999999999", "max-body-kb must be an integer"},
    {"CC24_MARKET_COMMISSION_BP", "10001", "market-commission-bp must be an integer in [0, 10000]"},
    {"CC24_DEMO", "maybe", "CC24_DEMO: demo must be a boolean (1/0, true/false), got \"maybe\""},
    {"CC24_TRUST_PROXY", "2", "trust-proxy must be a boolean"},
};

Test(config, invalid_environment_values_are_refused_clearly, .init = clean_env)
{
  for (size_t i = 0; i < sizeof bad_envs / sizeof bad_envs[0]; i++) {
    const struct bad_env *b = &bad_envs[i];
    setenv(b->var, b->value, 1);
    char *argv[] = {"cc24", NULL};
    capture_begin();
    int rc = load(1, argv);
    const char *err = capture_end();
    unsetenv(b->var);
    if (!b->message) {
      cr_assert_eq(rc, 0, "%s=\"%s\": %s", b->var, b->value, err);
      continue;
    }
    cr_assert_eq(rc, -1, "%s=\"%s\" accepted", b->var, b->value);
    cr_assert_not_null(strstr(err, b->message), "%s=\"%s\": stderr was \"%s\"", b->var, b->value,
                       err);
    cr_assert_eq(strncmp(err, "cc24: ", 6), 0, "%s", err);
  }
}

Test(config, a_refused_value_keeps_the_previous_one, .init = clean_env)
{
  setenv("CC24_WORKERS", "100", 1);
  char *argv[] = {"cc24", NULL};
  capture_begin();
  cr_assert_eq(load(1, argv), -1);
  capture_end();
  cr_assert_eq(cfg.workers, 2, "the default stays, not a clamped or half-parsed value");
}

Test(config, every_problem_is_reported_not_just_the_first, .init = clean_env)
{
  setenv("CC24_WORKERS", "x", 1);
  setenv("CC24_DEMO", "x", 1);
  char *argv[] = {"cc24", "--db-pool=0", "--shutdown-grace", "601", NULL};
  capture_begin();
  cr_assert_eq(load(4, argv), -1);
  const char *err = capture_end();
  cr_assert_not_null(strstr(err, "CC24_WORKERS"), "%s", err);
  cr_assert_not_null(strstr(err, "CC24_DEMO"), "%s", err);
  cr_assert_not_null(strstr(err, "flag: db-pool"), "%s", err);
  cr_assert_not_null(strstr(err, "shutdown-grace must be an integer in [0, 600]"), "%s", err);
}

/* ---- flags and names ---- */

Test(config, flag_forms, .init = clean_env)
{
  char *argv[] = {"cc24", "--dev", "--trust-proxy", "1",  "--demo", "--log-level",
                  "warn", "seed",  "--vehicles",    "10", NULL};
  int rest[16], nrest = 0;
  cr_assert_eq(config_load(10, argv, 1, rest, &nrest, "serve"), 0);
  cr_assert(cfg.dev, "a bare boolean flag is true");
  cr_assert(cfg.trust_proxy, "a boolean flag takes a following 0/1");
  cr_assert(cfg.demo);
  cr_assert_str_eq(cfg.log_level, "warn");
  cr_assert_eq(nrest, 3, "seed --vehicles 10 are the command's");
  cr_assert_str_eq(argv[rest[0]], "seed");
  cr_assert_str_eq(argv[rest[1]], "--vehicles");
  cr_assert_str_eq(argv[rest[2]], "10");
}

Test(config, flag_without_value, .init = clean_env)
{
  char *argv[] = {"cc24", "--workers", NULL};
  capture_begin();
  cr_assert_eq(load(2, argv), -1);
  const char *err = capture_end();
  cr_assert_not_null(strstr(err, "flag --workers needs a value"), "%s", err);
}

Test(config, set_by_either_spelling, .init = clean_env)
{
  cr_assert_eq(config_set("database-url", "sqlite:/tmp/a.db"), 0);
  cr_assert_str_eq(cfg.database_url, "sqlite:/tmp/a.db");
  cr_assert_eq(config_set("DATABASE_URL", "sqlite:/tmp/b.db"), 0);
  cr_assert_str_eq(cfg.database_url, "sqlite:/tmp/b.db");
  cr_assert_eq(config_set("Db_Pool", "4"), 0);
  cr_assert_eq(cfg.db_pool, 4);
  cr_assert_eq(config_set("media-max-megapixels", "50"), 0);
  cr_assert_eq(cfg.media_max_mp, 50);
  cr_assert_eq(config_set("media_max_mp", "50"), -1, "the field name is not a setting");
  cr_assert_eq(config_set("", "1"), -1);
  char longname[200];
  memset(longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  cr_assert_eq(config_set(longname, "1"), -1);
  capture_begin();
  cr_assert_eq(config_set("db-pool", "257"), -1);
  const char *err = capture_end();
  cr_assert_not_null(strstr(err, "db-pool must be an integer in [1, 256], got \"257\""), "%s", err);
  cr_assert_eq(cfg.db_pool, 4);
}

/* ---- the file ---- */

Test(config, file_errors_name_file_and_line, .init = clean_env)
{
  char path[] = "/tmp/cc24-conf-XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  const char *ini = "workers = 4\n"
                    "no_such_thing = 1\n"
                    "just a line\n"
                    "; comment\n"
                    "db_pool = lots\n";
  cr_assert_eq(write(fd, ini, strlen(ini)), (ssize_t)strlen(ini));
  close(fd);
  char flag[64];
  snprintf(flag, sizeof flag, "--config=%s", path);
  char *argv[] = {"cc24", flag, NULL};
  capture_begin();
  int rc = load(2, argv);
  const char *err = capture_end();
  unlink(path);
  cr_assert_eq(rc, -1);
  cr_assert_eq(cfg.workers, 4, "the good lines still apply");
  cr_assert_str_eq(cfg.config_file, path);
  char want[128];
  snprintf(want, sizeof want, "%s:2: unknown setting \"no_such_thing\"", path);
  cr_assert_not_null(strstr(err, want), "%s", err);
  snprintf(want, sizeof want, "%s:3: expected name = value", path);
  cr_assert_not_null(strstr(err, want), "%s", err);
  snprintf(want, sizeof want, "%s:5: db-pool must be an integer", path);
  cr_assert_not_null(strstr(err, want), "%s", err);
}

Test(config, a_named_file_must_exist, .init = clean_env)
{
  setenv("CC24_CONFIG", "/nonexistent/cc24.conf", 1);
  char *argv[] = {"cc24", NULL};
  capture_begin();
  cr_assert_eq(load(1, argv), -1);
  const char *err = capture_end();
  cr_assert_not_null(strstr(err, "cannot read config file /nonexistent/cc24.conf"), "%s", err);
}

/* ---- help ---- */

Test(config, help_lists_flag_variable_and_default, .init = clean_env)
{
  config_defaults();
  char *text = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&text, &n);
  config_help(f, "serve");
  fclose(f);
  cr_assert_not_null(strstr(text, "Usage: cc24 serve"));
  cr_assert_not_null(strstr(text, "--database-url"));
  cr_assert_not_null(strstr(text, "CC24_DATABASE_URL"));
  cr_assert_not_null(strstr(text, "(default: \"sqlite:data/cc24.db\")"));
  cr_assert_not_null(strstr(text, "CC24_MEDIA_MAX_MEGAPIXELS"));
  cr_assert_not_null(strstr(text, "CC24_LEAD_RETENTION_MONTHS"));
  cr_assert_not_null(strstr(text, "CC24_CONFIG"));
  free(text);
}
