#include "finance/conditions.h"

#include "core/arena.h"
#include "core/json.h"
#include "core/timeutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *x, const void *y)
{
  int a = *(const int *)x, b = *(const int *)y;
  return (a > b) - (a < b);
}

struct range {
  int lo, hi;
};

static int cmp_range(const void *x, const void *y)
{
  const struct range *a = x, *b = y;
  return (a->lo > b->lo) - (a->lo < b->lo);
}

/* Gaps: cut the term axis at every band edge; within each slice the same bands apply,
 * so one check per slice covers every month. */
static void check_gaps(struct arena *a, const struct fin_conditions *c, struct field_errors *errs)
{
  int pts[2 * FIN_MAX_BANDS], np = 0;
  for (int i = 0; i < c->nbands; i++) {
    pts[np++] = c->bands[i].term_min;
    pts[np++] = c->bands[i].term_max + 1;
  }
  qsort(pts, (size_t)np, sizeof pts[0], cmp_int);
  for (int j = 0; j + 1 < np; j++) {
    if (pts[j] == pts[j + 1])
      continue;
    int lo = pts[j], hi = pts[j + 1] - 1;
    struct range r[FIN_MAX_BANDS];
    int nr = 0;
    for (int i = 0; i < c->nbands; i++)
      if (c->bands[i].term_min <= lo && c->bands[i].term_max >= hi)
        r[nr++] = (struct range){c->bands[i].down_min_bp, c->bands[i].down_max_bp};
    if (nr == 0) {
      field_error_add(errs, "bands", "gap", "no rate band covers terms of %d to %d months", lo, hi);
      continue;
    }
    qsort(r, (size_t)nr, sizeof r[0], cmp_range);
    int reach = r[0].hi;
    for (int k = 1; k < nr; k++) {
      if (r[k].lo > reach + 1)
        field_error_add(
            errs, "bands", "gap",
            "terms of %d to %d months: no rate band covers down payments of %d to %d bp", lo, hi,
            reach + 1, r[k].lo - 1);
      if (r[k].hi > reach)
        reach = r[k].hi;
    }
  }
  (void)a;
}

/* bands: also check each band and the relations between bands */
static void check(struct arena *a, const struct fin_conditions *c, bool bands,
                  struct field_errors *errs)
{
  if (c->min_amount_cents < 0 || c->max_amount_cents < 0 || c->max_amount_cents > FIN_MAX_CENTS)
    field_error_add(errs, "max_amount_cents", "range", "amount limits must be 0 to 100000000000");
  else if (c->min_amount_cents > c->max_amount_cents)
    field_error_add(errs, "min_amount_cents", "range", "min_amount_cents exceeds max_amount_cents");
  if (c->nbands < 1 || c->nbands > FIN_MAX_BANDS) {
    field_error_add(errs, "bands", "length", "bands must list 1 to %d rate bands", FIN_MAX_BANDS);
    return;
  }
  if (c->representative < 0 || c->representative >= c->nbands)
    field_error_add(errs, "representative", "range", "representative must name one of the bands");
  if (!bands)
    return;
  int before = errs->n;
  for (int i = 0; i < c->nbands; i++) {
    const struct fin_band *b = &c->bands[i];
    if (b->term_min < 1 || b->term_max > FIN_MAX_TERM || b->term_min > b->term_max)
      field_error_add(errs, arena_printf(a, "bands[%d].term_max", i), "range",
                      "a band's terms must satisfy 1 <= term_min <= term_max <= 120");
    if (b->down_min_bp < 0 || b->down_max_bp > 10000 || b->down_min_bp > b->down_max_bp)
      field_error_add(errs, arena_printf(a, "bands[%d].down_max_bp", i), "range",
                      "a band's shares must satisfy 0 <= down_min_bp <= down_max_bp <= 10000");
    if (b->rate_bp < 0 || b->rate_bp > (int)(FIN_MAX_RATE * 100))
      field_error_add(errs, arena_printf(a, "bands[%d].rate_percent", i), "range",
                      "rate_percent must be between 0 and 30");
  }
  if (errs->n > before)
    return; /* overlaps and gaps of broken bands would only confuse */
  for (int i = 0; i < c->nbands; i++)
    for (int k = i + 1; k < c->nbands; k++) {
      const struct fin_band *x = &c->bands[i], *y = &c->bands[k];
      if (x->term_min <= y->term_max && y->term_min <= x->term_max &&
          x->down_min_bp <= y->down_max_bp && y->down_min_bp <= x->down_max_bp)
        field_error_add(errs, arena_printf(a, "bands[%d]", k), "overlap",
                        "band %d overlaps band %d", k, i);
    }
  check_gaps(a, c, errs);
}

int fin_conditions_validate(struct arena *a, const struct fin_conditions *c,
                            struct field_errors *errs)
{
  int before = errs->n;
  check(a, c, true, errs);
  return errs->n > before ? -1 : 0;
}

