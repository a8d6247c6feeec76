/* deal_pages.c — the sales pipeline in the dashboard: the board (a column per stage,
 * cards dragged with SortableJS, and without JavaScript a "move to" form on every card),
 * one deal (offer price, trade-in, stage history, won/lost), the stage names, and the
 * conversion and time in stage per stage. */
#include "crm/deal_pages.h"

#include "app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/money.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crm/deal.h"
#include "finance/conditions.h"
#include "finance/finance.h"
#include "inventory/vehicle_api.h"
#include "render/i18n.h"
#include "web/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *euros(struct arena *a, int64_t cents)
{
  char s[48];
  money_format(cents, s, sizeof s);
  return arena_strdup(a, s);
}

static const char *euros_plain(struct arena *a, int64_t cents)
{
  /* for an input field: "18500,00" */
  return arena_printf(a, "%lld,%02lld", (long long)(cents / 100), (long long)(cents % 100));
}

static const char *duration(struct arena *a, const char *loc, double seconds)
{
  double days = seconds / 86400.0;
  if (days >= 1)
    return arena_printf(a, "%.1f %s", days, i18n_get(loc, "deals.days"));
  return arena_printf(a, "%.1f %s", seconds / 3600.0, i18n_get(loc, "deals.hours"));
}

/* ------------------------------------------------------------------- the board */

struct board_arg {
  struct arena *a;
  int64_t tenant_id;
  struct deal_stage *st;
  int nst;
  struct deal *deals;
  int n;
  struct deal_stage_stats *stats;
};

static int tx_board(db_conn *c, void *arg, struct err *e)
{
  struct board_arg *x = arg;
  if (deal_stages(c, x->a, x->tenant_id, &x->st, &x->nst, e) < 0 ||
      deal_list(c, x->a, x->tenant_id, time_now(), &x->deals, &x->n, e) < 0)
    return -1;
  x->stats = arena_calloc(x->a, (size_t)x->nst, sizeof *x->stats);
  return deal_stats(c, x->a, x->tenant_id, x->st, x->nst, x->stats, e);
}

static json_t *stage_options(struct http_req *req, const struct deal_stage *st, int nst,
                             int64_t selected)
{
  json_t *o = json_array();
  for (int i = 0; i < nst; i++)
    json_array_append_new(o, json_pack("{s:I,s:s,s:b}", "id", (json_int_t)st[i].id, "name",
                                       st[i].name, "selected", st[i].id == selected));
  (void)req;
  return o;
}

static json_t *card_json(struct http_req *req, const struct deal *d, const struct deal_stage *st,
                         int nst, int64_t now)
{
  json_t *j = json_object();
  json_object_set_new(j, "id", json_string(d->public_id));
  json_object_set_new(j, "title", json_string(d->title));
  json_object_set_new(j, "contact", json_string(d->contact_name));
  json_object_set_new(j, "vehicle", json_string(d->vehicle_title));
  if (d->offer_cents > 0)
    json_object_set_new(j, "offer", json_string(euros(req->a, d->offer_cents)));
  json_object_set_new(j, "since",
                      json_string(duration(req->a, req->locale, (double)(now - d->stage_since))));
  json_object_set_new(j, "won", json_boolean(!strcmp(d->state, "won")));
  json_object_set_new(j, "lost", json_boolean(!strcmp(d->state, "lost")));
  json_object_set_new(j, "open", json_boolean(!strcmp(d->state, "open")));
  json_object_set_new(j, "stages", stage_options(req, st, nst, d->stage_id));
  return j;
}

/* An error of the stage settings, shown inline in the stages section. */
struct stage_form {
  const char *error; /* the message (already translated), NULL = none */
  const char *scope; /* which form it belongs to: "names", "add", "remove", "order" */
  int64_t stage;     /* the stage of a row form it belongs to */
  const char *name;  /* the add form's name as typed */
};

