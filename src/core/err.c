#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, int code, const char *fmt, ...)
{
  if (!e)
    return -1;
  e->code = code;
  e->field[0] = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return -1;
}

int err_set_field(struct err *e, int code, const char *field, const char *fmt, ...)
{
  if (!e)
    return -1;
  e->code = code;
  snprintf(e->field, sizeof e->field, "%s", field ? field : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return -1;
}

const char *err_name(int code)
{
  switch (code) {
#define CC24_ERR_NAME(name, num, text)                                                             \
  case num:                                                                                        \
    return #name;
    CC24_ERRORS(CC24_ERR_NAME)
#undef CC24_ERR_NAME
  }
  return "CC24_E_INTERNAL";
}

const char *err_text(int code)
{
  switch (code) {
#define CC24_ERR_TEXT(name, num, text)                                                             \
  case num:                                                                                        \
    return text;
    CC24_ERRORS(CC24_ERR_TEXT)
#undef CC24_ERR_TEXT
  }
  return "internal error";
}
