/* web.h — what every server-rendered page shares: the common page context
 * (catalog, locale, asset URLs), the dashboard context and the session cookie,
 * rendering a template into a response, the HTML error page, the microcache of
 * public pages, and the request middleware (locale, credentials, role check) run
 * before every handler. The pages themselves live in their domains (site/,
 * inventory/, auth/, finance/, ...). Access is decided here from the route table's role and nowhere
 * else. */
#ifndef CC24_WEB_WEB_H
#define CC24_WEB_WEB_H

#include "http/http.h"

#include <jansson.h>

/* A new page context with t (catalog), lang, other_lang, assets, year, base_url.
 * The object is released with the request arena. */
json_t *web_context(struct http_req *req);

/* The page's addresses in both languages — one place for canonical, hreflang, og:url
 * and the language switch. path is the German page's path (decoded; it is
 * percent-encoded here), query its canonical query string without lang (NULL or "" =
 * none). Sets ctx.seo = {canonical, de, en} (absolute, on cfg.base_url; canonical is
 * the current language's) and ctx.lang_switch (root-relative, the other language with
 * an explicit lang= so that the choice is remembered). web_context calls it with the
 * request's path; pages whose canonical address differs call it again. */
void web_page_urls(struct http_req *req, json_t *ctx, const char *path, const char *query);

/* path (percent-encoded here) and query (kept as given, lang parameters dropped) with
 * lang=LANG appended when lang is not NULL. In the request arena. */
const char *web_url_with_lang(struct http_req *req, const char *path, const char *query,
                              const char *lang);

/* Render template name with ctx into an HTML response. */
int web_render(struct http_req *req, int status, const char *name, json_t *ctx);

/* http_error_page_fn for the server. */
int web_error_page(struct http_req *req, int status, int code, const char *detail);

/* http_before_fn: locale, API credential (temporary per-dealer key until the
 * accounts issue), role check against req->route->role. */
int web_before(struct http_req *req);

/* For a ROUTE_NOSESSION route (the image CDN, where most requests need no login):
 * read the login session now, when the handler needs to know the dealer. 0 (req->
 * tenant_id etc. set when there is a session), 1 when it answered (database error). */
int web_load_session(struct http_req *req);

/* May a caller with role `have` use a route that needs `need` (enum role)? Dealer
 * roles are ordered; ROLE_BUYER routes need a buyer, and a buyer passes no dealer route. */
bool web_role_allows(int have, int need);
/* The enum role of an account's enum auth_role (unknown: ROLE_PUBLIC). */
int web_role_of(int auth_role);

/* Cookies get Secure: the request came over TLS or the public URL is https. */
bool web_tls(struct http_req *req);
/* Set (or with max_age 0 clear) the session cookie: HttpOnly, SameSite=Lax, Secure over TLS. */
const char *web_session_cookie_name(void);
void web_set_session_cookie(struct http_req *req, const char *value, int max_age);
/* web_context plus what every dashboard page needs: csrf, user_name, dealer, is_owner,
 * nav_on.SECTION for the navigation entry of the current page, and assets.css_dash, the
 * dealer pages' stylesheet (static/css/dash.css) that the layout links after app.css. */
json_t *web_dash_context(struct http_req *req);

/* ---- microcache of public pages ----
 *
 * Anonymous GET requests for vehicle and search pages are answered from a small
 * in-process cache of the rendered page (kept gzip-compressed, and uncompressed too
 * up to 40 KB). An entry is valid while the search index is unchanged
 * (any vehicle write invalidates every entry) and for at most cfg.page_cache_seconds
 * (--page-cache-seconds, default 10; 0 turns the cache off), so dealer or financing
 * edits on another instance show within that time; web_cache_clear() drops all at
 * once here. Requests with a login session are never cached or answered from it. */

/* True when req may use the cache (GET/HEAD, no session). */
bool web_cache_eligible(struct http_req *req);

/* Answer req from the cache entry `key` when there is a valid one: 1 answered, 0 not. */
int web_cache_serve(struct http_req *req, const char *key);

/* Render template name with ctx like web_render (status 200) and, when key is not
 * NULL, keep the page under key. */
int web_render_cached(struct http_req *req, const char *name, json_t *ctx, const char *key);

/* Drop every entry (after an edit that the index does not see, e.g. a dealer's
 * address or financing conditions). Thread-safe. */
void web_cache_clear(void);

#endif
