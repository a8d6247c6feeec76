/* search.h — the in-process vehicle search index: columnar arrays plus
 * Roaring bitmaps (CRoaring) per facet value, presorted orders for paging, and
 * a word dictionary for free text. Built from the database at start-up and
 * updated on every write; facet counts are bitmap intersections.
 *
 * Semantics (the SQL reference in tests/unit/test_search_equiv.c implements the
 * same): only published and reserved vehicles are indexed; make, model and dealer
 * match exactly, ASCII case-insensitive; comma lists mean any-of, features all-of;
 * ranges are inclusive; a vehicle without first registration (new) counts as
 * registered in the query's current month for year/first-registration filters;
 * q tokens (str_search_text, at most 8) must each be a prefix of a word of
 * make + model + variant; facets are disjunctive (each ignores its own filter);
 * every sort ends with the row id ascending as tiebreaker; year_desc puts
 * unregistered vehicles first; relevance = number of q tokens that equal a whole
 * word (desc), then newest; without q relevance is newest.
 *
 * Thread-safe: queries share a read lock, writes take the write lock. */
#ifndef CC24_SEARCH_SEARCH_H
#define CC24_SEARCH_SEARCH_H

#include "inventory/vehicle.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;
struct field_errors;

struct search_index;

struct search_index *search_new(void);
void search_free(struct search_index *ix);

/* Insert or replace v (keyed by v->id); vehicles not published/reserved are removed. */
void search_upsert(struct search_index *ix, const struct vehicle *v);
void search_remove(struct search_index *ix, int64_t vehicle_id);
size_t search_count(struct search_index *ix);
size_t search_memory(struct search_index *ix);

/* How search_run counts facets and selects pages. AUTO (the default) decides per query
 * by a cost model; the others force one strategy everywhere, so tests can check that
 * every path gives the same answer. Set before queries run. */
enum search_plan { SEARCH_PLAN_AUTO, SEARCH_PLAN_SCAN, SEARCH_PLAN_BITMAPS };
void search_set_plan(struct search_index *ix, enum search_plan plan);

enum search_sort {
  SORT_RELEVANCE,
  SORT_PRICE_ASC,
  SORT_PRICE_DESC,
  SORT_MILEAGE_ASC,
  SORT_YEAR_DESC,
  SORT_NEWEST,
  SORT__COUNT
};
extern const char *const search_sort_names[SORT__COUNT];

#define SEARCH_MAX_VALUES 32
#define SEARCH_MAX_TOKENS 8

struct search_query {
  /* any-of lists; n = 0 means no filter. Strings live in the parse arena. */
  const char *make[SEARCH_MAX_VALUES];
  int nmake;
  const char *model[SEARCH_MAX_VALUES];
  int nmodel;
  const char *dealer[SEARCH_MAX_VALUES];
  int ndealer;
  uint32_t body, fuel, gearbox, condition, colour; /* bitmask of enum values; 0 = any */
  uint64_t features;                               /* all-of */
  int64_t price_min, price_max;                    /* cents, -1 = open */
  int64_t mileage_min, mileage_max;                /* km, -1 = open */
  int64_t power_min, power_max;                    /* kW, -1 = open */
  int first_reg_min, first_reg_max;                /* year*12+month-1, -1 = open */
  const char *tokens[SEARCH_MAX_TOKENS];           /* folded q tokens */
  int ntokens;
  bool impossible; /* a filter that can match nothing (e.g. min > max) */
  int sort;        /* enum search_sort */
  int page, size;
  int now_ym;        /* "current month" for unregistered vehicles (Berlin) */
  bool extra_facets; /* also count dealers and features (the search page; not the API) */
  bool no_facets;    /* only total and hits (similar vehicles, counts for hints) */
};

enum { SEARCH_STRICT = 1u << 0 };

/* Parse query parameters. SEARCH_STRICT (API): unknown names and bad values are
 * field errors (-1); otherwise (pages) they are ignored/clamped. */
int search_query_parse(struct arena *a, int n, const char **names, const char **values,
                       unsigned flags, struct search_query *q, struct field_errors *errs);

/* A query that matches everything, sorted by relevance, page 1, size 24. */
void search_query_init(struct search_query *q);

struct search_hit {
  int64_t id;
  char public_id[17];
  const char *dealer, *make, *model, *variant;
  const char *cover; /* media_cover descriptor of the cover photo, "" = none */
  int64_t price_cents;
  int vat_mode;
  int mileage_km, first_reg, power_kw;
  int fuel, gearbox, body, condition, colour, status;
  uint64_t features;
  int64_t published_at;
};

/* A hit with v's fields (strings borrowed from v; dealer "" when v has none), for
 * lists built outside the index — favourites, a showroom's spins — that render with
 * the same card partial. */
void search_hit_from_vehicle(const struct vehicle *v, struct search_hit *h);

struct search_facet_value {
  const char *value;
  int64_t count;
};

struct search_facet {
  const char *name; /* "make", "model", "body", "fuel", "gearbox", "condition", "colour" */
  struct search_facet_value *v;
  int n;
};

#define SEARCH_PRICE_BUCKETS 10
extern const int64_t search_price_edges[SEARCH_PRICE_BUCKETS + 1]; /* euros; last = -1 open */

struct search_result {
  int64_t total;
  int page, size;
  struct search_hit *hits;
  int nhits;
  struct search_facet facets[7];
  int nfacets;
  int64_t price_counts[SEARCH_PRICE_BUCKETS];
  /* with q->extra_facets: the dealer facet (disjunctive, like the others) and, per
   * feature, the matches that also have it (features are all-of) */
  struct search_facet dealer;
  int64_t feature_counts[FEAT__COUNT];
};

/* Run q; everything in res is copied into a. 0 or -1. */
int search_run(struct search_index *ix, const struct search_query *q, struct arena *a,
               struct search_result *res);

/* The API answer {"total","page","size","items":[...],"facets":{...}}. */
void search_result_json(const struct search_result *res, struct buf *out);
void search_hit_json(const struct search_hit *h, struct buf *out);

/* {"makes":[{"make","count","models":[{"model","count"}]}]}, makes by count desc. */
void search_makes_json(struct search_index *ix, struct buf *out);

/* A counter that changes with every change of the index (caches key on it). */
uint64_t search_generation(struct search_index *ix);

/* Dealers with at least one indexed vehicle. */
int search_dealer_count(struct search_index *ix);

/* Price rating of one vehicle against comparable ones: same make and model, first
 * registered in the same year (new cars: this year), at least SEARCH_VALUE_PEERS of
 * them including itself. ratio_bp = price / median price × 10000 (9000 = 10 % under). */
#define SEARCH_VALUE_PEERS 4
struct search_value {
  int ratio_bp;         /* price against the median, in basis points */
  int peers;            /* comparable vehicles, itself included */
  int64_t median_cents; /* median price of the comparable vehicles */
};

/* The rating of vehicle_id (row id): 1 rated, 0 too few comparables or not indexed.
 * Ratings are recomputed at most every few seconds after the index changed. */
int search_value_of(struct search_index *ix, int64_t vehicle_id, struct search_value *out);

/* "Featured" vehicles = best value: at least 10 % under the median of their
 * comparable vehicles and not driven more than the median mileage + 25 %; best
 * ratio first, then newest. Fills up to n hits (strings in a); returns the count. */
int search_featured(struct search_index *ix, int n, struct arena *a, struct search_hit *out);

/* The facet of res by name, or NULL. */
const struct search_facet *search_facet(const struct search_result *res, const char *name);

#endif
