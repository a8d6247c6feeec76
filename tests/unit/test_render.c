/* The Mustache spec (tests/data/mustache-spec/ JSON files, read directly) and
 * the template-set behaviour cc24 relies on: layouts across files, partial
 * lookup, escaping of hostile strings, dev reload, recursion limits. */
#include "core/buf.h"
#include "render/render.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The test data in the repository (tests/data), found from the source root. */
static const char *data_dir(void)
{
  static char path[4096];
  const char *root = getenv("CC24_SOURCE_ROOT");
  snprintf(path, sizeof path, "%s/tests/data", root ? root : ".");
  return path;
}

static void run_spec(const char *file, int *passed, int *total)
{
  char path[8192];
  snprintf(path, sizeof path, "%s/mustache-spec/%s", data_dir(), file);
  json_error_t je;
  json_t *doc = json_load_file(path, 0, &je);
  cr_assert_not_null(doc, "cannot read %s: %s", path, je.text);
  json_t *tests = json_object_get(doc, "tests");
  size_t i;
  json_t *t;
  json_array_foreach(tests, i, t)
  {
    const char *name = json_string_value(json_object_get(t, "name"));
    const char *tmpl = json_string_value(json_object_get(t, "template"));
    const char *expected = json_string_value(json_object_get(t, "expected"));
    struct buf out;
    buf_init(&out, NULL);
    struct err e = {0};
    int rc =
        render_string(tmpl, json_object_get(t, "data"), json_object_get(t, "partials"), &out, &e);
    (*total)++;
    if (rc == 0 && strcmp(buf_cstr(&out), expected) == 0)
      (*passed)++;
    else
      cr_log_error("%s / %s: rc=%d %s\n  expected: %s\n  got:      %s", file, name, rc,
                   rc ? e.msg : "", expected, buf_cstr(&out));
    buf_free(&out);
  }
  json_decref(doc);
}

#define SPEC_TEST(id, file)                                                                        \
  Test(mustache_spec, id)                                                                          \
  {                                                                                                \
    int passed = 0, total = 0;                                                                     \
    run_spec(file, &passed, &total);                                                               \
    cr_log_info("%s: %d/%d", file, passed, total);                                                 \
    cr_assert_gt(total, 0);                                                                        \
    cr_assert_eq(passed, total, "%s: %d of %d spec cases pass", file, passed, total);              \
  }

SPEC_TEST(comments, "comments.json")
SPEC_TEST(delimiters, "delimiters.json")
SPEC_TEST(interpolation, "interpolation.json")
SPEC_TEST(inverted, "inverted.json")
SPEC_TEST(partials, "partials.json")
SPEC_TEST(sections, "sections.json")
SPEC_TEST(inheritance, "~inheritance.json")

static char *write_tree(void)
{
  char *dir = strdup("/tmp/cc24-tmpl-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  char p[4096];
  snprintf(p, sizeof p, "%s/partials", dir);
  mkdir(p, 0755);
  const char *files[][2] = {
      {"layout.mustache",
       "<html><title>{{$title}}cc24{{/title}}</title>{{$content}}{{/content}}</html>"},
      {"home.mustache", "{{<layout}}{{$title}}Start{{/title}}{{$content}}{{#cars}}{{> "
                        "partials/card}}{{/cars}}{{/content}}{{/layout}}"},
      {"partials/card.mustache", "<b>{{make}}</b>"},
      {"notes.txt", "not a template"},
  };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, files[i][0]);
    FILE *f = fopen(p, "w");
    fputs(files[i][1], f);
    fclose(f);
  }
  return dir;
}

Test(template_set, layouts_partials_and_escaping)
{
  char *dir = write_tree();
  struct err e = {0};
  struct tmpl_set *s = render_load(dir, false, &e);
  cr_assert_not_null(s, "%s", e.msg);
  cr_assert_eq(render_count(s), 3);
  json_t *ctx =
      json_pack("{s:[{s:s},{s:s}]}", "cars", "make", "BMW", "make", "<script>alert('x')</script>&");
  struct buf out;
  buf_init(&out, NULL);
  cr_assert_eq(render_page(s, "home", ctx, &out, &e), 0, "%s", e.msg);
  cr_assert_str_eq(buf_cstr(&out),
                   "<html><title>Start</title><b>BMW</b><b>&lt;script&gt;alert(&#39;x&#39;)&lt;/"
                   "script&gt;&amp;</b></html>");
  buf_reset(&out);
  cr_assert_eq(render_page(s, "nope", ctx, &out, &e), -1);
  cr_assert_eq(e.code, CC24_E_NOT_FOUND);
  buf_free(&out);
  json_decref(ctx);
  render_free(s);
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  cr_assert_eq(system(cmd), 0);
  free(dir);
}

