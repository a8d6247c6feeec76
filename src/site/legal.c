/* legal.c — the platform's legal pages: Impressum (§ 5 DDG, § 18 (2) MStV,
 * § 36 VSBG), Datenschutzerklärung (Art. 13 GDPR; only strictly necessary
 * cookies, § 25 (2) TDDDG) and AGB. The texts and the operator's data live in
 * the i18n catalogs (i18n/legal.de.json, legal.en.json), German first, English
 * with ?lang=en; the templates only arrange them. */
#include "core/arena.h"
#include "core/config.h"
#include "core/str.h"
#include "crm/retention.h"
#include "render/i18n.h"
#include "web/web.h"

#include <jansson.h>

static int legal(struct http_req *req, const char *tmpl, const char *path)
{
  json_t *ctx = web_context(req);
  const char *tel = str_tel_uri(req->a, i18n_get(req->locale, "legal_operator.phone"));
  json_object_set_new(ctx, "operator_tel", json_string(tel)); /* the imprint's phone link */
  /* the retention period of enquiries: the setting the retention job enforces */
  json_object_set_new(
      ctx, "privacy_leads_keep",
      json_string(lead_retention_text(req->a, req->locale, "legal_privacy.p2_keep")));
  web_page_urls(req, ctx, path, NULL);
  return web_render(req, 200, tmpl, ctx);
}

int site_imprint(struct http_req *req)
{
  return legal(req, "legal_imprint", "/impressum");
}

int site_privacy(struct http_req *req)
{
  return legal(req, "legal_privacy", "/datenschutz");
}

int site_terms(struct http_req *req)
{
  return legal(req, "legal_terms", "/agb");
}
