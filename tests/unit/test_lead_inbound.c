/* Store tests for inbound mail (crm/lead_inbound.c) — SQLite and PostgreSQL (as the
 * application role, so row-level security applies): a lead's receipt carries the
 * routing Reply-To and a Message-ID kept with the lead; the buyer's answer to it is
 * stored once as a mail_in activity (a second delivery of the same Message-ID is not),
 * the lead is unread again; an answer to another address finds the lead by
 * In-Reply-To; a forged tag or an unknown address stores nothing. */
#include "core/arena.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/timeutil.h"
#include "crm/crm.h"
#include "inventory/vehicle_store.h"
#include "mail/inbound.h"
#include "mail/mail.h"
#include "tenant/tenant.h"
#include "testdb.h"

#include <criterion/criterion.h>
#include <string.h>

static db *d;
static struct arena *a;
static struct tenant t;
static struct vehicle v;

static int tx_setup(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  memset(&t, 0, sizeof t);
  t.slug = "autohaus-inbound";
  t.name = "Autohaus Inbound";
  t.email = "verkauf@autohaus-inbound.example";
  return tenant_store_create(c, &t, e);
}

static int tx_vehicle(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  return vehicle_store_insert(c, a, &v, e);
}

static void setup(void)
{
  ids_init();
  config_defaults();
  config_set("mail-inbound-domain", "in.cc24.test");
  d = testdb_open();
  cr_assert_not_null(d);
  a = arena_new(0);
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_setup, NULL, &e), 0, "%s", e.msg);
  vehicle_init(&v);
  v.tenant_id = t.id;
  v.make = "VW";
  v.model = "Golf";
  v.variant = "GTI";
  v.body = BODY_COMPACT;
  v.condition = COND_USED;
  v.first_reg = 2020 * 12;
  v.mileage_km = 40000;
  v.power_kw = 180;
  v.fuel = FUEL_PETROL;
  v.gearbox = GEARBOX_AUTOMATIC;
  v.drive = DRIVE_FRONT;
  v.colour = COLOUR_RED;
  v.price_cents = 2500000;
  v.vat_mode = VAT_SHOWN;
  v.status = STATUS_PUBLISHED;
  cr_assert_eq(db_tx(d, t.id, DB_WRITE, tx_vehicle, NULL, &e), 0, "%s", e.msg);
  if (db_backend(d) == DB_PG)
    cr_assert_eq(db_use_role(d, "cc24_app", &e), 0, "%s", e.msg);
}

static void teardown(void)
{
  arena_free(a);
  testdb_close(d);
}

TestSuite(lead_inbound, .init = setup, .fini = teardown);

static struct lead lead;

static int tx_submit(db_conn *c, void *arg, struct err *e)
{
  (void)arg;
  return crm_lead_submit(c, a, &lead, &t, "VW Golf GTI", "https://cc24.test/fahrzeuge/x", "de", e);
}

/* A lead from the public form; the buyer's receipt: its Reply-To and Message-ID. */
static void submit(const char **reply_to, const char **message_id)
{
  lead_init(&lead);
  lead.tenant_id = t.id;
  lead.vehicle_id = v.id;
  lead.name = "Jürgen Käufer";
  lead.email = "kunde@example.de";
  lead.message = "Ist der Golf noch da?";
  struct err e = {0};
  cr_assert_eq(db_tx(d, 0, DB_WRITE, tx_submit, NULL, &e), 0, "%s", e.msg);
  struct mail_row *rows;
  int n;
  cr_assert_eq(mail_list(d, a, "", 50, &rows, &n, &e), 0, "%s", e.msg);
  for (int i = 0; i < n; i++) {
    if (strcmp(rows[i].recipient, "kunde@example.de"))
      continue;
    const char *msg;
    cr_assert_eq(mail_message(d, a, rows[i].id, &msg, &e), 1, "%s", e.msg);
    const char *rt = strstr(msg, "\r\nReply-To: ");
    cr_assert_not_null(rt, "the receipt has a Reply-To");
    rt += 12;
    *reply_to = arena_strndup(a, rt, strcspn(rt, "\r\n"));
    *message_id = rows[i].message_id;
    return;
  }
  cr_assert_fail("no receipt queued");
}

static struct crm_inbound receive(const char *to_header, const char *extra, const char *mid,
                                  const char *text)
{
  const char *msg = arena_printf(a,
                                 "From: =?UTF-8?Q?J=C3=BCrgen_K=C3=A4ufer?= <kunde@example.de>\r\n"
                                 "To: %s\r\n%sSubject: Re: Ihre Anfrage\r\n"
                                 "Message-ID: <%s>\r\nDate: Mon, 07 Dec 2026 22:15:03 +0100\r\n"
                                 "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
                                 to_header, extra, mid, text);
  struct mail_in m;
  struct err e = {0};
  cr_assert_eq(mail_in_parse(a, msg, strlen(msg), NULL, &m, &e), 0, "%s", e.msg);
  struct crm_inbound in;
  cr_assert_eq(crm_mail_receive(d, a, &m, &in, &e), 0, "%s", e.msg);
  return in;
}

struct look {
  struct crm_lead l;
  struct crm_activity *acts;
  int n, mail_in;
};

