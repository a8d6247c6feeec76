#include "core/enumdef.h"

#include <string.h>

int enum_parse(const struct enum_def *e, const char *value)
{
  if (!value)
    return -1;
  for (int i = 0; i < e->count; i++)
    if (strcmp(e->values[i], value) == 0)
      return i;
  return -1;
}

const char *enum_value(const struct enum_def *e, int v)
{
  return (v >= 0 && v < e->count) ? e->values[v] : NULL;
}

const char *enum_label(const struct enum_def *e, int v, const char *locale)
{
  if (v < 0 || v >= e->count)
    return "";
  return (locale && strcmp(locale, "en") == 0) ? e->en[v] : e->de[v];
}