static int render_board(struct http_req *req, int status, const struct stage_form *sf)
{
  struct board_arg x = {.a = req->a, .tenant_id = req->tenant_id};
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_WRITE, tx_board, &x, &e) < 0)
    return http_problem_err(req, &e);
  int64_t now = time_now();
  json_t *ctx = web_dash_context(req);
  json_t *cols = json_array(), *lost = json_array();
  int64_t open = 0, won = 0, value = 0;
  for (int i = 0; i < x.nst; i++) {
    json_t *cards = json_array();
    for (int k = 0; k < x.n; k++) {
      const struct deal *d = &x.deals[k];
      if (d->stage_id != x.st[i].id || !strcmp(d->state, "lost"))
        continue;
      json_array_append_new(cards, card_json(req, d, x.st, x.nst, now));
    }
    const struct deal_stage_stats *s = &x.stats[i];
    json_t *col =
        json_pack("{s:I,s:s,s:b,s:o,s:I}", "id", (json_int_t)x.st[i].id, "name", x.st[i].name,
                  "won", x.st[i].won, "cards", cards, "count", (json_int_t)json_array_size(cards));
    json_object_set_new(col, "reached", json_integer(s->reached));
    if (!x.st[i].won && s->reached > 0)
      json_object_set_new(
          col, "conversion",
          json_string(arena_printf(
              req->a, "%lld %%", (long long)((s->advanced * 100 + s->reached / 2) / s->reached))));
    if (s->stays > 0)
      json_object_set_new(col, "mean_time",
                          json_string(duration(req->a, req->locale, s->mean_seconds)));
    json_array_append_new(cols, col);
  }
  for (int k = 0; k < x.n; k++) {
    const struct deal *d = &x.deals[k];
    if (!strcmp(d->state, "open")) {
      open++;
      value += d->offer_cents;
    } else if (!strcmp(d->state, "won")) {
      won++;
    } else {
      json_t *c = card_json(req, d, x.st, x.nst, now);
      json_object_set_new(c, "reason", json_string(d->lost_reason));
      json_array_append_new(lost, c);
    }
  }
  json_object_set_new(ctx, "columns", cols);
  json_object_set_new(ctx, "lost", lost);
  json_object_set_new(ctx, "open", json_integer(open));
  json_object_set_new(ctx, "won", json_integer(won));
  json_object_set_new(ctx, "value", json_string(euros(req->a, value)));
  json_object_set_new(ctx, "sortable_js",
                      json_string(http_static_url("js/vendor/sortable.min.js")));
  json_object_set_new(ctx, "board_js", json_string(http_static_url("js/board.js")));
  /* the stage settings: names, order (up/down), removal with a target for the deals
     on the stage, and a new stage before a chosen one (the sale stays last) */
  json_t *names = json_array(), *before = json_array();
  int last = x.nst > 0 && x.st[x.nst - 1].won ? x.nst - 1 : x.nst;
  for (int i = 0; i < x.nst; i++) {
    json_t *cards = json_object_get(json_array_get(cols, (size_t)i), "cards");
    size_t held = json_array_size(cards);
    json_t *row = json_pack("{s:i,s:i,s:I,s:s,s:b,s:b,s:b,s:I}", "i", i, "n", i + 1, "id",
                            (json_int_t)x.st[i].id, "name", x.st[i].name, "won", x.st[i].won, "up",
                            i > 0 && !x.st[i].won, "down", i + 1 < last, "held", (json_int_t)held);
    json_object_set_new(row, "sid", json_integer(x.st[i].id)); /* inside the targets */
    json_object_set_new(row, "removable", json_boolean(!x.st[i].won && last > 1));
    if (held > 0 && !x.st[i].won) {
      json_t *targets = json_array();
      for (int k = 0; k < x.nst; k++)
        if (k != i && !x.st[k].won)
          json_array_append_new(
              targets, json_pack("{s:I,s:s}", "id", (json_int_t)x.st[k].id, "name", x.st[k].name));
      json_object_set_new(row, "targets", targets);
    }
    if (sf && sf->error && sf->stage == x.st[i].id)
      json_object_set_new(row, "error", json_string(sf->error));
    json_array_append_new(names, row);
    if (i <= last && x.nst < DEAL_STAGES_MAX)
      json_array_append_new(
          before, json_pack("{s:i,s:s,s:b}", "i", i, "name", x.st[i].name, "selected", i == last));
  }
  json_object_set_new(ctx, "stage_names", names);
  json_object_set_new(ctx, "stage_before", before);
  json_object_set_new(ctx, "stages_full", json_boolean(x.nst >= DEAL_STAGES_MAX));
  if (sf && sf->error && !sf->stage)
    json_object_set_new(ctx, arena_printf(req->a, "stage_err_%s", sf->scope),
                        json_string(sf->error));
  json_object_set_new(ctx, "stage_add_name", json_string(sf && sf->name ? sf->name : ""));
  if (http_query(req, "gespeichert"))
    json_object_set_new(ctx, "flash", json_string(i18n_get(req->locale, "deals.saved")));
  return web_render(req, status, "dash_deals", ctx);
}

