/* lead_api.c — leads for scripts: POST /api/v1/public/leads (no login, rate-limited
 * like the vehicle page's form, the same validation and mails) and GET /api/v1/leads (a
 * dealer's token with the scope leads:read — "leads" is the older name — or a session). */
#include "crm/lead_api.h"

#include "app.h"
#include "auth/auth.h"
#include "auth/ratelimit.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crm/crm.h"
#include "inventory/vehicle.h"
#include "inventory/vehicle_store.h"
#include "privacy/consent.h"
#include "privacy/newsletter.h"
#include "tenant/tenant.h"
#include "testdrive/testdrive.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

/* What became of a requested slot. */
enum slot_state { SLOT_NONE, SLOT_BOOKED, SLOT_TAKEN, SLOT_INVALID };

struct submit_arg {
  struct arena *a;
  const char *vehicle, *locale, *ip;
  struct lead *l;
  struct tenant t;
  int found;
  int64_t slot;         /* test drive: the slot's start (UTC), 0 = a free date */
  int slot_state;       /* enum slot_state */
  struct td_booking *b; /* the booking when slot_state is SLOT_BOOKED */
};

static int tx_submit(db_conn *c, void *arg, struct err *e)
{
  struct submit_arg *x = arg;
  struct vehicle v;
  int rc = vehicle_store_get(c, x->a, 0, x->vehicle, &v, e);
  if (rc <= 0)
    return rc; /* only a public vehicle takes enquiries */
  struct tenant t;
  rc = tenant_store_by_id(c, x->a, v.tenant_id, &t, e);
  if (rc <= 0)
    return rc;
  x->t = t;
  x->found = 1;
  x->l->tenant_id = v.tenant_id;
  x->l->vehicle_id = v.id;
  const char *title = arena_printf(x->a, "%s %s %s", v.make, v.model, v.variant);
  const char *url = arena_printf(x->a, "%s/fahrzeuge/x-%s%s", cfg.base_url, v.public_id,
                                 strcmp(x->locale, "en") ? "" : "?lang=en");
  struct consent_notice n;
  consent_notice(x->a, x->locale, CONSENT_NOTICE_ENQUIRY, &t, &n);
  struct consent_record r = {.tenant_id = t.id,
                             .form = enum_value(&lead_enum_kind, x->l->kind),
                             .email = str_lower(x->a, x->l->email),
                             .reference = x->l->public_id,
                             .ip = x->ip};
  if (!x->slot) {
    if (crm_lead_submit(c, x->a, x->l, &t, title, url, x->locale, e) < 0)
      return -1;
    /* the processing record, with the notice the dealer's site states (privacy_ack:
     * the script showed it) */
    return consent_record(c, &r, &n, time_now(), e);
  }
  /* a slot is checked against the free slots the vehicle page offers and booked
   * the way it books (td_book): the unique index makes a double booking fail */
  struct td_offer o;
  if (td_offer_load(c, x->a, v.tenant_id, v.id, time_now(), &o, e) < 0)
    return -1;
  int64_t end;
  if (!td_offer_has(&o, x->slot, &end)) {
    x->slot_state = td_offer_taken(&o, x->slot) ? SLOT_TAKEN : SLOT_INVALID;
    return 0;
  }
  struct td_booking *b = x->b;
  b->slot_start = x->slot;
  b->slot_end = end;
  b->name = x->l->name;
  b->email = x->l->email;
  b->phone = x->l->phone;
  b->locale = strcmp(x->locale, "en") ? "de" : "en";
  b->vehicle_title = title;
  if (td_book(c, x->a, x->l, b, &t, url, o.sms, e) < 0 ||
      consent_record(c, &r, &n, time_now(), e) < 0)
    return -1;
  x->slot_state = SLOT_BOOKED;
  return 0;
}

static json_t *iso(int64_t t)
{
  if (t <= 0)
    return json_null();
  char s[32];
  time_iso_utc(t, s, sizeof s);
  return json_string(s);
}

