/* dash.c — what every dashboard page shares: the session cookie and the
 * dashboard page context (csrf, user, dealer, navigation). */
#include "app.h"
#include "auth/auth.h"
#include "auth/ratelimit.h"
#include "auth/session.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/money.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "crm/lead_pages.h"
#include "finance/conditions.h"
#include "inventory/vehicle_json.h"
#include "inventory/vehicle_store.h"
#include "render/i18n.h"
#include "routes.h"
#include "search/search.h"
#include "site/site.h"
#include "web/web.h"
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *web_session_cookie_name(void)
{
  /* __Host- cookies must be Secure, which needs TLS in front of cc24 */
  return str_starts(cfg.base_url, "https://") ? "__Host-cc24_session" : "cc24_session";
}

/* ---- login / logout ---- */

bool web_tls(struct http_req *req)
{
  return req->tls || str_starts(cfg.base_url, "https://");
}

void web_set_session_cookie(struct http_req *req, const char *value, int max_age)
{
  http_set_cookie(req, web_session_cookie_name(), value,
                  arena_printf(req->a, "Path=/; HttpOnly; SameSite=Lax; Max-Age=%d%s", max_age,
                               web_tls(req) ? "; Secure" : ""));
}

json_t *web_dash_context(struct http_req *req)
{
  json_t *ctx = web_context(req);
  /* the rules only dealer pages use, kept out of the public pages' stylesheet */
  json_object_set_new(json_object_get(ctx, "assets"), "css_dash",
                      json_string(http_static_url("css/dash.css")));
  const struct session *s = req->session;
  json_object_set_new(ctx, "csrf", json_string(s ? s->csrf : ""));
  json_object_set_new(ctx, "user_name",
                      json_string(s && s->name && *s->name ? s->name
                                  : s                      ? s->email
                                                           : ""));
  json_object_set_new(ctx, "dealer", json_string(req->tenant_slug ? req->tenant_slug : ""));
  json_object_set_new(ctx, "is_owner", json_boolean(req->role >= ROLE_OWNER));
  json_object_set_new(ctx, "is_admin", json_boolean(req->role >= ROLE_ADMIN));
  /* the dashboard navigation marks the page the user is on */
  const char *p = req->path ? req->path : "";
  const char *sections[] = {"overview", "vehicles", "finance", "team",    "tokens",
                            "audit",    "account",  "market",  "market",  "profile",
                            "leads",    "deals",    "outbox",  "privacy", "testdrives"};
  const char *prefixes[] = {"/dashboard",
                            "/dashboard/fahrzeuge",
                            "/dashboard/finanzierung",
                            "/dashboard/team",
                            "/dashboard/api-tokens",
                            "/dashboard/protokoll",
                            "/dashboard/konto",
                            "/boerse",
                            "/dashboard/boerse",
                            "/dashboard/profil",
                            "/dashboard/anfragen",
                            "/dashboard/verkauf",
                            "/dashboard/post",
                            "/dashboard/datenschutz",
                            "/dashboard/probefahrten"};
  _Static_assert(sizeof sections / sizeof sections[0] == sizeof prefixes / sizeof prefixes[0],
                 "one navigation section per prefix");
  int best = -1;
  size_t best_len = 0;
  for (int i = 0; i < (int)(sizeof sections / sizeof sections[0]); i++) {
    size_t n = strlen(prefixes[i]);
    if (!strncmp(p, prefixes[i], n) && (p[n] == 0 || p[n] == '/') && n > best_len) {
      best = i;
      best_len = n;
    }
  }
  json_t *nav = json_object();
  if (best >= 0)
    json_object_set_new(nav, sections[best], json_true());
  json_object_set_new(ctx, "nav_on", nav);
  return ctx;
}
