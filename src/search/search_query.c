/* search_query.c — parsing query parameters, running a query against the
 * index (filters, disjunctive facets, sorted paging) and the JSON answer. */
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "search/search.h"
#include "search/search_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- parsing */

void search_query_init(struct search_query *q)
{
  memset(q, 0, sizeof *q);
  q->price_min = q->price_max = -1;
  q->mileage_min = q->mileage_max = -1;
  q->power_min = q->power_max = -1;
  q->first_reg_min = q->first_reg_max = -1;
  q->sort = SORT_RELEVANCE;
  q->page = 1;
  q->size = 24;
  int y, m;
  time_berlin_ym(time_now(), &y, &m);
  q->now_ym = y * 12 + m - 1;
}

/* Split a comma list into trimmed non-empty parts. Returns the count, -1 when over max. */
static int split(struct arena *a, const char *v, const char **out, int have, int max)
{
  char *copy = arena_strdup(a, v), *save = NULL;
  int n = have;
  for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
    char *t = str_trim(a, p);
    if (!*t)
      continue;
    if (n >= max)
      return -1;
    out[n++] = t;
  }
  return n;
}

static bool parse_nonneg(const char *v, int64_t max, int64_t *out)
{
  int64_t x;
  if (!str_to_i64(v, &x) || x < 0 || x > max)
    return false;
  *out = x;
  return true;
}

int search_query_parse(struct arena *a, int n, const char **names, const char **values,
                       unsigned flags, struct search_query *q, struct field_errors *errs)
{
  bool strict = flags & SEARCH_STRICT;
  int before = errs->n;
  search_query_init(q);
  int year_min = -1, year_max = -1, reg_min = -1, reg_max = -1;
  for (int i = 0; i < n; i++) {
    const char *k = names[i], *v = values[i] ? values[i] : "";
    if (!*v)
      continue; /* empty form fields mean "any" */
    if (!strcmp(k, "make") || !strcmp(k, "model") || !strcmp(k, "dealer")) {
      const char **arr = !strcmp(k, "make") ? q->make : !strcmp(k, "model") ? q->model : q->dealer;
      int *cnt = !strcmp(k, "make") ? &q->nmake : !strcmp(k, "model") ? &q->nmodel : &q->ndealer;
      int r = split(a, v, arr, *cnt, SEARCH_MAX_VALUES);
      if (r < 0) {
        if (strict)
          field_error_add(errs, k, "range", "at most %d values for %s", SEARCH_MAX_VALUES, k);
      } else {
        *cnt = r;
      }
      continue;
    }
    const struct enum_def *en = NULL;
    uint32_t *mask = NULL;
    if (!strcmp(k, "body"))
      en = &vehicle_enum_body, mask = &q->body;
    else if (!strcmp(k, "fuel"))
      en = &vehicle_enum_fuel, mask = &q->fuel;
    else if (!strcmp(k, "gearbox"))
      en = &vehicle_enum_gearbox, mask = &q->gearbox;
    else if (!strcmp(k, "condition"))
      en = &vehicle_enum_condition, mask = &q->condition;
    else if (!strcmp(k, "colour"))
      en = &vehicle_enum_colour, mask = &q->colour;
    if (en || !strcmp(k, "features")) {
      const char *parts[64];
      int np = split(a, v, parts, 0, 64);
      if (np < 0) {
        if (strict)
          field_error_add(errs, k, "range", "too many values for %s", k);
        continue;
      }
      for (int j = 0; j < np; j++) {
        int ix = enum_parse(en ? en : &vehicle_enum_feature, parts[j]);
        if (ix < 0) {
          if (strict)
            field_error_add(errs, k, "enum", "%s: unknown value", k);
          continue;
        }
        if (en)
          *mask |= 1u << ix;
        else
          q->features |= (uint64_t)1 << ix;
      }
      continue;
    }
    int64_t x;
    struct {
      const char *name;
      int64_t *dst;
      int64_t max, mult;
    } nums[] = {{"price_min", &q->price_min, 1000000000LL, 100},
                {"price_max", &q->price_max, 1000000000LL, 100},
                {"mileage_min", &q->mileage_min, 100000000LL, 1},
                {"mileage_max", &q->mileage_max, 100000000LL, 1},
                {"power_min", &q->power_min, 100000LL, 1},
                {"power_max", &q->power_max, 100000LL, 1}};
    bool done = false;
    for (size_t j = 0; j < sizeof nums / sizeof nums[0]; j++)
      if (!strcmp(k, nums[j].name)) {
        done = true;
        if (parse_nonneg(v, nums[j].max, &x))
          *nums[j].dst = x * nums[j].mult;
        else if (strict)
          field_error_add(errs, k, "range", "%s must be an integer from 0 to %lld", k,
                          (long long)nums[j].max);
      }
    if (done)
      continue;
    if (!strcmp(k, "year_min") || !strcmp(k, "year_max")) {
      if (str_to_i64(v, &x) && x >= 1900 && x <= 2100) {
        if (!strcmp(k, "year_min"))
          year_min = (int)x * 12;
        else
          year_max = (int)x * 12 + 11;
      } else if (strict) {
        field_error_add(errs, k, "range", "%s must be a year from 1900 to 2100", k);
      }
    } else if (!strcmp(k, "first_reg_min") || !strcmp(k, "first_reg_max")) {
      int ym = time_parse_ym(v);
      if (ym >= 0) {
        if (!strcmp(k, "first_reg_min"))
          reg_min = ym;
        else
          reg_max = ym;
      } else if (strict) {
        field_error_add(errs, k, "format", "%s must be YYYY-MM", k);
      }
    } else if (!strcmp(k, "q")) {
      if (strlen(v) > 200) {
        if (strict)
          field_error_add(errs, k, "length", "q must have at most 200 characters");
        continue;
      }
      char *t = str_search_text(a, v), *save = NULL;
      for (char *w = strtok_r(t, " ", &save); w && q->ntokens < SEARCH_MAX_TOKENS;
           w = strtok_r(NULL, " ", &save))
        q->tokens[q->ntokens++] = w;
    } else if (!strcmp(k, "sort")) {
      int s = -1;
      for (int j = 0; j < SORT__COUNT; j++)
        if (!strcmp(v, search_sort_names[j]))
          s = j;
      if (s >= 0)
        q->sort = s;
      else if (strict)
        field_error_add(errs, k, "enum",
                        "sort must be one of price_asc, price_desc, mileage_asc,"
                        " year_desc, newest, relevance");
    } else if (!strcmp(k, "page")) {
      if (str_to_i64(v, &x) && x >= 1 && x <= 10000)
        q->page = (int)x;
      else if (strict)
        field_error_add(errs, k, "range", "page must be an integer from 1 to 10000");
      else if (str_to_i64(v, &x))
        q->page = x < 1 ? 1 : 10000;
    } else if (!strcmp(k, "size")) {
      if (str_to_i64(v, &x) && x >= 1 && x <= 100)
        q->size = (int)x;
      else if (strict)
        field_error_add(errs, k, "range", "size must be an integer from 1 to 100");
      else if (str_to_i64(v, &x))
        q->size = x < 1 ? 1 : 100;
    } else if (strict) {
      field_error_add(errs, k, "unknown", "unknown parameter %s", k);
    }
  }
  q->first_reg_min = year_min > reg_min ? year_min : reg_min;
  if (year_max >= 0 && reg_max >= 0)
    q->first_reg_max = year_max < reg_max ? year_max : reg_max;
  else
    q->first_reg_max = year_max >= 0 ? year_max : reg_max;
  return errs->n > before ? -1 : 0;
}