int crm_api_public_lead(struct http_req *req)
{
  struct arena *a = req->a;
  struct err e = {0};
  json_t *body = http_json_body(req, &e);
  if (!body)
    return http_problem_err(req, &e);
  struct lead l;
  lead_init(&l);
  char *vehicle = NULL, *name = "", *email = "", *phone = "", *message = "", *date = "",
       *slot = NULL;
  bool ack = false, ack_present = false, optin = false;
  struct json_field spec[] = {
      JF_STRING("vehicle_id", &vehicle, JF_REQUIRED, 1, 32),
      JF_ENUM("kind", &l.kind, JF_REQUIRED, &lead_enum_kind),
      JF_STRING("name", &name, JF_REQUIRED, 0, LEAD_NAME_MAX),
      JF_STRING("email", &email, JF_REQUIRED, 0, LEAD_EMAIL_MAX),
      JF_STRING("phone", &phone, 0, 0, LEAD_PHONE_MAX),
      JF_STRING("message", &message, 0, 0, LEAD_MESSAGE_MAX),
      JF_STRING("preferred_date", &date, 0, 0, 10),
      JF_STRING("slot", &slot, 0, 1, 40),
      {"privacy_ack", JF_T_BOOL, &ack, JF_REQUIRED, 0, 0, NULL, &ack_present},
      JF_BOOL("marketing_opt_in", &optin, 0),
      JF_END,
  };
  struct field_errors errs;
  field_errors_init(&errs, a);
  json_parse_fields(a, body, spec, JSON_REJECT_UNKNOWN, &errs);
  if (ack_present && !ack && !field_error_get(&errs, "privacy_ack"))
    field_error_add(&errs, "privacy_ack", "required",
                    "privacy_ack must be true: the buyer has seen the privacy notice");
  if (errs.n > 0)
    return http_problem_fields(req, &errs);
  /* a slot (ISO 8601, e.g. "2026-12-09T09:00:00Z") books it; the lead's date is then
   * the slot's Berlin day */
  int64_t slot_start = 0;
  if (slot && l.kind != LEAD_TEST_DRIVE) {
    field_error_add(&errs, "slot", "invalid", "a slot is only booked with kind test_drive");
    return http_problem_fields(req, &errs);
  }
  if (slot && (time_parse_iso(slot, &slot_start) < 0 || slot_start <= 0)) {
    field_error_add(&errs, "slot", "invalid",
                    "slot must be a slot start in ISO 8601, e.g. 2026-12-09T09:00:00Z");
    return http_problem_fields(req, &errs);
  }
  if (slot_start) {
    int y, m, d;
    time_civil_from_days(time_berlin_day(slot_start), &y, &m, &d);
    date = arena_printf(a, "%04d-%02d-%02d", y, m, d);
  }
  l.name = name;
  l.email = email;
  l.phone = phone;
  l.message = message;
  l.preferred_date = date;
  l.source = "api";
  l.marketing_opt_in = optin;
  if (lead_validate(a, &l, time_now(), &errs) < 0)
    return http_problem_fields(req, &errs);
  if (!id_valid(vehicle)) {
    field_error_add(&errs, "vehicle_id", "not_found", "no public vehicle with this id");
    return http_problem_fields(req, &errs);
  }
  /* what would be stored and mailed is limited per address (the form's bucket) */
  int retry = 60;
  if (!rl_take(arena_printf(a, "lead:%s", http_client_net(req)), 5, 1, &retry)) {
    http_set_header(req, "Retry-After", arena_printf(a, "%d", retry < 1 ? 1 : retry));
    return http_problem(req, 429, CC24_E_RATE_LIMITED, "too many enquiries; try again later", NULL);
  }
  struct td_booking b = {0};
  struct submit_arg x = {.a = a,
                         .vehicle = vehicle,
                         .locale = req->locale,
                         .ip = req->client_ip,
                         .l = &l,
                         .slot = slot_start,
                         .b = &b};
  if (db_tx(((struct app *)req->app)->db, 0, DB_WRITE, tx_submit, &x, &e) < 0) {
    if (slot_start && e.code == CC24_E_DB_CONSTRAINT) /* booked a moment ago */
      return http_problem(req, 409, CC24_E_CONFLICT, "the slot is booked already", "slot");
    return http_problem_err(req, &e);
  }
  if (!x.found) {
    field_error_add(&errs, "vehicle_id", "not_found", "no public vehicle with this id");
    return http_problem_fields(req, &errs);
  }
  if (x.slot_state == SLOT_TAKEN)
    return http_problem(req, 409, CC24_E_CONFLICT, "the slot is booked already", "slot");
  if (x.slot_state == SLOT_INVALID) {
    field_error_add(&errs, "slot", "invalid", "not one of the vehicle's free slots");
    return http_problem_fields(req, &errs);
  }
  if (l.marketing_opt_in)
    newsletter_optin(((struct app *)req->app)->db, a, &x.t, l.email, req->locale, "api",
                     req->client_ip);
  json_t *out = json_pack("{s:s,s:s,s:s}", "id", l.public_id, "status", "new", "kind",
                          enum_value(&lead_enum_kind, l.kind));
  if (x.slot_state == SLOT_BOOKED) {
    log_info("test drive %s booked through the API for tenant %lld", b.public_id,
             (long long)l.tenant_id);
    web_cache_clear(); /* the slot is gone from the vehicle page */
    json_object_set_new(out, "test_drive",
                        json_pack("{s:s,s:o,s:o}", "id", b.public_id, "slot_start",
                                  iso(b.slot_start), "slot_end", iso(b.slot_end)));
  }
  return http_reply_json(req, 201, out);
}

