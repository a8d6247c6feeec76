#include "core/config.h"

#include "core/arena.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct config cfg;

enum setting_type { S_STR, S_INT, S_BOOL };

struct setting {
  const char *name; /* flag name, dashes */
  enum setting_type type;
  size_t offset;
  const char *def;
  int min, max; /* S_INT range */
  const char *help;
};

#define STR(field, name, def, help)                                                                \
  {                                                                                                \
    name, S_STR, offsetof(struct config, field), def, 0, 0, help                                   \
  }
#define INT(field, name, def, lo, hi, help)                                                        \
  {                                                                                                \
    name, S_INT, offsetof(struct config, field), def, lo, hi, help                                 \
  }
#define BOOL(field, name, def, help)                                                               \
  {                                                                                                \
    name, S_BOOL, offsetof(struct config, field), def, 0, 1, help                                  \
  }

static const struct setting settings[] = {
    STR(listen, "listen", "127.0.0.1:8080", "address and port to serve HTTP on"),
    STR(database_url, "database-url", "sqlite:data/cc24.db",
        "sqlite:PATH (embedded) or postgres://user:pass@host:port/db"),
    STR(redis_url, "redis-url", "",
        "redis://host:port for shared sessions/limits (empty = in-process)"),
    STR(media_store, "media-store", "file:data/media",
        "file:DIR or s3://BUCKET?endpoint=URL&region=R (credentials: access_key=, secret_key= or "
        "CC24_S3_ACCESS_KEY / CC24_S3_SECRET_KEY)"),
    STR(base_url, "base-url", "http://127.0.0.1:8080",
        "public base URL used in links, sitemaps, mails"),
    STR(templates_dir, "templates-dir", "templates", "directory of *.mustache templates"),
    STR(static_dir, "static-dir", "static", "directory of static assets"),
    STR(i18n_dir, "i18n-dir", "i18n", "directory of translation catalogs (de.json, en.json)"),
    STR(log_format, "log-format", "auto", "auto (text on a TTY), json or text"),
    STR(log_level, "log-level", "info", "debug, info, warn or error"),
    INT(workers, "workers", "2", 0, 64, "job workers inside serve (0 = none)"),
    INT(http_threads, "http-threads", "0", 0, 256,
        "HTTP thread pool size (0 = number of cores, at least 2)"),
    INT(max_connections, "max-connections", "16384", 16, 1000000, "total concurrent connections"),
    INT(per_ip_connections, "per-ip-connections", "256", 1, 1000000,
        "concurrent connections per client IP"),
    INT(connection_timeout, "connection-timeout", "30", 1, 3600,
        "seconds of inactivity before a connection is closed"),
    INT(max_body_kb, "max-body-kb", "1024", 1, 1048576, "largest accepted request body in KiB"),
    INT(db_pool, "db-pool", "8", 1, 256, "PostgreSQL connections per process"),
    INT(job_max_attempts, "job-max-attempts", "8", 1, 100, "attempts before a job is marked dead"),
    INT(job_lock_seconds, "job-lock-seconds", "300", 1, 86400,
        "how long a claimed job stays locked"),
    INT(shutdown_grace, "shutdown-grace", "10", 0, 600,
        "seconds to let in-flight requests finish on shutdown"),
    BOOL(demo, "demo", "0", "load demo data when the database is empty"),
    STR(demo_photos_dir, "demo-photos-dir", "vendor/demo-photos",
        "car photos for the demo vehicles (made by scripts/demo-photos.sh; \"\" = none)"),
    BOOL(dev, "dev", "0", "development mode: reload templates when they change"),
    INT(page_cache_seconds, "page-cache-seconds", "10", 0, 3600,
        "how long an anonymous search or vehicle page may be answered from the in-process"
        " microcache (any vehicle write empties it at once); 0 = no cache"),
    INT(market_commission_bp, "market-commission-bp", "1358", 0, 10000,
        "Börse: platform commission in basis points of the net trade price (1358 = 13.58 %)"),
    BOOL(trust_proxy, "trust-proxy", "0",
         "behind a reverse proxy: take the client address from X-Forwarded-For and TLS from"
         " X-Forwarded-Proto (HSTS, Secure cookies)"),
    STR(media_tmp_dir, "media-tmp-dir", "data/tmp",
        "local directory for uploads while they arrive and for job scratch files"),
    STR(img_cache_dir, "img-cache-dir", "data/imgcache", "disk cache of the image CDN (/img/)"),
    INT(img_cache_mb, "img-cache-mb", "1024", 16, 10000000,
        "size bound of the image cache in MB (least recently used files go first)"),
    INT(upload_file_mb, "upload-file-mb", "40", 1, 4096, "largest uploaded photo in MB"),
    INT(upload_request_mb, "upload-request-mb", "400", 1, 65536,
        "largest photo upload request in MB"),
    INT(media_quota_mb, "media-quota-mb", "5120", 1, 100000000,
        "storage quota per dealer for photo originals in MB"),
    INT(media_max_mp, "media-max-megapixels", "100", 1, 1000,
        "largest image cc24 decodes, in megapixels (larger ones are refused as"
        " decompression bombs)"),
    STR(img_key, "img-key", "",
        "hex key of the image URL signatures (HMAC-SHA256, imgproxy style); empty = a key"
        " kept in the database, the same for every instance"),
    STR(img_salt, "img-salt", "", "hex salt of the image URL signatures (with img-key)"),
    STR(smtp_url, "smtp-url", "",
        "outgoing mail: smtp://[user:password@]host[:port] or smtps://… (implicit TLS);"
        " ?starttls=required|try|off (smtp://, default try), ?auth=PLAIN|LOGIN;"
        " empty = mails are kept in the outbox only (cc24 outbox list/show)"),
    STR(mail_from, "mail-from", "cc24 <noreply@cc24.localhost>",
        "sender of every mail: Name <address> or address"),
    INT(mail_domain_rate, "mail-domain-rate", "60", 1, 100000,
        "mails per minute to one recipient domain; more wait for the next minute"),
    INT(mail_max_attempts, "mail-max-attempts", "8", 1, 100,
        "delivery attempts before a mail is dead (shown to the operator)"),
    INT(mail_retry_seconds, "mail-retry-seconds", "60", 1, 86400,
        "delay before the first retry of a failed delivery; doubled each time, at most 4 h"),
    INT(mail_timeout_seconds, "mail-timeout-seconds", "30", 1, 600, "timeout of one SMTP delivery"),
    STR(mail_inbound_domain, "mail-inbound-domain", "",
        "domain whose mail is piped into `cc24 mail receive` (docs/mail.md): lead mails get"
        " Reply-To lead+ID.TAG@this-domain, so the buyer's answer lands in the lead's"
        " timeline; empty = Reply-To is the dealer's address"),
    BOOL(media_avif, "media-avif", "0",
         "also make AVIF variants of every photo (needs libvips with AV1; slow to encode)"),
    STR(sms_url, "sms-url", "",
        "base URL of the SMS gateway (Twilio form, e.g. https://api.twilio.com); empty = SMS"
        " off"),
    STR(sms_account_sid, "sms-account-sid", "", "SMS gateway account SID (AC…)"),
    STR(sms_auth_token, "sms-auth-token", "",
        "SMS gateway auth token (secret: prefer the environment or cc24.conf to a flag)"),
    STR(sms_from, "sms-from", "",
        "SMS sender: a number (E.164 or German format) or an alphanumeric ID of 1-11"
        " characters"),
    INT(api_rate_anonymous, "api-rate-anonymous", "300", 0, 1000000,
        "anonymous API calls (search, vehicles, makes, financing) a minute per client address"
        " (IPv6: per /64), with a burst of a third of it; 0 = no limit (benchmarks)"),
    INT(lead_retention_months, "lead-retention-months", "12", 1, 120,
        "GDPR: months after which enquiries (leads) that did not lead to a sale are anonymised"
        " by a daily job; the privacy page and the enquiry form state this period"),
};

