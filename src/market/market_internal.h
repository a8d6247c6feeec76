/* market_internal.h — what the files of the market module share and nobody
 * else uses: the listing row layout and loaders without a visibility check. */
#ifndef CC24_MARKET_MARKET_INTERNAL_H
#define CC24_MARKET_MARKET_INTERNAL_H

#include "market/market_store.h"

/* Columns of a listing with its vehicle and seller, in the order of market_listing_outs. */
#define MARKET_LISTING_COLS                                                                        \
  "l.id, l.public_id, l.tenant_id, t.slug, t.name, t.city, l.vehicle_id, v.public_id, v.make,"     \
  " v.model, v.variant, v.first_reg, v.mileage_km, v.power_kw, v.fuel, v.gearbox, v.body,"         \
  " v.condition, v.colour, v.vat_mode, v.status, v.features, l.price_cents, l.valid_until,"        \
  " l.note, l.status, l.created_at, l.updated_at, v.cover"
#define MARKET_LISTING_FROM                                                                        \
  " FROM market_listings l JOIN vehicles v ON v.id = l.vehicle_id"                                 \
  " JOIN tenants t ON t.id = l.tenant_id"
#define MARKET_LISTING_NCOLS 29

/* Text columns of a listing row, mapped to enums by market_listing_finish. */
struct market_lrow {
  char *pub, *vpub, *fuel, *gearbox, *body, *cond, *colour, *vat, *vstatus, *lstatus;
  int64_t features;
};

/* Fill o[0..MARKET_LISTING_NCOLS] (END-terminated) to read into l and t; clears both. */
void market_listing_outs(struct db_out *o, struct market_listing *l, struct market_lrow *t);
/* Map the text columns of a read row into l. */
void market_listing_finish(struct market_listing *l, const struct market_lrow *t);

/* "Make Model Variant" in the arena. */
const char *market_title(struct arena *a, const char *make, const char *model, const char *variant);

/* An offer by public id without a party check (the platform closing offers of a
 * listing it has locked). 1/0/-1. */
int market_offer_load(db_conn *c, struct arena *a, const char *public_id, struct market_offer *out,
                      struct err *e);

#endif
