/* site.h — helpers of the public website shared by its pages (home, search,
 * vehicle, compare, favourites, SEO): vehicle slugs and URLs, the Pkw-EnVKV CO2
 * class, German number formatting, vehicle cards, and the JSON-LD / canonical
 * URL builders. Everything returned lives in the arena passed in. */
#ifndef CC24_SITE_SITE_H
#define CC24_SITE_SITE_H

#include "http/http.h"
#include "inventory/vehicle.h"

#include <jansson.h>
#include <stdint.h>

struct arena;
struct search_hit;
struct search_query;
struct tenant;

/* Longest slug part of a vehicle URL (cut at a dash boundary). */
#define SITE_SLUG_MAX 80

/* "make-model-variant": lower-case ASCII, umlauts transliterated (ä → ae, ß → ss,
 * Š → s), runs of anything else one dash, at most SITE_SLUG_MAX characters.
 * "" when nothing is left. */
const char *site_vehicle_slug(struct arena *a, const char *make, const char *model,
                              const char *variant);

/* "/fahrzeuge/SLUG-PUBLICID" (or "/fahrzeuge/PUBLICID" for an empty slug). */
const char *site_vehicle_path(struct arena *a, const char *make, const char *model,
                              const char *variant, const char *public_id);

/* The public id at the end of a "/fahrzeuge/{slug}" segment ("...-ID" or "ID"),
 * or NULL when the segment does not end in a well-formed id. */
const char *site_slug_id(const char *segment);

/* Pkw-EnVKV CO2 class from WLTP combined CO2 in g/km: "A" (0), "B" (1-95),
 * "C" (96-115), "D" (116-135), "E" (136-155), "F" (156-175), "G" (176+);
 * NULL for a negative (unknown) value. */
const char *site_co2_class(int co2_g_km);

/* 48500 → "48.500" (German thousands separator). */
const char *site_int_de(struct arena *a, int64_t v);

/* 4850000 cents → "48.500 €" (whole euros when there are no cents). */
const char *site_price(struct arena *a, int64_t cents);

/* "282 Fahrzeuge anzeigen" / "Show 282 vehicles" (catalog key search.show_n). */
const char *site_show_n(struct http_req *req, int64_t n);

/* The card object of a search hit for templates/partials/vehicle_card. */
json_t *site_card(struct http_req *req, const struct search_hit *h);

/* The `dealer` object of templates/partials/dealer_card: name, street, zip, city,
 * phone (+ phone_href for tel:), email, website, map_url (an OpenStreetMap search
 * link: a plain link, nothing is loaded from there). The showroom work adds opening
 * hours and the showroom link to the same object. */
json_t *site_dealer_json(struct http_req *req, const struct tenant *t);

/* Write the JSON-LD of a vehicle offer (schema.org Car + Offer) into a new arena
 * string, escaped for a <script> element ("<" as \u003c, so no "</script>" can
 * close it early). seller may be NULL; images: absolute photo URLs (the "image" list). */
const char *site_vehicle_jsonld(struct arena *a, const struct vehicle *v, const char *url,
                                const struct tenant *seller, const char *const *images,
                                int nimages);

/* The search state as a canonical query string: known parameters only, in one
 * stable order, list values sorted and de-duplicated, defaults dropped; page
 * dropped when include_page is false or it is 1. "" when nothing is set. */
const char *site_search_canonical(struct arena *a, const struct search_query *q, int include_page);

/* Number of filter groups set in q (make, model, body, ...; not sort or page). */
int site_search_depth(const struct search_query *q);

/* ---- pages ---- */

int site_home(struct http_req *req);
int site_search_page(struct http_req *req);
int site_vehicle_page(struct http_req *req);
/* /fahrzeuge/{slug}/angebot: the printable offer sheet. */
int site_offer_page(struct http_req *req);
/* The enquiry form of a vehicle page. */
int site_lead_post(struct http_req *req);
/* The OpenAPI document (/api/v1/openapi.yaml). */
int site_openapi(struct http_req *req);
/* Compare and favourites without an account (compare.c). */
int site_compare_page(struct http_req *req);
int site_favourites_page(struct http_req *req);
/* SEO (seo.c). */
int site_sitemap_index(struct http_req *req);
int site_sitemap_page(struct http_req *req);
int site_robots(struct http_req *req);
/* Legal pages of the platform (legal.c): Impressum, Datenschutzerklärung, AGB. */
int site_imprint(struct http_req *req);
int site_privacy(struct http_req *req);
int site_terms(struct http_req *req);

/* Card data for a vehicle list (used by home and search pages). */
struct search_result;
json_t *site_cards(struct http_req *req, const struct search_result *res);

/* Vehicle page views for the dashboard (views.c): counted in process, written in
 * batches per dealer at most every 10 s (and before the dashboard reads them). */
void site_views_count(struct http_req *req, const char *public_id);
void site_views_flush(struct http_req *req);

#endif
