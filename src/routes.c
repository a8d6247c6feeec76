/* routes.c — the one table: every URL cc24 answers, the role it needs, its
 * CSRF and rate-limit class. Order does not matter (exact segments win over
 * parameters). Every route must also appear in docs/openapi.yaml (API) — a
 * test checks it. */
#include "routes.h"

#include "auth/auth_pages.h"
#include "buyer/buyer.h"
#include "crm/deal_pages.h"
#include "crm/lead_api.h"
#include "crm/lead_pages.h"
#include "finance/finance_api.h"
#include "finance/finance_pages.h"
#include "inventory/vehicle_api.h"
#include "inventory/vehicle_pages.h"
#include "mail/mail_pages.h"
#include "market/market_pages.h"
#include "media/media.h"
#include "privacy/consent.h"
#include "privacy/newsletter.h"
#include "privacy/privacy.h"
#include "showroom/showroom.h"
#include "site/site.h"
#include "testdrive/testdrive.h"
#include "web/web.h"

const struct route cc24_routes[] = {
    /* operations */
    {"GET", "/healthz", http_handle_healthz, ROLE_PUBLIC, ROUTE_NOLOG, RL_NONE},
    {"GET", "/readyz", http_handle_readyz, ROLE_PUBLIC, ROUTE_NOLOG, RL_NONE},
    {"GET", "/metrics", http_handle_metrics, ROLE_PUBLIC, ROUTE_NOLOG | ROUTE_INTERNAL, RL_NONE},
    {"GET", "/static/{*path}", http_handle_static, ROLE_PUBLIC, 0, RL_NONE},

    /* site */
    {"GET", "/", site_home, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"GET", "/fahrzeuge", site_search_page, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"GET", "/fahrzeuge/{slug}", site_vehicle_page, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"GET", "/fahrzeuge/{slug}/angebot", site_offer_page, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"GET", "/finanzierung", finance_page_calculator, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},

    /* accounts and the dealer dashboard */
    {"GET", "/anmelden", auth_login_page, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"POST", "/anmelden", auth_login_post, ROLE_PUBLIC, 0, RL_LOGIN},
    {"POST", "/abmelden", auth_logout, ROLE_STAFF, ROUTE_CSRF, RL_NONE},
    {"GET", "/registrieren", auth_signup_page, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"POST", "/registrieren", auth_signup_post, ROLE_PUBLIC, 0, RL_SIGNUP},
    {"GET", "/bestaetigen", auth_verify_page, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"GET", "/passwort-vergessen", auth_forgot_page, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"POST", "/passwort-vergessen", auth_forgot_post, ROLE_PUBLIC, 0, RL_RESET},
    {"GET", "/passwort-neu", auth_reset_page, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"POST", "/passwort-neu", auth_reset_post, ROLE_PUBLIC, 0, RL_RESET},
    {"GET", "/dashboard", vehicle_page_dashboard, ROLE_STAFF, 0, RL_NONE},
    {"GET", "/dashboard/fahrzeuge/neu", vehicle_page_new, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/dashboard/fahrzeuge", vehicle_page_create, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    {"GET", "/dashboard/fahrzeuge/{id}", vehicle_page_edit, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/dashboard/fahrzeuge/{id}", vehicle_page_update, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/fahrzeuge/{id}/status", vehicle_page_status, ROLE_STAFF, ROUTE_CSRF,
     RL_FORM},

    {"GET", "/dashboard/finanzierung", finance_page_conditions, ROLE_STAFF, 0, RL_NONE},
    {"GET", "/dashboard/datenschutz", privacy_dash_page, ROLE_STAFF, 0, RL_NONE},
    {"GET", "/dashboard/datenschutz/nachweise", consent_dash_page, ROLE_STAFF, 0, RL_NONE},
    {"GET", "/dashboard/team", auth_team_page, ROLE_OWNER, 0, RL_NONE},
    {"POST", "/dashboard/team", auth_team_invite, ROLE_OWNER, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/team/{id}/entfernen", auth_team_remove, ROLE_OWNER, ROUTE_CSRF, RL_FORM},
    {"GET", "/dashboard/api-tokens", auth_tokens_page, ROLE_OWNER, 0, RL_NONE},
    {"POST", "/dashboard/api-tokens", auth_token_create_post, ROLE_OWNER, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/api-tokens/{id}/widerrufen", auth_token_revoke_post, ROLE_OWNER,
     ROUTE_CSRF, RL_FORM},
    {"GET", "/dashboard/protokoll", auth_audit_page, ROLE_OWNER, 0, RL_NONE},
    {"POST", "/dashboard/finanzierung", finance_page_conditions_post, ROLE_OWNER, ROUTE_CSRF,
     RL_FORM},

    /* the dealer's enquiry inbox (leads from the vehicle pages) */
    {"GET", "/dashboard/anfragen", crm_leads_page, ROLE_STAFF, 0, RL_NONE},
    {"GET", "/dashboard/anfragen/{id}", crm_lead_page, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/dashboard/anfragen/{id}", crm_lead_post, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    /* the operator: the mail queue of every dealer */
    {"GET", "/dashboard/post", mail_page_list, ROLE_ADMIN, 0, RL_NONE},
    {"POST", "/dashboard/post/{id}/erneut", mail_page_retry, ROLE_ADMIN, ROUTE_CSRF, RL_FORM},
    /* the sales pipeline */
    {"GET", "/dashboard/verkauf", crm_deals_page, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/dashboard/verkauf", crm_deal_create, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/verkauf/stufen", crm_deal_stages_post, ROLE_OWNER, ROUTE_CSRF, RL_FORM},
    {"GET", "/dashboard/verkauf/{id}", crm_deal_page, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/dashboard/verkauf/{id}", crm_deal_post, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    /* test drives booked on the vehicle pages: the day's list, cancel, SMS setting */
    {"GET", "/dashboard/probefahrten", td_day_page, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/dashboard/probefahrten/{id}/absagen", td_cancel_post, ROLE_STAFF, ROUTE_CSRF,
     RL_FORM},
    {"POST", "/dashboard/probefahrten/einstellungen", td_settings_post, ROLE_OWNER, ROUTE_CSRF,
     RL_FORM},

    /* accounts: two-factor, password, sessions (auth work goes here) */
    {"GET", "/anmelden/code", auth_login_code_page, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"POST", "/anmelden/code", auth_login_code_post, ROLE_PUBLIC, 0, RL_LOGIN},
    {"GET", "/dashboard/konto", auth_account_page, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/dashboard/konto", auth_account_update, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/konto/passwort", auth_password_change, ROLE_STAFF, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/konto/sitzungen", auth_sessions_end_others, ROLE_STAFF, ROUTE_CSRF,
     RL_FORM},
    {"GET", "/dashboard/konto/zwei-faktor", auth_totp_setup, ROLE_STAFF, 0, RL_NONE},
    {"POST", "/dashboard/konto/zwei-faktor", auth_totp_enable_post, ROLE_STAFF, ROUTE_CSRF,
     RL_FORM},
    {"POST", "/dashboard/konto/zwei-faktor/aus", auth_totp_disable_post, ROLE_STAFF, ROUTE_CSRF,
     RL_FORM},
    {"POST", "/dashboard/konto/zwei-faktor/codes", auth_recovery_codes, ROLE_STAFF, ROUTE_CSRF,
     RL_FORM},
    {"POST", "/dashboard/team/{id}/rolle", auth_team_role, ROLE_OWNER, ROUTE_CSRF, RL_FORM},
    {"POST", "/dashboard/fahrzeuge/preise", vehicle_page_bulk_price, ROLE_STAFF, ROUTE_CSRF,
     RL_FORM},
    {"POST", "/dashboard/fahrzeuge/{id}/duplizieren", vehicle_page_duplicate, ROLE_STAFF,
     ROUTE_CSRF, RL_FORM},

    /* public site: buyer features, leads, legal pages, SEO (site work goes here) */
    {"POST", "/fahrzeuge/{slug}/anfrage", site_lead_post, ROLE_PUBLIC, 0, RL_FORM},
    {"GET", "/vergleich", site_compare_page, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"GET", "/merkliste", site_favourites_page, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"GET", "/sitemap.xml", site_sitemap_index, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/sitemaps/{name}", site_sitemap_page, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/robots.txt", site_robots, ROLE_PUBLIC, 0, RL_NONE},

    /* buyer accounts: sign-up, account, favourites, saved searches and alerts (buyer work) */
    {"GET", "/konto/registrieren", buyer_signup_page, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
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
    {"GET", "/suchalarm/abbestellen", buyer_unsubscribe_page, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"POST", "/suchalarm/abbestellen", buyer_unsubscribe_post, ROLE_PUBLIC, 0, RL_FORM},

    /* showrooms and the embeddable widget (showroom work goes here) */
    {"GET", "/haendler/{slug}", showroom_page, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"GET", "/haendler/{slug}/theme.css", showroom_theme, ROLE_PUBLIC, 0, RL_NONE},
    {"GET", "/haendler/{slug}/impressum", showroom_imprint, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"GET", "/embed/{slug}", showroom_embed, ROLE_PUBLIC, ROUTE_EMBED | ROUTE_LANG_URL, RL_NONE},
    {"GET", "/dashboard/profil", showroom_profile_page, ROLE_OWNER, 0, RL_NONE},
    {"POST", "/dashboard/profil", showroom_profile_post, ROLE_OWNER, ROUTE_CSRF, RL_FORM},
    {"GET", "/impressum", site_imprint, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"GET", "/datenschutz", site_privacy, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"GET", "/datenschutz/anfrage", privacy_form_page, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},
    {"POST", "/datenschutz/anfrage", privacy_form_post, ROLE_PUBLIC, 0, RL_RESET},
    {"GET", "/haendler/{slug}/newsletter", newsletter_form_page, ROLE_PUBLIC, ROUTE_LANG_URL,
     RL_NONE},
    {"POST", "/haendler/{slug}/newsletter", newsletter_signup_post, ROLE_PUBLIC, 0, RL_RESET},
    {"GET", "/haendler/{slug}/newsletter/bestaetigen", newsletter_confirm_page, ROLE_PUBLIC, 0,
     RL_NONE},
    {"POST", "/haendler/{slug}/newsletter/bestaetigen", newsletter_confirm_post, ROLE_PUBLIC, 0,
     RL_RESET},
    {"GET", "/haendler/{slug}/newsletter/abmelden", newsletter_unsub_page, ROLE_PUBLIC, 0, RL_NONE},
    {"POST", "/haendler/{slug}/newsletter/abmelden", newsletter_unsub_post, ROLE_PUBLIC, 0,
     RL_RESET},
    {"GET", "/datenschutz/anfrage/bestaetigen", privacy_confirm_page, ROLE_PUBLIC, 0, RL_NONE},
    {"POST", "/datenschutz/anfrage/bestaetigen", privacy_confirm_post, ROLE_PUBLIC, 0, RL_RESET},
    {"GET", "/agb", site_terms, ROLE_PUBLIC, ROUTE_LANG_URL, RL_NONE},

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
    {"GET", "/api/v1/openapi.yaml", site_openapi, ROLE_PUBLIC, ROUTE_API, RL_API},
    {"GET", "/api/v1/vehicles", vehicle_api_list, ROLE_PUBLIC, ROUTE_API, RL_API},
    {"POST", "/api/v1/vehicles", vehicle_api_create, ROLE_STAFF, ROUTE_API, RL_API},
    {"GET", "/api/v1/vehicles/search", vehicle_api_search, ROLE_PUBLIC, ROUTE_API, RL_API},
    {"GET", "/api/v1/vehicles/{id}", vehicle_api_get, ROLE_PUBLIC, ROUTE_API, RL_API},
    {"PATCH", "/api/v1/vehicles/{id}", vehicle_api_patch, ROLE_STAFF, ROUTE_API, RL_API},
    {"DELETE", "/api/v1/vehicles/{id}", vehicle_api_delete, ROLE_STAFF, ROUTE_API, RL_API},
    {"GET", "/api/v1/makes", vehicle_api_makes, ROLE_PUBLIC, ROUTE_API, RL_API},
    {"POST", "/api/v1/public/leads", crm_api_public_lead, ROLE_PUBLIC, ROUTE_API, RL_API},
    {"GET", "/api/v1/leads", crm_api_leads, ROLE_STAFF, ROUTE_API, RL_API},
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

    /* photos (media work): upload, order, alt text, delete, retry; the dealer's logo; the
     * signed image CDN */
    {"POST", "/api/v1/vehicles/{id}/photos", media_api_upload, ROLE_STAFF, ROUTE_API | ROUTE_STREAM,
     RL_API},
    {"GET", "/api/v1/vehicles/{id}/photos", media_api_list, ROLE_STAFF, ROUTE_API, RL_API},
    {"PATCH", "/api/v1/vehicles/{id}/photos", media_api_reorder, ROLE_STAFF, ROUTE_API, RL_API},
    {"PATCH", "/api/v1/vehicles/{id}/photos/{photo_id}", media_api_patch, ROLE_STAFF, ROUTE_API,
     RL_API},
    {"DELETE", "/api/v1/vehicles/{id}/photos/{photo_id}", media_api_delete, ROLE_STAFF, ROUTE_API,
     RL_API},
    {"POST", "/api/v1/vehicles/{id}/photos/{photo_id}/retry", media_api_retry, ROLE_STAFF,
     ROUTE_API, RL_API},
    {"POST", "/api/v1/dealer/logo", media_api_logo_upload, ROLE_OWNER, ROUTE_API | ROUTE_STREAM,
     RL_API},
    {"DELETE", "/api/v1/dealer/logo", media_api_logo_delete, ROLE_OWNER, ROUTE_API, RL_API},
    {"GET", "/img/{sig}/{*path}", media_cdn, ROLE_PUBLIC, ROUTE_NOSESSION, RL_NONE},
};

const size_t cc24_nroutes = sizeof cc24_routes / sizeof cc24_routes[0];
