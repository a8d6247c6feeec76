/* mustache.c — compiler and renderer for Mustache with inheritance.
 *
 * Compilation: the source is split into text and tag tokens (honouring set
 * delimiters), "standalone" lines (a line holding only whitespace and
 * non-interpolating tags) lose their whitespace and newline, and the tokens
 * become a tree. Partials and parents that stand alone on an indented line
 * are compiled once more with that indentation prefixed to every source line
 * (cached per indentation), which is how the spec wants indentation applied.
 * Rendering walks the tree with a context stack of jansson values and a stack
 * of block overrides (the outermost override of a block wins). */
#include "render/render.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_DEPTH    64  /* nested partials/parents */
#define MAX_STACK    256 /* context stack */
#define MAX_OVERRIDE 64

enum ntype { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL, N_PARENT, N_BLOCK };

struct node {
  enum ntype t;
  const char *s; /* TEXT: the text; otherwise the tag name */
  size_t len;
  const char **path; /* VAR/RAW/SECTION/INVERTED: dotted name split; npath 0 = "." */
  int npath;
  struct node *kids;
  int nkids;
  const char *indent; /* PARTIAL/PARENT: indentation of its standalone line;
                         BLOCK: the indentation its content gets where it expands */
  bool standalone;    /* BLOCK: opening tag stands alone on its line */
};

struct variant;

struct tmpl {
  char *name;
  char *src;
  char *path; /* file, or NULL */
  time_t mtime;
  struct arena *a;
  struct node *root;
  int nroot;
  struct variant *variants;
};

struct variant {
  struct variant *next;
  char *indent;
  struct tmpl *t;
};

struct tmpl_set {
  char *dir;
  bool dev;
  pthread_rwlock_t lock;
  pthread_mutex_t vlock;
  struct tmpl **t;
  int n;
  time_t last_check;
};

/* ------------------------------------------------------------------ parse */

enum { T_TEXT = 0 };

struct tok {
  int type; /* T_TEXT or the sigil: '!', '#', '^', '/', '>', '<', '$', '=', '&', '{', 'v' */
  size_t s, e;
  const char *name;
  size_t nlen;
};

struct toks {
  struct tok *v;
  int n, cap;
};

static void tok_push(struct toks *t, struct tok k)
{
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 64;
    t->v = xrealloc(t->v, sizeof *t->v * (size_t)t->cap);
  }
  t->v[t->n++] = k;
}

static int line_of(const char *src, size_t off)
{
  int line = 1;
  for (size_t i = 0; i < off && src[i]; i++)
    if (src[i] == '\n')
      line++;
  return line;
}

