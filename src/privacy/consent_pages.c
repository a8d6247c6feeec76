/* consent_pages.c — the dealer's processing records: what each form recorded, with the
 * notice shown, searchable by address (see consent.h), and the newsletter's counts. */
#include "privacy/consent.h"

#include "app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crm/lead.h"
#include "http/http.h"
#include "privacy/newsletter.h"
#include "render/i18n.h"
#include "web/web.h"

#include <stdlib.h>
#include <string.h>

#define PAGE_SIZE 50

struct dash_arg {
  struct arena *a;
  int64_t tenant_id;
  const char *email;
  int page;
  struct consent_row *rows;
  int n;
  int64_t total;
  struct newsletter_counts nl;
};

static int tx_dash(db_conn *c, void *arg, struct err *e)
{
  struct dash_arg *x = arg;
  if (newsletter_count(c, x->tenant_id, &x->nl, e) < 0)
    return -1;
  return consent_list(c, x->a, x->tenant_id, x->email, x->page, PAGE_SIZE, &x->rows, &x->n,
                      &x->total, e);
}

int consent_dash_page(struct http_req *req)
{
  struct dash_arg x = {.a = req->a, .tenant_id = req->tenant_id, .email = "", .page = 1};
  const char *q = http_query(req, "email"), *pg = http_query(req, "page");
  q = q ? str_trim(req->a, q) : "";
  bool bad = *q && !lead_email_valid(q);
  if (*q && !bad)
    x.email = str_lower(req->a, q);
  int64_t page;
  if (pg && str_to_i64(pg, &page) && page > 0 && page < 100000)
    x.page = (int)page;
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_READ, tx_dash, &x, &e) < 0)
    return http_problem_err(req, &e);
  json_t *ctx = web_dash_context(req);
  json_t *rows = json_array();
  for (int i = 0; i < x.n; i++) {
    const struct consent_row *r = &x.rows[i];
    char at[32];
    time_berlin_datetime(r->at, at, sizeof at);
    char key[64];
    snprintf(key, sizeof key, "consent.form_%s", r->form);
    const char *label = i18n_get(req->locale, key);
    bool lead = strcmp(r->form, "newsletter") && strncmp(r->form, "newsletter_", 11);
    json_array_append_new(
        rows, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "at", at, "form",
                        strcmp(label, key) ? label : r->form, "purpose", r->purpose, "legal_basis",
                        r->legal_basis, "ip", *r->ip ? r->ip : "–", "email", r->email, "reference",
                        r->reference, "hash_short", arena_strndup(req->a, r->hash, 12), "text",
                        r->text, "is_lead", lead && *r->reference));
  }
  json_object_set_new(ctx, "records", rows);
  json_object_set_new(ctx, "empty", json_boolean(x.n == 0));
  json_object_set_new(ctx, "total", json_integer(x.total));
  json_object_set_new(ctx, "email", json_string(q));
  json_object_set_new(ctx, "bad_email", json_boolean(bad));
  json_object_set_new(ctx, "nl_confirmed", json_integer(x.nl.confirmed));
  json_object_set_new(ctx, "nl_pending", json_integer(x.nl.pending));
  int64_t pages = (x.total + PAGE_SIZE - 1) / PAGE_SIZE;
  const char *eq = "";
  if (*x.email) {
    struct buf b;
    buf_init(&b, req->a);
    buf_puts(&b, "email=");
    buf_append_urlenc(&b, x.email, strlen(x.email));
    buf_putc(&b, '&');
    eq = buf_cstr(&b);
  }
  if (x.page > 1)
    json_object_set_new(ctx, "prev_url",
                        json_string(arena_printf(
                            req->a, "/dashboard/datenschutz/nachweise?%spage=%d", eq, x.page - 1)));
  if (x.page < pages)
    json_object_set_new(ctx, "next_url",
                        json_string(arena_printf(
                            req->a, "/dashboard/datenschutz/nachweise?%spage=%d", eq, x.page + 1)));
  return web_render(req, bad ? 422 : 200, "dash_consent", ctx);
}
