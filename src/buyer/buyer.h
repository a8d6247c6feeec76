/* buyer.h — buyer accounts: people who look for a car sign up (no dealer, role
 * buyer), keep favourites and saved searches in their account, and get an e-mail
 * when a vehicle matching a saved search with the alert on is published (a
 * periodic job writes the mails to the outbox; the e-mail issue sends them).
 *
 * Ownership: every store function works for one buyer (user_id) and scopes every
 * statement by it; on PostgreSQL the transaction must also work for that buyer
 * (db_tx_user), so row-level security (migration 0012) enforces the same rule.
 * Strings returned live in the arena passed in.
 *
 * Pages and handlers are in buyer_pages.c (declared at the end), the alert job in
 * buyer_alerts.c, the SQL in buyer_store.c. */
#ifndef CC24_BUYER_BUYER_H
#define CC24_BUYER_BUYER_H

#include "core/ids.h"
#include "db/db.h"
#include "http/http.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct field_errors;
struct search_hit;
struct search_index;
struct search_query;

#define BUYER_FAVOURITES_MAX  100  /* favourites per account */
#define BUYER_SEARCHES_MAX    50   /* saved searches per account */
#define BUYER_SEARCH_NAME_MAX 80   /* characters of a saved search's name */
#define BUYER_QUERY_MAX       1000 /* bytes of a query string offered for saving */
#define BUYER_NAME_MAX        120  /* characters of the account holder's name */

/* ---- favourites ---- */

/* One favourite: the vehicle's public id and its title when it was added. */
struct buyer_favourite {
  char vehicle_id[ID_LEN + 1];
  const char *title;  /* "BMW 320d Touring" (kept when the vehicle goes) */
  int64_t created_at; /* Unix seconds */
};

/* Add a vehicle (public id; title as shown now) to the buyer's favourites.
 * 1 added, 0 already there, -1 error: CC24_E_CONFLICT when the list holds
 * BUYER_FAVOURITES_MAX already. */
int buyer_fav_add(db_conn *c, int64_t user_id, const char *vehicle_id, const char *title,
                  struct err *e);
/* Remove one: 1 removed, 0 was not there, -1 error. */
int buyer_fav_remove(db_conn *c, int64_t user_id, const char *vehicle_id, struct err *e);
/* The buyer's favourites, newest first (*out is an arena array of *n). 0 or -1. */
int buyer_fav_list(db_conn *c, struct arena *a, int64_t user_id, struct buyer_favourite **out,
                   int *n, struct err *e);

/* ---- saved searches ---- */

/* A saved search: a canonical /fahrzeuge query string with a name and an alert flag,
 * plus the alert job's bookkeeping. */
struct buyer_search {
  char id[ID_LEN + 1]; /* public id */
  int64_t row_id;
  int64_t user_id;
  const char *name;
  const char *query; /* canonical query string without "?" ("make=BMW&fuel=diesel") */
  bool alert;
  int64_t created_at;
  int64_t last_checked_at; /* when the alert job last looked (0 = never) */
  int64_t seen_until;      /* vehicles published up to here have been considered */
  int64_t last_alert_at;   /* when the last alert mail was written (0 = never) */
  int alerts_sent;
};

/* Store s (user_id, name, query, alert set by the caller; both validated with
 * buyer_search_check / buyer_search_name_check): sets id, row_id, created_at and
 * seen_until (now: only vehicles published from now on are announced).
 * -1 with CC24_E_CONFLICT when the account has BUYER_SEARCHES_MAX searches, or
 * CC24_E_DB_CONSTRAINT when the same query is saved already. */
int buyer_search_create(db_conn *c, struct buyer_search *s, struct err *e);
/* The buyer's saved searches, newest first. 0 or -1. */
int buyer_search_list(db_conn *c, struct arena *a, int64_t user_id, struct buyer_search **out,
                      int *n, struct err *e);
