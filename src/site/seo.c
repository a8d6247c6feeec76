/* seo.c — robots.txt and the sitemaps: /sitemap.xml is a sitemap index pointing
 * at /sitemaps/seiten.xml (static pages and make landing pages) and
 * /sitemaps/fahrzeuge-N.xml (every published or reserved vehicle, at most
 * SEO_SITEMAP_PAGE vehicles a file, with lastmod), each page in German and English
 * with its hreflang alternates. Drafts and sold vehicles are never
 * listed. All URLs are absolute, from the configured base URL. */
#include "app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/str.h"
#include "core/timeutil.h"
#include "inventory/vehicle.h"
#include "search/search.h"
#include "site/site.h"
#include "web/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sitemap protocol allows 50,000 URLs (and 50 MB) per file; every vehicle is two
 * (German and English, about 1.4 KB with their alternates). */
#define SEO_SITEMAP_PAGE 25000

static const char Q_STATS[] = "SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM vehicles"
                              " WHERE " VEHICLE_LISTED_SQL("");

struct stats_arg {
  struct arena *a;
  int64_t count, lastmod;
};

static int tx_stats(db_conn *c, void *arg, struct err *e)
{
  struct stats_arg *x = arg;
  return db_query_one(c, x->a, Q_STATS, DB_NOPARAMS,
                      DB_ROW(db_out_i64(&x->count), db_out_i64(&x->lastmod)), e) < 0
             ? -1
             : 0;
}

static void xml_text(struct buf *b, const char *s)
{
  for (; *s; s++) {
    switch (*s) {
    case '&':
      buf_puts(b, "&amp;");
      break;
    case '<':
      buf_puts(b, "&lt;");
      break;
    case '>':
      buf_puts(b, "&gt;");
      break;
    case '"':
      buf_puts(b, "&quot;");
      break;
    case '\'':
      buf_puts(b, "&apos;");
      break;
    default:
      buf_putc(b, *s);
    }
  }
}

static void w3c_date(int64_t t, char out[32])
{
  time_iso_utc(t > 0 ? t : time_now(), out, 32);
}

/* One page in both languages: the German URL and the English one (?lang=en), each with
 * the hreflang alternates that the page's <head> carries (de, en, x-default = de) —
 * the same addresses as web_page_urls, so sitemap, canonical and hreflang agree. */
static void url_entry(struct buf *b, const char *path, int64_t lastmod)
{
  const char *en_sep = strchr(path, '?') ? "&" : "?";
  char d[32] = "";
  if (lastmod > 0)
    w3c_date(lastmod, d);
  for (int en = 0; en < 2; en++) {
    buf_puts(b, "<url><loc>");
    xml_text(b, cfg.base_url);
    xml_text(b, path);
    if (en) {
      xml_text(b, en_sep);
      buf_puts(b, "lang=en");
    }
    buf_puts(b, "</loc>");
    if (*d)
      buf_printf(b, "<lastmod>%s</lastmod>", d);
    static const char *const langs[] = {"de", "en", "x-default"};
    for (int l = 0; l < 3; l++) {
      buf_printf(b, "<xhtml:link rel=\"alternate\" hreflang=\"%s\" href=\"", langs[l]);
      xml_text(b, cfg.base_url);
      xml_text(b, path);
      if (l == 1) {
        xml_text(b, en_sep);
        buf_puts(b, "lang=en");
      }
      buf_puts(b, "\"/>");
    }
    buf_puts(b, "</url>\n");
  }
}

static int reply_xml(struct http_req *req, struct buf *b)
{
  http_set_header(req, "Cache-Control", "public, max-age=3600");
  return http_reply_arena(req, 200, "application/xml; charset=utf-8", b->data, b->len);
}

int site_sitemap_index(struct http_req *req)
{
  struct stats_arg x = {.a = req->a};
  struct err e = {0};
  if (db_tx(((struct app *)req->app)->db, 0, DB_READ, tx_stats, &x, &e) < 0)
    return http_problem_err(req, &e);
  struct buf b;
  buf_init(&b, req->a);
  char d[32];
  w3c_date(x.lastmod, d);
  buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
  buf_puts(&b, "<sitemap><loc>");
  xml_text(&b, cfg.base_url);
  buf_printf(&b, "/sitemaps/seiten.xml</loc><lastmod>%s</lastmod></sitemap>\n", d);
  int64_t pages = (x.count + SEO_SITEMAP_PAGE - 1) / SEO_SITEMAP_PAGE;
  for (int64_t p = 1; p <= pages; p++) {
    buf_puts(&b, "<sitemap><loc>");
    xml_text(&b, cfg.base_url);
    buf_printf(&b, "/sitemaps/fahrzeuge-%lld.xml</loc><lastmod>%s</lastmod></sitemap>\n",
               (long long)p, d);
  }
  buf_puts(&b, "</sitemapindex>\n");
  return reply_xml(req, &b);
}

struct page_arg {
  struct arena *a;
  int64_t page;
  struct buf *b;
  int n;
};

