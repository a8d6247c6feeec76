/* config.h — process configuration: built-in defaults < cc24.conf (INI) <
 * CC24_* environment < command-line flags. One table describes every
 * setting (name, environment variable, default, help); --help prints it.
 * The global `cfg` is filled once at start-up and read-only afterwards. */
#ifndef CC24_CORE_CONFIG_H
#define CC24_CORE_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

struct config {
  char *listen;       /* host:port */
  char *database_url; /* sqlite:PATH or postgres://... */
  char *redis_url;    /* "" = in-process */
  char *media_store;  /* file:DIR or s3://... */
  char *base_url;     /* public URL for links in mails, sitemaps */
  char *templates_dir;
  char *static_dir;
  char *i18n_dir;
  char *log_format;       /* auto|json|text */
  char *log_level;        /* debug|info|warn|error */
  char *config_file;      /* the INI file read ("" = none) */
  int workers;            /* job workers inside serve */
  int http_threads;       /* libmicrohttpd thread pool size (>= 2) */
  int max_connections;    /* total connection limit */
  int per_ip_connections; /* per-IP connection limit */
  int connection_timeout; /* seconds of inactivity before a connection is closed */
  int max_body_kb;        /* request body limit in KiB */
  int db_pool;            /* PostgreSQL connections per process */
  int job_max_attempts;   /* attempts before a job is dead */
  int job_lock_seconds;   /* lock duration of a claimed job */
  int shutdown_grace;     /* seconds to wait for in-flight requests on shutdown */
  bool demo;              /* load demo data when the database is empty */
  char *demo_photos_dir;  /* photos for the demo vehicles ("" = none) */
  bool dev;               /* development mode: reload templates on change */
  /* Börse: platform commission in basis points of the net trade price (1358 = 13.58 %) */
  int market_commission_bp;
  int page_cache_seconds; /* microcache of anonymous pages, 0 = off */
  bool trust_proxy;       /* believe X-Forwarded-For / X-Forwarded-Proto (behind nginx) */
  /* photos (media/) */
  char *media_tmp_dir;   /* uploads and job scratch files, on local disk */
  char *img_cache_dir;   /* the image CDN's disk cache */
  int img_cache_mb;      /* its size bound */
  int upload_file_mb;    /* largest uploaded photo */
  int upload_request_mb; /* largest upload request */
  int media_quota_mb;    /* originals per dealer */
  int media_max_mp;      /* largest image decoded, in megapixels */
  char *img_key;         /* CDN signature key (hex), "" = the platform's signing key */
  char *img_salt;        /* CDN signature salt (hex) */
  bool media_avif;       /* AVIF variants too (when libvips writes AVIF) */
  /* mail (mail/) */
  char *smtp_url;            /* "" = keep mails in the outbox */
  char *mail_from;           /* "Name <addr>" or "addr" */
  int mail_domain_rate;      /* per recipient domain and minute */
  int mail_max_attempts;     /* then dead */
  int mail_retry_seconds;    /* first retry delay, doubled */
  int mail_timeout_seconds;  /* one SMTP delivery */
  char *mail_inbound_domain; /* replies to lead mails come back here ("" = to the dealer) */
  /* SMS gateway of the Twilio form (sms/) */
  char *sms_url;         /* base URL, "" = SMS off */
  char *sms_account_sid; /* account SID: Basic auth user and part of the path */
  char *sms_auth_token;  /* Basic auth password: secret, never logged */
  char *sms_from;        /* sender: E.164 number or alphanumeric sender ID */
  /* GDPR: months after which leads without a sale are anonymised (crm/retention.h); the
   * privacy texts state the same number */
  int lead_retention_months;
  /* anonymous API calls a minute per client address (0 = unlimited); burst a third */
  int api_rate_anonymous;
};

extern struct config cfg;

/* Load the configuration. argv is scanned for --name=value / --name value flags
 * from index `first` on; non-flag arguments are left for the caller (their
 * indexes are returned in rest/nrest, which must hold argc entries).
 * Returns 0, or -1 after printing the problem to stderr. --help prints and exits. */
int config_load(int argc, char **argv, int first, int *rest, int *nrest, const char *command);

/* Print every setting with its environment variable, default and current value. */
void config_help(FILE *out, const char *command);

/* Reset to built-in defaults (tests). */
void config_defaults(void);

/* Set one setting by name ("database-url" or "database_url"); 0 or -1 when unknown/invalid. */
int config_set(const char *name, const char *value);

#endif
