/* static.c — static assets served from memory.
 *
 * http_static_init reads every regular file under the directory once at
 * start-up (dot-files skipped, at most STATIC_MAX_FILE bytes each), with its
 * content type, a strong ETag from its SHA-256 and, for compressible types, a
 * precomputed gzip variant. Files are then served by name only: a request can
 * only ever reach a file that was loaded from inside the directory, whatever
 * ".." or symlink tricks its path contains.
 *
 *   /static/css/app.css           Cache-Control: no-cache (revalidate; 304 on ETag)
 *   /static/css/app.3fa2b1c9.css  Cache-Control: public, max-age=31536000, immutable
 *
 * Pages link the second form through http_static_url. The table is read-only
 * after init; calling init again while serving is not safe. */
#include "http/http_internal.h"

#include "core/arena.h"
#include "core/ids.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATIC_MAX_FILE  (8u << 20)
#define STATIC_MAX_DEPTH 16
#define STATIC_MAX_FILES 20000
#define HASH8            8

struct sfile {
  char *name;   /* "css/app.css" */
  char *hashed; /* "css/app.3fa2b1c9.css" */
  char *url;    /* "/static/css/app.3fa2b1c9.css" */
  const char *ctype;
  char *data;
  size_t len;
  char *gz; /* NULL when not compressible or not smaller */
  size_t gzlen;
  char etag[36];    /* "\"<32 hex>\"" */
  char etag_gz[40]; /* "\"<32 hex>-gz\"" */
};

static struct sfile *files;    /* sorted by name */
static struct sfile **by_hash; /* sorted by hashed name */
static size_t nfiles;

static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
static char **interned;
static size_t ninterned;

static const struct {
  const char *ext;
  const char *type;
} types[] = {
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"xml", "application/xml"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"wasm", "application/wasm"},
    {"glb", "model/gltf-binary"},
    {"gltf", "model/gltf+json"},
    {"usdz", "model/vnd.usdz+zip"},
    {"pdf", "application/pdf"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
};

static const char *type_for(const char *name)
{
  const char *slash = strrchr(name, '/');
  const char *dot = strrchr(slash ? slash : name, '.');
  if (dot && dot[1])
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
      if (strcasecmp(dot + 1, types[i].ext) == 0)
        return types[i].type;
  return "application/octet-stream";
}

/* Extension position in the last path component (pointer to '.', or NULL). */
static const char *ext_of(const char *name)
{
  const char *slash = strrchr(name, '/');
  const char *base = slash ? slash + 1 : name;
  const char *dot = strrchr(base, '.');
  return dot && dot != base ? dot : NULL;
}

static void free_table(void)
{
  for (size_t i = 0; i < nfiles; i++) {
    free(files[i].name);
    free(files[i].hashed);
    free(files[i].url);
    free(files[i].data);
    free(files[i].gz);
  }
  free(files);
  free(by_hash);
  files = NULL;
  by_hash = NULL;
  nfiles = 0;
}