#define NSETTINGS (sizeof settings / sizeof settings[0])

static bool defaults_done;

static const struct setting *find(const char *name)
{
  char norm[64];
  size_t n = strlen(name);
  if (n >= sizeof norm)
    return NULL;
  for (size_t i = 0; i <= n; i++)
    norm[i] = name[i] == '_' ? '-' : (char)tolower((unsigned char)name[i]);
  for (size_t i = 0; i < NSETTINGS; i++)
    if (strcmp(settings[i].name, norm) == 0)
      return &settings[i];
  return NULL;
}

static int apply(const struct setting *s, const char *value, const char *origin)
{
  void *field = (char *)&cfg + s->offset;
  switch (s->type) {
  case S_STR: {
    char **p = field;
    free(*p);
    *p = xstrdup(value);
    return 0;
  }
  case S_INT: {
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < s->min || v > s->max) {
      fprintf(stderr, "cc24: %s: %s must be an integer in [%d, %d], got \"%s\"\n", origin, s->name,
              s->min, s->max, value);
      return -1;
    }
    *(int *)field = (int)v;
    return 0;
  }
  case S_BOOL: {
    bool v;
    if (!strcmp(value, "1") || !strcasecmp(value, "true") || !strcasecmp(value, "yes") ||
        !strcasecmp(value, "on"))
      v = true;
    else if (!strcmp(value, "0") || !strcasecmp(value, "false") || !strcasecmp(value, "no") ||
             !strcasecmp(value, "off") || !*value)
      v = false;
    else {
      fprintf(stderr, "cc24: %s: %s must be a boolean (1/0, true/false), got \"%s\"\n", origin,
              s->name, value);
      return -1;
    }
    *(bool *)field = v;
    return 0;
  }
  }
  return -1;
}

