/* enumdef.h — a table describing an enumeration: stable API values and
 * German/English labels, indexed by the C enum. Used for validation, JSON,
 * search facets and forms alike. */
#ifndef CC24_CORE_ENUMDEF_H
#define CC24_CORE_ENUMDEF_H

struct enum_def {
  const char *name; /* the API field ("fuel") */
  int count;
  const char *const *values;
  const char *const *de;
  const char *const *en;
};

/* Index of value, or -1 when value is NULL or unknown. */
int enum_parse(const struct enum_def *e, const char *value);
/* API value of v, or NULL when out of range. */
const char *enum_value(const struct enum_def *e, int v);
/* Label in locale "de" (default) or "en"; "" when out of range. */
const char *enum_label(const struct enum_def *e, int v, const char *locale);

#endif
