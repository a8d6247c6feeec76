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

/* May a caller with role `have` use a route that needs `need` (enum role)? Dealer
 * roles are ordered; ROLE_BUYER routes need a buyer, and a buyer passes no dealer route. */
bool web_role_allows(int have, int need);
/* The enum role of an account's enum auth_role (unknown: ROLE_PUBLIC). */
int web_role_of(int auth_role);

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

/* Legal pages of the platform (legal.c): Impressum, Datenschutzerklärung, AGB. */
int web_imprint(struct http_req *req);
int web_privacy(struct http_req *req);
int web_terms(struct http_req *req);

/* ---- accounts: two-factor, password, sessions, team roles, dashboard tools ---- */

/* Set (or with max_age 0 clear) the session cookie: HttpOnly, SameSite=Lax, Secure over TLS. */
void web_set_session_cookie(struct http_req *req, const char *value, int max_age);
/* web_context plus what every dashboard page needs: csrf, user_name, dealer, is_owner, and
 * nav_on.SECTION for the navigation entry of the current page. */
json_t *web_dash_context(struct http_req *req);
/* The second login step (dashboard.c). */
int web_login_code_page(struct http_req *req);
int web_login_code_post(struct http_req *req);
/* Inventory tools (dashboard.c). */
int web_bulk_price(struct http_req *req);
int web_vehicle_duplicate(struct http_req *req);
/* The owner changes a member's role (team.c). */
int web_team_role(struct http_req *req);
/* The user's own account: profile, password, two-factor, sessions (account_page.c). */
int web_account(struct http_req *req);
int web_account_update(struct http_req *req);
int web_password_change(struct http_req *req);
int web_sessions_end_others(struct http_req *req);
int web_totp_setup(struct http_req *req);
int web_totp_enable(struct http_req *req);
int web_totp_disable(struct http_req *req);
int web_recovery_codes(struct http_req *req);
/* Vehicle page views for the dashboard (views.c): counted in process, written in
 * batches per dealer at most every 10 s (and before the dashboard reads them). */
void web_views_count(struct http_req *req, const char *public_id);
void web_views_flush(struct http_req *req);

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
