/* i18n: both catalogs load and have exactly the same keys; lookups fall back to
 * German, then to the key; the locale is picked from ?lang, cookie, Accept-Language. */
#include "render/i18n.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void load(void)
{
  char dir[4096];
  const char *root = getenv("CC24_SOURCE_ROOT");
  snprintf(dir, sizeof dir, "%s/i18n", root ? root : ".");
  struct err e = {0};
  cr_assert_eq(i18n_load(dir, &e), 0, "%s", e.msg);
}

Test(i18n, catalogs_have_the_same_keys)
{
  load();
  json_t *d = i18n_diff(i18n_catalog("de"), i18n_catalog("en"));
  cr_assert_eq(json_array_size(d), 0, "first difference: %s",
               json_string_value(json_array_get(d, 0)));
  json_decref(d);
  cr_assert_gt(json_object_size(i18n_catalog("de")), 5);
}

Test(i18n, lookups_and_fallbacks)
{
  load();
  cr_assert_str_eq(i18n_get("de", "nav.vehicles"), "Fahrzeuge");
  cr_assert_str_eq(i18n_get("en", "nav.vehicles"), "Vehicles");
  cr_assert_str_eq(i18n_get("fr", "nav.vehicles"), "Fahrzeuge", "unknown locales get German");
  cr_assert_str_eq(i18n_get("en", "no.such.key"), "no.such.key");
  json_t *a = json_pack("{s:{s:s}}", "x", "y", "1");
  json_t *b = json_pack("{s:{s:s, s:s}}", "x", "y", "1", "z", "2");
  json_t *d = i18n_diff(a, b);
  cr_assert_eq(json_array_size(d), 1);
  cr_assert_str_eq(json_string_value(json_array_get(d, 0)), "x.z");
  json_decref(d);
  json_decref(a);
  json_decref(b);
}

Test(i18n, locale_choice)
{
  cr_assert_str_eq(i18n_pick(NULL, NULL, NULL), "de");
  cr_assert_str_eq(i18n_pick("en", "de", "de-DE"), "en", "?lang wins");
  cr_assert_str_eq(i18n_pick("xx", "en", "de-DE"), "en", "then the cookie");
  cr_assert_str_eq(i18n_pick(NULL, NULL, "en-US,en;q=0.9,de;q=0.8"), "en");
  cr_assert_str_eq(i18n_pick(NULL, NULL, "fr-FR,de;q=0.7,en;q=0.5"), "de");
  cr_assert_str_eq(i18n_pick(NULL, NULL, "fr-FR"), "de");
  cr_assert_str_eq(i18n_pick(NULL, NULL, "en;q=0.2,de-AT;q=0.9"), "de");
  cr_assert_str_eq(i18n_pick(NULL, NULL, ";;;,,q=,"), "de", "garbage is harmless");
}

static void write_file(const char *dir, const char *name, const char *text)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
}

Test(i18n, domain_files_are_merged_and_may_not_redefine_a_section)
{
  char dir[] = "/tmp/cc24-i18n-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  write_file(dir, "de.json", "{\"nav\": {\"a\": \"A\"}}");
  write_file(dir, "en.json", "{\"nav\": {\"a\": \"A-en\"}}");
  write_file(dir, "market.de.json", "{\"market\": {\"title\": \"Börse\"}}");
  write_file(dir, "market.en.json", "{\"market\": {\"title\": \"Exchange\"}}");
  struct err e = {0};
  cr_assert_eq(i18n_load(dir, &e), 0, "%s", e.msg);
  cr_assert_str_eq(i18n_get("de", "market.title"), "Börse");
  cr_assert_str_eq(i18n_get("en", "market.title"), "Exchange");
  cr_assert_str_eq(i18n_get("en", "nav.a"), "A-en");

  write_file(dir, "other.en.json", "{\"other\": {\"x\": \"only English\"}}");
  cr_assert_eq(i18n_load(dir, &e), -1, "a part in one language only makes the catalogs differ");
  write_file(dir, "other.de.json", "{\"nav\": {\"x\": \"clash\"}}");
  cr_assert_eq(i18n_load(dir, &e), -1);
  cr_assert(strstr(e.msg, "defined twice"), "%s", e.msg);
  cr_assert_str_eq(i18n_get("de", "market.title"), "Börse",
                   "a failed reload keeps the old catalogs");
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}