void config_defaults(void)
{
  if (defaults_done) {
    for (size_t i = 0; i < NSETTINGS; i++)
      if (settings[i].type == S_STR) {
        char **p = (char **)((char *)&cfg + settings[i].offset);
        free(*p);
        *p = NULL;
      }
    free(cfg.config_file);
  }
  memset(&cfg, 0, sizeof cfg);
  for (size_t i = 0; i < NSETTINGS; i++)
    apply(&settings[i], settings[i].def, "default");
  cfg.config_file = xstrdup("");
  defaults_done = true;
}

int config_set(const char *name, const char *value)
{
  if (!defaults_done)
    config_defaults();
  const struct setting *s = find(name);
  if (!s)
    return -1;
  return apply(s, value, "set");
}

static char *trim(char *s)
{
  while (isspace((unsigned char)*s))
    s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1]))
    *--e = 0;
  return s;
}

static int load_file(const char *path, bool required)
{
  FILE *f = fopen(path, "r");
  if (!f) {
    if (required) {
      fprintf(stderr, "cc24: cannot read config file %s: %s\n", path, strerror(errno));
      return -1;
    }
    return 0;
  }
  free(cfg.config_file);
  cfg.config_file = xstrdup(path);
  char line[4096];
  int lineno = 0, rc = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    char *s = trim(line);
    if (!*s || *s == '#' || *s == ';' || *s == '[')
      continue;
    char *eq = strchr(s, '=');
    if (!eq) {
      fprintf(stderr, "cc24: %s:%d: expected name = value\n", path, lineno);
      rc = -1;
      continue;
    }
    *eq = 0;
    char *k = trim(s), *v = trim(eq + 1);
    size_t vl = strlen(v);
    if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
      v[vl - 1] = 0;
      v++;
    }
    const struct setting *st = find(k);
    char origin[300];
    snprintf(origin, sizeof origin, "%s:%d", path, lineno);
    if (!st) {
      fprintf(stderr, "cc24: %s: unknown setting \"%s\"\n", origin, k);
      rc = -1;
      continue;
    }
    if (apply(st, v, origin) < 0)
      rc = -1;
  }
  fclose(f);
  return rc;
}

