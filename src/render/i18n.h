/* i18n.h — translation catalogs: i18n/de.json (default) and i18n/en.json, plus
 * one file per domain (i18n/market.de.json, i18n/market.en.json, ...) whose
 * top-level sections are merged in; nested objects of strings loaded once at start-up. Templates
 * get the catalog of the request's locale as `t` ({{t.nav.vehicles}}). */
#ifndef CC24_RENDER_I18N_H
#define CC24_RENDER_I18N_H

#include "core/err.h"

#include <jansson.h>

/* Load de.json and en.json from dir, each with its *.de.json / *.en.json parts. 0 or
 * -1 (missing file, bad JSON, a section defined in two files, or the two catalogs do
 * not have the same keys). */
int i18n_load(const char *dir, struct err *e);

/* The catalog object for "de" or "en" (anything else: "de"); borrowed, NULL before load. */
json_t *i18n_catalog(const char *locale);

/* A dotted key ("nav.vehicles") in locale, falling back to German, then to the key. */
const char *i18n_get(const char *locale, const char *key);

/* "de" or "en": the ?lang= value first, then the lang cookie, then Accept-Language
 * (q-values honoured), default "de". The result is a static string. */
const char *i18n_pick(const char *query_lang, const char *cookie_lang, const char *accept_language);

/* Keys present in one catalog but not the other, as a new JSON array (tests). */
json_t *i18n_diff(json_t *a, json_t *b);

#endif
