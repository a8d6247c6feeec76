/* tenant.h — dealers (tenants): the model and its store.
 *
 * Every tenant-owned row elsewhere carries tenant_id; this module owns the
 * tenants table itself. Strings returned live in the arena passed in. */
#ifndef CC24_TENANT_TENANT_H
#define CC24_TENANT_TENANT_H

#include "db/db.h"

#include <stdint.h>

struct arena;
struct field_errors;

struct tenant {
  int64_t id;
  char public_id[17];
  const char *slug; /* URL name, [a-z0-9-], 3..60 */
  const char *name;
  const char *street, *zip, *city, *country;
  const char *phone, *email, *website;
  int64_t created_at;
};

/* Validate name/slug/address fields; every bad field goes to errs. 0 or -1. */
int tenant_validate(const struct tenant *t, struct field_errors *errs);

/* Insert t (public_id and created_at are set here); t->id is filled. 0 or -1
 * (CC24_E_DB_CONSTRAINT when the slug is taken). */
int tenant_store_create(db_conn *c, struct tenant *t, struct err *e);

/* 1 found, 0 none, -1 error. */
int tenant_store_by_slug(db_conn *c, struct arena *a, const char *slug, struct tenant *t,
                         struct err *e);
int tenant_store_by_id(db_conn *c, struct arena *a, int64_t id, struct tenant *t, struct err *e);

/* All tenants ordered by slug; *out is an arena array of *n entries. 0 or -1. */
int tenant_store_list(db_conn *c, struct arena *a, struct tenant **out, int *n, struct err *e);

#endif
