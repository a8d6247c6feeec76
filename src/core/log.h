/* log.h — structured logging: one JSON object per line (machines), or a short
 * human line when stderr is a TTY. Each thread carries the id of the request
 * it serves, so every line of a request can be found by it. Thread-safe. */
#ifndef CC24_CORE_LOG_H
#define CC24_CORE_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* format: "json", "text" or "auto" (text on a TTY); level: debug|info|warn|error. */
void log_init(const char *format, const char *level);

/* Request id of the calling thread ("" clears it). The string is copied. */
void log_set_request_id(const char *id);
const char *log_request_id(void);

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write a pre-built JSON object (no newline) as one line, e.g. the access log;
 * in text mode the caller's text_line is printed instead. */
void log_line(const char *json_obj, const char *text_line);

bool log_enabled(enum log_level lvl);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
