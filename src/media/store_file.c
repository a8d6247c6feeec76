/* store_file.c — the media store in a local directory: one file per key, directories per
 * '/' segment. Writes go to a temporary file in the target directory whose name holds a
 * '~' (never a key character, so listings skip it and it cannot collide with a key), are
 * fsynced and renamed over the final name; the directory is fsynced after the rename so
 * the new name survives a crash. Readers open the file and keep the inode they opened, so
 * an overwrite never shows them a mix. */
#include "media/store_internal.h"

#include "core/arena.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_CHUNK (256 * 1024)

struct store_file {
  struct media_store base;
  char *root; /* absolute, without a trailing '/' */
  size_t root_len;
};

static struct store_file *F(struct media_store *s)
{
  return (struct store_file *)s;
}

/* root/key on the heap. */
static char *path_of(struct store_file *f, const char *key)
{
  size_t k = strlen(key);
  char *p = xmalloc(f->root_len + 1 + k + 1);
  memcpy(p, f->root, f->root_len);
  p[f->root_len] = '/';
  memcpy(p + f->root_len + 1, key, k + 1);
  return p;
}

static int io_err(struct err *e, const char *what, const char *path)
{
  return err_set(e, CC24_E_IO, "media store: %s %s: %s", what, path, strerror(errno));
}

/* mkdir -p of every directory in path up to (not including) its last component. */
static int mkdir_parents(char *path, size_t from, struct err *e)
{
  for (char *p = path + from; (p = strchr(p, '/')); p++) {
    *p = 0;
    int rc = mkdir(path, 0755);
    int err = errno;
    *p = '/';
    if (rc != 0 && err != EEXIST) {
      errno = err;
      *p = 0;
      io_err(e, "cannot create directory", path);
      *p = '/';
      return -1;
    }
  }
  return 0;
}

static int fsync_parent(const char *path)
{
  const char *slash = strrchr(path, '/');
  char dir[PATH_MAX];
  size_t n = slash ? (size_t)(slash - path) : 0;
  if (n == 0 || n >= sizeof dir)
    return 0;
  memcpy(dir, path, n);
  dir[n] = 0;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

static int write_all(int fd, const void *data, size_t n)
{
  const char *p = data;
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Copy everything from in (at its offset 0) to out. copy_file_range keeps the bytes in the
 * kernel (and may reflink); read/write is the fallback across file systems. -1 with errno;
 * *in_failed tells which side failed. */
static int copy_fd(int in, int out, bool *in_failed)
{
  *in_failed = false;
  for (;;) {
    ssize_t c = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
    if (c > 0)
      continue;
    if (c == 0)
      return 0;
    if (errno == EINTR)
      continue;
    if (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)
      break;
    return -1;
  }
  char *buf = xmalloc(COPY_CHUNK);
  int rc = 0;
  for (;;) {
    ssize_t r = read(in, buf, COPY_CHUNK);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      *in_failed = true;
      rc = -1;
      break;
    }
    if (r == 0)
      break;
    if (write_all(out, buf, (size_t)r) < 0) {
      rc = -1;
      break;
    }
  }
  free(buf);
  return rc;
}

/* A writer: the final path and an open temporary file beside it. */
struct writer {
  char *final;
  char *tmp;
  int fd;
};

static int writer_begin(struct store_file *f, const char *key, struct writer *w, struct err *e)
{
  w->final = path_of(f, key);
  w->tmp = NULL;
  w->fd = -1;
  if (mkdir_parents(w->final, f->root_len + 1, e) < 0)
    goto fail;
  size_t n = strlen(w->final);
  w->tmp = xmalloc(n + sizeof "~XXXXXX");
  memcpy(w->tmp, w->final, n);
  memcpy(w->tmp + n, "~XXXXXX", sizeof "~XXXXXX");
  w->fd = mkostemp(w->tmp, O_CLOEXEC);
  if (w->fd < 0) {
    if (errno == ENOTDIR)
      err_set(e, CC24_E_STORE, "media store: key %s: a directory in its path is an object", key);
    else
      io_err(e, "cannot create", w->tmp);
    goto fail;
  }
  (void)fchmod(w->fd, 0644);
  return 0;
fail:
  free(w->final);
  free(w->tmp);
  return -1;
}

static int writer_commit(struct writer *w, const char *key, struct err *e)
{
  int rc = -1;
  if (fsync(w->fd) != 0) {
    io_err(e, "cannot fsync", w->tmp);
    close(w->fd);
    goto out;
  }
  if (close(w->fd) != 0) {
    io_err(e, "cannot write", w->tmp);
    goto out;
  }
  if (rename(w->tmp, w->final) != 0) {
    if (errno == EISDIR)
      err_set(e, CC24_E_STORE, "media store: key %s is a directory of other keys", key);
    else
      io_err(e, "cannot rename to", w->final);
    goto out;
  }
  if (fsync_parent(w->final) != 0) {
    io_err(e, "cannot fsync the directory of", w->final);
    goto out_renamed;
  }
  rc = 0;
  goto out_renamed;
out:
  unlink(w->tmp);
out_renamed:
  free(w->final);
  free(w->tmp);
  return rc;
}

static void writer_abort(struct writer *w)
{
  close(w->fd);
  unlink(w->tmp);
  free(w->final);
  free(w->tmp);
}

static int file_put_file(struct media_store *s, const char *key, const char *path,
                         const char *content_type, const char *sha256_hex, struct err *e)
{
  (void)content_type;
  (void)sha256_hex;
  int in = open(path, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return io_err(e, "cannot open", path);
  struct writer w;
  if (writer_begin(F(s), key, &w, e) < 0) {
    close(in);
    return -1;
  }
  bool in_failed;
  if (copy_fd(in, w.fd, &in_failed) < 0) {
    io_err(e, in_failed ? "cannot read" : "cannot write", in_failed ? path : w.tmp);
    close(in);
    writer_abort(&w);
    return -1;
  }
  close(in);
  return writer_commit(&w, key, e);
}

static int file_put_mem(struct media_store *s, const char *key, const void *data, size_t n,
                        const char *content_type, struct err *e)
{
  (void)content_type;
  struct writer w;
  if (writer_begin(F(s), key, &w, e) < 0)
    return -1;
  if (n && write_all(w.fd, data, n) < 0) {
    io_err(e, "cannot write", w.tmp);
    writer_abort(&w);
    return -1;
  }
  return writer_commit(&w, key, e);
}

/* Open key for reading: the fd, or -1 with CC24_E_NOT_FOUND / CC24_E_IO. st filled. */
static int open_object(struct store_file *f, const char *key, struct stat *st, struct err *e)
{
  char *p = path_of(f, key);
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      err_set(e, CC24_E_NOT_FOUND, "media store: no object %s", key);
    else
      io_err(e, "cannot open", p);
    free(p);
    return -1;
  }
  if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
    err_set(e, CC24_E_NOT_FOUND, "media store: no object %s", key);
    close(fd);
    free(p);
    return -1;
  }
  free(p);
  return fd;
}