/* One of the buyer's searches by public id: 1 found, 0 not (or another buyer's), -1. */
int buyer_search_get(db_conn *c, struct arena *a, int64_t user_id, const char *id,
                     struct buyer_search *s, struct err *e);
/* Rename (name validated by the caller): 1 done, 0 no such search of this buyer, -1. */
int buyer_search_rename(db_conn *c, int64_t user_id, const char *id, const char *name,
                        struct err *e);
/* Alert on or off. Turning it on starts from now (seen_until = now), so vehicles
 * published while it was off are not announced in a burst. 1/0/-1. */
int buyer_search_set_alert(db_conn *c, int64_t user_id, const char *id, bool on, int64_t now,
                           struct err *e);
/* Delete: 1/0/-1. */
int buyer_search_delete(db_conn *c, int64_t user_id, const char *id, struct err *e);
/* Number of saved searches, or -1. */
int buyer_search_count(db_conn *c, int64_t user_id, struct err *e);

/* Validate a query string offered for saving (as /fahrzeuge takes it, without "?"):
 * at most BUYER_QUERY_MAX bytes of valid UTF-8, every parameter known to the search
 * and well-formed (the strict parser of the API), page and lang ignored, at least one
 * filter. On success *canonical (arena) is the stored form and q (may be NULL) the
 * parsed query; otherwise errs names the problem under `field` and -1 is returned. */
int buyer_search_check(struct arena *a, const char *query, const char *field,
                       const char **canonical, struct search_query *q, struct field_errors *errs);
/* 1 to BUYER_SEARCH_NAME_MAX characters of valid UTF-8 after trimming: *out is the
 * trimmed name (arena), or errs gets `field` and -1 is returned. */
int buyer_search_name_check(struct arena *a, const char *name, const char *field, const char **out,
                            struct field_errors *errs);

/* ---- accounts ---- */

/* The buyer's account: e-mail, name, mail language ("de"/"en"), verification. */
struct buyer_account {
  int64_t id;
  const char *email, *name, *locale;
  int64_t email_verified_at, created_at;
  bool disabled;
};

/* The buyer's own account row (role buyer, no dealer): 1/0/-1. */
int buyer_account_get(db_conn *c, struct arena *a, int64_t user_id, struct buyer_account *out,
                      struct err *e);
/* Set the mail language ("de" or "en"; anything else is refused with -1). */
int buyer_account_set_locale(db_conn *c, int64_t user_id, const char *locale, struct err *e);
/* GDPR Art. 17: delete the buyer (transaction working for user_id, db_tx_user) with
 * favourites, saved searches, sessions in the database, single-use tokens and mails
 * to the address, at once; audit entries lose the person (user and address). Redis
 * sessions are the caller's (session_destroy_user before). *favourites and *searches
 * receive what was deleted. 1 erased, 0 no such buyer, -1 error. */
int buyer_account_erase(db_conn *c, int64_t user_id, int *favourites, int *searches, struct err *e);

/* ---- alerts ---- */

/* The vehicles of ix that match query (a stored canonical query string) and were
 * published after `after` and at the latest at `until` (status published), newest
 * first: up to max of them into out (strings in a). Returns the number of all such
 * matches (may exceed max), or -1 when the query cannot be parsed. ix should hold
 * only the candidates (the recently published vehicles). */
int buyer_alert_match(struct search_index *ix, struct arena *a, const char *query, int64_t after,
                      int64_t until, struct search_hit *out, int max);

/* Subject and plain-text body of an alert mail in locale ("en" → English, anything
 * else German): greeting, the count, up to n vehicles with their links, the link to
 * the whole search, and the unsubscribe link (works without login). base_url has no
 * trailing slash; strings in a. */
void buyer_alert_mail(struct arena *a, const char *locale, const char *person,
                      const char *search_name, const char *query, int64_t count,
                      const struct search_hit *hits, int n, const char *base_url,
                      const char *unsubscribe_url, const char **subject, const char **body);

