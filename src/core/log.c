#include "core/log.h"

#include "core/buf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bool json_mode = true;
static enum log_level min_level = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local char req_id[40];

static const char *level_names[] = {"debug", "info", "warn", "error"};

void log_init(const char *format, const char *level)
{
  if (format && strcmp(format, "json") == 0)
    json_mode = true;
  else if (format && strcmp(format, "text") == 0)
    json_mode = false;
  else
    json_mode = !isatty(STDERR_FILENO);
  for (int i = 0; i < 4; i++)
    if (level && strcmp(level, level_names[i]) == 0)
      min_level = (enum log_level)i;
}

void log_set_request_id(const char *id)
{
  snprintf(req_id, sizeof req_id, "%s", id ? id : "");
}

const char *log_request_id(void)
{
  return req_id;
}

bool log_enabled(enum log_level lvl)
{
  return lvl >= min_level;
}

static void timestamp(char *out, size_t n)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  size_t l = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + l, n - l, ".%03ldZ", ts.tv_nsec / 1000000);
}

static void emit(const char *line, size_t len)
{
  pthread_mutex_lock(&log_lock);
  fwrite(line, 1, len, stderr);
  fflush(stderr);
  pthread_mutex_unlock(&log_lock);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
  if (lvl < min_level)
    return;
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char ts[40];
  timestamp(ts, sizeof ts);
  struct buf b;
  buf_init(&b, NULL);
  if (json_mode) {
    buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\"", ts, level_names[lvl]);
    if (req_id[0]) {
      buf_puts(&b, ",\"req\":");
      buf_append_json_str(&b, req_id, strlen(req_id));
    }
    buf_puts(&b, ",\"msg\":");
    buf_append_json_str(&b, msg, strlen(msg));
    buf_puts(&b, "}\n");
  } else {
    buf_printf(&b, "%s %-5s %s%s%s\n", ts + 11, level_names[lvl], req_id[0] ? req_id : "",
               req_id[0] ? " " : "", msg);
  }
  emit(b.data, b.len);
  buf_free(&b);
}

void log_line(const char *json_obj, const char *text_line)
{
  struct buf b;
  buf_init(&b, NULL);
  buf_puts(&b, json_mode ? json_obj : text_line);
  buf_putc(&b, '\n');
  emit(b.data, b.len);
  buf_free(&b);
}
