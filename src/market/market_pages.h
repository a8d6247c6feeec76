/* market_pages.h — the Börse pages (server-rendered, forms with CSRF, no
 * JavaScript needed) and its JSON search API. Every route needs a logged-in
 * dealer (owner or staff; the route table says ROLE_STAFF); what a dealer may
 * see is decided in market_store.h. */
#ifndef CC24_MARKET_MARKET_PAGES_H
#define CC24_MARKET_MARKET_PAGES_H

#include "http/http.h"

/* GET /boerse: search the live listings of every dealer (filters as /fahrzeuge). */
int market_page_search(struct http_req *req);
/* GET /boerse/{id}: one listing with the offer form. */
int market_page_listing(struct http_req *req);
/* POST /boerse/{id}/angebot: make an offer (amount, message). */
int market_page_offer_create(struct http_req *req);

/* GET /dashboard/boerse: the dealer's own listings. */
int market_page_mine(struct http_req *req);
/* GET /dashboard/boerse/neu: the listing form (?fahrzeug=ID preselects a vehicle). */
int market_page_new(struct http_req *req);
/* POST /dashboard/boerse: list a vehicle (vehicle, price, valid_until, note). */
int market_page_create(struct http_req *req);
/* GET/POST /dashboard/boerse/{id}: edit the own listing. */
int market_page_edit(struct http_req *req);
int market_page_update(struct http_req *req);
/* POST /dashboard/boerse/{id}/zurueckziehen: withdraw the own listing. */
int market_page_withdraw(struct http_req *req);

/* GET /dashboard/boerse/angebote: offers received and sent. */
int market_page_offers(struct http_req *req);
/* GET /dashboard/boerse/angebote/{id}: one negotiation with its history. */
int market_page_offer(struct http_req *req);
/* POST /dashboard/boerse/angebote/{id}: action=accept|reject|counter|withdraw. */
int market_page_offer_act(struct http_req *req);

/* GET /dashboard/boerse/abschluesse and /{id}: the dealer's deals. */
int market_page_deals(struct http_req *req);
int market_page_deal(struct http_req *req);

/* GET /api/v1/market/listings: the Börse search as JSON for a dealer's API token
 * (search API parameters, strict; 401 without a dealer credential). */
int market_api_search(struct http_req *req);

#endif
