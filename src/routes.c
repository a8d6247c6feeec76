/* routes.c — the one table: every URL cc24 answers, the role it needs, its
 * CSRF and rate-limit class. Order does not matter (exact segments win over
 * parameters). Every route must also appear in docs/openapi.yaml (API) — a
 * test checks it. */
#include "routes.h"

#include "buyer/buyer.h"
#include "crm/lead_pages.h"
#include "finance/finance_api.h"
#include "inventory/vehicle_api.h"
#include "market/market_pages.h"
#include "showroom/showroom.h"
#include "web/web.h"

const struct route cc24_routes[] = {
    /* operations */
    {"GET", "/healthz", http_handle_healthz, ROLE_PUBLIC, ROUTE_NOLOG, RL_NONE},
    {"GET", "/readyz", http_handle_readyz, ROLE_PUBLIC, ROUTE_NOLOG, RL_NONE},
    {"GET", "/metrics", http_handle_metrics, ROLE_PUBLIC, ROUTE_NOLOG | ROUTE_INTERNAL, RL_NONE},
    {"GET", "/static/{*path}", http_handle_static, ROLE_PUBLIC, 0, RL_NONE},

    /* site */
    {"GET", "/", web_home, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/fahrzeuge", web_search_page, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/fahrzeuge/{slug}", web_vehicle_page, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/fahrzeuge/{slug}/angebot", web_offer_page, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/finanzierung", web_finance_page, ROLE_PUBLIC, 0, RL_NONE},

    /* accounts and the dealer dashboard */
    {"GET", "/anmelden", web_login_page, ROLE_PUBLIC, 0, RL_NONE},
    {"POST", "/anmelden", web_login_post, ROLE_PUBLIC, 0, RL_LOGIN},
    {"POST", "/abmelden", web_logout, ROLE_STAFF, ROUTE_CSRF, RL_NONE},
    {"GET", "/registrieren", web_signup_page, ROLE_PUBLIC, 0, RL_NONE},
    {"POST", "/registrieren", web_signup_post, ROLE_PUBLIC, 0, RL_SIGNUP},
    {"GET", "/bestaetigen", web_verify, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/passwort-vergessen", web_forgot_page, ROLE_PUBLIC, 0, RL_NONE},
    {"POST", "/passwort-vergessen", web_forgot_post, ROLE_PUBLIC, 0, RL_RESET},
    {"GET", "/passwort-neu", web_reset_page, ROLE_PUBLIC, 0, RL_NONE},
    {"POST", "/passwort-neu", web_reset_post, ROLE_PUBLIC, 0, RL_RESET},
    {"GET", "/dashboard", web_dashboard, ROLE_STAFF, 0, RL_NONE},
    {"GET", "/dashboard/fahrzeuge/neu", web_vehicle_new, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/dashboard/fahrzeuge", web_vehicle_create, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    {"GET", "/dashboard/fahrzeuge/{id}", web_vehicle_edit, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/dashboard/fahrzeuge/{id}", web_vehicle_update, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/fahrzeuge/{id}/status", web_dashboard_status, ROLE_STAFF, ROUTE_CSRF,
     RL_FORM},

    {"GET", "/dashboard/finanzierung", web_dash_finance, ROLE_STAFF, 0, RL_NONE},
    {"GET", "/dashboard/team", web_team, ROLE_OWNER, 0, RL_NONE},
    {"POST", "/dashboard/team", web_team_invite, ROLE_OWNER, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/team/{id}/entfernen", web_team_remove, ROLE_OWNER, ROUTE_CSRF, RL_FORM},
    {"GET", "/dashboard/api-tokens", web_tokens, ROLE_OWNER, 0, RL_NONE},
    {"POST", "/dashboard/api-tokens", web_token_create, ROLE_OWNER, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/api-tokens/{id}/widerrufen", web_token_revoke, ROLE_OWNER, ROUTE_CSRF,
     RL_FORM},
    {"GET", "/dashboard/protokoll", web_audit, ROLE_OWNER, 0, RL_NONE},
    {"POST", "/dashboard/finanzierung", web_dash_finance_post, ROLE_OWNER, ROUTE_CSRF, RL_FORM},

    /* the dealer's enquiry inbox (leads from the vehicle pages) */
    {"GET", "/dashboard/anfragen", crm_leads_page, ROLE_STAFF, 0, RL_NONE},
    {"GET", "/dashboard/anfragen/{id}", crm_lead_page, ROLE_STAFF, 0, RL_NONE},

    /* accounts: two-factor, password, sessions (auth work goes here) */
    {"GET", "/anmelden/code", web_login_code_page, ROLE_PUBLIC, 0, RL_NONE},
    {"POST", "/anmelden/code", web_login_code_post, ROLE_PUBLIC, 0, RL_LOGIN},
    {"GET", "/dashboard/konto", web_account, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/dashboard/konto", web_account_update, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/konto/passwort", web_password_change, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/konto/sitzungen", web_sessions_end_others, ROLE_STAFF, ROUTE_CSRF,
     RL_FORM},
    {"GET", "/dashboard/konto/zwei-faktor", web_totp_setup, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/dashboard/konto/zwei-faktor", web_totp_enable, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/konto/zwei-faktor/aus", web_totp_disable, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/konto/zwei-faktor/codes", web_recovery_codes, ROLE_STAFF, ROUTE_CSRF,
     RL_FORM},
    {"POST", "/dashboard/team/{id}/rolle", web_team_role, ROLE_OWNER, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/fahrzeuge/preise", web_bulk_price, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/fahrzeuge/{id}/duplizieren", web_vehicle_duplicate, ROLE_STAFF, ROUTE_CSRF,
     RL_FORM},

    /* public site: buyer features, leads, legal pages, SEO (site work goes here) */
    {"POST", "/fahrzeuge/{slug}/anfrage", web_lead_post, ROLE_PUBLIC, 0, RL_FORM},
    {"GET", "/vergleich", web_compare_page, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/merkliste", web_favourites_page, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/sitemap.xml", web_sitemap_index, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/sitemaps/{name}", web_sitemap_page, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/robots.txt", web_robots, ROLE_PUBLIC, 0, RL_NONE},

    /* buyer accounts: sign-up, account, favourites, saved searches and alerts (buyer work) */
    {"GET", "/konto/registrieren", buyer_signup_page, ROLE_PUBLIC, 0, RL_NONE},
    {"POST", "/konto/registrieren", buyer_signup_post, ROLE_PUBLIC, 0, RL_SIGNUP},
    {"GET", "/konto", buyer_account_page, ROLE_BUYER, 0, RL_NONE},
    {"POST", "/konto", buyer_account_update, ROLE_BUYER, ROUTE_CSRF, RL_FORM},
    {"POST", "/konto/passwort", buyer_password_post, ROLE_BUYER, ROUTE_CSRF, RL_FORM},
    {"POST", "/konto/loeschen", buyer_delete_post, ROLE_BUYER, ROUTE_CSRF, RL_FORM},
    {"POST", "/konto/abmelden", buyer_logout, ROLE_BUYER, ROUTE_CSRF, RL_NONE},
    {"POST", "/konto/merkliste", buyer_favourites_post, ROLE_BUYER, ROUTE_CSRF, RL_FORM},
    {"GET", "/konto/suchen", buyer_searches_page, ROLE_BUYER, 0, RL_NONE},
    {"POST", "/konto/suchen", buyer_searches_post, ROLE_BUYER, ROUTE_CSRF, RL_FORM},
    {"POST", "/konto/suchen/{id}", buyer_search_update, ROLE_BUYER, ROUTE_CSRF, RL_FORM},
    {"POST", "/konto/suchen/{id}/loeschen", buyer_search_delete_post, ROLE_BUYER, ROUTE_CSRF,
     RL_FORM},
    {"GET", "/suchalarm/abbestellen", buyer_unsubscribe_page, ROLE_PUBLIC, 0, RL_NONE},
    {"POST", "/suchalarm/abbestellen", buyer_unsubscribe_post, ROLE_PUBLIC, 0, RL_FORM},

    /* showrooms and the embeddable widget (showroom work goes here) */
    {"GET", "/haendler/{slug}", showroom_page, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/haendler/{slug}/theme.css", showroom_theme, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/haendler/{slug}/impressum", showroom_imprint, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/embed/{slug}", showroom_embed, ROLE_PUBLIC, ROUTE_EMBED, RL_NONE},
    {"GET", "/dashboard/profil", showroom_profile_page, ROLE_OWNER, 0, RL_NONE},
    {"POST", "/dashboard/profil", showroom_profile_post, ROLE_OWNER, ROUTE_CSRF, RL_FORM},
    {"GET", "/impressum", web_imprint, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/datenschutz", web_privacy, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/agb", web_terms, ROLE_PUBLIC, 0, RL_NONE},

    /* Börse: dealer-to-dealer exchange (market work goes here) */
    {"GET", "/boerse", market_page_search, ROLE_STAFF, 0, RL_NONE},
    {"GET", "/boerse/{id}", market_page_listing, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/boerse/{id}/angebot", market_page_offer_create, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    {"GET", "/dashboard/boerse", market_page_mine, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/dashboard/boerse", market_page_create, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    {"GET", "/dashboard/boerse/neu", market_page_new, ROLE_STAFF, 0, RL_NONE},
    {"GET", "/dashboard/boerse/{id}", market_page_edit, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/dashboard/boerse/{id}", market_page_update, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/boerse/{id}/zurueckziehen", market_page_withdraw, ROLE_STAFF, ROUTE_CSRF,
     RL_FORM},
    {"GET", "/dashboard/boerse/angebote", market_page_offers, ROLE_STAFF, 0, RL_NONE},
    {"GET", "/dashboard/boerse/angebote/{id}", market_page_offer, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/dashboard/boerse/angebote/{id}", market_page_offer_act, ROLE_STAFF, ROUTE_CSRF,
     RL_FORM},
    {"GET", "/dashboard/boerse/abschluesse", market_page_deals, ROLE_STAFF, 0, RL_NONE},
    {"GET", "/dashboard/boerse/abschluesse/{id}", market_page_deal, ROLE_STAFF, 0, RL_NONE},
    {"GET", "/api/v1/market/listings", market_api_search, ROLE_STAFF, ROUTE_API, RL_API},

    /* JSON API v1 */
    {"GET", "/api/v1/openapi.yaml", web_openapi, ROLE_PUBLIC, ROUTE_API, RL_API},
    {"GET", "/api/v1/vehicles", vehicle_api_list, ROLE_PUBLIC, ROUTE_API, RL_API},
    {"POST", "/api/v1/vehicles", vehicle_api_create, ROLE_STAFF, ROUTE_API, RL_API},
    {"GET", "/api/v1/vehicles/search", vehicle_api_search, ROLE_PUBLIC, ROUTE_API, RL_API},
    {"GET", "/api/v1/vehicles/{id}", vehicle_api_get, ROLE_PUBLIC, ROUTE_API, RL_API},
    {"PATCH", "/api/v1/vehicles/{id}", vehicle_api_patch, ROLE_STAFF, ROUTE_API, RL_API},
    {"DELETE", "/api/v1/vehicles/{id}", vehicle_api_delete, ROLE_STAFF, ROUTE_API, RL_API},
    {"GET", "/api/v1/makes", vehicle_api_makes, ROLE_PUBLIC, ROUTE_API, RL_API},
    {"POST", "/api/v1/finance/quote", finance_api_quote, ROLE_PUBLIC, ROUTE_API, RL_API},
    {"POST", "/api/v1/finance/apr", finance_api_apr, ROLE_PUBLIC, ROUTE_API, RL_API},
    {"POST", "/api/v1/finance/check", finance_api_check, ROLE_PUBLIC, ROUTE_API, RL_API},
    {"POST", "/api/v1/finance/solve", finance_api_solve, ROLE_PUBLIC, ROUTE_API, RL_API},
    {"GET", "/api/v1/finance/conditions", finance_api_conditions_get, ROLE_STAFF, ROUTE_API,
     RL_API},
    {"PUT", "/api/v1/finance/conditions", finance_api_conditions_put, ROLE_STAFF, ROUTE_API,
     RL_API},
    {"GET", "/api/v1/vehicles/{id}/finance-example", finance_api_vehicle_example, ROLE_PUBLIC,
     ROUTE_API, RL_API},
};

const size_t cc24_nroutes = sizeof cc24_routes / sizeof cc24_routes[0];
