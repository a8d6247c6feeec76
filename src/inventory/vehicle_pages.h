/* vehicle_pages.h — the dealer's vehicle pages in the dashboard: the overview
 * with KPIs and the inventory table, the vehicle form (new, edit), status changes,
 * bulk price changes and duplicates. */
#ifndef CC24_INVENTORY_VEHICLE_PAGES_H
#define CC24_INVENTORY_VEHICLE_PAGES_H

#include "http/http.h"

int vehicle_page_dashboard(struct http_req *req);
int vehicle_page_new(struct http_req *req);
int vehicle_page_create(struct http_req *req);
int vehicle_page_edit(struct http_req *req);
int vehicle_page_update(struct http_req *req);
int vehicle_page_status(struct http_req *req);
int vehicle_page_bulk_price(struct http_req *req);
int vehicle_page_duplicate(struct http_req *req);

#endif
