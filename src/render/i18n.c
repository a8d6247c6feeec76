#include "render/i18n.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *cat_de, *cat_en;

static void diff_into(json_t *a, json_t *b, const char *prefix, json_t *out)
{
  const char *k;
  json_t *v;
  json_object_foreach(a, k, v)
  {
    char path[512];
    snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", k);
    json_t *w = json_object_get(b, k);
    if (!w || json_is_object(v) != json_is_object(w))
      json_array_append_new(out, json_string(path));
    else if (json_is_object(v))
      diff_into(v, w, path, out);
  }
}

json_t *i18n_diff(json_t *a, json_t *b)
{
  json_t *out = json_array();
  diff_into(a, b, "", out);
  diff_into(b, a, "", out);
  return out;
}

static json_t *load_file(const char *path, struct err *e)
{
  json_error_t je;
  json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (!j) {
    err_set(e, CC24_E_CONFIG, "%s line %d: %s", path, je.line, je.text);
    return NULL;
  }
  if (!json_is_object(j)) {
    json_decref(j);
    err_set(e, CC24_E_CONFIG, "%s: not a JSON object", path);
    return NULL;
  }
  return j;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* dir/LANG.json, then every dir/DOMAIN.LANG.json in name order: a domain keeps its
 * texts in a file of its own, and no top-level key may appear in two files. */
static json_t *load(const char *dir, const char *lang, struct err *e)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.json", dir, lang);
  json_t *cat = load_file(path, e);
  if (!cat)
    return NULL;
  DIR *d = opendir(dir);
  if (!d)
    return cat;
  char suffix[16];
  snprintf(suffix, sizeof suffix, ".%s.json", lang);
  size_t sl = strlen(suffix);
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t l = strlen(de->d_name);
    if (l <= sl || strcmp(de->d_name + l - sl, suffix) != 0 || de->d_name[0] == '.')
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 8;
      char **nn = realloc(names, cap * sizeof *names);
      if (!nn)
        break;
      names = nn;
    }
    names[n++] = strdup(de->d_name);
  }
  closedir(d);
  if (n)
    qsort(names, n, sizeof *names, cmp_str);
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    if (rc == 0) {
      snprintf(path, sizeof path, "%s/%s", dir, names[i]);
      json_t *part = load_file(path, e);
      const char *k;
      json_t *v;
      if (!part)
        rc = -1;
      else
        json_object_foreach(part, k, v)
        {
          if (json_object_get(cat, k)) {
            err_set(e, CC24_E_CONFIG, "%s: section \"%s\" is defined twice", path, k);
            rc = -1;
            break;
          }
          json_object_set(cat, k, v);
        }
      json_decref(part);
    }
    free(names[i]);
  }
  free(names);
  if (rc < 0) {
    json_decref(cat);
    return NULL;
  }
  return cat;
}

int i18n_load(const char *dir, struct err *e)
{
  json_t *de = load(dir, "de", e);
  if (!de)
    return -1;
  json_t *en = load(dir, "en", e);
  if (!en) {
    json_decref(de);
    return -1;
  }
  json_t *d = i18n_diff(de, en);
  if (json_array_size(d) > 0) {
    err_set(e, CC24_E_CONFIG, "i18n catalogs differ, e.g. in \"%s\"",
            json_string_value(json_array_get(d, 0)));
    json_decref(d);
    json_decref(de);
    json_decref(en);
    return -1;
  }
  json_decref(d);
  json_decref(cat_de);
  json_decref(cat_en);
  cat_de = de;
  cat_en = en;
  return 0;
}

json_t *i18n_catalog(const char *locale)
{
  return locale && strcmp(locale, "en") == 0 ? cat_en : cat_de;
}

static const char *get_in(json_t *cat, const char *key)
{
  json_t *v = cat;
  char part[128];
  const char *p = key;
  while (v && *p) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    if (n >= sizeof part)
      return NULL;
    memcpy(part, p, n);
    part[n] = 0;
    v = json_object_get(v, part);
    p = dot ? dot + 1 : p + n;
  }
  return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *i18n_get(const char *locale, const char *key)
{
  const char *s = get_in(i18n_catalog(locale), key);
  if (!s)
    s = get_in(cat_de, key);
  return s ? s : key;
}

static const char *known(const char *s)
{
  if (!s)
    return NULL;
  if (strcmp(s, "de") == 0)
    return "de";
  if (strcmp(s, "en") == 0)
    return "en";
  return NULL;
}

const char *i18n_pick(const char *query_lang, const char *cookie_lang, const char *accept_language)
{
  const char *l = known(query_lang);
  if (l)
    return l;
  if ((l = known(cookie_lang)))
    return l;
  if (!accept_language)
    return "de";
  /* Accept-Language: "en-US,en;q=0.9,de;q=0.8" — the best q among de and en wins. */
  double best_q = -1;
  const char *best = "de";
  const char *p = accept_language;
  while (*p) {
    while (*p == ' ' || *p == ',')
      p++;
    char tag[16];
    size_t n = 0;
    while (*p && *p != ',' && *p != ';' && *p != ' ' && n < sizeof tag - 1)
      tag[n++] = (char)tolower((unsigned char)*p++);
    tag[n] = 0;
    double q = 1.0;
    while (*p && *p != ',') {
      if (*p == 'q' && p[1] == '=')
        q = strtod(p + 2, NULL);
      p++;
    }
    const char *lang = (!strncmp(tag, "de", 2) && (tag[2] == 0 || tag[2] == '-'))   ? "de"
                       : (!strncmp(tag, "en", 2) && (tag[2] == 0 || tag[2] == '-')) ? "en"
                                                                                    : NULL;
    if (lang && q > best_q) {
      best_q = q;
      best = lang;
    }
  }
  return best;
}
