/* showroom.h — the dealer's own pages: the branded showroom /haendler/{slug} with
 * its stock search, the per-dealer stylesheet with the brand colours (CSP forbids
 * inline styles), the dealer Impressum, the embeddable stock widget /embed/{slug}
 * (framable by any origin: ROUTE_EMBED) and the owner's profile form in the
 * dashboard. The pieces without HTTP (theme CSS, JSON-LD) are exposed for tests.
 * JSON values returned are new references owned by the caller. */
#ifndef CC24_SHOWROOM_SHOWROOM_H
#define CC24_SHOWROOM_SHOWROOM_H

#include "http/http.h"
#include "tenant/tenant.h"

#include <jansson.h>

struct buf;

/* Pages (route handlers). */
int showroom_page(struct http_req *req);         /* GET /haendler/{slug} */
int showroom_theme(struct http_req *req);        /* GET /haendler/{slug}/theme.css */
int showroom_imprint(struct http_req *req);      /* GET /haendler/{slug}/impressum */
int showroom_embed(struct http_req *req);        /* GET /embed/{slug} */
int showroom_profile_page(struct http_req *req); /* GET /dashboard/profil */
int showroom_profile_post(struct http_req *req); /* POST /dashboard/profil */

/* The stylesheet of a dealer: CSS custom properties overriding the design
 * system's brand tokens (--c-brand, --c-brand-dark, --c-brand-soft, --c-accent,
 * --sr-hero-from, --sr-hero-to) from the profile's colours; the platform colours
 * stay where the profile has none. Appended to out. */
void showroom_theme_css(const struct tenant_profile *p, struct buf *out);

/* The version of a theme stylesheet: the first 16 hex digits of the BLAKE2b hash of css
 * (showroom_theme_css's output), NUL-terminated in out. It is also the ETag. */
void showroom_theme_version(const char *css, size_t len, char out[17]);

/* The address pages link for the dealer's stylesheet, versioned by its content:
 * /haendler/{slug}/theme.css?v=VERSION. New colours are a new address, so the
 * stylesheet is cached as immutable. In a. */
const char *showroom_theme_url(struct arena *a, const char *slug, const struct tenant_profile *p);

/* schema.org AutoDealer for the showroom (name, legalName, url, logo, telephone,
 * email, vatID, address, geo, openingHoursSpecification, sameAs). base_url without
 * a trailing slash; logo_url absolute path or "". */
json_t *showroom_jsonld(const struct tenant *t, const struct tenant_profile *p,
                        const char *base_url, const char *logo_url, const char *locale);

/* j serialised for a <script type="application/ld+json"> block: compact, with "/"
 * and "<" escaped so that neither "</script>" nor "<!--" can occur. In a. */
const char *showroom_jsonld_text(struct arena *a, json_t *j);

/* The snippet a dealer pastes into a website to show the stock widget. In a. */
const char *showroom_embed_snippet(struct arena *a, const char *base_url, const char *slug);

#endif