int fin_conditions_from_json(struct arena *a, json_t *j, struct fin_conditions *c,
                             struct field_errors *errs)
{
  int before = errs->n;
  memset(c, 0, sizeof *c);
  char *name = NULL, *address = NULL;
  c->default_term = 48;
  c->default_down_bp = 2000;
  c->representative = -1;
  struct json_field spec[] = {
      JF_STRING("lender_name", &name, JF_REQUIRED, 2, 200),
      JF_STRING("lender_address", &address, JF_REQUIRED, 5, 300),
      JF_BOOL("variable_rate", &c->variable_rate, 0),
      JF_I64("min_amount_cents", &c->min_amount_cents, 0, 0, FIN_MAX_CENTS),
      JF_I64("max_amount_cents", &c->max_amount_cents, 0, 0, FIN_MAX_CENTS),
      JF_I64("fees_cents", &c->fees_cents, 0, 0, 10000000),
      JF_INT("default_term", &c->default_term, 0, 1, FIN_MAX_TERM),
      JF_INT("default_down_bp", &c->default_down_bp, 0, 0, 9000),
      JF_INT("representative", &c->representative, JF_REQUIRED, 0, FIN_MAX_BANDS - 1),
      JF_END,
  };
  if (!json_is_object(j)) {
    field_error_add(errs, "", "type", "the conditions must be a JSON object");
    return -1;
  }
  /* "bands" is checked below; keep it out of the generic parser */
  json_t *bands = json_object_get(j, "bands");
  json_t *copy = json_copy(j);
  json_object_del(copy, "bands");
  json_parse_fields(a, copy, spec, JSON_REJECT_UNKNOWN, errs);
  json_decref(copy);
  c->lender_name = name;
  c->lender_address = address;
  if (!c->max_amount_cents)
    c->max_amount_cents = FIN_MAX_CENTS;
  size_t n = json_array_size(bands);
  if (!json_is_array(bands) || n == 0 || n > FIN_MAX_BANDS) {
    field_error_add(errs, "bands", "length", "bands must list 1 to %d rate bands", FIN_MAX_BANDS);
    return -1;
  }
  bool bands_ok = true;
  for (size_t i = 0; i < n; i++) {
    struct fin_band *b = &c->bands[i];
    double rate = -1;
    struct json_field bs[] = {
        JF_INT("term_min", &b->term_min, JF_REQUIRED, 1, FIN_MAX_TERM),
        JF_INT("term_max", &b->term_max, JF_REQUIRED, 1, FIN_MAX_TERM),
        JF_INT("down_min_bp", &b->down_min_bp, 0, 0, 10000),
        JF_INT("down_max_bp", &b->down_max_bp, 0, 0, 10000),
        JF_NUMBER("rate_percent", &rate, JF_REQUIRED),
        JF_END,
    };
    b->down_max_bp = 10000;
    struct field_errors be;
    field_errors_init(&be, a);
    json_parse_fields(a, json_array_get(bands, i), bs, JSON_REJECT_UNKNOWN, &be);
    /* basis points; rates beyond the range keep an out-of-range marker for check() */
    b->rate_bp = rate >= 0 && rate <= FIN_MAX_RATE ? (int)floor(rate * 100 + 0.5) : -1;
    if (be.n == 0 && b->rate_bp < 0)
      field_error_add(&be, "rate_percent", "range", "rate_percent must be between 0 and 30");
    for (int k = 0; k < be.n; k++)
      field_error_add(
          errs, arena_printf(a, "bands[%zu]%s%s", i, *be.e[k].field ? "." : "", be.e[k].field),
          be.e[k].code, "%s", be.e[k].detail);
    bands_ok &= be.n == 0;
  }
  c->nbands = (int)n;
  check(a, c, bands_ok, errs);
  return errs->n > before ? -1 : 0;
}

json_t *fin_conditions_to_json(const struct fin_conditions *c)
{
  json_t *bands = json_array();
  for (int i = 0; i < c->nbands; i++) {
    const struct fin_band *b = &c->bands[i];
    json_array_append_new(bands,
                          json_pack("{s:i,s:i,s:i,s:i,s:f}", "term_min", b->term_min, "term_max",
                                    b->term_max, "down_min_bp", b->down_min_bp, "down_max_bp",
                                    b->down_max_bp, "rate_percent", b->rate_bp / 100.0));
  }
  return json_pack("{s:s,s:s,s:b,s:I,s:I,s:I,s:i,s:i,s:i,s:o}", "lender_name", c->lender_name,
                   "lender_address", c->lender_address, "variable_rate", c->variable_rate,
                   "min_amount_cents", (json_int_t)c->min_amount_cents, "max_amount_cents",
                   (json_int_t)c->max_amount_cents, "fees_cents", (json_int_t)c->fees_cents,
                   "default_term", c->default_term, "default_down_bp", c->default_down_bp,
                   "representative", c->representative, "bands", bands);
}

