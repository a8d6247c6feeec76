/* lead_submit.c — the one way a lead enters cc24: stored, and both mails queued (see
 * crm.h). */
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "crm/crm.h"
#include "mail/mail.h"
#include "render/i18n.h"
#include "tenant/tenant.h"

#include <string.h>

/* The dealer's notice: everything the buyer sent, and the vehicle. */
static const char *dealer_text(struct arena *a, const struct lead *l, const char *title,
                               const char *url)
{
  const char *kind = enum_label(&lead_enum_kind, l->kind, "de");
  struct buf b;
  buf_init(&b, a);
  buf_printf(&b, "Neue %s über cc24\n\nFahrzeug: %s\n%s\n\nName: %s\nE-Mail: %s\nTelefon: %s\n",
             kind, title, url, l->name, l->email, *l->phone ? l->phone : "–");
  if (*l->preferred_date)
    buf_printf(&b, "Wunschtermin: %s\n", l->preferred_date);
  buf_printf(&b, "Nachricht:\n%s\n\nIm Dashboard: %s/dashboard/anfragen/%s\n",
             *l->message ? l->message : "–", cfg.base_url, l->public_id);
  return buf_cstr(&b);
}

/* The buyer's receipt: what was sent, to whom, and how to reach the dealer. */
static const char *receipt_text(struct arena *a, const char *loc, const struct lead *l,
                                const struct tenant *t, const char *title, const char *url)
{
  struct buf b;
  buf_init(&b, a);
  buf_printf(&b, "%s %s,\n\n%s %s\n\n", i18n_get(loc, "mail.lead_confirm_hello"), l->name,
             i18n_get(loc, "mail.lead_confirm_text"), t->name);
  buf_printf(&b, "%s: %s\n%s\n\n", i18n_get(loc, "mail.lead_confirm_vehicle"), title, url);
  buf_printf(&b, "%s:\n%s: %s\n%s: %s\n", i18n_get(loc, "mail.lead_confirm_yours"),
             i18n_get(loc, "mail.name"), l->name, i18n_get(loc, "mail.email"), l->email);
  if (*l->phone)
    buf_printf(&b, "%s: %s\n", i18n_get(loc, "mail.phone"), l->phone);
  if (*l->preferred_date)
    buf_printf(&b, "%s: %s\n", i18n_get(loc, "mail.date"), l->preferred_date);
  if (*l->message)
    buf_printf(&b, "%s:\n%s\n", i18n_get(loc, "mail.message"), l->message);
  buf_printf(&b, "\n%s:\n%s\n", i18n_get(loc, "mail.lead_confirm_dealer"), t->name);
  if (t->street && *t->street)
    buf_printf(&b, "%s, %s %s\n", t->street, t->zip ? t->zip : "", t->city ? t->city : "");
  if (t->phone && *t->phone)
    buf_printf(&b, "%s: %s\n", i18n_get(loc, "mail.phone"), t->phone);
  if (t->email && *t->email)
    buf_printf(&b, "%s: %s\n", i18n_get(loc, "mail.email"), t->email);
  buf_printf(&b, "\n%s %s/datenschutz%s\n", i18n_get(loc, "mail.lead_confirm_privacy"),
             cfg.base_url, strcmp(loc, "en") ? "" : "?lang=en");
  return buf_cstr(&b);
}

int crm_lead_submit(db_conn *c, struct arena *a, struct lead *l, const struct tenant *t,
                    const char *vehicle_title, const char *vehicle_url, const char *locale,
                    struct err *e)
{
  const char *loc = locale && !strcmp(locale, "en") ? "en" : "de";
  if (lead_store_insert(c, l, e) < 0)
    return -1;
  /* the row id without reading the lead (the public may add one, not read it): the
     receipt's Message-ID is kept with it, and the buyer's answer to the receipt comes
     back into the lead when mail-inbound-domain is set */
  int64_t lead_id = 0;
  const char *routed = NULL;
  if (db_query_one(c, a,
                   DB_SQL(c, "SELECT last_insert_rowid()",
                          "SELECT currval(pg_get_serial_sequence('leads', 'id'))"),
                   NULL, DB_ROW(db_out_i64(&lead_id)), e) != 1 ||
      crm_reply_address(c, a, l->public_id, &routed, e) < 0)
    return -1;
  l->id = lead_id;
  struct mail to_dealer = {
      .tenant_id = l->tenant_id,
      .to = t->email,
      .locale = "de",
      .kind = "lead.dealer",
      .subject =
          arena_printf(a, "%s: %s", enum_label(&lead_enum_kind, l->kind, "de"), vehicle_title),
      .text = dealer_text(a, l, vehicle_title, vehicle_url),
      .reply_to = l->email,
  };
  struct mail to_buyer = {
      .tenant_id = l->tenant_id,
      .to = l->email,
      .locale = loc,
      .kind = "lead.confirm",
      .subject =
          arena_printf(a, "%s: %s", i18n_get(loc, "mail.lead_confirm_subject"), vehicle_title),
      .text = receipt_text(a, loc, l, t, vehicle_title, vehicle_url),
      .reply_to = routed ? routed : t->email,
      .lead_id = lead_id,
  };
  if (t->email && *t->email && mail_queue(c, &to_dealer, e) < 0)
    return -1;
  return mail_queue(c, &to_buyer, e);
}