static int tx_look(db_conn *c, void *arg, struct err *e)
{
  struct look *x = arg;
  if (crm_lead_get(c, a, t.id, lead.public_id, &x->l, e) != 1 ||
      crm_activities(c, a, t.id, x->l.l.id, &x->acts, &x->n, e) < 0)
    return -1;
  x->mail_in = 0;
  for (int i = 0; i < x->n; i++)
    x->mail_in += !strcmp(x->acts[i].kind, "mail_in");
  return 0;
}

static struct look look(void)
{
  struct look x = {0};
  struct err e = {0};
  cr_assert_eq(db_tx(d, t.id, DB_READ, tx_look, &x, &e), 0, "%s", e.msg);
  return x;
}

static int tx_read(db_conn *c, void *arg, struct err *e)
{
  return crm_lead_mark_read(c, t.id, *(int64_t *)arg, time_now(), e);
}

Test(lead_inbound, answer_to_the_reply_to_is_stored_once_and_the_lead_unread)
{
  const char *reply_to, *mid;
  submit(&reply_to, &mid);
  cr_assert(!strncmp(reply_to, "lead+", 5), "routing Reply-To: %s", reply_to);
  cr_assert(strstr(reply_to, lead.public_id), "%s", reply_to);
  cr_assert(strstr(reply_to, "@in.cc24.test"), "%s", reply_to);
  /* the dealer has read it */
  struct look x = look();
  struct err e = {0};
  cr_assert_eq(db_tx(d, t.id, DB_WRITE, tx_read, &x.l.l.id, &e), 0, "%s", e.msg);
  cr_assert_neq(look().l.read_at, 0);

  struct crm_inbound in = receive(reply_to, "", "answer-1@example.de", "Ja, gerne am Samstag.");
  cr_assert_eq(in.result, CRM_IN_STORED);
  cr_assert_str_eq(in.lead_public_id, lead.public_id);
  x = look();
  cr_assert_eq(x.mail_in, 1);
  cr_assert_eq(x.l.read_at, 0, "unread again");
  const struct crm_activity *act = &x.acts[x.n - 1];
  cr_assert_str_eq(act->kind, "mail_in");
  cr_assert_str_eq(act->body, "Re: Ihre Anfrage\n\nJa, gerne am Samstag.");
  cr_assert_str_eq(act->user_name, "Jürgen Käufer <kunde@example.de>");
  cr_assert_geq(x.l.updated_at, act->created_at);

  /* the MTA delivers it again: stored once */
  in = receive(reply_to, "", "answer-1@example.de", "Ja, gerne am Samstag.");
  cr_assert_eq(in.result, CRM_IN_DUPLICATE);
  cr_assert_eq(look().mail_in, 1);
  /* another answer is another activity */
  in = receive(reply_to, "", "answer-2@example.de", "Und noch eine Frage.");
  cr_assert_eq(in.result, CRM_IN_STORED);
  cr_assert_eq(look().mail_in, 2);
}

Test(lead_inbound, in_reply_to_finds_the_lead_without_the_address)
{
  const char *reply_to, *mid;
  submit(&reply_to, &mid);
  cr_assert(*mid);
  struct crm_inbound in = receive(
      "verkauf@autohaus-inbound.example",
      arena_printf(a, "In-Reply-To: <%s>\r\nReferences: <other@x.example> <%s>\r\n", mid, mid),
      "thread-1@example.de", "Per Antwort an den Händler.");
  cr_assert_eq(in.result, CRM_IN_STORED);
  cr_assert_str_eq(in.lead_public_id, lead.public_id);
  cr_assert_eq(look().mail_in, 1);
  /* an unknown Message-ID finds nothing */
  in = receive("verkauf@autohaus-inbound.example", "In-Reply-To: <nope@x.example>\r\n",
               "thread-2@example.de", "x");
  cr_assert_eq(in.result, CRM_IN_NO_LEAD);
  cr_assert_eq(look().mail_in, 1);
}

Test(lead_inbound, forged_or_missing_tag_stores_nothing)
{
  const char *reply_to, *mid;
  submit(&reply_to, &mid);
  /* the right lead id, a wrong tag — even with a valid In-Reply-To */
  char *forged = arena_strdup(a, reply_to);
  char *tag = strchr(forged, '.') + 1;
  tag[0] = tag[0] == 'a' ? 'b' : 'a';
  struct crm_inbound in =
      receive(forged, arena_printf(a, "In-Reply-To: <%s>\r\n", mid), "forged-1@x.example", "x");
  cr_assert_eq(in.result, CRM_IN_FORGED);
  in = receive(arena_printf(a, "lead+%s@in.cc24.test", lead.public_id), "", "forged-2@x.example",
               "x");
  cr_assert_eq(in.result, CRM_IN_FORGED);
  in = receive("info@in.cc24.test", "", "plain-1@x.example", "x");
  cr_assert_eq(in.result, CRM_IN_NO_LEAD);
  struct look x = look();
  cr_assert_eq(x.mail_in, 0);
}

Test(lead_inbound, without_the_setting_reply_to_is_the_dealer)
{
  config_set("mail-inbound-domain", "");
  const char *reply_to, *mid;
  submit(&reply_to, &mid);
  cr_assert_str_eq(reply_to, "verkauf@autohaus-inbound.example");
}
