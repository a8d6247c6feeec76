/* vehicle_api.h — JSON API handlers for vehicles (/api/v1/vehicles...), the
 * search endpoint and the makes list, plus keeping the search index in step
 * with the database (on this instance directly, on others via NOTIFY). */
#ifndef CC24_INVENTORY_VEHICLE_API_H
#define CC24_INVENTORY_VEHICLE_API_H

#include "http/http.h"

struct app;

int vehicle_api_list(struct http_req *req);
int vehicle_api_create(struct http_req *req);
int vehicle_api_get(struct http_req *req);
int vehicle_api_patch(struct http_req *req);
int vehicle_api_delete(struct http_req *req);
int vehicle_api_search(struct http_req *req);
int vehicle_api_makes(struct http_req *req);

/* The notification channel that carries changed vehicle row ids between instances. */
#define VEHICLE_CHANNEL "cc24_vehicles"

/* Build the search index from the database (start-up). Logs
 * "search index built: N vehicles in X ms". 0 or -1. */
int vehicle_index_build(struct app *app, struct err *e);

/* Subscribe to VEHICLE_CHANNEL so writes on other instances refresh this index. */
int vehicle_index_listen(struct app *app, struct err *e);

/* Re-read one vehicle by row id and upsert/remove it in the index. */
void vehicle_index_refresh(struct app *app, int64_t vehicle_id);

#endif
