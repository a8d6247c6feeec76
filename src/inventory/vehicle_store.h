/* vehicle_store.h — SQL for vehicles, on both backends, always scoped by tenant.
 *
 * Every function that touches one dealer's stock takes that dealer's tenant_id;
 * tenant_id 0 means "the public", which sees only published and reserved
 * vehicles. Strings of returned vehicles live in the arena passed in. */
#ifndef CC24_INVENTORY_VEHICLE_STORE_H
#define CC24_INVENTORY_VEHICLE_STORE_H

#include "db/db.h"
#include "inventory/vehicle.h"

struct arena;

/* Insert v for v->tenant_id: sets id, public_id, created_at/updated_at (and
 * published_at when published or reserved). 0 or -1. */
int vehicle_store_insert(db_conn *c, struct arena *a, struct vehicle *v, struct err *e);

/* Update every field of v (matched by tenant_id and public_id); updated_at is set,
 * published_at when it becomes published or reserved. 1 updated, 0 not found, -1 error. */
int vehicle_store_update(db_conn *c, struct arena *a, struct vehicle *v, struct err *e);

/* Reserve the dealer's vehicle (a Börse deal) without offering it: published_at stays as
 * it is, so a draft reserved this way never becomes public (VEHICLE_LISTED_SQL). Only a
 * draft or published vehicle changes. Returns the rows changed (0 or 1), or -1. */
int vehicle_store_reserve(db_conn *c, int64_t tenant_id, int64_t id, struct err *e);

/* Load by public id. tenant_id > 0: that dealer's vehicle in any status;
 * tenant_id == 0: only published/reserved. 1 found, 0 not found, -1 error. */
int vehicle_store_get(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
                      struct vehicle *v, struct err *e);

/* Load by row id regardless of tenant (index refresh). 1/0/-1. */
int vehicle_store_get_by_id(db_conn *c, struct arena *a, int64_t id, struct vehicle *v,
                            struct err *e);

/* Delete the tenant's vehicle; its row id goes to *id_out. 1 deleted, 0 not found, -1 error. */
int vehicle_store_delete(db_conn *c, int64_t tenant_id, const char *public_id, int64_t *id_out,
                         struct err *e);

/* List vehicles: tenant_id > 0 → that dealer's stock (status filter optional, NULL = all);
 * tenant_id == 0 → published/reserved of all dealers. Newest first, paged (page from 1).
 * *out is an arena array; *total the count without paging. */
int vehicle_store_list(db_conn *c, struct arena *a, int64_t tenant_id, const char *status, int page,
                       int size, struct vehicle **out, int *n, int64_t *total, struct err *e);

/* Call fn for every published/reserved vehicle (index build). The arena is reset
 * between batches by the caller's fn? No: fn must copy what it keeps. 0 or -1. */
int vehicle_store_foreach_indexable(db_conn *c, struct arena *a,
                                    void (*fn)(const struct vehicle *v, void *arg), void *arg,
                                    struct err *e);

/* Number of vehicles (all tenants, all statuses). -1 on error. */
int64_t vehicle_store_count(db_conn *c, struct err *e);

/* Set the status of the dealer's vehicle public_id (a sale from the deal pipeline, the
 * dashboard's status buttons) and tell every instance (NOTIFY cc24_vehicles), inside the
 * caller's transaction. v receives the vehicle. 1 found, 0 not (or another dealer's), -1. */
int vehicle_store_set_status(db_conn *c, struct arena *a, int64_t tenant_id, const char *public_id,
                             int status, struct vehicle *v, struct err *e);

#endif
