/* lead_pages.h — the dealer's enquiry inbox in the dashboard: the list of leads
 * (contact and test-drive requests from the vehicle pages), newest first, and one
 * lead with everything the buyer sent. Tenant-scoped; the CRM issue adds states,
 * assignment and replies on top. */
#ifndef CC24_CRM_LEAD_PAGES_H
#define CC24_CRM_LEAD_PAGES_H

#include "db/db.h"
#include "http/http.h"

/* GET /dashboard/anfragen[?page=N] */
int crm_leads_page(struct http_req *req);
/* GET /dashboard/anfragen/{id} — 404 for another dealer's lead */
int crm_lead_page(struct http_req *req);
/* POST /dashboard/anfragen/{id}: action = note | call | status | assign | follow_up |
 * reply (CSRF; 422 with inline errors, 303 back to the lead) */
int crm_lead_post(struct http_req *req);

/* Leads of the dealer created at or after `since` (Unix seconds). -1 on error. */
int64_t lead_store_count_since(db_conn *c, int64_t tenant_id, int64_t since, struct err *e);

/* Monday 00:00 of the current week in Europe/Berlin, as Unix seconds (UTC). */
int64_t crm_week_start(int64_t now);

#endif