static int read_file(const char *path, size_t size, char **out)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  char *d = xmalloc(size + 1);
  size_t got = 0;
  while (got < size) {
    ssize_t r = read(fd, d + got, size - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  close(fd);
  if (got != size) {
    free(d);
    return -1;
  }
  d[size] = 0;
  *out = d;
  return 0;
}

struct walk {
  struct sfile *v;
  size_t n, cap;
  struct err *e;
};

static int add_file(struct walk *w, const char *path, const char *name, size_t size)
{
  if (w->n >= STATIC_MAX_FILES)
    return err_set(w->e, CC24_E_CONFIG, "static: more than %d files", STATIC_MAX_FILES);
  char *data;
  if (read_file(path, size, &data) < 0)
    return err_set(w->e, CC24_E_IO, "static: cannot read %s: %s", path, strerror(errno));
  if (w->n == w->cap) {
    w->cap = w->cap ? w->cap * 2 : 64;
    w->v = xrealloc(w->v, w->cap * sizeof *w->v);
  }
  struct sfile *f = &w->v[w->n++];
  memset(f, 0, sizeof *f);
  f->name = xstrdup(name);
  f->data = data;
  f->len = size;
  f->ctype = type_for(name);
  char hex[65];
  id_sha256_hex(data, size, hex);
  snprintf(f->etag, sizeof f->etag, "\"%.32s\"", hex);
  snprintf(f->etag_gz, sizeof f->etag_gz, "\"%.32s-gz\"", hex);
  const char *ext = ext_of(name);
  size_t stem = ext ? (size_t)(ext - name) : strlen(name);
  size_t hl = strlen(name) + HASH8 + 2;
  f->hashed = xmalloc(hl);
  snprintf(f->hashed, hl, "%.*s.%.*s%s", (int)stem, name, HASH8, hex, ext ? ext : "");
  size_t ul = strlen(f->hashed) + 9;
  f->url = xmalloc(ul);
  snprintf(f->url, ul, "/static/%s", f->hashed);
  if (http_type_compressible(f->ctype) && size >= 256)
    f->gz = http_gzip(NULL, data, size, &f->gzlen);
  return 0;
}

static int walk_dir(struct walk *w, const char *dir, const char *rel, int depth)
{
  if (depth > STATIC_MAX_DEPTH)
    return 0;
  DIR *d = opendir(dir);
  if (!d)
    return err_set(w->e, CC24_E_IO, "static: cannot open %s: %s", dir, strerror(errno));
  int rc = 0;
  struct dirent *de;
  while (rc == 0 && (de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    size_t pl = strlen(dir) + strlen(de->d_name) + 2;
    size_t rl = strlen(rel) + strlen(de->d_name) + 2;
    char *path = xmalloc(pl), *name = xmalloc(rl);
    snprintf(path, pl, "%s/%s", dir, de->d_name);
    snprintf(name, rl, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
    struct stat st;
    if (stat(path, &st) == 0) {
      if (S_ISDIR(st.st_mode))
        rc = walk_dir(w, path, name, depth + 1);
      else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > STATIC_MAX_FILE)
        log_warn("static: %s is larger than %u bytes; not served", path, STATIC_MAX_FILE);
      else if (S_ISREG(st.st_mode))
        rc = add_file(w, path, name, (size_t)st.st_size);
    }
    free(path);
    free(name);
  }
  closedir(d);
  return rc;
}

static int cmp_name(const void *a, const void *b)
{
  return strcmp(((const struct sfile *)a)->name, ((const struct sfile *)b)->name);
}

static int cmp_hashed(const void *a, const void *b)
{
  return strcmp((*(struct sfile *const *)a)->hashed, (*(struct sfile *const *)b)->hashed);
}

int http_static_init(const char *dir, struct err *e)
{
  struct walk w = {NULL, 0, 0, e};
  if (!dir || !*dir)
    return err_set(e, CC24_E_CONFIG, "static: no directory");
  if (walk_dir(&w, dir, "", 0) < 0) {
    for (size_t i = 0; i < w.n; i++) {
      free(w.v[i].name);
      free(w.v[i].hashed);
      free(w.v[i].url);
      free(w.v[i].data);
      free(w.v[i].gz);
    }
    free(w.v);
    return -1;
  }
  free_table();
  qsort(w.v, w.n, sizeof *w.v, cmp_name);
  files = w.v;
  nfiles = w.n;
  by_hash = xcalloc(nfiles ? nfiles : 1, sizeof *by_hash);
  for (size_t i = 0; i < nfiles; i++)
    by_hash[i] = &files[i];
  qsort(by_hash, nfiles, sizeof *by_hash, cmp_hashed);
  log_info("static: %zu files from %s", nfiles, dir);
  return 0;
}

static struct sfile *find_name(const char *name)
{
  size_t lo = 0, hi = nfiles;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(name, files[mid].name);
    if (c == 0)
      return &files[mid];
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}

static struct sfile *find_hashed(const char *name)
{
  size_t lo = 0, hi = nfiles;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(name, by_hash[mid]->hashed);
    if (c == 0)
      return by_hash[mid];
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}

const char *http_static_url(const char *name)
{
  if (!name)
    return "/static/";
  while (*name == '/')
    name++;
  struct sfile *f = find_name(name);
  if (f)
    return f->url;
  /* Unknown names (a typo in a template, a file added later) are interned so the
   * returned pointer stays valid; names come from code, not from requests. */
  pthread_mutex_lock(&intern_lock);
  const char *res = NULL;
  for (size_t i = 0; i < ninterned && !res; i++)
    if (strcmp(interned[i] + 8, name) == 0)
      res = interned[i];
  if (!res) {
    size_t l = strlen(name) + 9;
    char *s = xmalloc(l);
    snprintf(s, l, "/static/%s", name);
    interned = xrealloc(interned, (ninterned + 1) * sizeof *interned);
    interned[ninterned++] = s;
    res = s;
  }
  pthread_mutex_unlock(&intern_lock);
  return res;
}

int http_handle_static(struct http_req *req)
{
  const char *name = http_param(req, "path");
  struct sfile *f = NULL;
  bool immutable = false;
  if (name) {
    f = find_name(name);
    if (!f && (f = find_hashed(name)))
      immutable = true;
  }
  if (!f)
    return http_problem(req, 404, CC24_E_NOT_FOUND, "No such file.", NULL);
  bool gz = f->gz && http_accepts_gzip(http_header(req, "Accept-Encoding"));
  const char *etag = gz ? f->etag_gz : f->etag;
  http_set_header(req, "Cache-Control",
                  immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (f->gz)
    http_set_header(req, "Vary", "Accept-Encoding");
  if (http_not_modified(req, etag))
    return 0;
  http_set_header(req, "ETag", etag);
  if (gz)
    return http_reply_static(req, 200, f->ctype, f->gz, f->gzlen, "gzip");
  return http_reply_static(req, 200, f->ctype, f->data, f->len, NULL);
}