const struct fin_band *fin_conditions_band(const struct fin_conditions *c, int term, int down_bp)
{
  for (int i = 0; i < c->nbands; i++) {
    const struct fin_band *b = &c->bands[i];
    if (term >= b->term_min && term <= b->term_max && down_bp >= b->down_min_bp &&
        down_bp <= b->down_max_bp)
      return b;
  }
  return NULL;
}

int fin_down_share_bp(int64_t price_cents, int64_t down_payment_cents)
{
  if (price_cents <= 0 || down_payment_cents <= 0)
    return 0;
  if (down_payment_cents >= price_cents)
    return 10000;
  return (int)(down_payment_cents * 10000 / price_cents); /* both <= 1e11: no overflow */
}

int fin_conditions_rate(const struct fin_conditions *c, int64_t price_cents,
                        int64_t down_payment_cents, int term_months, double *rate_percent,
                        struct err *e)
{
  *rate_percent = 0;
  if (price_cents <= 0 || price_cents > FIN_MAX_CENTS)
    return err_set_field(e, CC24_E_FINANCE_INPUT, "price_cents", "the price must be positive");
  if (down_payment_cents < 0 || down_payment_cents >= price_cents)
    return err_set_field(e, CC24_E_FINANCE_INPUT, "down_payment_cents",
                         "the down payment must be between 0 and the price");
  if (term_months < 1 || term_months > FIN_MAX_TERM)
    return err_set_field(e, CC24_E_FINANCE_INPUT, "term_months",
                         "term_months must be between 1 and 120");
  int bp = fin_down_share_bp(price_cents, down_payment_cents);
  const struct fin_band *b = fin_conditions_band(c, term_months, bp);
  if (!b)
    return err_set_field(e, CC24_E_FINANCE_MISSING, "term_months",
                         "no rate band covers %d months with a down payment of %d bp", term_months,
                         bp);
  int64_t net = price_cents - down_payment_cents;
  if (net < c->min_amount_cents || net > c->max_amount_cents)
    return err_set_field(e, CC24_E_FINANCE_INPUT, "price_cents",
                         "the net loan of %lld cents is outside the lender's limits",
                         (long long)net);
  *rate_percent = b->rate_bp / 100.0;
  return 0;
}

int fin_conditions_example(const struct fin_conditions *c, int64_t price_cents,
                           struct fin_input *in, struct err *e)
{
  memset(in, 0, sizeof *in);
  in->product = FIN_LOAN;
  in->price_cents = price_cents;
  in->term_months = c->default_term;
  /* down payment rounded down to whole hundred euros, as ads show it */
  in->down_payment_cents = price_cents * c->default_down_bp / 10000 / 10000 * 10000;
  in->fees_cents = c->fees_cents;
  return fin_conditions_rate(c, price_cents, in->down_payment_cents, in->term_months,
                             &in->nominal_rate_percent, e);
}

int fin_conditions_save(db_conn *db, struct arena *a, int64_t tenant_id,
                        const struct fin_conditions *c, int64_t *version, struct err *e)
{
  json_t *j = fin_conditions_to_json(c);
  char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(j);
  char *copy = arena_strdup(a, text);
  free(text);
  return db_query_one(db, a,
                      "INSERT INTO finance_conditions (tenant_id, body, valid_from, created_at)"
                      " VALUES ($1, $2, $3, $3) RETURNING id",
                      DB_PARAMS(db_i64(tenant_id), db_text(copy), db_i64(time_now())),
                      DB_ROW(db_out_i64(version)), e) == 1
             ? 0
             : -1;
}

int fin_conditions_load(db_conn *db, struct arena *a, int64_t tenant_id, int64_t at,
                        struct fin_conditions *c, int64_t *version, struct err *e)
{
  char *body = NULL;
  int rc = db_query_one(db, a,
                        "SELECT id, body FROM finance_conditions WHERE tenant_id = $1 AND"
                        " valid_from <= $2 ORDER BY valid_from DESC, id DESC LIMIT 1",
                        DB_PARAMS(db_i64(tenant_id), db_i64(at ? at : time_now())),
                        DB_ROW(db_out_i64(version), db_out_text(&body)), e);
  if (rc <= 0)
    return rc;
  json_error_t je;
  json_t *j = json_arena(a, json_loads(body, 0, &je));
  struct field_errors errs;
  field_errors_init(&errs, a);
  if (!j || fin_conditions_from_json(a, j, c, &errs) < 0)
    return err_set(e, CC24_E_INTERNAL, "stored finance conditions version %lld do not parse",
                   (long long)*version);
  return 1;
}

int64_t fin_conditions_valid_from(db_conn *db, int64_t tenant_id, int64_t version, struct err *e)
{
  int64_t t = 0;
  if (db_query_one(db, NULL,
                   "SELECT valid_from FROM finance_conditions WHERE tenant_id = $1 AND id = $2",
                   DB_PARAMS(db_i64(tenant_id), db_i64(version)), DB_ROW(db_out_i64(&t)), e) <= 0)
    return 0;
  return t;
}
