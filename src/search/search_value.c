/* search_value.c — price ratings against comparable vehicles and the "featured"
 * (best value) list, computed from the index in one sorted pass and cached.
 *
 * Comparable = same make and model, first registered in the same calendar year
 * (unregistered cars count as this year). A group needs SEARCH_VALUE_PEERS members
 * for a median that means something. The cache is rebuilt when the index has
 * changed and the last build is older than VALUE_TTL seconds, so a burst of
 * writes costs one rebuild; between rebuilds a rating may be a few seconds old,
 * and entries whose slot has since been reused are recognised by the row id. */
#include "core/arena.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "search/search.h"
#include "search/search_internal.h"

#include <stdlib.h>
#include <string.h>

#define VALUE_TTL      5
#define FEATURED_MAX   64
#define FEATURED_RATIO 9000 /* at least 10 % under the median */

struct rated {
  int64_t id; /* row id the rating belongs to (0 = none) */
  int ratio_bp, peers;
  int64_t median;
};

struct value_cache {
  uint64_t generation;
  int64_t built_at;
  struct rated *r; /* by slot */
  uint32_t nr;
  struct {
    uint32_t slot;
    int64_t id;
  } featured[FEATURED_MAX];
  int nfeatured;
};

struct vkey {
  uint32_t slot;
  int model, year;
  int64_t price, mileage;
};

static int vkey_cmp(const void *a, const void *b)
{
  const struct vkey *x = a, *y = b;
  if (x->model != y->model)
    return x->model < y->model ? -1 : 1;
  if (x->year != y->year)
    return x->year < y->year ? -1 : 1;
  if (x->price != y->price)
    return x->price < y->price ? -1 : 1;
  return (x->slot > y->slot) - (x->slot < y->slot);
}

static int i64_cmp(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

struct fcand {
  uint32_t slot;
  int64_t id, published_at;
  int ratio;
};

static int fcand_cmp(const void *a, const void *b)
{
  const struct fcand *x = a, *y = b;
  if (x->ratio != y->ratio)
    return x->ratio < y->ratio ? -1 : 1;
  if (x->published_at != y->published_at)
    return x->published_at > y->published_at ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

/* Median of a sorted run, rounded half up for an even count. */
static int64_t median_of(const int64_t *v, size_t n)
{
  if (n % 2)
    return v[n / 2];
  return (v[n / 2 - 1] + v[n / 2] + 1) / 2;
}

/* Build a new cache from the index (read lock held). */
static struct value_cache *build(struct search_index *ix)
{
  struct value_cache *c = xcalloc(1, sizeof *c);
  c->generation = ix->generation;
  c->built_at = time_now();
  c->nr = ix->ndocs;
  c->r = xcalloc(c->nr ? c->nr : 1, sizeof *c->r);
  int y, m;
  time_berlin_ym(time_now(), &y, &m);
  struct vkey *k = xmalloc(sizeof *k * (c->nr ? c->nr : 1));
  size_t n = 0;
  for (uint32_t s = 0; s < ix->ndocs; s++) {
    const struct doc *d = &ix->docs[s];
    if (!d->id || !roaring_bitmap_contains(ix->all, s))
      continue;
    k[n++] = (struct vkey){s, d->model, d->first_reg < 0 ? y : (int)(d->first_reg / 12), d->price,
                           d->mileage};
  }
  qsort(k, n, sizeof *k, vkey_cmp);
  struct fcand *cand = xmalloc(sizeof *cand * (n ? n : 1));
  size_t ncand = 0;
  int64_t *miles = xmalloc(sizeof *miles * (n ? n : 1));
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && k[j].model == k[i].model && k[j].year == k[i].year)
      j++;
    size_t g = j - i;
    if (g >= SEARCH_VALUE_PEERS) {
      int64_t *prices = miles; /* reuse: prices first, then mileages */
      for (size_t t = 0; t < g; t++)
        prices[t] = k[i + t].price; /* already sorted by price */
      int64_t med = median_of(prices, g);
      for (size_t t = 0; t < g; t++)
        miles[t] = k[i + t].mileage;
      qsort(miles, g, sizeof *miles, i64_cmp);
      int64_t med_km = median_of(miles, g);
      for (size_t t = i; t < j; t++) {
        const struct doc *d = &ix->docs[k[t].slot];
        struct rated *r = &c->r[k[t].slot];
        r->id = d->id;
        r->peers = (int)g;
        r->median = med;
        r->ratio_bp = med > 0 ? (int)((k[t].price * 10000 + med / 2) / med) : 10000;
        if (r->ratio_bp <= FEATURED_RATIO && k[t].mileage * 4 <= med_km * 5 &&
            d->status == STATUS_PUBLISHED)
          cand[ncand++] = (struct fcand){k[t].slot, d->id, d->published_at, r->ratio_bp};
      }
    }
    i = j;
  }
  qsort(cand, ncand, sizeof *cand, fcand_cmp);
  for (size_t i = 0; i < ncand && c->nfeatured < FEATURED_MAX; i++) {
    c->featured[c->nfeatured].slot = cand[i].slot;
    c->featured[c->nfeatured].id = cand[i].id;
    c->nfeatured++;
  }
  free(miles);
  free(cand);
  free(k);
  return c;
}

static void cache_free(struct value_cache *c)
{
  if (!c)
    return;
  free(c->r);
  free(c);
}

void search_value_free(struct search_index *ix)
{
  cache_free(ix->value);
  ix->value = NULL;
}

/* The current cache (read lock held by the caller; value_mu taken here). */
static struct value_cache *current(struct search_index *ix)
{
  pthread_mutex_lock(&ix->value_mu);
  struct value_cache *c = ix->value;
  if (!c || (c->generation != ix->generation && time_now() - c->built_at >= VALUE_TTL)) {
    struct value_cache *fresh = build(ix);
    cache_free(c);
    ix->value = c = fresh;
  }
  pthread_mutex_unlock(&ix->value_mu);
  return c;
}

int search_value_of(struct search_index *ix, int64_t vehicle_id, struct search_value *out)
{
  memset(out, 0, sizeof *out);
  pthread_rwlock_rdlock(&ix->lock);
  int64_t s = search_slot_of(ix, vehicle_id);
  int rc = 0;
  if (s >= 0) {
    current(ix);
    pthread_mutex_lock(&ix->value_mu);
    struct value_cache *c = ix->value;
    if ((uint64_t)s < c->nr && c->r[s].id == vehicle_id) {
      out->ratio_bp = c->r[s].ratio_bp;
      out->peers = c->r[s].peers;
      out->median_cents = c->r[s].median;
      rc = 1;
    }
    pthread_mutex_unlock(&ix->value_mu);
  }
  pthread_rwlock_unlock(&ix->lock);
  return rc;
}

int search_featured(struct search_index *ix, int n, struct arena *a, struct search_hit *out)
{
  pthread_rwlock_rdlock(&ix->lock);
  current(ix);
  pthread_mutex_lock(&ix->value_mu);
  struct value_cache *c = ix->value;
  int got = 0;
  for (int i = 0; i < c->nfeatured && got < n; i++) {
    uint32_t s = c->featured[i].slot;
    if (s >= ix->ndocs || ix->docs[s].id != c->featured[i].id ||
        !roaring_bitmap_contains(ix->all, s))
      continue; /* gone since the last build */
    search_fill_hit(ix, a, s, &out[got++]);
  }
  pthread_mutex_unlock(&ix->value_mu);
  pthread_rwlock_unlock(&ix->lock);
  return got;
}
