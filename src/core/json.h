/* json.h — declarative JSON input (one spec, one call, every bad field named)
 * and the list of field errors that validation returns.
 *
 *   struct json_field spec[] = {
 *     JF_STRING("make", &v.make, JF_REQUIRED, 1, 40),
 *     JF_INT("mileage_km", &v.mileage_km, 0, 0, 2000000),
 *     JF_ENUM("fuel", &v.fuel, JF_REQUIRED, &vehicle_enum_fuel),
 *     JF_END,
 *   };
 *   if (json_parse_fields(a, obj, spec, JSON_REJECT_UNKNOWN, &errs) < 0)
 *     return http_problem_fields(req, &errs);
 *
 * Strings are copied into the arena, checked for valid UTF-8 and for length in
 * code points. A field the document does not contain leaves its output as it
 * was (so PATCH can pre-fill from the stored row) and its `present` flag false. */
#ifndef CC24_CORE_JSON_H
#define CC24_CORE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct arena;
struct enum_def;

#define FIELD_ERRORS_MAX 64

struct field_error {
  const char *field;  /* "price_cents", "features[2]" */
  const char *code;   /* "required", "type", "range", "length", "enum", "unknown", "format", ... */
  const char *detail; /* human text (English) */
};

struct field_errors {
  struct arena *a;
  int n;
  struct field_error e[FIELD_ERRORS_MAX];
};

void field_errors_init(struct field_errors *fe, struct arena *a);
/* Add an error (ignored past FIELD_ERRORS_MAX). Strings are copied into fe->a. */
void field_error_add(struct field_errors *fe, const char *field, const char *code, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));
/* The first error for field, or NULL. */
const struct field_error *field_error_get(const struct field_errors *fe, const char *field);

enum jf_type {
  JF_T_END = 0,
  JF_T_STRING,
  JF_T_INT,
  JF_T_I64,
  JF_T_BOOL,
  JF_T_ENUM,
  JF_T_YM,
  JF_T_FLAGS,
  JF_T_NUMBER
};

enum {
  JF_REQUIRED = 1u << 0, /* must be present */
  JF_NULLABLE = 1u << 1  /* null accepted: string → "", numbers → -1 */
};

struct json_field {
  const char *name;
  enum jf_type type;
  void *out; /* char**, int*, int64_t*, bool*, int* (enum), uint64_t* (flags), double* */
  unsigned flags;
  int64_t min, max;          /* INT/I64: value range; STRING: length range in code points */
  const struct enum_def *en; /* ENUM and FLAGS (array of enum values → bitmask) */
  bool *present;             /* optional: set when the field was in the document */
};

#define JF_STRING(n, o, f, lo, hi)                                                                 \
  {                                                                                                \
    (n), JF_T_STRING, (o), (f), (lo), (hi), NULL, NULL                                             \
  }
#define JF_INT(n, o, f, lo, hi)                                                                    \
  {                                                                                                \
    (n), JF_T_INT, (o), (f), (lo), (hi), NULL, NULL                                                \
  }
#define JF_I64(n, o, f, lo, hi)                                                                    \
  {                                                                                                \
    (n), JF_T_I64, (o), (f), (lo), (hi), NULL, NULL                                                \
  }
#define JF_BOOL(n, o, f)                                                                           \
  {                                                                                                \
    (n), JF_T_BOOL, (o), (f), 0, 0, NULL, NULL                                                     \
  }
#define JF_ENUM(n, o, f, e)                                                                        \
  {                                                                                                \
    (n), JF_T_ENUM, (o), (f), 0, 0, (e), NULL                                                      \
  }
#define JF_FLAGS(n, o, f, e)                                                                       \
  {                                                                                                \
    (n), JF_T_FLAGS, (o), (f), 0, 0, (e), NULL                                                     \
  }
#define JF_YM(n, o, f)                                                                             \
  {                                                                                                \
    (n), JF_T_YM, (o), (f), 0, 0, NULL, NULL                                                       \
  }
#define JF_NUMBER(n, o, f)                                                                         \
  {                                                                                                \
    (n), JF_T_NUMBER, (o), (f), 0, 0, NULL, NULL                                                   \
  }
#define JF_END                                                                                     \
  {                                                                                                \
    NULL, JF_T_END, NULL, 0, 0, 0, NULL, NULL                                                      \
  }

enum {
  JSON_REJECT_UNKNOWN = 1u << 0, /* fields not in the spec are errors */
  JSON_PATCH = 1u << 1           /* JF_REQUIRED is not enforced */
};

/* Parse obj by spec. Returns 0 when every field is fine, -1 when errs holds problems. */
int json_parse_fields(struct arena *a, json_t *obj, const struct json_field *spec, unsigned opts,
                      struct field_errors *errs);

/* Tie a jansson value's lifetime to the arena (json_decref on arena_free); returns j. */
json_t *json_arena(struct arena *a, json_t *j);

#endif
