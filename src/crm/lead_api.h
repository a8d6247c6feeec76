/* lead_api.h — leads in the JSON API (see lead_api.c). */
#ifndef CC24_CRM_LEAD_API_H
#define CC24_CRM_LEAD_API_H

#include "http/http.h"

/* POST /api/v1/public/leads → 201 {"id","status","kind"}; 422 naming the field. */
int crm_api_public_lead(struct http_req *req);
/* GET /api/v1/leads[?page&size&status&q] → the dealer's leads, newest first. */
int crm_api_leads(struct http_req *req);

#endif
