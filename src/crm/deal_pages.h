/* deal_pages.h — the sales pipeline pages of the dashboard (see deal_pages.c, deal.h). */
#ifndef CC24_CRM_DEAL_PAGES_H
#define CC24_CRM_DEAL_PAGES_H

#include "http/http.h"

/* GET /dashboard/verkauf — the board */
int crm_deals_page(struct http_req *req);
/* POST /dashboard/verkauf (lead=ID) — a deal from an enquiry; 303 to the deal */
int crm_deal_create(struct http_req *req);
/* POST /dashboard/verkauf/stufen (stage_0 … stage_n) — the stage names */
int crm_deal_stages_post(struct http_req *req);
/* GET /dashboard/verkauf/{id} */
int crm_deal_page(struct http_req *req);
/* POST /dashboard/verkauf/{id}: action = move (stage, position) | lose (reason) |
 * update (offer, trade_in, trade_in_note) */
int crm_deal_post(struct http_req *req);

#endif
