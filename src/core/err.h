/* err.h — error codes with stable names, and the error carrier.
 *
 * The names (CC24_E_...) appear in problem+json answers as "code" and must
 * never change meaning once shipped; add new codes at the end of their group. */
#ifndef CC24_CORE_ERR_H
#define CC24_CORE_ERR_H

#define CC24_ERRORS(X)                                                                             \
  X(CC24_OK, 0, "ok")                                                                              \
  X(CC24_E_INTERNAL, 1000, "internal error")                                                       \
  X(CC24_E_NOMEM, 1001, "out of memory")                                                           \
  X(CC24_E_CONFIG, 1002, "invalid configuration")                                                  \
  X(CC24_E_IO, 1003, "input/output error")                                                         \
  X(CC24_E_STORE, 1004, "media store error")                                                       \
  X(CC24_E_STORE_UNAVAILABLE, 1005, "media store unavailable")                                     \
  X(CC24_E_DB, 1100, "database error")                                                             \
  X(CC24_E_DB_BUSY, 1101, "database busy or serialization failure")                                \
  X(CC24_E_DB_CONSTRAINT, 1102, "database constraint violated")                                    \
  X(CC24_E_DB_UNAVAILABLE, 1103, "database unavailable")                                           \
  X(CC24_E_MIGRATION, 1104, "migration failed")                                                    \
  X(CC24_E_BAD_REQUEST, 2000, "bad request")                                                       \
  X(CC24_E_MALFORMED_JSON, 2001, "malformed JSON")                                                 \
  X(CC24_E_INVALID_UTF8, 2002, "invalid UTF-8")                                                    \
  X(CC24_E_BODY_TOO_LARGE, 2003, "request body too large")                                         \
  X(CC24_E_VALIDATION, 2004, "validation failed")                                                  \
  X(CC24_E_UNKNOWN_FIELD, 2005, "unknown field")                                                   \
  X(CC24_E_UNSUPPORTED_MEDIA_TYPE, 2006, "unsupported media type")                                 \
  X(CC24_E_BAD_PARAMETER, 2007, "bad query parameter")                                             \
  X(CC24_E_IMAGE_INVALID, 2008, "image cannot be read")                                            \
  X(CC24_E_IMAGE_TOO_LARGE, 2009, "image has too many pixels")                                     \
  X(CC24_E_QUOTA_EXCEEDED, 2010, "storage quota exceeded")                                         \
  X(CC24_E_NOT_FOUND, 3000, "not found")                                                           \
  X(CC24_E_METHOD_NOT_ALLOWED, 3001, "method not allowed")                                         \
  X(CC24_E_VEHICLE_NOT_FOUND, 3002, "vehicle not found")                                           \
  X(CC24_E_TENANT_NOT_FOUND, 3003, "dealer not found")                                             \
  X(CC24_E_GONE, 3004, "gone")                                                                     \
  X(CC24_E_UNAUTHORIZED, 4000, "authentication required")                                          \
  X(CC24_E_FORBIDDEN, 4001, "forbidden")                                                           \
  X(CC24_E_CSRF, 4002, "CSRF token missing or invalid")                                            \
  X(CC24_E_RATE_LIMITED, 4003, "too many requests")                                                \
  X(CC24_E_CONFLICT, 5000, "conflict")                                                             \
  X(CC24_E_FINANCE_INPUT, 6000, "impossible financing input")                                      \
  X(CC24_E_FINANCE_NO_SOLUTION, 6001, "no effective rate solves the schedule")                     \
  X(CC24_E_FINANCE_MISSING, 6002, "mandatory figure missing for the representative example")

enum cc24_err {
#define CC24_ERR_ENUM(name, num, text) name = num,
  CC24_ERRORS(CC24_ERR_ENUM)
#undef CC24_ERR_ENUM
};

struct err {
  int code;       /* enum cc24_err */
  char msg[256];  /* human-readable detail */
  char field[64]; /* offending field, "" when none */
};

/* Fill e (may be NULL) and return -1, so callers can `return err_set(...)`. */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Same, naming the offending field. */
int err_set_field(struct err *e, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Stable name ("CC24_E_VEHICLE_NOT_FOUND") and default text for a code. */
const char *err_name(int code);
const char *err_text(int code);

#endif