#define BUYER_TOKEN_MAX  64 /* bytes of an unsubscribe token with its NUL */
#define BUYER_KEY_BYTES  32
#define BUYER_ALERT_KIND "buyer.alerts"

/* The unsubscribe token of saved search `search_id`: "ID.MAC", MAC the hex of the first
 * 16 bytes of HMAC-SHA256(key, "cc24/alert-unsubscribe/v1/" ID). */
void buyer_unsub_token(const unsigned char key[BUYER_KEY_BYTES], const char *search_id,
                       char out[BUYER_TOKEN_MAX]);
/* True when token is well-formed and its MAC matches (constant-time compare); the
 * search's public id goes to id_out. */
bool buyer_unsub_check(const unsigned char key[BUYER_KEY_BYTES], const char *token,
                       char id_out[ID_LEN + 1]);
/* The platform's signing key `name` (created at random on first use, the same for every
 * instance; table signing_keys). 0 or -1. */
int buyer_signing_key(db_conn *c, const char *name, unsigned char key[BUYER_KEY_BYTES],
                      struct err *e);

/* Statistics of one alert run. */
struct buyer_alert_stats {
  int searches; /* saved searches with the alert on that were checked */
  int mails;    /* alert mails written to the outbox */
  int vehicles; /* candidate vehicles (published in the window) */
};

/* One alert run at `now`: every saved search with the alert on (of verified, enabled
 * buyers) is checked against the vehicles published since its last check (up to
 * now minus a few seconds, so a publication still being committed is seen next time);
 * one mail per buyer and search with new vehicles goes to the outbox, and the
 * search's bookkeeping moves on in the same transaction (a vehicle is announced once).
 * stats may be NULL. 0 or -1. */
int buyer_alerts_run(db *d, int64_t now, struct buyer_alert_stats *stats, struct err *e);

/* Register the job kind BUYER_ALERT_KIND (call before jobs_start): each run calls
 * buyer_alerts_run and queues the next one an hour later. */
void buyer_alerts_register(void);
/* Make sure one alert job is queued or running (serve and worker call this at start;
 * concurrent instances queue only one). 0 or -1. */
int buyer_alerts_schedule(db *d, struct err *e);

/* ---- pages (buyer_pages.c) ---- */

/* Before a page renders: for a logged-in buyer, ctx gets `buyer` {csrf, name,
 * fav_count, fav_any, back} and every vehicle card in ctx (an object with a public "id") gets
 * fav_on — so hearts show the account's state without JavaScript. No-op for others. */
void buyer_page_context(struct http_req *req, json_t *ctx);

int buyer_signup_page(struct http_req *req);        /* GET /konto/registrieren */
int buyer_signup_post(struct http_req *req);        /* POST /konto/registrieren */
int buyer_account_page(struct http_req *req);       /* GET /konto */
int buyer_account_update(struct http_req *req);     /* POST /konto (name, mail language) */
int buyer_password_post(struct http_req *req);      /* POST /konto/passwort */
int buyer_delete_post(struct http_req *req);        /* POST /konto/loeschen */
int buyer_logout(struct http_req *req);             /* POST /konto/abmelden */
int buyer_favourites_post(struct http_req *req);    /* POST /konto/merkliste */
int buyer_favourites_page(struct http_req *req);    /* GET /merkliste for a logged-in buyer */
int buyer_searches_page(struct http_req *req);      /* GET /konto/suchen */
int buyer_searches_post(struct http_req *req);      /* POST /konto/suchen */
int buyer_search_update(struct http_req *req);      /* POST /konto/suchen/{id} */
int buyer_search_delete_post(struct http_req *req); /* POST /konto/suchen/{id}/loeschen */
int buyer_unsubscribe_page(struct http_req *req);   /* GET /suchalarm/abbestellen */
int buyer_unsubscribe_post(struct http_req *req);   /* POST /suchalarm/abbestellen */

#endif