void config_help(FILE *out, const char *command)
{
  fprintf(
      out,
      "Usage: cc24 %s [--setting=value ...]\n\n"
      "Settings: built-in default < cc24.conf (or --config FILE / CC24_CONFIG) < CC24_* environment"
      " < flags.\n\n",
      command ? command : "COMMAND");
  for (size_t i = 0; i < NSETTINGS; i++) {
    const struct setting *s = &settings[i];
    char env[80] = "CC24_";
    size_t n = 5;
    for (const char *p = s->name; *p && n < sizeof env - 1; p++)
      env[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    env[n] = 0;
    fprintf(out, "  --%-22s %-26s %s (default: \"%s\")\n", s->name, env, s->help, s->def);
  }
  fprintf(out, "  --%-22s %-26s %s\n", "config", "CC24_CONFIG",
          "INI file to read (default: cc24.conf if present)");
}

/* *field = <exe_dir><base>/<def> (resolved) when that is a directory. */
static bool use_dir(char **field, const char *exe_dir, const char *base, const char *def)
{
  char path[4096 + 64];
  struct stat st;
  snprintf(path, sizeof path, "%s%s/%s", exe_dir, base, def);
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
    return false;
  char *real = realpath(path, NULL);
  if (real) {
    free(*field);
    *field = real;
  }
  return true;
}

/* The read-only assets (templates, static files, catalogs, demo photos) by default
 * live beside the binary, not in the working directory: a default that does not exist
 * under the working directory is looked up from the executable — its own directory,
 * its parent (build/cc24 in a clone) and ../share/cc24 (an installed binary) — so that
 * cc24 runs from any directory. A value the operator set is taken as given.
 *
 * built: the build writes what is served into the binary's own directory (static/
 * with minified stylesheets: build/static beside build/cc24), and that copy wins over
 * the source folder of the same name in the working directory. */
static void resolve_asset_dir(char **field, const char *def, bool built)
{
  struct stat st;
  if (!*field || strcmp(*field, def) != 0)
    return;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    return;
  exe[n] = 0;
  char *slash = strrchr(exe, '/');
  if (!slash)
    return;
  *slash = 0;
  if (built && use_dir(field, exe, "", def))
    return;
  if (stat(*field, &st) == 0)
    return;
  static const char *const bases[] = {"", "/..", "/../share/cc24"};
  for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
    if (use_dir(field, exe, bases[i], def))
      return;
}

int config_load(int argc, char **argv, int first, int *rest, int *nrest, const char *command)
{
  config_defaults();
  int rc = 0;
  *nrest = 0;

  /* The config file location may come from a flag or the environment. */
  const char *file = getenv("CC24_CONFIG");
  for (int i = first; i < argc; i++) {
    if (!strncmp(argv[i], "--config=", 9))
      file = argv[i] + 9;
    else if (!strcmp(argv[i], "--config") && i + 1 < argc)
      file = argv[i + 1];
  }
  if (file && *file)
    rc |= load_file(file, true);
  else
    rc |= load_file("cc24.conf", false);

  for (size_t i = 0; i < NSETTINGS; i++) {
    char env[80] = "CC24_";
    size_t n = 5;
    for (const char *p = settings[i].name; *p && n < sizeof env - 1; p++)
      env[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    env[n] = 0;
    const char *v = getenv(env);
    if (v && apply(&settings[i], v, env) < 0)
      rc = -1;
  }

  for (int i = first; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      config_help(stdout, command);
      exit(0);
    }
    if (strncmp(a, "--", 2) != 0 || !a[2]) {
      rest[(*nrest)++] = i;
      continue;
    }
    char name[64];
    const char *val = NULL;
    const char *eq = strchr(a + 2, '=');
    size_t nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
    if (nl >= sizeof name) {
      fprintf(stderr, "cc24: unknown flag %s\n", a);
      rc = -1;
      continue;
    }
    memcpy(name, a + 2, nl);
    name[nl] = 0;
    if (!strcmp(name, "config")) {
      if (!eq)
        i++;
      continue;
    }
    const struct setting *s = find(name);
    if (!s) {
      /* Not a setting: leave it to the command (e.g. seed --vehicles N). */
      rest[(*nrest)++] = i;
      continue;
    }
    if (eq)
      val = eq + 1;
    else if (s->type == S_BOOL && (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0 ||
                                   (strcmp(argv[i + 1], "0") && strcmp(argv[i + 1], "1"))))
      val = "1";
    else if (i + 1 < argc)
      val = argv[++i];
    else {
      fprintf(stderr, "cc24: flag --%s needs a value\n", name);
      rc = -1;
      continue;
    }
    if (apply(s, val, "flag") < 0)
      rc = -1;
  }
  resolve_asset_dir(&cfg.templates_dir, "templates", false);
  resolve_asset_dir(&cfg.static_dir, "static", true);
  resolve_asset_dir(&cfg.i18n_dir, "i18n", false);
  resolve_asset_dir(&cfg.demo_photos_dir, "vendor/demo-photos", false);
  return rc ? -1 : 0;
}
