/* app.h — the application state shared by every request and job: database,
 * search index, templates. Created once by `cc24 serve` (see main.c) and
 * passed to handlers as req->app. */
#ifndef CC24_APP_H
#define CC24_APP_H

#include "db/db.h"

struct search_index;
struct tmpl_set;

struct app {
  db *db;
  struct search_index *search;
  struct tmpl_set *tmpl;
};

#endif