static int file_get_file(struct media_store *s, const char *key, const char *dest_path,
                         struct err *e)
{
  struct stat st;
  int in = open_object(F(s), key, &st, e);
  if (in < 0)
    return -1;
  char *tmp;
  int out = media_store_tmp_beside(dest_path, &tmp, e);
  if (out < 0) {
    close(in);
    return -1;
  }
  bool in_failed;
  int rc = copy_fd(in, out, &in_failed);
  if (rc < 0)
    io_err(e, in_failed ? "cannot read object" : "cannot write", in_failed ? key : tmp);
  close(in);
  if (close(out) != 0 && rc == 0)
    rc = io_err(e, "cannot write", tmp);
  if (rc == 0 && rename(tmp, dest_path) != 0)
    rc = io_err(e, "cannot rename to", dest_path);
  if (rc < 0)
    unlink(tmp);
  free(tmp);
  return rc;
}

static int file_get_mem(struct media_store *s, struct arena *a, const char *key, size_t max,
                        void **data, size_t *n, struct err *e)
{
  struct stat st;
  int fd = open_object(F(s), key, &st, e);
  if (fd < 0)
    return -1;
  if ((uint64_t)st.st_size > max) {
    close(fd);
    return err_set(e, CC24_E_BODY_TOO_LARGE, "media store: object %s has %lld bytes, more than %zu",
                   key, (long long)st.st_size, max);
  }
  size_t size = (size_t)st.st_size;
  char *p = arena_alloc(a, size + 1);
  size_t got = 0;
  while (got < size) {
    ssize_t r = read(fd, p + got, size - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      close(fd);
      return io_err(e, "cannot read object", key);
    }
    if (r == 0)
      break;
    got += (size_t)r;
  }
  close(fd);
  p[got] = 0;
  *data = p;
  *n = got;
  return 0;
}

static int file_stat(struct media_store *s, const char *key, int64_t *size, struct err *e)
{
  char *p = path_of(F(s), key);
  struct stat st;
  int rc = stat(p, &st);
  if (rc != 0) {
    rc = (errno == ENOENT || errno == ENOTDIR) ? 0 : io_err(e, "cannot stat", p);
    free(p);
    return rc;
  }
  free(p);
  if (!S_ISREG(st.st_mode))
    return 0;
  *size = (int64_t)st.st_size;
  return 1;
}

static int file_delete(struct media_store *s, const char *key, struct err *e)
{
  char *p = path_of(F(s), key);
  int rc = 0;
  if (unlink(p) != 0 && errno != ENOENT && errno != ENOTDIR && errno != EISDIR)
    rc = io_err(e, "cannot delete", p);
  free(p);
  return rc;
}

struct walk {
  const char *prefix;
  size_t prefix_len;
  media_store_list_fn fn;
  void *arg;
  struct err *e;
  char key[MEDIA_STORE_KEY_MAX + 2];
};

/* Walk the directory fd whose keys start with w->key[0..klen) (empty or ending in '/').
 * 0 go on, 1 stopped by fn, -1 error. Takes ownership of fd. */
