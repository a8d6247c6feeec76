/* sms_jobs.c — the sms.send job and sms_queue, the way the rest of cc24 sends an SMS:
 * validated and queued inside the caller's transaction, delivered by a worker with
 * the queue's backoff. */
#include "sms/sms.h"

#include "core/buf.h"
#include "core/log.h"
#include "jobs/jobs.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>

static int job_send(struct job_ctx *job, struct err *e)
{
  const char *to = json_string_value(json_object_get(job->payload, "to"));
  const char *body = json_string_value(json_object_get(job->payload, "body"));
  struct err ve = {0};
  char to164[SMS_E164_SIZE], masked[SMS_E164_SIZE];
  if (!to || !body || sms_phone_e164(to, to164, &ve) < 0 || sms_body_check(body, &ve) < 0) {
    /* cannot get better by waiting */
    log_warn("sms job %" PRId64 ": malformed payload, dropped: %s", job->id,
             ve.msg[0] ? ve.msg : "\"to\" or \"body\" missing");
    return 0;
  }
  struct sms_gateway g;
  int cf = sms_gateway_from_config(&g, e);
  if (cf != 0) {
    /* SMS off or misconfigured on this worker (another instance queued it): the
     * operator may fix the configuration, so the queue keeps trying */
    if (cf > 0)
      err_set(e, CC24_E_CONFIG, "SMS is off on this worker (sms-url is empty)");
    return -1;
  }
  sms_phone_mask(to164, masked);
  struct sms_result r;
  int rc = sms_send(&g, to164, body, &r, e);
  if (rc == SMS_SENT) {
    log_info("sms job %" PRId64 ": sent to %s, sid %s, status %s", job->id, masked, r.sid,
             r.status);
    return 0;
  }
  if (rc == SMS_PERMANENT) {
    /* the queue has no "failed for good": end the job, loudly */
    log_error("sms job %" PRId64 ": not sent to %s, not retried: %s", job->id, masked, e->msg);
    return 0;
  }
  return -1;
}

void sms_jobs_register(void)
{
  jobs_register(SMS_JOB_KIND, job_send);
}

int64_t sms_queue(db_conn *c, int64_t tenant_id, const char *to, const char *body, struct err *e)
{
  char to164[SMS_E164_SIZE];
  if (sms_phone_e164(to, to164, e) < 0 || sms_body_check(body, e) < 0)
    return -1;
  struct sms_gateway g;
  int cf = sms_gateway_from_config(&g, e);
  if (cf > 0)
    return 0;
  if (cf < 0)
    return -1;
  json_t *p = json_pack("{ssss}", "to", to164, "body", body);
  char *payload = p ? json_dumps(p, JSON_COMPACT) : NULL;
  json_decref(p);
  if (!payload)
    return err_set(e, CC24_E_NOMEM, "out of memory (SMS payload)");
  int64_t id = jobs_enqueue(c, SMS_JOB_KIND, payload, tenant_id, 0, e);
  free(payload);
  return id;
}