static bool is_space(char c)
{
  return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *n)
{
  while (*n && (is_space(**s) || **s == '\r' || **s == '\n')) {
    (*s)++;
    (*n)--;
  }
  while (*n && (is_space((*s)[*n - 1]) || (*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\n'))
    (*n)--;
}

static int tokenize(const char *name, const char *src, size_t len, struct toks *out, struct err *e)
{
  char open[16] = "{{", close[16] = "}}";
  size_t pos = 0;
  while (pos < len) {
    size_t ol = strlen(open), cl = strlen(close);
    const char *o = memmem(src + pos, len - pos, open, ol);
    if (!o) {
      tok_push(out, (struct tok){T_TEXT, pos, len, NULL, 0});
      break;
    }
    size_t ts = (size_t)(o - src);
    if (ts > pos)
      tok_push(out, (struct tok){T_TEXT, pos, ts, NULL, 0});
    size_t cs = ts + ol; /* content start */
    char sig = cs < len ? src[cs] : 0;
    int type;
    switch (sig) {
    case '!':
    case '#':
    case '^':
    case '/':
    case '>':
    case '<':
    case '$':
    case '=':
    case '&':
    case '{':
      type = sig;
      cs++;
      break;
    default:
      type = 'v';
    }
    const char *c;
    size_t te;
    if (type == '{') {
      char tc[20];
      snprintf(tc, sizeof tc, "}%s", close);
      c = memmem(src + cs, len - cs, tc, strlen(tc));
      te = c ? (size_t)(c - src) + strlen(tc) : 0;
    } else {
      c = memmem(src + cs, len - cs, close, cl);
      te = c ? (size_t)(c - src) + cl : 0;
    }
    if (!c)
      return err_set(e, CC24_E_INTERNAL, "template %s line %d: unclosed tag", name,
                     line_of(src, ts));
    const char *nm = src + cs;
    size_t nl = (size_t)(c - nm);
    if (type == '=') {
      if (nl == 0 || nm[nl - 1] != '=')
        return err_set(e, CC24_E_INTERNAL, "template %s line %d: bad set-delimiter tag", name,
                       line_of(src, ts));
      nl--;
      trim(&nm, &nl);
      size_t i = 0;
      while (i < nl && !is_space(nm[i]))
        i++;
      size_t j = i;
      while (j < nl && is_space(nm[j]))
        j++;
      if (i == 0 || j == nl || i >= sizeof open || nl - j >= sizeof close)
        return err_set(e, CC24_E_INTERNAL, "template %s line %d: bad set-delimiter tag", name,
                       line_of(src, ts));
      memcpy(open, nm, i);
      open[i] = 0;
      memcpy(close, nm + j, nl - j);
      close[nl - j] = 0;
      for (size_t k = 0; k < strlen(close); k++)
        if (is_space(close[k]) || close[k] == '=')
          return err_set(e, CC24_E_INTERNAL, "template %s line %d: bad set-delimiter tag", name,
                         line_of(src, ts));
    } else {
      trim(&nm, &nl);
      if (nl == 0 && type != '!')
        return err_set(e, CC24_E_INTERNAL, "template %s line %d: empty tag", name,
                       line_of(src, ts));
    }
    tok_push(out, (struct tok){type, ts, te, nm, nl});
    pos = te;
  }
  return 0;
}

static bool standalone_type(int t)
{
  return t == '!' || t == '#' || t == '^' || t == '/' || t == '>' || t == '<' || t == '$' ||
         t == '=';
}

/* Mark whitespace and newlines of standalone lines in drop[]: a line holding only
 * whitespace and non-interpolating tags (possibly several, possibly spanning lines
 * like a multi-line comment) vanishes from the output. Standalone partials and
 * parents get the line's leading whitespace as their indentation. */
static void mark_standalone(const char *src, size_t len, struct toks *tk, bool *drop,
                            size_t *indent_len, bool *sa, size_t *lstart)
{
  int *start_tok = xcalloc(len + 1, sizeof *start_tok);
  int *end_tok = xcalloc(len + 1, sizeof *end_tok);
  for (size_t i = 0; i <= len; i++)
    start_tok[i] = end_tok[i] = -1;
  for (int i = 0; i < tk->n; i++)
    if (tk->v[i].type != T_TEXT) {
      start_tok[tk->v[i].s] = i;
      end_tok[tk->v[i].e] = i;
    }
  for (int i = 0; i < tk->n; i++) {
    struct tok *t = &tk->v[i];
    if (t->type == T_TEXT || !standalone_type(t->type))
      continue;
    /* backwards to the start of the line */
    size_t p = t->s, first = t->s;
    bool ok = true;
    while (p > 0 && ok) {
      if (end_tok[p] >= 0 && end_tok[p] != i) {
        int k = end_tok[p];
        if (!standalone_type(tk->v[k].type))
          ok = false;
        p = tk->v[k].s;
        first = p;
        continue;
      }
      char c = src[p - 1];
      if (c == '\n')
        break;
      if (is_space(c))
        p--;
      else
        ok = false;
    }
    if (!ok)
      continue;
    size_t ls = p;
    /* forwards to the end of the line */
    size_t q = t->e;
    while (q < len && ok) {
      if (start_tok[q] >= 0) {
        int k = start_tok[q];
        if (!standalone_type(tk->v[k].type))
          ok = false;
        q = tk->v[k].e;
        continue;
      }
      char c = src[q];
      if (c == '\n')
        break;
      if (is_space(c) || (c == '\r' && q + 1 < len && src[q + 1] == '\n'))
        q++;
      else
        ok = false;
    }
    if (!ok)
      continue;
    size_t le = q < len ? q + 1 : len; /* include the newline */
    for (size_t k = ls; k < le; k++)
      drop[k] = true;
    if (t->type == '>' || t->type == '<')
      indent_len[i] = first - ls;
    sa[i] = true;
    lstart[i] = ls;
  }
  free(start_tok);
  free(end_tok);
}

/* Blocks whose opening tag stands alone are re-indented: their content loses
 * the indentation of its first line where it is defined (marked in dedent[]),
 * and gets, where it expands, the indentation of the opening tag — or, when
 * that tag sits at column 0, the indentation of its own default content. */
static void mark_block_indent(struct arena *a, const char *src, size_t len, struct toks *tk,
                              const bool *sa, const size_t *lstart, bool *dedent,
                              const char **tindent)
{
  bool *intag = xcalloc(len + 1, sizeof *intag);
  for (int i = 0; i < tk->n; i++)
    if (tk->v[i].type != T_TEXT)
      for (size_t k = tk->v[i].s; k < tk->v[i].e; k++)
        intag[k] = true;
  char *ws = xcalloc(len + 1, 1);
  for (int i = 0; i < tk->n; i++) {
    struct tok *t = &tk->v[i];
    if (t->type != '$' || !sa[i])
      continue;
    /* the matching close tag */
    int depth = 0, j = i + 1;
    for (; j < tk->n; j++) {
      int ty = tk->v[j].type;
      if (ty == '#' || ty == '^' || ty == '<' || ty == '$')
        depth++;
      else if (ty == '/' && depth-- == 0)
        break;
    }
    if (j >= tk->n)
      continue;
    /* indentation of the tag itself (outer dedents already applied) */
    size_t n = 0;
    for (size_t k = lstart[i]; k < t->s; k++)
      if (!intag[k] && !dedent[k] && (src[k] == ' ' || src[k] == '\t'))
        ws[n++] = src[k];
    ws[n] = 0;
    char *tag_indent = arena_strdup(a, ws);
    /* first line of the content: after the newline that ends the opening tag's line */
    const char *nl = memchr(src + t->e, '\n', len - t->e);
    size_t r0 = nl ? (size_t)(nl - src) + 1 : len;
    size_t r1 = tk->v[j].s;
    n = 0;
    if (r0 < r1)
      for (size_t k = r0; k < r1 && !intag[k] && (src[k] == ' ' || src[k] == '\t'); k++)
        if (!dedent[k])
          ws[n++] = src[k];
    ws[n] = 0;
    tindent[i] = *tag_indent ? tag_indent : arena_strdup(a, ws);
    /* remove that first-line indentation from every content line */
    size_t d = n;
    if (d == 0 || r0 >= r1)
      continue;
    for (size_t line = r0; line < r1;) {
      size_t k = line, removed = 0;
      while (k < r1 && removed < d && !intag[k] && (src[k] == ' ' || src[k] == '\t')) {
        if (!dedent[k]) {
          dedent[k] = true;
          removed++;
        }
        k++;
      }
      const char *nx = memchr(src + line, '\n', r1 - line);
      if (!nx)
        break;
      line = (size_t)(nx - src) + 1;
    }
  }
  free(ws);
  free(intag);
}

struct nodes {
  struct node *v;
  int n, cap;
};

static void node_push(struct nodes *ns, struct node n)
{
  if (ns->n == ns->cap) {
    ns->cap = ns->cap ? ns->cap * 2 : 16;
    ns->v = xrealloc(ns->v, sizeof *ns->v * (size_t)ns->cap);
  }
  ns->v[ns->n++] = n;
}

static const char **split_path(struct arena *a, const char *s, size_t n, int *np)
{
  if (n == 1 && s[0] == '.') {
    *np = 0;
    return NULL;
  }
  int parts = 1;
  for (size_t i = 0; i < n; i++)
    if (s[i] == '.')
      parts++;
  const char **p = arena_alloc(a, sizeof *p * (size_t)parts);
  int k = 0;
  size_t start = 0;
  for (size_t i = 0; i <= n; i++)
    if (i == n || s[i] == '.') {
      p[k++] = arena_strndup(a, s + start, i - start);
      start = i + 1;
    }
  *np = parts;
  return p;
}

struct frame {
  struct nodes kids;
  struct tok open;
  int open_ix;
};

static int build(struct arena *a, const char *name, const char *src, struct toks *tk, bool *drop,
                 size_t *indent_len, const bool *sa, const size_t *lstart, const char **tindent,
                 struct node **root, int *nroot, struct err *e)
{
  struct frame stack[MAX_STACK];
  int sp = 0;
  memset(&stack[0], 0, sizeof stack[0]);
  int rc = -1;
  for (int i = 0; i < tk->n; i++) {
    struct tok *t = &tk->v[i];
    struct nodes *cur = &stack[sp].kids;
    switch (t->type) {
    case T_TEXT: {
      char *txt = arena_alloc(a, t->e - t->s + 1);
      size_t n = 0;
      for (size_t k = t->s; k < t->e; k++)
        if (!drop[k])
          txt[n++] = src[k];
      txt[n] = 0;
      if (n)
        node_push(cur, (struct node){.t = N_TEXT, .s = txt, .len = n});
      break;
    }
    case '!':
    case '=':
      break;
    case 'v':
    case '&':
    case '{': {
      struct node nd = {.t = t->type == 'v' ? N_VAR : N_RAW};
      nd.s = arena_strndup(a, t->name, t->nlen);
      nd.len = t->nlen;
      nd.path = split_path(a, t->name, t->nlen, &nd.npath);
      node_push(cur, nd);
      break;
    }
    case '>': {
      struct node nd = {.t = N_PARTIAL};
      nd.s = arena_strndup(a, t->name, t->nlen);
      nd.len = t->nlen;
      size_t il = indent_len[i];
      nd.indent = arena_strndup(a, src + lstart[i], il);
      node_push(cur, nd);
      break;
    }
    case '#':
    case '^':
    case '<':
    case '$':
      if (sp + 1 >= MAX_STACK) {
        err_set(e, CC24_E_INTERNAL, "template %s line %d: sections nested too deeply", name,
                line_of(src, t->s));
        goto out;
      }
      sp++;
      memset(&stack[sp], 0, sizeof stack[sp]);
      stack[sp].open = *t;
      stack[sp].open_ix = i;
      break;
    case '/': {
      if (sp == 0) {
        err_set(e, CC24_E_INTERNAL, "template %s line %d: unopened section {{/%.*s}}", name,
                line_of(src, t->s), (int)t->nlen, t->name);
        goto out;
      }
      struct tok *o = &stack[sp].open;
      if (o->nlen != t->nlen || memcmp(o->name, t->name, t->nlen) != 0) {
        err_set(e, CC24_E_INTERNAL, "template %s line %d: {{/%.*s}} closes {{%c%.*s}}", name,
                line_of(src, t->s), (int)t->nlen, t->name, o->type, (int)o->nlen, o->name);
        goto out;
      }
      struct node nd = {0};
      nd.t = o->type == '#'   ? N_SECTION
             : o->type == '^' ? N_INVERTED
             : o->type == '<' ? N_PARENT
                              : N_BLOCK;
      nd.s = arena_strndup(a, o->name, o->nlen);
      nd.len = o->nlen;
      if (nd.t == N_SECTION || nd.t == N_INVERTED)
        nd.path = split_path(a, o->name, o->nlen, &nd.npath);
      struct nodes *k = &stack[sp].kids;
      if (nd.t == N_PARENT) {
        /* only the blocks inside a parent tag matter */
        int nb = 0;
        for (int q = 0; q < k->n; q++)
          if (k->v[q].t == N_BLOCK)
            nb++;
        nd.kids = arena_calloc(a, (size_t)(nb ? nb : 1), sizeof *nd.kids);
        for (int q = 0; q < k->n; q++)
          if (k->v[q].t == N_BLOCK)
            nd.kids[nd.nkids++] = k->v[q];
        size_t il = indent_len[stack[sp].open_ix];
        nd.indent = il ? arena_strndup(a, src + lstart[stack[sp].open_ix], il) : "";
      } else {
        nd.kids = arena_calloc(a, (size_t)(k->n ? k->n : 1), sizeof *nd.kids);
        if (k->n)
          memcpy(nd.kids, k->v, sizeof *k->v * (size_t)k->n);
        nd.nkids = k->n;
        if (nd.t == N_BLOCK && sa[stack[sp].open_ix]) {
          nd.standalone = true;
          nd.indent = tindent[stack[sp].open_ix] ? tindent[stack[sp].open_ix] : "";
        }
      }
      free(k->v);
      sp--;
      node_push(&stack[sp].kids, nd);
      break;
    }
    default:
      break;
    }
  }
  if (sp != 0) {
    err_set(e, CC24_E_INTERNAL, "template %s line %d: unclosed section {{%c%.*s}}", name,
            line_of(src, stack[sp].open.s), stack[sp].open.type, (int)stack[sp].open.nlen,
            stack[sp].open.name);
    goto out;
  }
  *nroot = stack[0].kids.n;
  *root = arena_calloc(a, (size_t)(*nroot ? *nroot : 1), sizeof **root);
  if (*nroot)
    memcpy(*root, stack[0].kids.v, sizeof **root * (size_t)*nroot);
  rc = 0;
out:
  for (int i = 0; i <= sp; i++)
    free(stack[i].kids.v);
  if (rc < 0)
    for (int i = sp + 1; i < MAX_STACK && 0; i++)
      ;
  return rc;
}

static struct tmpl *compile(const char *name, const char *src, struct err *e)
{
  size_t len = strlen(src);
  struct tmpl *t = xcalloc(1, sizeof *t);
  t->name = xstrdup(name);
  t->src = xstrdup(src);
  t->a = arena_new(4096 + len * 2);
  struct toks tk = {0};
  bool *drop = NULL, *sa = NULL;
  size_t *indent = NULL, *lstart = NULL;
  const char **tindent = NULL;
  if (tokenize(name, t->src, len, &tk, e) < 0)
    goto fail;
  drop = xcalloc(len + 1, sizeof *drop);
  indent = xcalloc((size_t)tk.n + 1, sizeof *indent);
  sa = xcalloc((size_t)tk.n + 1, sizeof *sa);
  lstart = xcalloc((size_t)tk.n + 1, sizeof *lstart);
  tindent = xcalloc((size_t)tk.n + 1, sizeof *tindent);
  mark_standalone(t->src, len, &tk, drop, indent, sa, lstart);
  bool *dedent = xcalloc(len + 1, sizeof *dedent);
  mark_block_indent(t->a, t->src, len, &tk, sa, lstart, dedent, tindent);
  for (size_t k = 0; k < len; k++)
    drop[k] = drop[k] || dedent[k];
  free(dedent);
  if (build(t->a, name, t->src, &tk, drop, indent, sa, lstart, tindent, &t->root, &t->nroot, e) < 0)
    goto fail;
  free(tk.v);
  free(drop);
  free(indent);
  free(sa);
  free(lstart);
  free(tindent);
  return t;
fail:
  free(tk.v);
  free(drop);
  free(indent);
  free(sa);
  free(lstart);
  free(tindent);
  arena_free(t->a);
  free(t->name);
  free(t->src);
  free(t);
  return NULL;
}

static void tmpl_free(struct tmpl *t)
{
  if (!t)
    return;
  struct variant *v = t->variants;
  while (v) {
    struct variant *n = v->next;
    tmpl_free(v->t);
    free(v->indent);
    free(v);
    v = n;
  }
  arena_free(t->a);
  free(t->name);
  free(t->src);
  free(t->path);
  free(t);
}

/* ----------------------------------------------------------------- render */

struct rctx {
  struct tmpl_set *set;
  struct buf *out;
  json_t *stack[MAX_STACK];
  int sp;
  const struct node *ov[MAX_OVERRIDE];
  int nov;
  int depth;
  struct err *e;
  int failed;
};

static struct tmpl *find(struct tmpl_set *s, const char *name)
{
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->t[i]->name, name) == 0)
      return s->t[i];
  return NULL;
}

/* The template compiled with indent prefixed to every line (cached). */
static struct tmpl *indented(struct tmpl_set *s, struct tmpl *t, const char *indent)
{
  if (!indent || !*indent)
    return t;
  pthread_mutex_lock(&s->vlock);
  for (struct variant *v = t->variants; v; v = v->next)
    if (strcmp(v->indent, indent) == 0) {
      pthread_mutex_unlock(&s->vlock);
      return v->t;
    }
  struct buf b;
  buf_init(&b, NULL);
  const char *p = t->src;
  size_t il = strlen(indent);
  bool at_start = true;
  for (; *p; p++) {
    if (at_start) {
      buf_append(&b, indent, il);
      at_start = false;
    }
    buf_putc(&b, *p);
    if (*p == '\n')
      at_start = true;
  }
  struct err e;
  struct tmpl *c = compile(t->name, buf_cstr(&b), &e);
  buf_free(&b);
  if (c) {
    struct variant *v = xcalloc(1, sizeof *v);
    v->indent = xstrdup(indent);
    v->t = c;
    v->next = t->variants;
    t->variants = v;
  }
  pthread_mutex_unlock(&s->vlock);
  return c ? c : t;
}

static json_t *lookup(struct rctx *r, const struct node *n)
{
  if (n->npath == 0)
    return r->sp > 0 ? r->stack[r->sp - 1] : NULL;
  json_t *v = NULL;
  for (int i = r->sp - 1; i >= 0; i--) {
    json_t *o = r->stack[i];
    if (json_is_object(o)) {
      json_t *x = json_object_get(o, n->path[0]);
      if (x) {
        v = x;
        break;
      }
    }
  }
  for (int k = 1; v && k < n->npath; k++) {
    if (json_is_object(v)) {
      v = json_object_get(v, n->path[k]);
    } else if (json_is_array(v)) {
      /* "items.0": an index into a list (not in the spec; mustache.js does the same) */
      char *end;
      long ix = strtol(n->path[k], &end, 10);
      v = (*n->path[k] && !*end && ix >= 0) ? json_array_get(v, (size_t)ix) : NULL;
    } else {
      v = NULL;
    }
  }
  return v;
}

static bool truthy(json_t *v)
{
  if (!v || json_is_null(v) || json_is_false(v))
    return false;
  if (json_is_array(v))
    return json_array_size(v) > 0;
  if (json_is_string(v))
    return json_string_length(v) > 0;
  /* 0 is false, as in the JavaScript implementations templates are written against:
   * {{#count}} … {{/count}} hides for no results (the spec leaves numbers open) */
  if (json_is_integer(v))
    return json_integer_value(v) != 0;
  if (json_is_real(v))
    return json_real_value(v) != 0;
  return true;
}

static void emit_value(struct rctx *r, json_t *v, bool escape)
{
  char num[40];
  const char *s = NULL;
  size_t n = 0;
  if (json_is_string(v)) {
    s = json_string_value(v);
    n = json_string_length(v);
  } else if (json_is_integer(v)) {
    n = (size_t)snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
    s = num;
  } else if (json_is_real(v)) {
    double d = json_real_value(v);
    for (int prec = 15; prec <= 17; prec++) {
      n = (size_t)snprintf(num, sizeof num, "%.*g", prec, d);
      if (strtod(num, NULL) == d)
        break;
    }
    s = num;
  } else if (json_is_true(v)) {
    s = "true";
    n = 4;
  } else if (json_is_false(v)) {
    s = "false";
    n = 5;
  } else {
    return;
  }
  if (escape)
    buf_append_html(r->out, s, n);
  else
    buf_append(r->out, s, n);
}

static void render_nodes(struct rctx *r, const struct node *ns, int n);

/* Render the content of block `content` where block `site` expands: a standalone
 * site indents every line of it and ends it with a newline. */
static void render_block_content(struct rctx *r, const struct node *site,
                                 const struct node *content)
{
  if (!site->standalone) {
    render_nodes(r, content->kids, content->nkids);
    return;
  }
  struct buf *out = r->out, tmp;
  size_t il = strlen(site->indent);
  if (il == 0) {
    /* nothing to indent (a layout's {{$content}} on its own line): render in place,
     * only the final newline of a standalone block is added */
    size_t before = out->len;
    render_nodes(r, content->kids, content->nkids);
    if (out->len > before && out->data[out->len - 1] != '\n')
      buf_putc(out, '\n');
    return;
  }
  buf_init(&tmp, NULL);
  r->out = &tmp;
  render_nodes(r, content->kids, content->nkids);
  r->out = out;
  /* copy line by line, the indentation before each line that is not empty */
  for (size_t i = 0; i < tmp.len;) {
    const char *nl = memchr(tmp.data + i, '\n', tmp.len - i);
    size_t end = nl ? (size_t)(nl - tmp.data) + 1 : tmp.len;
    if (tmp.data[i] != '\n')
      buf_append(out, site->indent, il);
    buf_append(out, tmp.data + i, end - i);
    i = end;
  }
  if (tmp.len && tmp.data[tmp.len - 1] != '\n')
    buf_putc(out, '\n');
  buf_free(&tmp);
}

static void push(struct rctx *r, json_t *v)
{
  if (r->sp < MAX_STACK)
    r->stack[r->sp] = v;
  r->sp++;
}

static void pop(struct rctx *r)
{
  r->sp--;
}

static void render_node(struct rctx *r, const struct node *nd)
{
  switch (nd->t) {
  case N_TEXT:
    buf_append(r->out, nd->s, nd->len);
    return;
  case N_VAR:
  case N_RAW: {
    json_t *v = lookup(r, nd);
    if (v)
      emit_value(r, v, nd->t == N_VAR);
    return;
  }
  case N_SECTION: {
    json_t *v = lookup(r, nd);
    if (!truthy(v))
      return;
    if (r->sp >= MAX_STACK) {
      r->failed = 1;
      return;
    }
    if (json_is_array(v)) {
      size_t i;
      json_t *it;
      json_array_foreach(v, i, it)
      {
        push(r, it);
        render_nodes(r, nd->kids, nd->nkids);
        pop(r);
      }
    } else {
      push(r, v);
      render_nodes(r, nd->kids, nd->nkids);
      pop(r);
    }
    return;
  }
  case N_INVERTED:
    if (!truthy(lookup(r, nd)))
      render_nodes(r, nd->kids, nd->nkids);
    return;
  case N_PARTIAL:
  case N_PARENT: {
    struct tmpl *t = find(r->set, nd->s);
    if (!t)
      return; /* the spec: a missing partial renders as nothing */
    if (r->depth >= MAX_DEPTH) {
      r->failed = 1;
      return;
    }
    t = indented(r->set, t, nd->indent);
    r->depth++;
    if (nd->t == N_PARENT) {
      if (r->nov >= MAX_OVERRIDE) {
        r->failed = 1;
        r->depth--;
        return;
      }
      r->ov[r->nov++] = nd;
      render_nodes(r, t->root, t->nroot);
      r->nov--;
    } else {
      render_nodes(r, t->root, t->nroot);
    }
    r->depth--;
    return;
  }
  case N_BLOCK:
    /* the outermost override wins (top-level substitutions take precedence) */
    for (int i = 0; i < r->nov; i++) {
      const struct node *p = r->ov[i];
      for (int k = 0; k < p->nkids; k++)
        if (p->kids[k].len == nd->len && memcmp(p->kids[k].s, nd->s, nd->len) == 0) {
          /* the override's own blocks resolve against the frames outside it */
          int saved = r->nov;
          r->nov = i;
          const struct node *save_ov[MAX_OVERRIDE];
          memcpy(save_ov, r->ov, sizeof(r->ov[0]) * (size_t)saved);
          render_block_content(r, nd, &p->kids[k]);
          memcpy(r->ov, save_ov, sizeof(r->ov[0]) * (size_t)saved);
          r->nov = saved;
          return;
        }
    }
    render_block_content(r, nd, nd);
    return;
  }
}

static void render_nodes(struct rctx *r, const struct node *ns, int n)
{
  for (int i = 0; i < n && !r->failed; i++)
    render_node(r, &ns[i]);
}

/* ------------------------------------------------------------------- sets */

static int add_file(struct tmpl_set *s, const char *path, const char *name, struct err *e)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return err_set(e, CC24_E_IO, "cannot read %s: %s", path, strerror(errno));
  struct buf b;
  buf_init(&b, NULL);
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    buf_append(&b, chunk, n);
  fclose(f);
  struct tmpl *t = compile(name, buf_cstr(&b), e);
  buf_free(&b);
  if (!t)
    return -1;
  struct stat st;
  if (stat(path, &st) == 0)
    t->mtime = st.st_mtime;
  t->path = xstrdup(path);
  s->t = xrealloc(s->t, sizeof *s->t * (size_t)(s->n + 1));
  s->t[s->n++] = t;
  return 0;
}