int crm_deals_page(struct http_req *req)
{
  return render_board(req, 200, NULL);
}

/* POST /dashboard/verkauf: a deal from a lead */
struct create_arg {
  struct arena *a;
  int64_t tenant_id, user_id;
  const char *lead;
  char id[17];
};

static int tx_create(db_conn *c, void *arg, struct err *e)
{
  struct create_arg *x = arg;
  return deal_from_lead(c, x->a, x->tenant_id, x->lead, x->user_id, x->id, e) < 0 ? -1 : 0;
}

int crm_deal_create(struct http_req *req)
{
  const char *lead = http_form(req, "lead");
  if (!id_valid(lead))
    return http_problem(req, 422, CC24_E_VALIDATION, "lead: no such enquiry", "lead");
  struct create_arg x = {
      .a = req->a, .tenant_id = req->tenant_id, .user_id = req->user_id, .lead = lead};
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_WRITE, tx_create, &x, &e) < 0)
    return http_problem_err(req, &e);
  return http_redirect(req, 303, arena_printf(req->a, "/dashboard/verkauf/%s", x.id));
}

/* POST /dashboard/verkauf/stufen: the stage settings. `op` picks what: "" the names
   (stage_0 …), "add" (name, before), "remove" (stage, target), "up" / "down" (stage). */
struct stages_arg {
  struct arena *a;
  int64_t tenant_id, user_id;
  const char *op;
  const char **names;
  int n;
  const char *name;
  int64_t stage, target, id;
  int before;
};

static int tx_stages(db_conn *c, void *arg, struct err *e)
{
  struct stages_arg *x = arg;
  if (!strcmp(x->op, "add"))
    return deal_stage_add(c, x->tenant_id, x->name, x->before, &x->id, e);
  if (!strcmp(x->op, "remove"))
    return deal_stage_remove(c, x->a, x->tenant_id, x->stage, x->target, x->user_id, NULL, e);
  if (!strcmp(x->op, "up") || !strcmp(x->op, "down"))
    return deal_stage_move(c, x->tenant_id, x->stage, !strcmp(x->op, "up") ? -1 : 1, e);
  return deal_stages_rename(c, x->tenant_id, x->names, x->n, e);
}

static int64_t form_id(struct http_req *req, const char *name)
{
  const char *v = http_form(req, name);
  int64_t id = 0;
  return v && str_to_i64(v, &id) && id > 0 ? id : 0;
}

int crm_deal_stages_post(struct http_req *req)
{
  struct stages_arg x = {.a = req->a, .tenant_id = req->tenant_id, .user_id = req->user_id};
  x.op = http_form(req, "op");
  if (!x.op)
    x.op = "";
  struct stage_form sf = {.scope = "names"};
  if (!strcmp(x.op, "add")) {
    sf.scope = "add";
    x.name = http_form(req, "name");
    sf.name = x.name;
    const char *b = http_form(req, "before");
    int64_t before = -1;
    if (!b || !str_to_i64(b, &before) || before < 0 || before > DEAL_STAGES_MAX)
      before = -1;
    x.before = (int)before;
  } else if (!strcmp(x.op, "remove") || !strcmp(x.op, "up") || !strcmp(x.op, "down")) {
    sf.scope = strcmp(x.op, "remove") ? "order" : "remove";
    x.stage = form_id(req, "stage");
    x.target = form_id(req, "target");
    sf.stage = x.stage;
  } else if (!*x.op) {
    x.names = arena_calloc(req->a, DEAL_STAGES_MAX, sizeof *x.names);
    for (int i = 0; i < DEAL_STAGES_MAX; i++) {
      const char *v = http_form(req, arena_printf(req->a, "stage_%d", i));
      if (!v)
        break;
      x.names[x.n++] = v;
    }
  } else {
    return http_problem(req, 422, CC24_E_VALIDATION, "unknown op", "op");
  }
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_WRITE, tx_stages, &x, &e) < 0) {
    if (e.code != CC24_E_VALIDATION && e.code != CC24_E_NOT_FOUND)
      return http_problem_err(req, &e);
    /* the reason names a text: deals.stage_err_name, …_target, …_won, … */
    const char *why = e.code == CC24_E_NOT_FOUND ? "stage" : e.field[0] ? e.field : "name";
    sf.error = i18n_get(req->locale, arena_printf(req->a, "deals.stage_err_%s", why));
    if (!strcmp(why, "stage"))
      sf.stage = 0; /* not a row on this board: the message goes to the form's top */
    return render_board(req, e.code == CC24_E_NOT_FOUND ? 404 : 422, &sf);
  }
  return http_redirect(req, 303, "/dashboard/verkauf?gespeichert=1#stufen");
}

