/* web.h — the server-rendered site: the common page context (catalog, locale,
 * asset URLs), rendering a template into a response, the HTML error page, and
 * the request middleware (locale, credentials, role check) run before every
 * handler. Access is decided here from the route table's role and nowhere else. */
#ifndef CC24_WEB_WEB_H
#define CC24_WEB_WEB_H

#include "http/http.h"

#include <jansson.h>

/* A new page context with t (catalog), lang, other_lang, assets, year, base_url.
 * The object is released with the request arena. */
json_t *web_context(struct http_req *req);

/* Render template name with ctx into an HTML response. */
int web_render(struct http_req *req, int status, const char *name, json_t *ctx);

/* http_error_page_fn for the server. */
int web_error_page(struct http_req *req, int status, int code, const char *detail);

/* http_before_fn: locale, API credential (temporary per-dealer key until the
 * accounts issue), role check against req->route->role. */
int web_before(struct http_req *req);

/* Pages. */
int web_home(struct http_req *req);
int web_search_page(struct http_req *req);
int web_vehicle_page(struct http_req *req);
int web_openapi(struct http_req *req);
int web_finance_page(struct http_req *req);

/* Accounts and the dealer dashboard (dashboard.c). */
const char *web_session_cookie_name(void);
int web_login_page(struct http_req *req);
int web_login_post(struct http_req *req);
int web_logout(struct http_req *req);
int web_dashboard(struct http_req *req);
int web_dashboard_status(struct http_req *req);
int web_vehicle_new(struct http_req *req);
int web_vehicle_create(struct http_req *req);
int web_vehicle_edit(struct http_req *req);
int web_vehicle_update(struct http_req *req);
int web_dash_finance(struct http_req *req);

/* The owner's team, API tokens and audit log (team.c). */
int web_team(struct http_req *req);
int web_team_invite(struct http_req *req);
int web_team_remove(struct http_req *req);
int web_tokens(struct http_req *req);
int web_token_create(struct http_req *req);
int web_token_revoke(struct http_req *req);
int web_audit(struct http_req *req);

/* Sign-up, verification and password reset (account.c). */
int web_signup_page(struct http_req *req);
int web_signup_post(struct http_req *req);
int web_verify(struct http_req *req);
int web_forgot_page(struct http_req *req);
int web_forgot_post(struct http_req *req);
int web_reset_page(struct http_req *req);
int web_reset_post(struct http_req *req);
int web_dash_finance_post(struct http_req *req);
int web_offer_page(struct http_req *req);

/* Public site: buyer features, leads, SEO (site work; search_page.c, vehicle_page.c,
 * buyer.c, seo.c). */
int web_lead_post(struct http_req *req);
int web_compare_page(struct http_req *req);
int web_favourites_page(struct http_req *req);
int web_sitemap_index(struct http_req *req);
int web_sitemap_page(struct http_req *req);
int web_robots(struct http_req *req);

/* Card data for a vehicle list (used by home and search pages). */
struct search_result;
json_t *web_cards(struct http_req *req, const struct search_result *res);

#endif
