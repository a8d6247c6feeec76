/* reminders.h — the daily follow-up mail: every morning at 07:00 (Berlin) each user with
 * enquiries whose follow-up is due by the end of the day (and still open) gets one mail
 * listing them with links; the "due today" filter of the inbox shows the same list. */
#ifndef CC24_CRM_REMINDERS_H
#define CC24_CRM_REMINDERS_H

#include "db/db.h"

#include <stdint.h>

#define CRM_REMINDERS_KIND "crm.reminders"

/* The next 07:00 Europe/Berlin after now (UTC seconds). */
int64_t crm_reminders_next(int64_t now);

/* Queue the reminder mails of every dealer for the day of now; *mails counts them. */
int crm_reminders_run(db *d, int64_t now, int *mails, struct err *e);

/* The job handler (before the workers start) and its first run (next 07:00). */
void crm_reminders_register(void);
int crm_reminders_schedule(db *d, struct err *e);

#endif