/* --------------------------------------------------------------- one deal */

struct one_arg {
  struct arena *a;
  int64_t tenant_id, user_id;
  const char *id;
  int found;
  struct deal d;
  struct deal_stage *st;
  int nst;
  struct deal_move *moves;
  int nmoves;
  /* a change */
  const char *action, *reason, *note;
  int64_t stage, offer, trade_in, sold_vehicle, down;
  int position, term;
};

static int load(db_conn *c, struct one_arg *x, struct err *e)
{
  x->found = deal_get(c, x->a, x->tenant_id, x->id, &x->d, e);
  if (x->found <= 0)
    return x->found < 0 ? -1 : 0;
  return deal_stages(c, x->a, x->tenant_id, &x->st, &x->nst, e) < 0 ||
                 deal_history(c, x->a, x->tenant_id, x->d.id, &x->moves, &x->nmoves, e) < 0
             ? -1
             : 0;
}

static int tx_load(db_conn *c, void *arg, struct err *e)
{
  return load(c, arg, e);
}

static int render_deal(struct http_req *req, struct one_arg *x, int status,
                       const struct field_errors *errs)
{
  json_t *ctx = web_dash_context(req);
  const struct deal *d = &x->d;
  json_t *j = card_json(req, d, x->st, x->nst, time_now());
  json_object_set_new(j, "contact_email", json_string(d->contact_email));
  json_object_set_new(j, "lead", json_string(d->lead_public_id));
  json_object_set_new(j, "vehicle_id", json_string(d->vehicle_public_id));
  json_object_set_new(j, "reason", json_string(d->lost_reason));
  json_object_set_new(j, "offer_value",
                      json_string(d->offer_cents ? euros_plain(x->a, d->offer_cents) : ""));
  json_object_set_new(j, "trade_in_value",
                      json_string(d->trade_in_cents ? euros_plain(x->a, d->trade_in_cents) : ""));
  json_object_set_new(j, "trade_in_note", json_string(d->trade_in_note));
  if (d->vehicle_price_cents > 0)
    json_object_set_new(j, "list_price", json_string(euros(x->a, d->vehicle_price_cents)));
  if (d->offer_cents > 0) {
    int64_t balance = d->offer_cents - d->trade_in_cents;
    json_object_set_new(j, "balance", json_string(euros(x->a, balance)));
  }
  if (d->finance_json && *d->finance_json) {
    json_error_t je;
    json_t *f = json_loads(d->finance_json, 0, &je);
    if (f) {
      char apr[32], nominal[32];
      fin_percent_display(json_real_value(json_object_get(f, "apr_percent")), apr, sizeof apr);
      fin_percent_display(json_real_value(json_object_get(f, "nominal_rate_percent")), nominal,
                          sizeof nominal);
      json_t *fj = json_pack(
          "{s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s}", "monthly",
          euros(x->a, json_integer_value(json_object_get(f, "monthly_installment_cents"))), "apr",
          apr, "nominal", nominal, "term", json_integer_value(json_object_get(f, "term_months")),
          "down", euros(x->a, json_integer_value(json_object_get(f, "down_payment_cents"))),
          "net_loan", euros(x->a, json_integer_value(json_object_get(f, "net_loan_cents"))),
          "total", euros(x->a, json_integer_value(json_object_get(f, "total_payable_cents"))),
          "lender",
          json_string_value(json_object_get(f, "lender"))
              ? json_string_value(json_object_get(f, "lender"))
              : "");
      json_object_set_new(j, "finance", fj);
      json_object_set_new(j, "finance_down",
                          json_string(euros_plain(
                              x->a, json_integer_value(json_object_get(f, "down_payment_cents")))));
      json_object_set_new(j, "finance_term",
                          json_integer(json_integer_value(json_object_get(f, "term_months"))));
      json_decref(f);
    }
  }
  json_object_set_new(ctx, "deal", j);
  json_t *h = json_array();
  for (int i = 0; i < x->nmoves; i++) {
    char when[32];
    time_berlin_datetime(x->moves[i].at, when, sizeof when);
    const char *what =
        !strcmp(x->moves[i].state, "lost") ? i18n_get(req->locale, "deals.lost")
        : *x->moves[i].from
            ? arena_printf(x->a, "%s → %s", x->moves[i].from, x->moves[i].to)
            : arena_printf(x->a, "%s: %s", i18n_get(req->locale, "deals.created"), x->moves[i].to);
    json_array_append_new(
        h, json_pack("{s:s,s:s,s:s}", "when", when, "what", what, "who", x->moves[i].who));
  }
  json_object_set_new(ctx, "history", h);
  if (errs)
    for (int i = 0; i < errs->n; i++)
      json_object_set_new(ctx, arena_printf(x->a, "err_%s", errs->e[i].field),
                          json_string(errs->e[i].detail));
  if (http_query(req, "ok"))
    json_object_set_new(ctx, "flash", json_string(i18n_get(req->locale, "deals.saved")));
  return web_render(req, status, "dash_deal", ctx);
}