/* ---------------------------------------------------------------- running */

enum {
  D_MAKE,
  D_MODEL,
  D_DEALER,
  D_BODY,
  D_FUEL,
  D_GEARBOX,
  D_COND,
  D_COLOUR,
  D_FEAT,
  D_PRICE,
  D_MILEAGE,
  D_POWER,
  D_REG,
  D_Q,
  D__COUNT
};

/* Add the docs of bucket bm whose value lies in [lo, hi] to out (batch reads over the
 * packed value column). */
static void range_check_bucket(const struct rfield *rf, const roaring_bitmap_t *bm,
                               roaring_bitmap_t *out, int64_t lo, int64_t hi)
{
  roaring_uint32_iterator_t it;
  roaring_init_iterator(bm, &it);
  uint32_t buf[512], keep[512];
  uint32_t n;
  while ((n = roaring_read_uint32_iterator(&it, buf, 512)) > 0) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
      int64_t v = rf->val[buf[i]];
      keep[k] = buf[i];
      k += v >= lo && v <= hi;
    }
    roaring_bitmap_add_many(out, k, keep);
  }
}

static int64_t bucket_min(const struct rfield *rf, int k)
{
  return k == 0 ? INT64_MIN : rf->base + (int64_t)k * rf->width;
}

static int64_t bucket_max(const struct rfield *rf, int k)
{
  return k == rf->nb - 1 ? INT64_MAX : rf->base + (int64_t)(k + 1) * rf->width - 1;
}

/* Docs whose field lies in [lo, hi]: the buckets wholly inside the range come
 * from the cumulative bitmaps (one copy, one andnot); only a bucket the range
 * cuts through is checked doc by doc. */
