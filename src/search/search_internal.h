/* search_internal.h — the index's data structures, shared by the files of the
 * search module only. */
#ifndef CC24_SEARCH_INTERNAL_H
#define CC24_SEARCH_INTERNAL_H

#include "search/search.h"

#include <pthread.h>
#include <roaring/roaring.h>

#define MAP_TOMB 0xFFFFFFFFu

enum { ORD_PRICE_ASC, ORD_PRICE_DESC, ORD_MILEAGE_ASC, ORD_YEAR_DESC, ORD_NEWEST, ORD__COUNT };

/* The facets, in the order of the search API's answer. */
enum {
  FC_MAKE,
  FC_MODEL,
  FC_BODY,
  FC_FUEL,
  FC_GEARBOX,
  FC_COND,
  FC_COLOUR,
  FC_PRICE,
  FACET__COUNT
};

struct word {
  char *text;
  roaring_bitmap_t *b;
};

/* One indexed vehicle (slot). */
struct doc {
  int64_t id; /* 0 = free slot */
  char public_id[17];
  int dealer, make, model; /* dictionary indexes */
  char *variant;
  char *cover; /* media_cover descriptor, NULL = none */
  int64_t price, mileage, power, first_reg, published_at;
  uint8_t body, fuel, gearbox, condition, colour, status, vat_mode;
  uint64_t features;
  struct word **wordv;
  int nwords;
};

/* The facet-relevant values of a doc, packed for cache-friendly counting scans. */
struct fcol {
  uint16_t make, model;
  uint8_t body, fuel, gearbox, condition, colour, price_bucket;
};

struct dval {
  char *name;
  int parent; /* models: the make index; -1 otherwise */
  roaring_bitmap_t *b;
};

struct dict {
  struct dval *v;
  int n, cap;
};

/* A numeric field bucketed by value: bucket k holds base + k*width .. +width-1
 * (the last bucket everything above, the first everything below). */
struct rfield {
  int64_t base, width;
  int nb;
  roaring_bitmap_t **b;
  roaring_bitmap_t **cum; /* cum[k]: docs in buckets 0..k (rebuilt with the orders) */
  int64_t *val;           /* the value per slot (capdocs long): a bucket a range cuts
                             through is checked here, not in the wide struct doc */
};

struct map_entry {
  int64_t id;
  uint32_t slot;
};

struct search_index {
  pthread_rwlock_t lock;
  pthread_mutex_t sort_mu;
  struct doc *docs;
  struct fcol *fc; /* parallel to docs */
  uint32_t ndocs, capdocs;
  uint32_t *free_slots;
  uint32_t nfree;
  struct map_entry *map;
  size_t map_cap, map_used;
  roaring_bitmap_t *all, *unreg;
  roaring_bitmap_t *body[BODY__COUNT], *fuel[FUEL__COUNT], *gearbox[GEARBOX__COUNT],
      *condition[COND__COUNT], *colour[COLOUR__COUNT], *feature[FEAT__COUNT];
  roaring_bitmap_t *price_facet[SEARCH_PRICE_BUCKETS];
  struct rfield r_price, r_mileage, r_power, r_first_reg;
  struct dict makes, models, dealers;
  struct word **words; /* sorted by text */
  int nwords, capwords;
  uint32_t *order[ORD__COUNT];
  size_t norder, order_cap;
  bool orders_dirty;
  /* rank[o][slot]: the slot's position in order[o] (only for indexed slots), so a page
   * of sparse matches is selected on one uint32 per match; rebuilt when the orders
   * change (ranks_dirty), sized capdocs (rank_cap) */
  uint32_t *rank[ORD__COUNT];
  size_t rank_cap;
  bool ranks_dirty;
  /* estimated ns to count facet k by intersecting its value bitmaps with a dense
   * match set (refreshed with the ranks); the query planner compares it with a scan */
  double facet_cost[FACET__COUNT];
  int plan; /* enum search_plan */
  uint64_t generation;
  /* price ratings (search_value.c): rebuilt lazily, guarded by value_mu */
  pthread_mutex_t value_mu;
  struct value_cache *value;
};

/* The slot of a vehicle row id, or -1 (read lock held). */
int64_t search_slot_of(struct search_index *ix, int64_t id);
/* Copy the doc in slot s into h, strings in a (read lock held). */
void search_fill_hit(struct search_index *ix, struct arena *a, uint32_t s, struct search_hit *h);
/* Free the price-rating cache (search_free). */
void search_value_free(struct search_index *ix);

int search_price_bucket(int64_t cents);
int search_range_bucket(const struct rfield *r, int64_t v);
int search_word_lower_bound(struct search_index *ix, const char *key);
int search_order_cmp(const struct search_index *ix, int order, uint32_t a, uint32_t b);
void search_orders_ensure(struct search_index *ix);

#endif
