#include "core/json.h"

#include "core/arena.h"
#include "core/enumdef.h"
#include "core/str.h"
#include "core/timeutil.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void field_errors_init(struct field_errors *fe, struct arena *a)
{
  fe->a = a;
  fe->n = 0;
}

void field_error_add(struct field_errors *fe, const char *field, const char *code, const char *fmt,
                     ...)
{
  if (fe->n >= FIELD_ERRORS_MAX)
    return;
  struct field_error *e = &fe->e[fe->n++];
  e->field = arena_strdup(fe->a, field);
  e->code = arena_strdup(fe->a, code);
  va_list ap;
  va_start(ap, fmt);
  e->detail = arena_vprintf(fe->a, fmt, ap);
  va_end(ap);
}

const struct field_error *field_error_get(const struct field_errors *fe, const char *field)
{
  for (int i = 0; i < fe->n; i++)
    if (strcmp(fe->e[i].field, field) == 0)
      return &fe->e[i];
  return NULL;
}

static void decref_hook(void *p)
{
  json_decref((json_t *)p);
}

json_t *json_arena(struct arena *a, json_t *j)
{
  if (j)
    arena_on_free(a, decref_hook, j);
  return j;
}

static bool in_spec(const struct json_field *spec, const char *key)
{
  for (const struct json_field *f = spec; f->name; f++)
    if (strcmp(f->name, key) == 0)
      return true;
  return false;
}

static const char *type_name(enum jf_type t)
{
  switch (t) {
  case JF_T_STRING:
  case JF_T_ENUM:
  case JF_T_YM:
    return "a string";
  case JF_T_INT:
  case JF_T_I64:
    return "an integer";
  case JF_T_BOOL:
    return "a boolean";
  case JF_T_FLAGS:
    return "an array of strings";
  case JF_T_NUMBER:
    return "a number";
  default:
    return "a value";
  }
}

static void parse_one(struct arena *a, const struct json_field *f, json_t *v,
                      struct field_errors *errs)
{
  if (json_is_null(v)) {
    if (!(f->flags & JF_NULLABLE)) {
      field_error_add(errs, f->name, "type", "%s must be %s, not null", f->name,
                      type_name(f->type));
      return;
    }
    switch (f->type) {
    case JF_T_STRING:
      *(char **)f->out = arena_strdup(a, "");
      break;
    case JF_T_INT:
    case JF_T_ENUM:
    case JF_T_YM:
      *(int *)f->out = -1;
      break;
    case JF_T_I64:
      *(int64_t *)f->out = -1;
      break;
    case JF_T_FLAGS:
      *(uint64_t *)f->out = 0;
      break;
    case JF_T_BOOL:
      *(bool *)f->out = false;
      break;
    case JF_T_NUMBER:
      *(double *)f->out = 0;
      break;
    default:
      break;
    }
    return;
  }
  switch (f->type) {
  case JF_T_STRING: {
    if (!json_is_string(v)) {
      field_error_add(errs, f->name, "type", "%s must be a string", f->name);
      return;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (!utf8_valid(s, n)) {
      field_error_add(errs, f->name, "format", "%s must be valid UTF-8 without NUL", f->name);
      return;
    }
    size_t cps = utf8_len(s, n);
    if ((int64_t)cps < f->min || (f->max > 0 && (int64_t)cps > f->max)) {
      field_error_add(errs, f->name, "length", "%s must have %lld to %lld characters", f->name,
                      (long long)f->min, (long long)f->max);
      return;
    }
    *(char **)f->out = arena_memdup(a, s, n);
    return;
  }
  case JF_T_INT:
  case JF_T_I64: {
    int64_t x;
    if (json_is_integer(v)) {
      x = (int64_t)json_integer_value(v);
    } else if (json_is_real(v) && isfinite(json_real_value(v)) &&
               json_real_value(v) == floor(json_real_value(v)) && fabs(json_real_value(v)) < 9e15) {
      x = (int64_t)json_real_value(v);
    } else {
      field_error_add(errs, f->name, "type", "%s must be an integer", f->name);
      return;
    }
    if (x < f->min || x > f->max) {
      field_error_add(errs, f->name, "range", "%s must be between %lld and %lld", f->name,
                      (long long)f->min, (long long)f->max);
      return;
    }
    if (f->type == JF_T_INT)
      *(int *)f->out = (int)x;
    else
      *(int64_t *)f->out = x;
    return;
  }
  case JF_T_NUMBER:
    if (!json_is_number(v) || !isfinite(json_number_value(v))) {
      field_error_add(errs, f->name, "type", "%s must be a number", f->name);
      return;
    }
    *(double *)f->out = json_number_value(v);
    return;
  case JF_T_BOOL:
    if (!json_is_boolean(v)) {
      field_error_add(errs, f->name, "type", "%s must be true or false", f->name);
      return;
    }
    *(bool *)f->out = json_is_true(v);
    return;
  case JF_T_ENUM: {
    int ix = json_is_string(v) ? enum_parse(f->en, json_string_value(v)) : -2;
    if (ix == -2) {
      field_error_add(errs, f->name, "type", "%s must be a string", f->name);
      return;
    }
    if (ix < 0) {
      field_error_add(errs, f->name, "enum", "%s is not one of the allowed values", f->name);
      return;
    }
    *(int *)f->out = ix;
    return;
  }
  case JF_T_YM: {
    int ym = json_is_string(v) ? time_parse_ym(json_string_value(v)) : -2;
    if (ym == -2) {
      field_error_add(errs, f->name, "type", "%s must be a string \"YYYY-MM\"", f->name);
      return;
    }
    if (ym < 0) {
      field_error_add(errs, f->name, "format", "%s must be \"YYYY-MM\"", f->name);
      return;
    }
    *(int *)f->out = ym;
    return;
  }
  case JF_T_FLAGS: {
    if (!json_is_array(v)) {
      field_error_add(errs, f->name, "type", "%s must be an array of strings", f->name);
      return;
    }
    uint64_t bits = 0;
    size_t i;
    json_t *it;
    bool bad = false;
    json_array_foreach(v, i, it)
    {
      int ix = json_is_string(it) ? enum_parse(f->en, json_string_value(it)) : -1;
      if (ix < 0 || ix >= 64) {
        char name[96];
        snprintf(name, sizeof name, "%s[%zu]", f->name, i);
        field_error_add(errs, name, "enum", "%s is not a known value", name);
        bad = true;
        continue;
      }
      bits |= (uint64_t)1 << ix;
    }
    if (!bad)
      *(uint64_t *)f->out = bits;
    return;
  }
  default:
    return;
  }
}

int json_parse_fields(struct arena *a, json_t *obj, const struct json_field *spec, unsigned opts,
                      struct field_errors *errs)
{
  int before = errs->n;
  if (!json_is_object(obj)) {
    field_error_add(errs, "", "type", "the body must be a JSON object");
    return -1;
  }
  if (opts & JSON_REJECT_UNKNOWN) {
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
      if (!in_spec(spec, key)) {
        /* keys may hold invalid UTF-8 only if jansson allowed it; it does not */
        field_error_add(errs, key, "unknown", "unknown field %s", key);
      }
    }
  }
  for (const struct json_field *f = spec; f->name; f++) {
    json_t *v = json_object_get(obj, f->name);
    if (f->present)
      *f->present = v != NULL;
    if (!v) {
      if ((f->flags & JF_REQUIRED) && !(opts & JSON_PATCH))
        field_error_add(errs, f->name, "required", "%s is required", f->name);
      continue;
    }
    parse_one(a, f, v, errs);
  }
  return errs->n > before ? -1 : 0;
}
