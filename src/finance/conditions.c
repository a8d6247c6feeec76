#include "finance/conditions.h"

#include "core/arena.h"
#include "core/json.h"
#include "core/timeutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int fin_conditions_from_json(struct arena *a, json_t *j, struct fin_conditions *c,
                             struct field_errors *errs)
{
  int before = errs->n;
  memset(c, 0, sizeof *c);
  char *name = NULL, *address = NULL;
  json_t *bands = json_object_get(j, "bands");
  c->default_term = 48;
  c->default_down_bp = 2000;
  struct json_field spec[] = {
      JF_STRING("lender_name", &name, JF_REQUIRED, 2, 200),
      JF_STRING("lender_address", &address, JF_REQUIRED, 5, 300),
      JF_BOOL("variable_rate", &c->variable_rate, 0),
      JF_I64("min_amount_cents", &c->min_amount_cents, 0, 0, 100000000000LL),
      JF_I64("max_amount_cents", &c->max_amount_cents, 0, 0, 100000000000LL),
      JF_I64("fees_cents", &c->fees_cents, 0, 0, 10000000),
      JF_INT("default_term", &c->default_term, 0, 1, 120),
      JF_INT("default_down_bp", &c->default_down_bp, 0, 0, 9000),
      JF_INT("representative", &c->representative, JF_REQUIRED, 0, FIN_MAX_BANDS - 1),
      {"bands", JF_T_END, NULL, 0, 0, 0, NULL, NULL},
      JF_END,
  };
  /* "bands" is checked below; keep it out of the generic parser */
  json_t *copy = json_copy(j);
  json_object_del(copy, "bands");
  struct json_field *end = spec;
  while (end->name && strcmp(end->name, "bands"))
    end++;
  *end = (struct json_field)JF_END;
  json_parse_fields(a, copy, spec, JSON_REJECT_UNKNOWN, errs);
  json_decref(copy);
  c->lender_name = name;
  c->lender_address = address;
  if (!c->max_amount_cents)
    c->max_amount_cents = 100000000000LL;
  if (c->min_amount_cents > c->max_amount_cents)
    field_error_add(errs, "min_amount_cents", "range", "min_amount_cents exceeds max_amount_cents");
  size_t n = json_array_size(bands);
  if (!json_is_array(bands) || n == 0 || n > FIN_MAX_BANDS) {
    field_error_add(errs, "bands", "length", "bands must list 1 to %d rate bands", FIN_MAX_BANDS);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    struct fin_band *b = &c->bands[i];
    double rate = -1;
    struct json_field bs[] = {
        JF_INT("term_min", &b->term_min, JF_REQUIRED, 1, 120),
        JF_INT("term_max", &b->term_max, JF_REQUIRED, 1, 120),
        JF_INT("down_min_bp", &b->down_min_bp, 0, 0, 10000),
        JF_INT("down_max_bp", &b->down_max_bp, 0, 0, 10000),
        JF_NUMBER("rate_percent", &rate, JF_REQUIRED),
        JF_END,
    };
    b->down_max_bp = 10000;
    struct field_errors be;
    field_errors_init(&be, a);
    json_parse_fields(a, json_array_get(bands, i), bs, JSON_REJECT_UNKNOWN, &be);
    if (be.n == 0 && (rate < 0 || rate > 30 || !isfinite(rate)))
      field_error_add(&be, "rate_percent", "range", "rate_percent must be between 0 and 30");
    if (be.n == 0 && (b->term_min > b->term_max || b->down_min_bp > b->down_max_bp))
      field_error_add(&be, "term_max", "range", "a band's minimum exceeds its maximum");
    for (int k = 0; k < be.n; k++)
      field_error_add(errs, arena_printf(a, "bands[%zu].%s", i, be.e[k].field), be.e[k].code, "%s",
                      be.e[k].detail);
    b->rate_bp = (int)floor(rate * 100 + 0.5);
  }
  c->nbands = (int)n;
  bool bands_ok = true;
  for (int i = 0; i < errs->n; i++)
    bands_ok &= strncmp(errs->e[i].field, "bands[", 6) != 0;
  for (int i = 0; i < c->nbands && bands_ok; i++)
    for (int k = i + 1; k < c->nbands; k++) {
      const struct fin_band *x = &c->bands[i], *y = &c->bands[k];
      if (x->term_min <= y->term_max && y->term_min <= x->term_max &&
          x->down_min_bp <= y->down_max_bp && y->down_min_bp <= x->down_max_bp)
        field_error_add(errs, arena_printf(a, "bands[%d]", k), "overlap",
                        "band %d overlaps band %d", k, i);
    }
  if (c->representative >= c->nbands)
    field_error_add(errs, "representative", "range", "representative must name one of the bands");
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

int fin_conditions_example(const struct fin_conditions *c, int64_t price_cents,
                           struct fin_input *in, struct err *e)
{
  memset(in, 0, sizeof *in);
  in->product = FIN_LOAN;
  in->price_cents = price_cents;
  in->term_months = c->default_term;
  /* down payment rounded down to whole hundred euros, as ads show it */
  in->down_payment_cents = price_cents * c->default_down_bp / 10000 / 10000 * 10000;
  int down_bp = (int)(in->down_payment_cents * 10000 / (price_cents ? price_cents : 1));
  const struct fin_band *b = fin_conditions_band(c, in->term_months, down_bp);
  if (!b)
    return err_set(e, CC24_E_FINANCE_MISSING, "no rate band covers %d months with %d bp down",
                   in->term_months, down_bp);
  in->nominal_rate_percent = b->rate_bp / 100.0;
  in->fees_cents = c->fees_cents;
  int64_t net = price_cents - in->down_payment_cents;
  if (net < c->min_amount_cents || net > c->max_amount_cents)
    return err_set(e, CC24_E_FINANCE_INPUT, "the amount is outside the lender's limits");
  return 0;
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