int crm_deal_page(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such deal", "id");
  struct one_arg x = {.a = req->a, .tenant_id = req->tenant_id, .id = id};
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_WRITE, tx_load, &x, &e) < 0)
    return http_problem_err(req, &e);
  if (!x.found)
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such deal", "id");
  return render_deal(req, &x, 200, NULL);
}

static int tx_change(db_conn *c, void *arg, struct err *e)
{
  struct one_arg *x = arg;
  if (load(c, x, e) < 0 || !x->found)
    return x->found ? -1 : 0;
  if (!strcmp(x->action, "move"))
    return deal_move(c, x->a, x->tenant_id, &x->d, x->stage, x->position, x->user_id,
                     &x->sold_vehicle, e);
  if (!strcmp(x->action, "lose"))
    return deal_lose(c, x->tenant_id, &x->d, x->reason, x->user_id, e);
  if (!strcmp(x->action, "finance")) {
    /* a quote from the dealer's financing conditions for the offer price less the down
       payment and the trade-in; kept with the deal as it was computed */
    struct fin_conditions fc;
    int64_t version = 0;
    int rc = fin_conditions_load(c, x->a, x->tenant_id, 0, &fc, &version, e);
    if (rc <= 0)
      return rc < 0 ? -1 : err_set(e, CC24_E_VALIDATION, "finance: no financing conditions");
    int64_t price = x->d.offer_cents > 0 ? x->d.offer_cents : x->d.vehicle_price_cents;
    double rate = 0;
    if (fin_conditions_rate(&fc, price, x->down + x->d.trade_in_cents, x->term, &rate, e) < 0)
      return err_set(e, CC24_E_VALIDATION, "finance: no rate for these figures");
    struct fin_input in = {.product = FIN_LOAN,
                           .price_cents = price,
                           .down_payment_cents = x->down,
                           .trade_in_cents = x->d.trade_in_cents,
                           .term_months = x->term,
                           .nominal_rate_percent = rate,
                           .fees_cents = fc.fees_cents};
    struct fin_quote q;
    if (fin_quote(&in, &q, e) < 0)
      return err_set(e, CC24_E_VALIDATION, "finance: the figures give no loan");
    json_t *quote = json_pack(
        "{s:I,s:I,s:I,s:i,s:f,s:I,s:I,s:i,s:f,s:I,s:I,s:s?,s:I}", "price_cents", (json_int_t)price,
        "down_payment_cents", (json_int_t)x->down, "trade_in_cents",
        (json_int_t)x->d.trade_in_cents, "term_months", x->term, "nominal_rate_percent", rate,
        "monthly_installment_cents", (json_int_t)q.monthly_installment_cents,
        "final_installment_cents", (json_int_t)q.final_installment_cents, "installments",
        q.installments, "apr_percent", q.apr_percent, "net_loan_cents",
        (json_int_t)q.net_loan_cents, "total_payable_cents", (json_int_t)q.total_payable_cents,
        "lender", fc.lender_name, "conditions_version", (json_int_t)version);
    char *json = json_dumps(quote, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(quote);
    const char *stored = arena_strdup(x->a, json);
    free(json);
    return deal_update(c, x->tenant_id, x->d.id, x->d.offer_cents, x->d.trade_in_cents,
                       x->d.trade_in_note, stored, e);
  }
  return deal_update(c, x->tenant_id, x->d.id, x->offer, x->trade_in, x->note, x->d.finance_json,
                     e);
}

int crm_deal_post(struct http_req *req)
{
  const char *id = http_param(req, "id");
  if (!id_valid(id))
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such deal", "id");
  struct one_arg x = {
      .a = req->a, .tenant_id = req->tenant_id, .user_id = req->user_id, .id = id, .position = -1};
  const char *loc = req->locale;
  x.action = http_form(req, "action");
  if (!x.action)
    x.action = "";
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  if (!strcmp(x.action, "move")) {
    const char *s = http_form(req, "stage"), *p = http_form(req, "position");
    int64_t pos = -1;
    if (!s || !str_to_i64(s, &x.stage) || x.stage <= 0)
      field_error_add(&errs, "stage", "format", "%s", i18n_get(loc, "deals.bad_stage"));
    if (p && *p && (!str_to_i64(p, &pos) || pos < 0 || pos > 10000))
      field_error_add(&errs, "position", "range", "position must be 0 to 10000");
    x.position = (int)pos;
  } else if (!strcmp(x.action, "lose")) {
    const char *r = http_form(req, "reason");
    x.reason = r ? str_trim(req->a, r) : "";
    if (!*x.reason || strlen(x.reason) > DEAL_REASON_MAX)
      field_error_add(&errs, "reason", "required", "%s", i18n_get(loc, "deals.need_reason"));
  } else if (!strcmp(x.action, "update")) {
    const char *o = http_form(req, "offer"), *t = http_form(req, "trade_in"),
               *n = http_form(req, "trade_in_note");
    if (o && *o && (money_parse_euros(o, &x.offer) < 0 || x.offer < 0 || x.offer > DEAL_MONEY_MAX))
      field_error_add(&errs, "offer", "format", "%s", i18n_get(loc, "deals.bad_money"));
    if (t && *t &&
        (money_parse_euros(t, &x.trade_in) < 0 || x.trade_in < 0 || x.trade_in > DEAL_MONEY_MAX))
      field_error_add(&errs, "trade_in", "format", "%s", i18n_get(loc, "deals.bad_money"));
    x.note = n ? str_trim(req->a, n) : "";
    if (strlen(x.note) > DEAL_NOTE_MAX || !utf8_valid(x.note, strlen(x.note)))
      field_error_add(&errs, "trade_in_note", "length", "%s", i18n_get(loc, "leads.too_long"));
  } else if (!strcmp(x.action, "finance")) {
    const char *dn = http_form(req, "down_payment"), *tm = http_form(req, "term");
    int64_t term = 0;
    if (dn && *dn && (money_parse_euros(dn, &x.down) < 0 || x.down < 0 || x.down > DEAL_MONEY_MAX))
      field_error_add(&errs, "down_payment", "format", "%s", i18n_get(loc, "deals.bad_money"));
    if (!tm || !str_to_i64(tm, &term) || term < 1 || term > FIN_MAX_TERM)
      field_error_add(&errs, "term", "range", "%s", i18n_get(loc, "deals.bad_term"));
    x.term = (int)term;
  } else {
    return http_problem(req, 422, CC24_E_VALIDATION, "unknown action", "action");
  }
  struct err e = {0};
  db *d = ((struct app *)req->app)->db;
  if (errs.n == 0 && db_tx(d, req->tenant_id, DB_WRITE, tx_change, &x, &e) < 0) {
    if (e.code != CC24_E_VALIDATION && e.code != CC24_E_CONFLICT)
      return http_problem_err(req, &e);
    const char *field = e.code == CC24_E_CONFLICT       ? "state"
                        : !strncmp(e.msg, "finance", 7) ? "finance"
                                                        : "stage";
    field_error_add(&errs, field, "invalid", "%s",
                    !strcmp(field, "finance") ? i18n_get(loc, "deals.no_finance") : e.msg);
  }
  if (errs.n > 0) {
    struct one_arg y = {.a = req->a, .tenant_id = req->tenant_id, .id = id};
    struct err e2 = {0};
    if (db_tx(d, req->tenant_id, DB_WRITE, tx_load, &y, &e2) < 0)
      return http_problem_err(req, &e2);
    if (!y.found)
      return http_problem(req, 404, CC24_E_NOT_FOUND, "no such deal", "id");
    return render_deal(req, &y, e.code == CC24_E_CONFLICT ? 409 : 422, &errs);
  }
  if (!x.found)
    return http_problem(req, 404, CC24_E_NOT_FOUND, "no such deal", "id");
  /* a sale takes the vehicle out of the public search at once (on this instance now,
     on the others by NOTIFY) */
  if (x.sold_vehicle > 0)
    vehicle_index_refresh(req->app, x.sold_vehicle);
  const char *back = http_form(req, "back");
  if (back && !strcmp(back, "board"))
    return http_redirect(req, 303, "/dashboard/verkauf");
  return http_redirect(req, 303, arena_printf(req->a, "/dashboard/verkauf/%s?ok=1", id));
}