static int walk_dir(struct walk *w, int fd, size_t klen)
{
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return io_err(w->e, "cannot list", w->key);
  }
  int rc = 0;
  struct dirent *de;
  while (rc == 0 && (errno = 0, de = readdir(d))) {
    const char *name = de->d_name;
    if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0)))
      continue;
    size_t nlen = strlen(name);
    if (klen + nlen > MEDIA_STORE_KEY_MAX || !media_store_chars_ok(name))
      continue; /* temporary files (with '~') and foreign names are not keys */
    memcpy(w->key + klen, name, nlen + 1);
    size_t len = klen + nlen;
    /* the key so far must agree with the prefix on their common length */
    size_t common = len < w->prefix_len ? len : w->prefix_len;
    if (memcmp(w->key, w->prefix, common) != 0)
      continue;
    struct stat st;
    if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
      continue; /* deleted meanwhile */
    if (S_ISDIR(st.st_mode)) {
      int sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (sub < 0)
        continue;
      w->key[len] = '/';
      w->key[len + 1] = 0;
      if (w->prefix_len <= len + 1 || memcmp(w->key, w->prefix, len + 1) == 0)
        rc = walk_dir(w, sub, len + 1);
      else
        close(sub);
    } else if (S_ISREG(st.st_mode) && len >= w->prefix_len && media_store_key_ok(w->key)) {
      rc = w->fn(w->key, (int64_t)st.st_size, (int64_t)st.st_mtim.tv_sec, w->arg);
      if (rc < 0 && w->e && w->e->code == 0)
        err_set(w->e, CC24_E_STORE, "media store: listing stopped by its callback");
    }
  }
  if (rc == 0 && errno != 0)
    rc = io_err(w->e, "cannot list", w->key);
  closedir(d);
  return rc;
}

static int file_list(struct media_store *s, const char *prefix, media_store_list_fn fn, void *arg,
                     struct err *e)
{
  struct store_file *f = F(s);
  struct walk w = {.prefix = prefix, .prefix_len = strlen(prefix), .fn = fn, .arg = arg, .e = e};
  /* start in the deepest directory the prefix names completely */
  const char *slash = strrchr(prefix, '/');
  size_t klen = slash ? (size_t)(slash - prefix) + 1 : 0;
  memcpy(w.key, prefix, klen);
  w.key[klen] = 0;
  char *dir = xmalloc(f->root_len + 1 + klen + 1);
  memcpy(dir, f->root, f->root_len);
  dir[f->root_len] = '/';
  memcpy(dir + f->root_len + 1, prefix, klen);
  dir[f->root_len + 1 + klen] = 0;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int rc = (errno == ENOENT || errno == ENOTDIR) ? 0 : io_err(e, "cannot list", dir);
    free(dir);
    return rc;
  }
  free(dir);
  int rc = walk_dir(&w, fd, klen);
  return rc < 0 ? -1 : 0;
}

static const char *file_local_path(struct media_store *s, struct arena *a, const char *key)
{
  return arena_printf(a, "%s/%s", F(s)->root, key);
}

static int file_check(struct media_store *s, struct err *e)
{
  struct store_file *f = F(s);
  if (access(f->root, W_OK | X_OK) != 0)
    return io_err(e, "cannot write to", f->root);
  return 0;
}

static void file_close(struct media_store *s)
{
  struct store_file *f = F(s);
  free(f->root);
  free(f);
}

static const struct media_store_ops file_ops = {
    .kind = "file",
    .close = file_close,
    .check = file_check,
    .put_file = file_put_file,
    .put_mem = file_put_mem,
    .get_file = file_get_file,
    .get_mem = file_get_mem,
    .stat = file_stat,
    .del = file_delete,
    .list = file_list,
    .local_path = file_local_path,
};

struct media_store *media_store_file_open(const char *dir, struct err *e)
{
  size_t n = strlen(dir);
  if (n >= PATH_MAX - MEDIA_STORE_KEY_MAX - 16) {
    err_set(e, CC24_E_CONFIG, "media store: directory name too long");
    return NULL;
  }
  char *p = xmalloc(n + 2);
  memcpy(p, dir, n + 1);
  p[n] = '/';
  p[n + 1] = 0;
  struct err me = {0};
  if (mkdir_parents(p, 1, &me) < 0) {
    err_set(e, CC24_E_IO, "%s", me.msg);
    free(p);
    return NULL;
  }
  free(p);
  char *real = realpath(dir, NULL);
  struct stat st;
  if (!real || stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
    err_set(e, CC24_E_IO, "media store: %s is not a directory", dir);
    free(real);
    return NULL;
  }
  struct store_file *f = xcalloc(1, sizeof *f);
  f->base.ops = &file_ops;
  f->root = real;
  f->root_len = strlen(real);
  while (f->root_len > 1 && f->root[f->root_len - 1] == '/')
    f->root[--f->root_len] = 0;
  if (f->root_len == 1) { /* "/" itself: keys go right below it */
    f->root_len = 0;
    f->root[0] = 0;
  }
  return &f->base;
}