Test(template_set, compile_errors_name_template_and_line)
{
  struct err e = {0};
  cr_assert_null(render_from_strings("bad", "line1\n{{#open}}\nno close", NULL, &e));
  cr_assert(strstr(e.msg, "bad") && strstr(e.msg, "line 2"), "%s", e.msg);
  cr_assert_null(render_from_strings("bad2", "{{#a}}{{/b}}", NULL, &e));
  cr_assert_null(render_from_strings("bad3", "{{unclosed", NULL, &e));
  cr_assert_null(render_from_strings("bad4", "{{=<% %>", NULL, &e));
}

Test(template_set, dev_mode_reloads_changed_files)
{
  char *dir = write_tree();
  struct err e = {0};
  struct tmpl_set *s = render_load(dir, true, &e);
  cr_assert_not_null(s);
  json_t *ctx = json_pack("{s:s}", "make", "Audi");
  struct buf out;
  buf_init(&out, NULL);
  cr_assert_eq(render_page(s, "partials/card", ctx, &out, &e), 0);
  cr_assert_str_eq(buf_cstr(&out), "<b>Audi</b>");
  sleep(1);
  char p[4096];
  snprintf(p, sizeof p, "%s/partials/card.mustache", dir);
  FILE *f = fopen(p, "w");
  fputs("<i>{{make}}</i>", f);
  fclose(f);
  sleep(1);
  buf_reset(&out);
  cr_assert_eq(render_page(s, "partials/card", ctx, &out, &e), 0);
  cr_assert_str_eq(buf_cstr(&out), "<i>Audi</i>");
  buf_free(&out);
  json_decref(ctx);
  render_free(s);
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  cr_assert_eq(system(cmd), 0);
  free(dir);
}

Test(template_set, recursion_is_bounded)
{
  json_t *partials = json_pack("{s:s}", "loop", "x{{>loop}}");
  struct buf out;
  buf_init(&out, NULL);
  struct err e = {0};
  json_t *empty = json_object();
  cr_assert_eq(render_string("{{>loop}}", empty, partials, &out, &e), -1);
  json_decref(empty);
  json_t *deep = json_object();
  json_t *cur = deep;
  for (int i = 0; i < 1000; i++) {
    json_t *n = json_object();
    json_object_set_new(cur, "a", n);
    cur = n;
  }
  buf_reset(&out);
  /* a section nested 300 deep in the template is refused at compile time */
  char src[4000] = "";
  for (int i = 0; i < 300; i++)
    strcat(src, "{{#a}}");
  for (int i = 0; i < 300; i++)
    strcat(src, "{{/a}}");
  cr_assert_eq(render_string(src, deep, NULL, &out, &e), -1);
  buf_free(&out);
  json_decref(deep);
  json_decref(partials);
}

Test(template_set, indented_partial_inside_a_section_on_one_line)
{
  /* A standalone line holding a section and a partial: the partial's lines get
   * the line's indentation, nothing else of the line leaks into the output. */
  json_t *partials = json_pack("{s:s}", "card", "<b>{{.}}</b>\n");
  json_t *ctx = json_pack("{s:[s,s]}", "cars", "A", "B");
  struct buf out;
  buf_init(&out, NULL);
  struct err e = {0};
  cr_assert_eq(
      render_string("<div>\n    {{#cars}}{{> card}}{{/cars}}\n</div>\n", ctx, partials, &out, &e),
      0);
  cr_assert_str_eq(buf_cstr(&out), "<div>\n    <b>A</b>\n    <b>B</b>\n</div>\n");
  buf_free(&out);
  json_decref(ctx);
  json_decref(partials);
}

Test(render, falsy_values_skip_sections)
{
  json_t *ctx = json_pack("{s:i,s:i,s:f,s:s,s:s,s:b,s:n,s:[],s:[i]}", "zero", 0, "one", 3, "nil",
                          0.0, "empty", "", "word", "x", "no", 0, "null", "none", "list", 1);
  struct buf out;
  buf_init(&out, NULL);
  struct err e = {0};
  cr_assert_eq(render_string("{{#zero}}Z{{/zero}}{{^zero}}z{{/zero}}{{#one}}O{{/one}}"
                             "{{#nil}}N{{/nil}}{{#empty}}E{{/empty}}{{#word}}W{{/word}}"
                             "{{#no}}F{{/no}}{{#null}}U{{/null}}{{#none}}L{{/none}}"
                             "{{#list}}[{{.}}]{{/list}}{{#missing}}M{{/missing}}",
                             ctx, NULL, &out, &e),
               0, "%s", e.msg);
  cr_assert_str_eq(buf_cstr(&out), "zOW[1]", "0, 0.0, \"\", false, null, [] and missing are falsy");
  buf_free(&out);
  json_decref(ctx);
}
