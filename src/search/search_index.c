/* search_index.c — the index proper: slots with columnar values, bitmaps per
 * value, bucketed bitmaps for numeric ranges, presorted orders, words. */
#include "core/arena.h"
#include "core/str.h"
#include "inventory/vehicle.h"
#include "search/search.h"
#include "search/search_internal.h"

#include <stdlib.h>
#include <string.h>

const char *const search_sort_names[SORT__COUNT] = {"relevance",   "price_asc", "price_desc",
                                                    "mileage_asc", "year_desc", "newest"};
const int64_t search_price_edges[SEARCH_PRICE_BUCKETS + 1] = {
    0, 5000, 10000, 15000, 20000, 30000, 40000, 50000, 75000, 100000, -1};

/* ---- small helpers ---- */

static roaring_bitmap_t *bm_new(void)
{
  roaring_bitmap_t *b = roaring_bitmap_create();
  if (!b)
    abort();
  return b;
}

int search_price_bucket(int64_t cents)
{
  for (int i = SEARCH_PRICE_BUCKETS - 1; i >= 0; i--)
    if (cents >= search_price_edges[i] * 100)
      return i;
  return 0;
}

/* ---- id → slot map (open addressing, linear probing) ---- */

static void map_grow(struct search_index *ix);

static uint32_t *map_find(struct search_index *ix, int64_t id)
{
  if (!ix->map_cap)
    return NULL;
  size_t mask = ix->map_cap - 1;
  size_t h = ((uint64_t)id * 0x9E3779B97F4A7C15ULL) & mask;
  for (;;) {
    struct map_entry *m = &ix->map[h];
    if (m->id == 0)
      return NULL;
    if (m->id == id && m->slot != MAP_TOMB)
      return &m->slot;
    h = (h + 1) & mask;
  }
}

int64_t search_slot_of(struct search_index *ix, int64_t id)
{
  uint32_t *s = map_find(ix, id);
  return s ? (int64_t)*s : -1;
}

static void map_put(struct search_index *ix, int64_t id, uint32_t slot)
{
  if ((ix->map_used + 1) * 2 > ix->map_cap)
    map_grow(ix);
  size_t mask = ix->map_cap - 1;
  size_t h = ((uint64_t)id * 0x9E3779B97F4A7C15ULL) & mask;
  for (;;) {
    struct map_entry *m = &ix->map[h];
    if (m->id == 0 || (m->id == id)) {
      if (m->id == 0)
        ix->map_used++;
      m->id = id;
      m->slot = slot;
      return;
    }
    h = (h + 1) & mask;
  }
}

static void map_grow(struct search_index *ix)
{
  size_t oc = ix->map_cap;
  struct map_entry *old = ix->map;
  ix->map_cap = oc ? oc * 2 : 1024;
  ix->map = xcalloc(ix->map_cap, sizeof *ix->map);
  ix->map_used = 0;
  for (size_t i = 0; i < oc; i++)
    if (old[i].id && old[i].slot != MAP_TOMB)
      map_put(ix, old[i].id, old[i].slot);
  free(old);
}

/* ---- dictionaries ---- */

static int dict_find(struct dict *d, const char *key, int parent)
{
  for (int i = 0; i < d->n; i++)
    if (d->v[i].parent == parent && str_ieq(d->v[i].name, key))
      return i;
  return -1;
}

static int dict_get(struct dict *d, const char *name, int parent)
{
  int i = dict_find(d, name, parent);
  if (i >= 0)
    return i;
  if (d->n == d->cap) {
    d->cap = d->cap ? d->cap * 2 : 64;
    d->v = xrealloc(d->v, sizeof *d->v * (size_t)d->cap);
  }
  struct dval *v = &d->v[d->n];
  v->name = xstrdup(name);
  v->parent = parent;
  v->b = bm_new();
  return d->n++;
}

/* words: sorted by text for prefix ranges */
static int word_cmp_key(const char *a, const char *b)
{
  return strcmp(a, b);
}