static int cmp_u32(const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* Add the docs whose value lies in [lo, hi] to out, found by binary search in `order`
 * (every indexed slot, ascending in this field): the cost is the matches, not the
 * bucket — a maximum such as 100,000 km that starts a bucket touches only the docs of
 * exactly that value. */
static void range_from_order(const struct rfield *rf, const uint32_t *order, size_t n, int64_t lo,
                             int64_t hi, roaring_bitmap_t *out)
{
  size_t a = 0, b = n;
  while (a < b) {
    size_t m = a + (b - a) / 2;
    if (rf->val[order[m]] < lo)
      a = m + 1;
    else
      b = m;
  }
  size_t from = a;
  b = n;
  while (a < b) {
    size_t m = a + (b - a) / 2;
    if (rf->val[order[m]] <= hi)
      a = m + 1;
    else
      b = m;
  }
  size_t k = a - from;
  if (!k)
    return;
  uint32_t local[1024];
  uint32_t *slots = k <= 1024 ? local : xmalloc(sizeof *slots * k);
  memcpy(slots, order + from, sizeof *slots * k);
  qsort(slots, k, sizeof *slots, cmp_u32);
  roaring_bitmap_add_many(out, k, slots);
  if (slots != local)
    free(slots);
}

/* Docs whose field lies in [lo, hi]: the buckets wholly inside the range come from
 * the cumulative bitmaps (one copy, one andnot); a bucket the range cuts through is
 * resolved through the presorted order when the field has one (price, mileage), else
 * checked doc by doc on the packed value column. */
static roaring_bitmap_t *range_bm(const struct rfield *rf, const uint32_t *order, size_t norder,
                                  int64_t lo, int64_t hi)
{
  if (lo > hi)
    return roaring_bitmap_create();
  int bl = search_range_bucket(rf, lo), bh = search_range_bucket(rf, hi);
  int first = lo <= bucket_min(rf, bl) ? bl : bl + 1; /* first whole bucket */
  int last = hi >= bucket_max(rf, bh) ? bh : bh - 1;  /* last whole bucket */
  roaring_bitmap_t *out;
  if (first <= last) {
    out = roaring_bitmap_copy(rf->cum[last]);
    if (first > 0)
      roaring_bitmap_andnot_inplace(out, rf->cum[first - 1]);
  } else {
    out = roaring_bitmap_create();
  }
  if (order) {
    if (first > bl) /* the low cut: from lo to the end of its bucket (or hi) */
      range_from_order(rf, order, norder, lo, bh == bl ? hi : bucket_max(rf, bl), out);
    if (last < bh && bh != bl) /* the high cut: from the start of its bucket to hi */
      range_from_order(rf, order, norder, bucket_min(rf, bh), hi, out);
    else if (last < bh && first <= bl)
      range_from_order(rf, order, norder, lo, hi, out);
    return out;
  }
  if (first > bl)
    range_check_bucket(rf, rf->b[bl], out, lo, hi);
  if (last < bh && bh != bl)
    range_check_bucket(rf, rf->b[bh], out, lo, hi);
  else if (last < bh && first <= bl)
    range_check_bucket(rf, rf->b[bh], out, lo, hi);
  return out;
}

static roaring_bitmap_t *or_of(roaring_bitmap_t **bs, int n)
{
  if (n == 0)
    return roaring_bitmap_create();
  return roaring_bitmap_or_many((size_t)n, (const roaring_bitmap_t **)bs);
}

static roaring_bitmap_t *names_bm(struct dict *d, const char *const *vals, int nvals,
                                  int parent_any)
{
  roaring_bitmap_t *bs[256];
  int n = 0;
  (void)parent_any;
  for (int i = 0; i < d->n && n < 256; i++)
    for (int j = 0; j < nvals; j++)
      if (str_ieq(d->v[i].name, vals[j])) {
        bs[n++] = d->v[i].b;
        break;
      }
  return or_of(bs, n);
}

static roaring_bitmap_t *mask_bm(roaring_bitmap_t **per, int count, uint32_t mask)
{
  roaring_bitmap_t *bs[64];
  int n = 0;
  for (int i = 0; i < count; i++)
    if (mask & (1u << i))
      bs[n++] = per[i];
  return or_of(bs, n);
}

static struct word *word_exact(struct search_index *ix, const char *t)
{
  int i = search_word_lower_bound(ix, t);
  return i < ix->nwords && strcmp(ix->words[i]->text, t) == 0 ? ix->words[i] : NULL;
}

static roaring_bitmap_t *prefix_bm(struct search_index *ix, const char *t)
{
  int lo = search_word_lower_bound(ix, t);
  size_t tl = strlen(t);
  int hi = lo;
  while (hi < ix->nwords && strncmp(ix->words[hi]->text, t, tl) == 0)
    hi++;
  if (hi == lo)
    return roaring_bitmap_create();
  roaring_bitmap_t **bs = xmalloc(sizeof *bs * (size_t)(hi - lo));
  for (int i = lo; i < hi; i++)
    bs[i - lo] = ix->words[i]->b;
  roaring_bitmap_t *r = roaring_bitmap_or_many((size_t)(hi - lo), (const roaring_bitmap_t **)bs);
  free(bs);
  return r;
}

/* The filters of a query, smallest first: an AND that starts from the smallest bitmap
 * keeps every intermediate small (array ∧ bitset costs the array's length). */
struct filters {
  roaring_bitmap_t **B;
  int dim[D__COUNT];
  int n;
};

static int card_cmp(const void *a, const void *b, void *arg)
{
  roaring_bitmap_t **B = arg;
  uint64_t x = roaring_bitmap_get_cardinality(B[*(const int *)a]);
  uint64_t y = roaring_bitmap_get_cardinality(B[*(const int *)b]);
  return x < y ? -1 : x > y;
}

static void filters_init(struct filters *f, roaring_bitmap_t **B)
{
  f->B = B;
  f->n = 0;
  for (int d = 0; d < D__COUNT; d++)
    if (B[d])
      f->dim[f->n++] = d;
  qsort_r(f->dim, (size_t)f->n, sizeof f->dim[0], card_cmp, B);
}

/* AND of every filter but `skip` (-1: all), a new bitmap. NULL means "no filter":
 * every doc. */
static roaring_bitmap_t *and_except(const struct filters *f, int skip)
{
  roaring_bitmap_t *acc = NULL;
  const roaring_bitmap_t *first = NULL;
  for (int i = 0; i < f->n; i++) {
    const roaring_bitmap_t *b = f->B[f->dim[i]];
    if (f->dim[i] == skip)
      continue;
    if (!first)
      first = b;
    else if (!acc)
      acc = roaring_bitmap_and(first, b);
    else
      roaring_bitmap_and_inplace(acc, b);
  }
  if (!acc && first)
    acc = roaring_bitmap_copy(first);
  return acc;
}

static int64_t count_in(const roaring_bitmap_t *f, const roaring_bitmap_t *v)
{
  return f ? (int64_t)roaring_bitmap_and_cardinality(f, v)
           : (int64_t)roaring_bitmap_get_cardinality(v);
}

static int facet_cmp(const void *a, const void *b)
{
  const struct search_facet_value *x = a, *y = b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return strcmp(x->value, y->value);
}

static void facet_add(struct arena *a, struct search_facet *f, int cap, const char *value,
                      int64_t count)
{
  if (!f->v)
    f->v = arena_calloc(a, (size_t)(cap ? cap : 1), sizeof *f->v);
  if (count <= 0 || f->n >= cap)
    return;
  f->v[f->n].value = arena_strdup(a, value);
  f->v[f->n].count = count;
  f->n++;
}

void search_fill_hit(struct search_index *ix, struct arena *a, uint32_t s, struct search_hit *h)
{
  const struct doc *d = &ix->docs[s];
  h->id = d->id;
  memcpy(h->public_id, d->public_id, sizeof h->public_id);
  h->dealer = arena_strdup(a, ix->dealers.v[d->dealer].name);
  h->make = arena_strdup(a, ix->makes.v[d->make].name);
  h->model = arena_strdup(a, ix->models.v[d->model].name);
  h->variant = arena_strdup(a, d->variant);
  h->cover = d->cover ? arena_strdup(a, d->cover) : "";
  h->price_cents = d->price;
  h->vat_mode = d->vat_mode;
  h->mileage_km = (int)d->mileage;
  h->first_reg = (int)d->first_reg;
  h->power_kw = (int)d->power;
  h->fuel = d->fuel;
  h->gearbox = d->gearbox;
  h->body = d->body;
  h->condition = d->condition;
  h->colour = d->colour;
  h->status = d->status;
  h->features = d->features;
  h->published_at = d->published_at;
}

static int order_of(int sort)
{
  switch (sort) {
  case SORT_PRICE_ASC:
    return ORD_PRICE_ASC;
  case SORT_PRICE_DESC:
    return ORD_PRICE_DESC;
  case SORT_MILEAGE_ASC:
    return ORD_MILEAGE_ASC;
  case SORT_YEAR_DESC:
    return ORD_YEAR_DESC;
  default:
    return ORD_NEWEST;
  }
}

/* ---- page selection ---- */

/* A match's sort key: k1 (minus the relevance score, or 0), then its rank in the
 * presorted order (which already breaks ties by id, as search_order_cmp does). */
struct skey {
  int32_t k1;
  uint32_t rank;
  uint32_t slot;
};

static int64_t order_key(const struct doc *d, int o)
{
  switch (o) {
  case ORD_PRICE_ASC:
    return d->price;
  case ORD_PRICE_DESC:
    return -d->price;
  case ORD_MILEAGE_ASC:
    return d->mileage;
  case ORD_YEAR_DESC:
    return d->first_reg < 0 ? INT64_MIN : -d->first_reg;
  default:
    return -d->published_at;
  }
}

static inline int skey_cmp(const void *a, const void *b)
{
  const struct skey *x = a, *y = b;
  if (x->k1 != y->k1)
    return x->k1 < y->k1 ? -1 : 1;
  return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Put the `need` smallest keys, sorted, at the front of keys[0..n). A bounded
 * max-heap keeps this O(n log need) when the page is small against n. */
static void select_top(struct skey *keys, size_t n, size_t need)
{
  if (need >= n || need * 8 > n) {
    qsort(keys, n, sizeof *keys, skey_cmp);
    return;
  }
  /* max-heap of the need best in keys[0..need) */
  for (size_t i = need / 2; i-- > 0;) {
    size_t r = i;
    for (;;) {
      size_t c = 2 * r + 1;
      if (c >= need)
        break;
      if (c + 1 < need && skey_cmp(&keys[c + 1], &keys[c]) > 0)
        c++;
      if (skey_cmp(&keys[c], &keys[r]) <= 0)
        break;
      struct skey t = keys[c];
      keys[c] = keys[r];
      keys[r] = t;
      r = c;
    }
  }
  for (size_t i = need; i < n; i++) {
    if (skey_cmp(&keys[i], &keys[0]) >= 0)
      continue;
    keys[0] = keys[i];
    size_t r = 0;
    for (;;) {
      size_t c = 2 * r + 1;
      if (c >= need)
        break;
      if (c + 1 < need && skey_cmp(&keys[c + 1], &keys[c]) > 0)
        c++;
      if (skey_cmp(&keys[c], &keys[r]) <= 0)
        break;
      struct skey t = keys[c];
      keys[c] = keys[r];
      keys[r] = t;
      r = c;
    }
  }
  qsort(keys, need, sizeof *keys, skey_cmp);
}

/* Where a walk of order o can start: the range filter on the sort key itself
 * skips everything before its bound (binary search on the sorted order). */
static size_t walk_start(const struct search_index *ix, int o, const struct search_query *q)
{
  int64_t bound;
  if (o == ORD_PRICE_ASC && q->price_min >= 0)
    bound = q->price_min;
  else if (o == ORD_PRICE_DESC && q->price_max >= 0)
    bound = -q->price_max;
  else if (o == ORD_MILEAGE_ASC && q->mileage_min >= 0)
    bound = q->mileage_min;
  else
    return 0;
  size_t lo = 0, hi = ix->norder;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (order_key(&ix->docs[ix->order[o][mid]], o) < bound)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* ---- facet counting ---- */

static const int facet_dims[FACET__COUNT] = {D_MAKE,    D_MODEL, D_BODY,   D_FUEL,
                                             D_GEARBOX, D_COND,  D_COLOUR, D_PRICE};
/* Scan or intersect? Counting facet k by bitmaps costs about ix->facet_cost[k] (see
 * search_facet_costs), scanning n docs about SCAN_NS_ONE per doc for one facet and
 * SCAN_NS_ALL per doc for all of them in one pass. */
#define SCAN_NS_ONE 1.2
#define SCAN_NS_ALL 3.0

struct counts {
  int64_t *make, *model;
  int64_t body[BODY__COUNT], fuel[FUEL__COUNT], gearbox[GEARBOX__COUNT], cond[COND__COUNT],
      colour[COLOUR__COUNT], price[SEARCH_PRICE_BUCKETS];
};

static void counts_init(struct counts *c, struct search_index *ix, struct arena *a)
{
  memset(c, 0, sizeof *c);
  c->make = arena_calloc(a, (size_t)ix->makes.n + 1, sizeof *c->make);
  c->model = arena_calloc(a, (size_t)ix->models.n + 1, sizeof *c->model);
}

/* Count by walking the docs of fx (facet k, or all facets when k < 0), a batch of
 * slots at a time and one tight loop per facet (no callback, no switch per doc).
 * models: count models too (only needed when a make is selected). */
static void counts_scan(struct counts *c, struct search_index *ix, const roaring_bitmap_t *fx,
                        int k, bool models)
{
  if (k >= 0) {
    /* a facet's own scan replaces what a scan of F may have put there */
    switch (k) {
    case FC_MAKE:
      memset(c->make, 0, sizeof *c->make * (size_t)ix->makes.n);
      break;
    case FC_MODEL:
      memset(c->model, 0, sizeof *c->model * (size_t)ix->models.n);
      break;
    case FC_BODY:
      memset(c->body, 0, sizeof c->body);
      break;
    case FC_FUEL:
      memset(c->fuel, 0, sizeof c->fuel);
      break;
    case FC_GEARBOX:
      memset(c->gearbox, 0, sizeof c->gearbox);
      break;
    case FC_COND:
      memset(c->cond, 0, sizeof c->cond);
      break;
    case FC_COLOUR:
      memset(c->colour, 0, sizeof c->colour);
      break;
    case FC_PRICE:
      memset(c->price, 0, sizeof c->price);
      break;
    }
  }
  const struct fcol *fc = ix->fc;
  /* all slots at once: the bulk extraction is much faster than an iterator */
  uint32_t n = (uint32_t)roaring_bitmap_get_cardinality(fx);
  uint32_t local[4096];
  uint32_t *buf = n <= 4096 ? local : xmalloc(sizeof *buf * n);
  roaring_bitmap_to_uint32_array(fx, buf);
  {
    switch (k) {
    case -1:
      for (uint32_t i = 0; i < n; i++) {
        const struct fcol *d = &fc[buf[i]];
        c->make[d->make]++;
        c->body[d->body]++;
        c->fuel[d->fuel]++;
        c->gearbox[d->gearbox]++;
        c->cond[d->condition]++;
        c->colour[d->colour]++;
        c->price[d->price_bucket]++;
      }
      if (models)
        for (uint32_t i = 0; i < n; i++)
          c->model[fc[buf[i]].model]++;
      break;
    case FC_MAKE:
      for (uint32_t i = 0; i < n; i++)
        c->make[fc[buf[i]].make]++;
      break;
    case FC_MODEL:
      for (uint32_t i = 0; i < n; i++)
        c->model[fc[buf[i]].model]++;
      break;
    case FC_BODY:
      for (uint32_t i = 0; i < n; i++)
        c->body[fc[buf[i]].body]++;
      break;
    case FC_FUEL:
      for (uint32_t i = 0; i < n; i++)
        c->fuel[fc[buf[i]].fuel]++;
      break;
    case FC_GEARBOX:
      for (uint32_t i = 0; i < n; i++)
        c->gearbox[fc[buf[i]].gearbox]++;
      break;
    case FC_COND:
      for (uint32_t i = 0; i < n; i++)
        c->cond[fc[buf[i]].condition]++;
      break;
    case FC_COLOUR:
      for (uint32_t i = 0; i < n; i++)
        c->colour[fc[buf[i]].colour]++;
      break;
    case FC_PRICE:
      for (uint32_t i = 0; i < n; i++)
        c->price[fc[buf[i]].price_bucket]++;
      break;
    }
  }
  if (n > 4096)
    free(buf);
}

static void count_many(int64_t *out, roaring_bitmap_t **per, int n, const roaring_bitmap_t *fx)
{
  for (int i = 0; i < n; i++)
    out[i] = count_in(fx, per[i]);
}

/* Count facet k by intersecting bitmaps (fx NULL = every doc). Models are counted only
 * under a selected make (make_sel[make index]): the model facet shows nothing else. */
static void counts_bitmaps(struct counts *c, struct search_index *ix, const roaring_bitmap_t *fx,
                           int k, const bool *make_sel)
{
  switch (k) {
  case FC_MAKE:
    for (int i = 0; i < ix->makes.n; i++)
      c->make[i] = count_in(fx, ix->makes.v[i].b);
    break;
  case FC_MODEL:
    for (int i = 0; i < ix->models.n; i++)
      c->model[i] = make_sel[ix->models.v[i].parent] ? count_in(fx, ix->models.v[i].b) : 0;
    break;
  case FC_BODY:
    count_many(c->body, ix->body, BODY__COUNT, fx);
    break;
  case FC_FUEL:
    count_many(c->fuel, ix->fuel, FUEL__COUNT, fx);
    break;
  case FC_GEARBOX:
    count_many(c->gearbox, ix->gearbox, GEARBOX__COUNT, fx);
    break;
  case FC_COND:
    count_many(c->cond, ix->condition, COND__COUNT, fx);
    break;
  case FC_COLOUR:
    count_many(c->colour, ix->colour, COLOUR__COUNT, fx);
    break;
  case FC_PRICE:
    count_many(c->price, ix->price_facet, SEARCH_PRICE_BUCKETS, fx);
    break;
  }
}

static void emit_enum(struct arena *a, struct search_facet *f, const char *name,
                      const struct enum_def *en, const int64_t *counts)
{
  f->name = name;
  for (int i = 0; i < en->count; i++)
    facet_add(a, f, en->count, en->values[i], counts[i]);
  if (f->n > 1)
    qsort(f->v, (size_t)f->n, sizeof *f->v, facet_cmp);
}

static void counts_emit(const struct counts *c, struct search_index *ix, const bool *make_sel,
                        struct arena *a, struct search_result *res)
{
  struct search_facet *f = &res->facets[res->nfacets++];
  f->name = "make";
  for (int i = 0; i < ix->makes.n; i++)
    facet_add(a, f, ix->makes.n, ix->makes.v[i].name, c->make[i]);
  if (f->n > 1)
    qsort(f->v, (size_t)f->n, sizeof *f->v, facet_cmp);

  f = &res->facets[res->nfacets++];
  f->name = "model";
  for (int i = 0; i < ix->models.n; i++)
    if (make_sel[ix->models.v[i].parent])
      facet_add(a, f, ix->models.n, ix->models.v[i].name, c->model[i]);
  if (!f->v)
    f->v = arena_calloc(a, 1, sizeof *f->v);
  if (f->n > 1)
    qsort(f->v, (size_t)f->n, sizeof *f->v, facet_cmp);

  emit_enum(a, &res->facets[res->nfacets++], "body", &vehicle_enum_body, c->body);
  emit_enum(a, &res->facets[res->nfacets++], "fuel", &vehicle_enum_fuel, c->fuel);
  emit_enum(a, &res->facets[res->nfacets++], "gearbox", &vehicle_enum_gearbox, c->gearbox);
  emit_enum(a, &res->facets[res->nfacets++], "condition", &vehicle_enum_condition, c->cond);
  emit_enum(a, &res->facets[res->nfacets++], "colour", &vehicle_enum_colour, c->colour);
  memcpy(res->price_counts, c->price, sizeof c->price);
}

struct extra_scan {
  const struct search_index *ix;
  int64_t *dealer;   /* per dealer index, or NULL */
  int64_t *features; /* per feature, or NULL */
};

static bool extra_scan_doc(uint32_t s, void *arg)
{
  struct extra_scan *x = arg;
  const struct doc *d = &x->ix->docs[s];
  if (x->dealer)
    x->dealer[d->dealer]++;
  if (x->features)
    for (uint64_t m = d->features; m; m &= m - 1)
      x->features[__builtin_ctzll(m)]++;
  return true;
}

/* The dealer facet (ignoring the dealer filter) and per-feature counts within F; like
 * the other facets, by scanning the matching docs when they are few, by bitmap
 * intersections otherwise. */
#define SCAN_LIMIT(ix) (roaring_bitmap_get_cardinality((ix)->all) / 8 + 4096)

static void extra_facets(struct search_index *ix, const struct filters *fl, roaring_bitmap_t **B,
                         const roaring_bitmap_t *F, struct arena *a, struct search_result *res)
{
  roaring_bitmap_t *fx = B[D_DEALER] ? and_except(fl, D_DEALER) : (roaring_bitmap_t *)F;
  int64_t *per = arena_calloc(a, (size_t)ix->dealers.n + 1, sizeof *per);
  if (fx && roaring_bitmap_get_cardinality(fx) <= SCAN_LIMIT(ix)) {
    struct extra_scan x = {ix, per, NULL};
    roaring_iterate(fx, extra_scan_doc, &x);
  } else {
    for (int i = 0; i < ix->dealers.n; i++)
      per[i] = count_in(fx, ix->dealers.v[i].b);
  }
  struct search_facet *f = &res->dealer;
  f->name = "dealer";
  for (int i = 0; i < ix->dealers.n; i++)
    facet_add(a, f, ix->dealers.n, ix->dealers.v[i].name, per[i]);
  if (!f->v)
    f->v = arena_calloc(a, 1, sizeof *f->v);
  if (f->n > 1)
    qsort(f->v, (size_t)f->n, sizeof *f->v, facet_cmp);
  if (fx && fx != F)
    roaring_bitmap_free(fx);
  if (F && roaring_bitmap_get_cardinality(F) <= SCAN_LIMIT(ix)) {
    struct extra_scan x = {ix, NULL, res->feature_counts};
    memset(res->feature_counts, 0, sizeof res->feature_counts);
    roaring_iterate(F, extra_scan_doc, &x);
  } else {
    for (int k = 0; k < FEAT__COUNT; k++)
      res->feature_counts[k] = count_in(F, ix->feature[k]);
  }
}

int search_run(struct search_index *ix, const struct search_query *q, struct arena *a,
               struct search_result *res)
{
  memset(res, 0, sizeof *res);
  res->page = q->page < 1 ? 1 : q->page;
  res->size = q->size < 1 ? 1 : q->size;
  pthread_rwlock_rdlock(&ix->lock);
  search_orders_ensure(ix);

  roaring_bitmap_t *B[D__COUNT] = {0};
  if (q->nmake)
    B[D_MAKE] = names_bm(&ix->makes, q->make, q->nmake, 0);
  if (q->nmodel)
    B[D_MODEL] = names_bm(&ix->models, q->model, q->nmodel, 0);
  if (q->ndealer)
    B[D_DEALER] = names_bm(&ix->dealers, q->dealer, q->ndealer, 0);
  if (q->body)
    B[D_BODY] = mask_bm(ix->body, BODY__COUNT, q->body);
  if (q->fuel)
    B[D_FUEL] = mask_bm(ix->fuel, FUEL__COUNT, q->fuel);
  if (q->gearbox)
    B[D_GEARBOX] = mask_bm(ix->gearbox, GEARBOX__COUNT, q->gearbox);
  if (q->condition)
    B[D_COND] = mask_bm(ix->condition, COND__COUNT, q->condition);
  if (q->colour)
    B[D_COLOUR] = mask_bm(ix->colour, COLOUR__COUNT, q->colour);
  if (q->features) {
    for (int f = 0; f < FEAT__COUNT; f++)
      if (q->features & ((uint64_t)1 << f)) {
        if (!B[D_FEAT])
          B[D_FEAT] = roaring_bitmap_copy(ix->feature[f]);
        else
          roaring_bitmap_and_inplace(B[D_FEAT], ix->feature[f]);
      }
  }
  if (q->price_min >= 0 || q->price_max >= 0)
    B[D_PRICE] = range_bm(&ix->r_price, ix->order[ORD_PRICE_ASC], ix->norder,
                          q->price_min >= 0 ? q->price_min : INT64_MIN,
                          q->price_max >= 0 ? q->price_max : INT64_MAX);
  if (q->mileage_min >= 0 || q->mileage_max >= 0)
    B[D_MILEAGE] = range_bm(&ix->r_mileage, ix->order[ORD_MILEAGE_ASC], ix->norder,
                            q->mileage_min >= 0 ? q->mileage_min : INT64_MIN,
                            q->mileage_max >= 0 ? q->mileage_max : INT64_MAX);
  if (q->power_min >= 0 || q->power_max >= 0)
    B[D_POWER] = range_bm(&ix->r_power, NULL, 0, q->power_min >= 0 ? q->power_min : INT64_MIN,
                          q->power_max >= 0 ? q->power_max : INT64_MAX);
  if (q->first_reg_min >= 0 || q->first_reg_max >= 0) {
    int64_t lo = q->first_reg_min >= 0 ? q->first_reg_min : INT64_MIN;
    int64_t hi = q->first_reg_max >= 0 ? q->first_reg_max : INT64_MAX;
    /* registered vehicles by value; unregistered ones count as this month */
    B[D_REG] = range_bm(&ix->r_first_reg, NULL, 0, lo < 0 ? 0 : lo, hi);
    if (q->now_ym >= lo && q->now_ym <= hi)
      roaring_bitmap_or_inplace(B[D_REG], ix->unreg);
  }
  if (q->ntokens) {
    for (int t = 0; t < q->ntokens; t++) {
      roaring_bitmap_t *p = prefix_bm(ix, q->tokens[t]);
      if (!B[D_Q])
        B[D_Q] = p;
      else {
        roaring_bitmap_and_inplace(B[D_Q], p);
        roaring_bitmap_free(p);
      }
    }
  }

  struct filters fl;
  filters_init(&fl, B);
  roaring_bitmap_t *F = and_except(&fl, -1);
  res->total = F ? (int64_t)roaring_bitmap_get_cardinality(F)
                 : (int64_t)roaring_bitmap_get_cardinality(ix->all);

  /* facets: each ignores its own filter. Counting scans the matching docs' columns
   * when they are few (one pass serves every facet without a filter of its own),
   * and intersects bitmaps when they are many (dense containers popcount fast). */
  struct counts cnt;
  counts_init(&cnt, ix, a);
  /* the model facet lists only models of the selected makes */
  bool *make_sel = arena_calloc(a, (size_t)ix->makes.n + 1, sizeof *make_sel);
  bool any_make = false;
  for (int i = 0; i < ix->makes.n; i++)
    for (int j = 0; j < q->nmake && !make_sel[i]; j++)
      if (str_ieq(ix->makes.v[i].name, q->make[j]))
        make_sel[i] = any_make = true;
  /* facets without a filter of their own count over F: one scan for all of them when
   * that is cheaper than their intersections */
  bool scanned_f = false;
  if (F && !q->no_facets) {
    double bitmap_cost = 0;
    for (int k = 0; k < FACET__COUNT; k++)
      if (!B[facet_dims[k]] && (k != FC_MODEL || any_make))
        bitmap_cost += ix->facet_cost[k];
    if (ix->plan == SEARCH_PLAN_SCAN ||
        (ix->plan == SEARCH_PLAN_AUTO &&
         (double)roaring_bitmap_get_cardinality(F) * SCAN_NS_ALL < bitmap_cost)) {
      counts_scan(&cnt, ix, F, -1, any_make);
      scanned_f = true;
    }
  }
  for (int k = 0; k < FACET__COUNT && !q->no_facets; k++) {
    int dim = facet_dims[k];
    if (k == FC_MODEL && !any_make)
      continue;
    roaring_bitmap_t *fx = B[dim] ? and_except(&fl, dim) : F;
    if (fx && fx != F &&
        (ix->plan == SEARCH_PLAN_SCAN ||
         (ix->plan == SEARCH_PLAN_AUTO &&
          (double)roaring_bitmap_get_cardinality(fx) * SCAN_NS_ONE < ix->facet_cost[k])))
      counts_scan(&cnt, ix, fx, k, true);
    else if (!(fx == F && scanned_f))
      counts_bitmaps(&cnt, ix, fx, k, make_sel);
    if (fx && fx != F)
      roaring_bitmap_free(fx);
  }
  if (!q->no_facets)
    counts_emit(&cnt, ix, make_sel, a, res);
  if (q->extra_facets && !q->no_facets)
    extra_facets(ix, &fl, B, F, a, res);

  /* the page */
  int64_t offset = (int64_t)(res->page - 1) * res->size;
  if (offset < res->total) {
    int want = (int)(res->total - offset < res->size ? res->total - offset : res->size);
    res->hits = arena_calloc(a, (size_t)want, sizeof *res->hits);
    int o = order_of(q->sort);
    bool relevance = q->sort == SORT_RELEVANCE && q->ntokens;
    if (!F) {
      for (int i = 0; i < want; i++)
        search_fill_hit(ix, a, ix->order[o][offset + i], &res->hits[res->nhits++]);
    }
    bool done = !F;
    bool walk = ix->plan == SEARCH_PLAN_AUTO ? (uint64_t)res->total * 4 > ix->norder
                                             : ix->plan == SEARCH_PLAN_BITMAPS;
    if (!done && !relevance && walk) {
      /* dense matches: walk the presorted order — unless the matches cluster at its
       * far end (a filter correlated with the sort key), then give up and select */
      uint64_t budget = (uint64_t)(offset + want) * 4 * ix->norder / (uint64_t)res->total + 2048;
      int64_t seen = 0;
      size_t i = walk_start(ix, o, q);
      budget += i;
      for (; i < ix->norder && res->nhits < want && i < budget; i++) {
        uint32_t s = ix->order[o][i];
        if (!roaring_bitmap_contains(F, s))
          continue;
        if (seen++ < offset)
          continue;
        search_fill_hit(ix, a, s, &res->hits[res->nhits++]);
      }
      done = res->nhits == want;
      if (!done)
        res->nhits = 0;
    }
    if (!done) {
      /* sparse matches (or relevance): keys for the matches, then select the page */
      uint64_t n = (uint64_t)res->total;
      uint32_t *slots = xmalloc(sizeof *slots * n);
      roaring_bitmap_to_uint32_array(F, slots);
      struct skey *keys = xmalloc(sizeof *keys * n);
      struct word *exact[SEARCH_MAX_TOKENS];
      for (int t = 0; relevance && t < q->ntokens; t++)
        exact[t] = word_exact(ix, q->tokens[t]);
      /* relevance: score, then newest first (the ORD_NEWEST rank) */
      const uint32_t *rank = ix->rank[relevance ? ORD_NEWEST : o];
      for (uint64_t i = 0; i < n; i++) {
        struct skey *k = &keys[i];
        k->slot = slots[i];
        k->rank = rank[slots[i]];
        k->k1 = 0;
        for (int t = 0; relevance && t < q->ntokens; t++)
          k->k1 -= exact[t] && roaring_bitmap_contains(exact[t]->b, slots[i]);
      }
      size_t need = (size_t)(offset + want);
      select_top(keys, n, need);
      for (int i = 0; i < want; i++)
        search_fill_hit(ix, a, keys[offset + i].slot, &res->hits[res->nhits++]);
      free(keys);
      free(slots);
    }
  }
  if (F)
    roaring_bitmap_free(F);
  for (int d = 0; d < D__COUNT; d++)
    if (B[d])
      roaring_bitmap_free(B[d]);
  pthread_rwlock_unlock(&ix->lock);
  return 0;
}

const struct search_facet *search_facet(const struct search_result *res, const char *name)
{
  for (int i = 0; i < res->nfacets; i++)
    if (!strcmp(res->facets[i].name, name))
      return &res->facets[i];
  return NULL;
}

/* ------------------------------------------------------------------ JSON */

static void jstr(struct buf *b, const char *s)
{
  buf_append_json_str(b, s, strlen(s));
}

/* Literal strings by length (no strlen); enum values are plain ASCII, unescaped. */
#define LIT(b, s) buf_append((b), (s), sizeof(s) - 1)

static void put_enum(struct buf *b, const struct enum_def *en, int v)
{
  buf_putc(b, '"');
  buf_puts(b, enum_value(en, v));
  buf_putc(b, '"');
}

void search_hit_json(const struct search_hit *h, struct buf *b)
{
  char ym[8];
  buf_reserve(b, 512);
  LIT(b, "{\"id\":");
  jstr(b, h->public_id);
  LIT(b, ",\"make\":");
  jstr(b, h->make);
  LIT(b, ",\"model\":");
  jstr(b, h->model);
  LIT(b, ",\"variant\":");
  jstr(b, h->variant);
  LIT(b, ",\"price_cents\":");
  buf_put_i64(b, h->price_cents);
  LIT(b, ",\"vat_mode\":");
  put_enum(b, &vehicle_enum_vat, h->vat_mode);
  LIT(b, ",\"mileage_km\":");
  buf_put_i64(b, h->mileage_km);
  if (h->first_reg >= 0) {
    vehicle_ym_format(h->first_reg, ym);
    LIT(b, ",\"first_registration\":\"");
    buf_append(b, ym, 7);
    buf_putc(b, '"');
  } else {
    LIT(b, ",\"first_registration\":null");
  }
  LIT(b, ",\"fuel\":");
  put_enum(b, &vehicle_enum_fuel, h->fuel);
  LIT(b, ",\"gearbox\":");
  put_enum(b, &vehicle_enum_gearbox, h->gearbox);
  LIT(b, ",\"body\":");
  put_enum(b, &vehicle_enum_body, h->body);
  LIT(b, ",\"power_kw\":");
  buf_put_i64(b, h->power_kw);
  LIT(b, ",\"power_ps\":");
  buf_put_i64(b, vehicle_ps(h->power_kw));
  LIT(b, ",\"condition\":");
  put_enum(b, &vehicle_enum_condition, h->condition);
  LIT(b, ",\"colour\":");
  put_enum(b, &vehicle_enum_colour, h->colour);
  LIT(b, ",\"dealer\":");
  jstr(b, h->dealer);
  LIT(b, ",\"status\":");
  put_enum(b, &vehicle_enum_status, h->status);
  LIT(b, ",\"features\":[");
  bool first = true;
  for (int f = 0; f < FEAT__COUNT; f++)
    if (h->features & ((uint64_t)1 << f)) {
      if (!first)
        buf_putc(b, ',');
      put_enum(b, &vehicle_enum_feature, f);
      first = false;
    }
  LIT(b, "]}");
}

void search_result_json(const struct search_result *res, struct buf *b)
{
  buf_reserve(b, (size_t)res->nhits * 600 + 4096);
  LIT(b, "{\"total\":");
  buf_put_i64(b, res->total);
  LIT(b, ",\"page\":");
  buf_put_i64(b, res->page);
  LIT(b, ",\"size\":");
  buf_put_i64(b, res->size);
  LIT(b, ",\"items\":[");
  for (int i = 0; i < res->nhits; i++) {
    if (i)
      buf_putc(b, ',');
    search_hit_json(&res->hits[i], b);
  }
  LIT(b, "],\"facets\":{");
  for (int i = 0; i < res->nfacets; i++) {
    const struct search_facet *f = &res->facets[i];
    if (i)
      buf_putc(b, ',');
    buf_putc(b, '"');
    buf_puts(b, f->name);
    LIT(b, "\":[");
    for (int k = 0; k < f->n; k++) {
      if (k)
        buf_putc(b, ',');
      LIT(b, "{\"value\":");
      jstr(b, f->v[k].value);
      LIT(b, ",\"count\":");
      buf_put_i64(b, f->v[k].count);
      buf_putc(b, '}');
    }
    buf_putc(b, ']');
  }
  LIT(b, ",\"price\":[");
  for (int i = 0; i < SEARCH_PRICE_BUCKETS; i++) {
    if (i)
      buf_putc(b, ',');
    LIT(b, "{\"min\":");
    buf_put_i64(b, search_price_edges[i]);
    LIT(b, ",\"max\":");
    if (search_price_edges[i + 1] < 0)
      LIT(b, "null");
    else
      buf_put_i64(b, search_price_edges[i + 1]);
    LIT(b, ",\"count\":");
    buf_put_i64(b, res->price_counts[i]);
    buf_putc(b, '}');
  }
  LIT(b, "]}}");
}

struct make_row {
  const char *name;
  int64_t count;
  int ix;
};

static int make_row_cmp(const void *a, const void *b)
{
  const struct make_row *x = a, *y = b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return strcmp(x->name, y->name);
}

void search_makes_json(struct search_index *ix, struct buf *b)
{
  pthread_rwlock_rdlock(&ix->lock);
  struct make_row *mk = xcalloc((size_t)ix->makes.n + 1, sizeof *mk);
  int nm = 0;
  for (int i = 0; i < ix->makes.n; i++) {
    int64_t c = (int64_t)roaring_bitmap_get_cardinality(ix->makes.v[i].b);
    if (c > 0)
      mk[nm++] = (struct make_row){ix->makes.v[i].name, c, i};
  }
  qsort(mk, (size_t)nm, sizeof *mk, make_row_cmp);
  struct make_row *md = xcalloc((size_t)ix->models.n + 1, sizeof *md);
  buf_puts(b, "{\"makes\":[");
  for (int i = 0; i < nm; i++) {
    buf_puts(b, i ? ",{\"make\":" : "{\"make\":");
    jstr(b, mk[i].name);
    buf_printf(b, ",\"count\":%lld,\"models\":[", (long long)mk[i].count);
    int n = 0;
    for (int k = 0; k < ix->models.n; k++)
      if (ix->models.v[k].parent == mk[i].ix) {
        int64_t c = (int64_t)roaring_bitmap_get_cardinality(ix->models.v[k].b);
        if (c > 0)
          md[n++] = (struct make_row){ix->models.v[k].name, c, k};
      }
    qsort(md, (size_t)n, sizeof *md, make_row_cmp);
    for (int k = 0; k < n; k++) {
      buf_puts(b, k ? ",{\"model\":" : "{\"model\":");
      jstr(b, md[k].name);
      buf_printf(b, ",\"count\":%lld}", (long long)md[k].count);
    }
    buf_puts(b, "]}");
  }
  buf_puts(b, "]}");
  free(md);
  free(mk);
  pthread_rwlock_unlock(&ix->lock);
}

int search_dealer_count(struct search_index *ix)
{
  pthread_rwlock_rdlock(&ix->lock);
  int n = 0;
  for (int i = 0; i < ix->dealers.n; i++)
    n += !roaring_bitmap_is_empty(ix->dealers.v[i].b);
  pthread_rwlock_unlock(&ix->lock);
  return n;
}

void search_hit_from_vehicle(const struct vehicle *v, struct search_hit *h)
{
  memset(h, 0, sizeof *h);
  h->id = v->id;
  memcpy(h->public_id, v->public_id, sizeof h->public_id);
  h->dealer = v->dealer ? v->dealer : "";
  h->make = v->make;
  h->model = v->model;
  h->variant = v->variant;
  h->cover = v->cover ? v->cover : "";
  h->price_cents = v->price_cents;
  h->vat_mode = v->vat_mode;
  h->mileage_km = v->mileage_km;
  h->first_reg = v->first_reg;
  h->power_kw = v->power_kw;
  h->fuel = v->fuel;
  h->gearbox = v->gearbox;
  h->body = v->body;
  h->condition = v->condition;
  h->colour = v->colour;
  h->status = v->status;
  h->features = v->features;
  h->published_at = v->published_at;
}