static int tx_vehicles(db_conn *c, void *arg, struct err *e)
{
  struct page_arg *x = arg;
  db_stmt *st =
      db_query(c,
               "SELECT public_id, make, model, variant, updated_at FROM vehicles"
               " WHERE " VEHICLE_LISTED_SQL("") " ORDER BY id LIMIT $1 OFFSET $2",
               DB_PARAMS(db_i64(SEO_SITEMAP_PAGE), db_i64((x->page - 1) * SEO_SITEMAP_PAGE)), e);
  if (!st)
    return -1;
  char *id, *make, *model, *variant;
  int64_t updated;
  int rc;
  x->n = 0;
  while ((rc = db_next(st, x->a,
                       DB_ROW(db_out_text(&id), db_out_text(&make), db_out_text(&model),
                              db_out_text(&variant), db_out_i64(&updated)),
                       e)) > 0) {
    url_entry(x->b, site_vehicle_path(x->a, make, model, variant, id), updated);
    x->n++;
  }
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

struct slugs_arg {
  struct arena *a;
  struct buf *b;
};

static int tx_showrooms(db_conn *c, void *arg, struct err *e)
{
  struct slugs_arg *x = arg;
  db_stmt *st = db_query(c,
                         "SELECT slug FROM tenants WHERE id IN (SELECT tenant_id FROM vehicles"
                         " WHERE " VEHICLE_LISTED_SQL("") ") ORDER BY slug",
                         DB_NOPARAMS, e);
  if (!st)
    return -1;
  char *slug;
  int rc;
  while ((rc = db_next(st, x->a, DB_ROW(db_out_text(&slug)), e)) > 0)
    url_entry(x->b, arena_printf(x->a, "/haendler/%s", slug), 0);
  db_finish(st);
  return rc < 0 ? -1 : 0;
}

int site_sitemap_page(struct http_req *req)
{
  const char *name = http_param(req, "name");
  struct buf b;
  buf_init(&b, req->a);
  buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\""
               " xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n");
  if (!strcmp(name, "seiten.xml")) {
    static const char *pages[] = {"/",
                                  "/fahrzeuge",
                                  "/fahrzeuge?condition=new",
                                  "/fahrzeuge?fuel=electric",
                                  "/finanzierung",
                                  "/impressum",
                                  "/datenschutz",
                                  "/agb"};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
      url_entry(&b, pages[i], 0);
    /* the showroom of every dealer with a vehicle on offer */
    struct slugs_arg sx = {.a = req->a, .b = &b};
    struct err se = {0};
    if (db_tx(((struct app *)req->app)->db, 0, DB_READ, tx_showrooms, &sx, &se) < 0)
      return http_problem_err(req, &se);
    /* one landing page per make on offer */
    struct search_query q;
    search_query_init(&q);
    q.size = 1;
    struct search_result res;
    if (search_run(((struct app *)req->app)->search, &q, req->a, &res) < 0)
      return -1;
    const struct search_facet *mk = search_facet(&res, "make");
    for (int i = 0; mk && i < mk->n; i++) {
      struct buf p;
      buf_init(&p, req->a);
      buf_puts(&p, "/fahrzeuge?make=");
      buf_append_urlenc(&p, mk->v[i].value, strlen(mk->v[i].value));
      url_entry(&b, buf_cstr(&p), 0);
    }
  } else {
    long long page = 0;
    char tail[8] = {0};
    if (sscanf(name, "fahrzeuge-%lld.%7s", &page, tail) != 2 || strcmp(tail, "xml") || page < 1 ||
        page > 100000 || strcmp(name, arena_printf(req->a, "fahrzeuge-%lld.xml", page)))
      return http_problem(req, 404, CC24_E_NOT_FOUND, "no such sitemap", NULL);
    struct page_arg x = {.a = req->a, .page = page, .b = &b};
    struct err e = {0};
    if (db_tx(((struct app *)req->app)->db, 0, DB_READ, tx_vehicles, &x, &e) < 0)
      return http_problem_err(req, &e);
    if (x.n == 0 && page > 1)
      return http_problem(req, 404, CC24_E_NOT_FOUND, "no such sitemap", NULL);
  }
  buf_puts(&b, "</urlset>\n");
  return reply_xml(req, &b);
}

int site_robots(struct http_req *req)
{
  struct buf b;
  buf_init(&b, req->a);
  buf_printf(
      &b,
      "# cc24 — public pages are for everyone; the back office and the dealer exchange are not\n"
      "User-agent: *\n"
      "Disallow: /dashboard\n"
      "Disallow: /boerse\n"
      "Disallow: /api/\n"
      "Allow: /api/v1/openapi.yaml\n"
      "Disallow: /anmelden\n"
      "Disallow: /registrieren\n"
      "Disallow: /passwort-\n"
      "Disallow: /vergleich\n"
      "Disallow: /merkliste\n"
      "Disallow: /*fragment=1\n"
      "\n"
      "Sitemap: %s/sitemap.xml\n",
      cfg.base_url);
  http_set_header(req, "Cache-Control", "public, max-age=3600");
  return http_reply_arena(req, 200, "text/plain; charset=utf-8", b.data, b.len);
}