/* ------------------------------------------------------------------ the list */

struct list_arg {
  struct arena *a;
  int64_t tenant_id;
  struct crm_filter f;
  int page, size;
  struct crm_lead *rows;
  int n;
  int64_t total;
};

static int tx_list(db_conn *c, void *arg, struct err *e)
{
  struct list_arg *x = arg;
  if (crm_link_contacts(c, x->a, x->tenant_id, e) < 0)
    return -1;
  return crm_lead_list(c, x->a, x->tenant_id, &x->f, time_now(), x->page, x->size, &x->rows, &x->n,
                       &x->total, e);
}

int crm_api_leads(struct http_req *req)
{
  /* a token needs the leads scope; a logged-in dealer reads its own inbox anyway */
  if (req->scopes && !(req->scopes & AUTH_SCOPE_LEADS))
    return http_problem(req, 403, CC24_E_FORBIDDEN, "the token lacks the leads:read scope", NULL);
  struct field_errors errs;
  field_errors_init(&errs, req->a);
  struct list_arg x = {.a = req->a, .tenant_id = req->tenant_id, .page = 1, .size = 50};
  int64_t v;
  const char *p = http_query(req, "page"), *s = http_query(req, "size"),
             *status = http_query(req, "status"), *q = http_query(req, "q");
  if (p && (!str_to_i64(p, &v) || v < 1 || v > 100000))
    field_error_add(&errs, "page", "range", "page must be 1 to 100000");
  else if (p)
    x.page = (int)v;
  if (s && (!str_to_i64(s, &v) || v < 1 || v > 200))
    field_error_add(&errs, "size", "range", "size must be 1 to 200");
  else if (s)
    x.size = (int)v;
  if (status && enum_parse(&crm_enum_status, status) < 0)
    field_error_add(&errs, "status", "enum", "unknown status");
  if (q && strlen(q) > 100)
    field_error_add(&errs, "q", "length", "q must have at most 100 characters");
  if (errs.n > 0)
    return http_problem_list(req, 400, CC24_E_BAD_PARAMETER, "bad query parameter", &errs);
  x.f.status = status ? status : "";
  x.f.q = q ? q : "";
  x.f.kind = "";
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, req->tenant_id, DB_WRITE, tx_list, &x, &e) < 0)
    return http_problem_err(req, &e);
  json_t *items = json_array();
  for (int i = 0; i < x.n; i++) {
    const struct crm_lead *r = &x.rows[i];
    const struct lead *l = &r->l;
    json_t *j = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:o,s:o,s:o,s:b}", "id", l->public_id, "kind",
        enum_value(&lead_enum_kind, l->kind), "status", l->status, "name", l->name, "email",
        l->email, "phone", l->phone, "message", l->message, "source", r->source ? r->source : "",
        "vehicle_id",
        l->vehicle_public_id && *l->vehicle_public_id ? json_string(l->vehicle_public_id)
                                                      : json_null(),
        "vehicle_title", l->vehicle_title ? l->vehicle_title : "", "created_at", iso(l->created_at),
        "follow_up_at", iso(r->follow_up_at), "preferred_date",
        *l->preferred_date ? json_string(l->preferred_date) : json_null(), "read", r->read_at > 0);
    json_array_append_new(items, j);
  }
  return http_reply_json(req, 200,
                         json_pack("{s:o,s:I,s:i,s:i}", "items", items, "total",
                                   (json_int_t)x.total, "page", x.page, "size", x.size));
}
