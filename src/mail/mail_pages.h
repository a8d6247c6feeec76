/* mail_pages.h — the operator's mail queue page (see mail_pages.c). */
#ifndef CC24_MAIL_MAIL_PAGES_H
#define CC24_MAIL_MAIL_PAGES_H

#include "http/http.h"

/* GET /dashboard/post[?status=queued|sending|sent|dead] (platform admins) */
int mail_page_list(struct http_req *req);
/* POST /dashboard/post/{id}/erneut — queue a dead mail again (CSRF) */
int mail_page_retry(struct http_req *req);

#endif