static int scan(struct tmpl_set *s, const char *dir, const char *prefix, struct err *e)
{
  DIR *d = opendir(dir);
  if (!d)
    return err_set(e, CC24_E_IO, "cannot open template directory %s: %s", dir, strerror(errno));
  struct dirent *de;
  int rc = 0;
  while (rc == 0 && (de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    char path[4096], name[1024];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    struct stat st;
    if (stat(path, &st) < 0)
      continue;
    if (S_ISDIR(st.st_mode)) {
      snprintf(name, sizeof name, "%s%s/", prefix, de->d_name);
      rc = scan(s, path, name, e);
      continue;
    }
    size_t l = strlen(de->d_name);
    if (l <= 9 || strcmp(de->d_name + l - 9, ".mustache") != 0)
      continue;
    snprintf(name, sizeof name, "%s%.*s", prefix, (int)(l - 9), de->d_name);
    rc = add_file(s, path, name, e);
  }
  closedir(d);
  return rc;
}

static struct tmpl_set *set_new(void)
{
  struct tmpl_set *s = xcalloc(1, sizeof *s);
  pthread_rwlock_init(&s->lock, NULL);
  pthread_mutex_init(&s->vlock, NULL);
  return s;
}

static void set_clear(struct tmpl_set *s)
{
  for (int i = 0; i < s->n; i++)
    tmpl_free(s->t[i]);
  free(s->t);
  s->t = NULL;
  s->n = 0;
}

struct tmpl_set *render_load(const char *dir, bool dev_reload, struct err *e)
{
  struct tmpl_set *s = set_new();
  s->dir = xstrdup(dir);
  s->dev = dev_reload;
  s->last_check = time(NULL);
  if (scan(s, dir, "", e) < 0) {
    render_free(s);
    return NULL;
  }
  return s;
}

void render_free(struct tmpl_set *s)
{
  if (!s)
    return;
  set_clear(s);
  free(s->dir);
  pthread_rwlock_destroy(&s->lock);
  pthread_mutex_destroy(&s->vlock);
  free(s);
}

int render_count(struct tmpl_set *s)
{
  return s->n;
}

/* Dev mode: recompile the whole set when a file changed, appeared or vanished. */
static void maybe_reload(struct tmpl_set *s)
{
  time_t now = time(NULL);
  if (!s->dev || !s->dir || now == s->last_check)
    return;
  pthread_rwlock_wrlock(&s->lock);
  if (now != s->last_check) {
    s->last_check = now;
    struct tmpl_set *fresh = set_new();
    struct err e;
    bool changed = false;
    if (scan(fresh, s->dir, "", &e) < 0) {
      log_warn("templates not reloaded: %s", e.msg);
    } else {
      changed = fresh->n != s->n;
      for (int i = 0; i < fresh->n && !changed; i++) {
        struct tmpl *old = find(s, fresh->t[i]->name);
        changed = !old || old->mtime != fresh->t[i]->mtime || strcmp(old->src, fresh->t[i]->src);
      }
    }
    if (changed) {
      set_clear(s);
      s->t = fresh->t;
      s->n = fresh->n;
      fresh->t = NULL;
      fresh->n = 0;
      log_info("templates reloaded (%d)", s->n);
    }
    render_free(fresh);
  }
  pthread_rwlock_unlock(&s->lock);
}

int render_page(struct tmpl_set *s, const char *name, json_t *ctx, struct buf *out, struct err *e)
{
  maybe_reload(s);
  pthread_rwlock_rdlock(&s->lock);
  struct tmpl *t = find(s, name);
  if (!t) {
    pthread_rwlock_unlock(&s->lock);
    return err_set(e, CC24_E_NOT_FOUND, "no template named %s", name);
  }
  struct rctx r = {.set = s, .out = out, .e = e};
  push(&r, ctx);
  render_nodes(&r, t->root, t->nroot);
  pthread_rwlock_unlock(&s->lock);
  if (r.failed)
    return err_set(e, CC24_E_INTERNAL, "template %s: nesting too deep", name);
  return 0;
}

struct tmpl_set *render_from_strings(const char *name, const char *src, json_t *partials,
                                     struct err *e)
{
  struct tmpl_set *s = set_new();
  const char *key;
  json_t *val;
  json_object_foreach(partials, key, val)
  {
    if (!json_is_string(val))
      continue;
    struct tmpl *t = compile(key, json_string_value(val), e);
    if (!t) {
      render_free(s);
      return NULL;
    }
    s->t = xrealloc(s->t, sizeof *s->t * (size_t)(s->n + 1));
    s->t[s->n++] = t;
  }
  struct tmpl *t = compile(name, src, e);
  if (!t) {
    render_free(s);
    return NULL;
  }
  s->t = xrealloc(s->t, sizeof *s->t * (size_t)(s->n + 1));
  /* the main template goes first so it wins over a partial of the same name */
  memmove(s->t + 1, s->t, sizeof *s->t * (size_t)s->n);
  s->t[0] = t;
  s->n++;
  return s;
}

int render_string(const char *src, json_t *ctx, json_t *partials, struct buf *out, struct err *e)
{
  struct tmpl_set *s = render_from_strings("\x01main", src, partials, e);
  if (!s)
    return -1;
  int rc = render_page(s, "\x01main", ctx, out, e);
  render_free(s);
  return rc;
}