int search_word_lower_bound(struct search_index *ix, const char *key)
{
  int lo = 0, hi = ix->nwords;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (word_cmp_key(ix->words[mid]->text, key) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static struct word *word_get(struct search_index *ix, const char *text)
{
  int i = search_word_lower_bound(ix, text);
  if (i < ix->nwords && strcmp(ix->words[i]->text, text) == 0)
    return ix->words[i];
  if (ix->nwords == ix->capwords) {
    ix->capwords = ix->capwords ? ix->capwords * 2 : 1024;
    ix->words = xrealloc(ix->words, sizeof *ix->words * (size_t)ix->capwords);
  }
  struct word *w = xcalloc(1, sizeof *w);
  w->text = xstrdup(text);
  w->b = bm_new();
  memmove(ix->words + i + 1, ix->words + i, sizeof *ix->words * (size_t)(ix->nwords - i));
  ix->words[i] = w;
  ix->nwords++;
  return w;
}

/* ---- range fields ---- */

static void range_init(struct rfield *r, int64_t base, int64_t width, int nb)
{
  r->base = base;
  r->width = width;
  r->nb = nb;
  r->b = xcalloc((size_t)nb, sizeof *r->b);
  r->cum = xcalloc((size_t)nb, sizeof *r->cum);
  for (int i = 0; i < nb; i++) {
    r->b[i] = bm_new();
    r->cum[i] = bm_new();
  }
}

/* Add/remove slot s in bucket k and in every cumulative bitmap from k on. The
 * cumulative ones are only maintained while the orders are (not during bulk loads). */
static void range_set(struct search_index *ix, struct rfield *r, int64_t v, uint32_t s, bool add)
{
  int k = search_range_bucket(r, v);
  if (add)
    r->val[s] = v;
  if (add)
    roaring_bitmap_add(r->b[k], s);
  else
    roaring_bitmap_remove(r->b[k], s);
  if (ix->orders_dirty)
    return;
  for (int i = k; i < r->nb; i++) {
    if (add)
      roaring_bitmap_add(r->cum[i], s);
    else
      roaring_bitmap_remove(r->cum[i], s);
  }
}

static void range_cum_rebuild(struct rfield *r)
{
  for (int i = 0; i < r->nb; i++) {
    roaring_bitmap_free(r->cum[i]);
    r->cum[i] = i ? roaring_bitmap_or(r->cum[i - 1], r->b[i]) : roaring_bitmap_copy(r->b[0]);
  }
}

int search_range_bucket(const struct rfield *r, int64_t v)
{
  int64_t k = (v - r->base) / r->width;
  if (v < r->base)
    k = 0;
  if (k >= r->nb)
    k = r->nb - 1;
  return (int)k;
}

static void range_free(struct rfield *r)
{
  for (int i = 0; i < r->nb; i++) {
    roaring_bitmap_free(r->b[i]);
    roaring_bitmap_free(r->cum[i]);
  }
  free(r->b);
  free(r->cum);
  free(r->val);
}

/* ---- sorted orders ---- */

int search_order_cmp(const struct search_index *ix, int order, uint32_t a, uint32_t b)
{
  const struct doc *x = &ix->docs[a], *y = &ix->docs[b];
  int64_t kx = 0, ky = 0;
  switch (order) {
  case ORD_PRICE_ASC:
    kx = x->price;
    ky = y->price;
    break;
  case ORD_PRICE_DESC:
    kx = -x->price;
    ky = -y->price;
    break;
  case ORD_MILEAGE_ASC:
    kx = x->mileage;
    ky = y->mileage;
    break;
  case ORD_YEAR_DESC:
    /* unregistered first, then first registration descending */
    kx = x->first_reg < 0 ? INT64_MIN : -x->first_reg;
    ky = y->first_reg < 0 ? INT64_MIN : -y->first_reg;
    break;
  case ORD_NEWEST:
    kx = -x->published_at;
    ky = -y->published_at;
    break;
  }
  if (kx != ky)
    return kx < ky ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id ? 1 : 0;
}

struct order_ctx {
  const struct search_index *ix;
  int order;
};

static int qsort_cmp(const void *a, const void *b, void *arg)
{
  const struct order_ctx *c = arg;
  return search_order_cmp(c->ix, c->order, *(const uint32_t *)a, *(const uint32_t *)b);
}

/* position of slot s in order o (binary search on the slot's current values) */
static int order_find(struct search_index *ix, int o, uint32_t s, bool *found)
{
  uint32_t *arr = ix->order[o];
  int lo = 0, hi = (int)ix->norder;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (search_order_cmp(ix, o, arr[mid], s) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  *found = lo < (int)ix->norder && arr[lo] == s;
  return lo;
}

static void orders_remove(struct search_index *ix, uint32_t s)
{
  if (ix->orders_dirty)
    return;
  for (int o = 0; o < ORD__COUNT; o++) {
    bool found;
    int p = order_find(ix, o, s, &found);
    if (!found) {
      ix->orders_dirty = true;
      return;
    }
    memmove(ix->order[o] + p, ix->order[o] + p + 1,
            sizeof(uint32_t) * (ix->norder - (size_t)p - 1));
  }
  ix->norder--;
  ix->ranks_dirty = true;
}

static void orders_insert(struct search_index *ix, uint32_t s)
{
  if (ix->orders_dirty)
    return;
  if (ix->norder + 1 > ix->order_cap) {
    ix->order_cap = ix->order_cap ? ix->order_cap * 2 : 1024;
    for (int o = 0; o < ORD__COUNT; o++)
      ix->order[o] = xrealloc(ix->order[o], sizeof(uint32_t) * ix->order_cap);
  }
  for (int o = 0; o < ORD__COUNT; o++) {
    bool found;
    int p = order_find(ix, o, s, &found);
    memmove(ix->order[o] + p + 1, ix->order[o] + p, sizeof(uint32_t) * (ix->norder - (size_t)p));
    ix->order[o][p] = s;
  }
  ix->norder++;
  ix->ranks_dirty = true;
}

/* Called with the read lock held: rebuild the orders after bulk loading. */
/* Cost model for counting one value bitmap against a dense match set: a bitset
 * container pair is a 1,024-word popcount (~150 ns), an array container costs about
 * 1 ns per value, a run container a popcount over the words its runs cover (~1 ns per
 * 64 values) plus ~30 ns per container, and every bitmap a fixed ~20 ns. The makes and
 * models are runs once the index is loaded in their order, so their facets are cheap
 * to count by intersection however many docs match. */
static double bitmap_cost(const roaring_bitmap_t *b)
{
  roaring_statistics_t st;
  roaring_bitmap_statistics(b, &st);
  return 20.0 + 150.0 * st.n_bitset_containers + 1.0 * st.n_values_array_containers +
         st.n_values_run_containers / 64.0 + 30.0 * st.n_run_containers;
}

static double costs_of(roaring_bitmap_t **bs, int n)
{
  double c = 0;
  for (int i = 0; i < n; i++)
    c += bitmap_cost(bs[i]);
  return c;
}

static void facet_costs(struct search_index *ix)
{
  double c = 0;
  for (int i = 0; i < ix->makes.n; i++)
    c += bitmap_cost(ix->makes.v[i].b);
  ix->facet_cost[FC_MAKE] = c;
  c = 0;
  for (int i = 0; i < ix->models.n; i++)
    c += bitmap_cost(ix->models.v[i].b);
  /* only the models of the selected makes are counted: a few makes' worth */
  ix->facet_cost[FC_MODEL] = ix->makes.n ? c * 2 / ix->makes.n + 20 : c;
  ix->facet_cost[FC_BODY] = costs_of(ix->body, BODY__COUNT);
  ix->facet_cost[FC_FUEL] = costs_of(ix->fuel, FUEL__COUNT);
  ix->facet_cost[FC_GEARBOX] = costs_of(ix->gearbox, GEARBOX__COUNT);
  ix->facet_cost[FC_COND] = costs_of(ix->condition, COND__COUNT);
  ix->facet_cost[FC_COLOUR] = costs_of(ix->colour, COLOUR__COUNT);
  ix->facet_cost[FC_PRICE] = costs_of(ix->price_facet, SEARCH_PRICE_BUCKETS);
}

/* After a bulk load: docs that arrived grouped (the database hands them over by make
 * and model) make runs, which run containers store and intersect far more cheaply. */
static void bitmaps_optimize(struct search_index *ix)
{
  struct dict *ds[] = {&ix->makes, &ix->models, &ix->dealers};
  for (int d = 0; d < 3; d++)
    for (int i = 0; i < ds[d]->n; i++)
      roaring_bitmap_run_optimize(ds[d]->v[i].b);
  roaring_bitmap_run_optimize(ix->all);
}

static void ranks_rebuild(struct search_index *ix)
{
  facet_costs(ix);
  if (ix->rank_cap < ix->capdocs) {
    ix->rank_cap = ix->capdocs;
    for (int o = 0; o < ORD__COUNT; o++)
      ix->rank[o] = xrealloc(ix->rank[o], sizeof(uint32_t) * ix->rank_cap);
  }
  for (int o = 0; o < ORD__COUNT; o++)
    for (size_t i = 0; i < ix->norder; i++)
      ix->rank[o][ix->order[o][i]] = (uint32_t)i;
}

void search_orders_ensure(struct search_index *ix)
{
  if (!__atomic_load_n(&ix->orders_dirty, __ATOMIC_ACQUIRE) &&
      !__atomic_load_n(&ix->ranks_dirty, __ATOMIC_ACQUIRE))
    return;
  pthread_mutex_lock(&ix->sort_mu);
  if (!ix->orders_dirty && ix->ranks_dirty) {
    ranks_rebuild(ix);
    __atomic_store_n(&ix->ranks_dirty, false, __ATOMIC_RELEASE);
  }
  if (ix->orders_dirty) {
    size_t n = (size_t)roaring_bitmap_get_cardinality(ix->all);
    if (n > ix->order_cap) {
      ix->order_cap = n + 1024;
      for (int o = 0; o < ORD__COUNT; o++)
        ix->order[o] = xrealloc(ix->order[o], sizeof(uint32_t) * ix->order_cap);
    }
    roaring_bitmap_to_uint32_array(ix->all, ix->order[0]);
    ix->norder = n;
    /* an empty index has no order arrays yet (NULL): nothing to copy or sort */
    for (int o = ORD__COUNT - 1; o >= 0 && n > 0; o--) {
      if (o)
        memcpy(ix->order[o], ix->order[0], sizeof(uint32_t) * n);
      struct order_ctx c = {ix, o};
      qsort_r(ix->order[o], n, sizeof(uint32_t), qsort_cmp, &c);
    }
    range_cum_rebuild(&ix->r_price);
    range_cum_rebuild(&ix->r_mileage);
    range_cum_rebuild(&ix->r_power);
    range_cum_rebuild(&ix->r_first_reg);
    bitmaps_optimize(ix);
    ranks_rebuild(ix);
    __atomic_store_n(&ix->ranks_dirty, false, __ATOMIC_RELEASE);
    __atomic_store_n(&ix->orders_dirty, false, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&ix->sort_mu);
}

/* ---- life cycle ---- */

struct search_index *search_new(void)
{
  struct search_index *ix = xcalloc(1, sizeof *ix);
  pthread_rwlock_init(&ix->lock, NULL);
  pthread_mutex_init(&ix->sort_mu, NULL);
  pthread_mutex_init(&ix->value_mu, NULL);
  ix->all = bm_new();
  ix->unreg = bm_new();
  for (int i = 0; i < BODY__COUNT; i++)
    ix->body[i] = bm_new();
  for (int i = 0; i < FUEL__COUNT; i++)
    ix->fuel[i] = bm_new();
  for (int i = 0; i < GEARBOX__COUNT; i++)
    ix->gearbox[i] = bm_new();
  for (int i = 0; i < COND__COUNT; i++)
    ix->condition[i] = bm_new();
  for (int i = 0; i < COLOUR__COUNT; i++)
    ix->colour[i] = bm_new();
  for (int i = 0; i < FEAT__COUNT; i++)
    ix->feature[i] = bm_new();
  for (int i = 0; i < SEARCH_PRICE_BUCKETS; i++)
    ix->price_facet[i] = bm_new();
  range_init(&ix->r_price, 0, 50000, 400);          /* 500 € steps up to 200,000 € */
  range_init(&ix->r_mileage, 0, 5000, 200);         /* 5,000 km steps up to 1,000,000 km */
  range_init(&ix->r_power, 0, 10, 100);             /* 10 kW steps up to 1,000 kW */
  range_init(&ix->r_first_reg, 1900 * 12, 12, 202); /* years 1900..2101 */
  ix->orders_dirty = true;
  return ix;
}

static void dict_free(struct dict *d)
{
  for (int i = 0; i < d->n; i++) {
    free(d->v[i].name);
    roaring_bitmap_free(d->v[i].b);
  }
  free(d->v);
}

void search_free(struct search_index *ix)
{
  if (!ix)
    return;
  roaring_bitmap_free(ix->all);
  roaring_bitmap_free(ix->unreg);
  for (int i = 0; i < BODY__COUNT; i++)
    roaring_bitmap_free(ix->body[i]);
  for (int i = 0; i < FUEL__COUNT; i++)
    roaring_bitmap_free(ix->fuel[i]);
  for (int i = 0; i < GEARBOX__COUNT; i++)
    roaring_bitmap_free(ix->gearbox[i]);
  for (int i = 0; i < COND__COUNT; i++)
    roaring_bitmap_free(ix->condition[i]);
  for (int i = 0; i < COLOUR__COUNT; i++)
    roaring_bitmap_free(ix->colour[i]);
  for (int i = 0; i < FEAT__COUNT; i++)
    roaring_bitmap_free(ix->feature[i]);
  for (int i = 0; i < SEARCH_PRICE_BUCKETS; i++)
    roaring_bitmap_free(ix->price_facet[i]);
  range_free(&ix->r_price);
  range_free(&ix->r_mileage);
  range_free(&ix->r_power);
  range_free(&ix->r_first_reg);
  dict_free(&ix->makes);
  dict_free(&ix->models);
  dict_free(&ix->dealers);
  for (int i = 0; i < ix->nwords; i++) {
    free(ix->words[i]->text);
    roaring_bitmap_free(ix->words[i]->b);
    free(ix->words[i]);
  }
  free(ix->words);
  for (uint32_t s = 0; s < ix->ndocs; s++) {
    free(ix->docs[s].variant);
    free(ix->docs[s].cover);
    free(ix->docs[s].wordv);
  }
  free(ix->docs);
  free(ix->fc);
  free(ix->free_slots);
  free(ix->map);
  for (int o = 0; o < ORD__COUNT; o++) {
    free(ix->order[o]);
    free(ix->rank[o]);
  }
  search_value_free(ix);
  pthread_rwlock_destroy(&ix->lock);
  pthread_mutex_destroy(&ix->sort_mu);
  pthread_mutex_destroy(&ix->value_mu);
  free(ix);
}

/* ---- write path (write lock held) ---- */

static void unindex(struct search_index *ix, uint32_t s)
{
  struct doc *d = &ix->docs[s];
  orders_remove(ix, s);
  roaring_bitmap_remove(ix->all, s);
  roaring_bitmap_remove(ix->body[d->body], s);
  roaring_bitmap_remove(ix->fuel[d->fuel], s);
  roaring_bitmap_remove(ix->gearbox[d->gearbox], s);
  roaring_bitmap_remove(ix->condition[d->condition], s);
  roaring_bitmap_remove(ix->colour[d->colour], s);
  for (int f = 0; f < FEAT__COUNT; f++)
    if (d->features & ((uint64_t)1 << f))
      roaring_bitmap_remove(ix->feature[f], s);
  roaring_bitmap_remove(ix->makes.v[d->make].b, s);
  roaring_bitmap_remove(ix->models.v[d->model].b, s);
  roaring_bitmap_remove(ix->dealers.v[d->dealer].b, s);
  roaring_bitmap_remove(ix->price_facet[search_price_bucket(d->price)], s);
  range_set(ix, &ix->r_price, d->price, s, false);
  range_set(ix, &ix->r_mileage, d->mileage, s, false);
  range_set(ix, &ix->r_power, d->power, s, false);
  if (d->first_reg < 0)
    roaring_bitmap_remove(ix->unreg, s);
  else
    range_set(ix, &ix->r_first_reg, d->first_reg, s, false);
  for (int w = 0; w < d->nwords; w++)
    roaring_bitmap_remove(d->wordv[w]->b, s);
  free(d->variant);
  free(d->cover);
  free(d->wordv);
  d->variant = NULL;
  d->cover = NULL;
  d->wordv = NULL;
  d->nwords = 0;
  d->id = 0;
}

static int clampi(int v, int lo, int hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

static void index_doc(struct search_index *ix, uint32_t s, const struct vehicle *v)
{
  struct doc *d = &ix->docs[s];
  memset(d, 0, sizeof *d);
  d->id = v->id;
  memcpy(d->public_id, v->public_id, sizeof d->public_id);
  d->public_id[16] = 0;
  d->dealer = dict_get(&ix->dealers, v->dealer ? v->dealer : "", -1);
  d->make = dict_get(&ix->makes, v->make, -1);
  d->model = dict_get(&ix->models, v->model, d->make);
  d->variant = xstrdup(v->variant ? v->variant : "");
  d->cover = v->cover && *v->cover ? xstrdup(v->cover) : NULL;
  d->price = v->price_cents;
  d->mileage = v->mileage_km;
  d->power = v->power_kw;
  d->first_reg = v->first_reg;
  d->published_at = v->published_at;
  d->body = (uint8_t)clampi(v->body, 0, BODY__COUNT - 1);
  d->fuel = (uint8_t)clampi(v->fuel, 0, FUEL__COUNT - 1);
  d->gearbox = (uint8_t)clampi(v->gearbox, 0, GEARBOX__COUNT - 1);
  d->condition = (uint8_t)clampi(v->condition, 0, COND__COUNT - 1);
  d->colour = (uint8_t)clampi(v->colour, 0, COLOUR__COUNT - 1);
  d->status = (uint8_t)v->status;
  d->vat_mode = (uint8_t)v->vat_mode;
  d->features = v->features & (FEAT__COUNT >= 64 ? ~0ULL : (((uint64_t)1 << FEAT__COUNT) - 1));

  ix->fc[s] = (struct fcol){
      (uint16_t)d->make, (uint16_t)d->model, d->body,   d->fuel,
      d->gearbox,        d->condition,       d->colour, (uint8_t)search_price_bucket(d->price)};
  roaring_bitmap_add(ix->all, s);
  roaring_bitmap_add(ix->body[d->body], s);
  roaring_bitmap_add(ix->fuel[d->fuel], s);
  roaring_bitmap_add(ix->gearbox[d->gearbox], s);
  roaring_bitmap_add(ix->condition[d->condition], s);
  roaring_bitmap_add(ix->colour[d->colour], s);
  for (int f = 0; f < FEAT__COUNT; f++)
    if (d->features & ((uint64_t)1 << f))
      roaring_bitmap_add(ix->feature[f], s);
  roaring_bitmap_add(ix->makes.v[d->make].b, s);
  roaring_bitmap_add(ix->models.v[d->model].b, s);
  roaring_bitmap_add(ix->dealers.v[d->dealer].b, s);
  roaring_bitmap_add(ix->price_facet[search_price_bucket(d->price)], s);
  range_set(ix, &ix->r_price, d->price, s, true);
  range_set(ix, &ix->r_mileage, d->mileage, s, true);
  range_set(ix, &ix->r_power, d->power, s, true);
  if (d->first_reg < 0)
    roaring_bitmap_add(ix->unreg, s);
  else
    range_set(ix, &ix->r_first_reg, d->first_reg, s, true);

  /* words of make + model + variant */
  struct arena *a = arena_new(0);
  char *text = str_search_text(
      a, arena_printf(a, "%s %s %s", v->make, v->model, v->variant ? v->variant : ""));
  int cap = 8;
  d->wordv = xcalloc((size_t)cap, sizeof *d->wordv);
  for (char *save = NULL, *w = strtok_r(text, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
    struct word *wd = word_get(ix, w);
    bool dup = false;
    for (int k = 0; k < d->nwords; k++)
      dup |= d->wordv[k] == wd;
    if (dup)
      continue;
    if (d->nwords == cap) {
      cap *= 2;
      d->wordv = xrealloc(d->wordv, sizeof *d->wordv * (size_t)cap);
    }
    d->wordv[d->nwords++] = wd;
    roaring_bitmap_add(wd->b, s);
  }
  arena_free(a);
  orders_insert(ix, s);
}

void search_upsert(struct search_index *ix, const struct vehicle *v)
{
  bool indexable = vehicle_listed(v);
  pthread_rwlock_wrlock(&ix->lock);
  uint32_t *slotp = map_find(ix, v->id);
  uint32_t s;
  if (slotp) {
    s = *slotp;
    unindex(ix, s);
    if (!indexable) {
      *slotp = MAP_TOMB;
      ix->free_slots = xrealloc(ix->free_slots, sizeof(uint32_t) * (ix->nfree + 1));
      ix->free_slots[ix->nfree++] = s;
      pthread_rwlock_unlock(&ix->lock);
      return;
    }
  } else {
    if (!indexable) {
      pthread_rwlock_unlock(&ix->lock);
      return;
    }
    if (ix->nfree) {
      s = ix->free_slots[--ix->nfree];
    } else {
      if (ix->ndocs == ix->capdocs) {
        ix->capdocs = ix->capdocs ? ix->capdocs * 2 : 1024;
        ix->docs = xrealloc(ix->docs, sizeof *ix->docs * ix->capdocs);
        ix->fc = xrealloc(ix->fc, sizeof *ix->fc * ix->capdocs);
        struct rfield *rf[] = {&ix->r_price, &ix->r_mileage, &ix->r_power, &ix->r_first_reg};
        for (int i = 0; i < 4; i++)
          rf[i]->val = xrealloc(rf[i]->val, sizeof *rf[i]->val * ix->capdocs);
      }
      s = ix->ndocs++;
      memset(&ix->docs[s], 0, sizeof ix->docs[s]);
    }
    map_put(ix, v->id, s);
  }
  index_doc(ix, s, v);
  ix->generation++;
  pthread_rwlock_unlock(&ix->lock);
}

void search_remove(struct search_index *ix, int64_t vehicle_id)
{
  pthread_rwlock_wrlock(&ix->lock);
  uint32_t *slotp = map_find(ix, vehicle_id);
  if (slotp) {
    uint32_t s = *slotp;
    unindex(ix, s);
    *slotp = MAP_TOMB;
    ix->free_slots = xrealloc(ix->free_slots, sizeof(uint32_t) * (ix->nfree + 1));
    ix->free_slots[ix->nfree++] = s;
    ix->generation++;
  }
  pthread_rwlock_unlock(&ix->lock);
}

uint64_t search_generation(struct search_index *ix)
{
  pthread_rwlock_rdlock(&ix->lock);
  uint64_t g = ix->generation;
  pthread_rwlock_unlock(&ix->lock);
  return g;
}

size_t search_count(struct search_index *ix)
{
  pthread_rwlock_rdlock(&ix->lock);
  size_t n = (size_t)roaring_bitmap_get_cardinality(ix->all);
  pthread_rwlock_unlock(&ix->lock);
  return n;
}

static size_t bm_bytes(const roaring_bitmap_t *b)
{
  return roaring_bitmap_size_in_bytes(b);
}

size_t search_memory(struct search_index *ix)
{
  pthread_rwlock_rdlock(&ix->lock);
  size_t n = sizeof *ix + ix->capdocs * (sizeof *ix->docs + 4 * sizeof(int64_t)) +
             ix->map_cap * sizeof *ix->map +
             ORD__COUNT * (ix->order_cap + ix->rank_cap) * sizeof(uint32_t);
  n += bm_bytes(ix->all) + bm_bytes(ix->unreg);
  for (int i = 0; i < ix->makes.n; i++)
    n += bm_bytes(ix->makes.v[i].b) + 32;
  for (int i = 0; i < ix->models.n; i++)
    n += bm_bytes(ix->models.v[i].b) + 32;
  for (int i = 0; i < ix->nwords; i++)
    n += bm_bytes(ix->words[i]->b) + 48;
  for (uint32_t s = 0; s < ix->ndocs; s++)
    n += (ix->docs[s].variant ? strlen(ix->docs[s].variant) + 1 : 0) +
         (ix->docs[s].cover ? strlen(ix->docs[s].cover) + 1 : 0) +
         (size_t)ix->docs[s].nwords * sizeof(void *);
  struct rfield *rf[] = {&ix->r_price, &ix->r_mileage, &ix->r_power, &ix->r_first_reg};
  for (int k = 0; k < 4; k++)
    for (int i = 0; i < rf[k]->nb; i++)
      n += bm_bytes(rf[k]->b[i]) + bm_bytes(rf[k]->cum[i]);
  pthread_rwlock_unlock(&ix->lock);
  return n;
}

void search_set_plan(struct search_index *ix, enum search_plan plan)
{
  ix->plan = plan;
}
