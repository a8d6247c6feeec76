-- Mail that is sent (mail/): the outbox becomes a delivery queue. Each row is one
-- message to one recipient, rendered when queued (text and HTML, its subject and
-- headers fixed then), delivered over SMTP by a `mail.send` job, retried with backoff
-- and left `dead` after the last attempt for the operator to see.
--   state: queued → sending → sent | dead (sending = claimed by a worker until
--   locked_until; a worker that dies there leaves it to be sent again after that).
ALTER TABLE outbox ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN locale TEXT NOT NULL DEFAULT 'de';
ALTER TABLE outbox ADD COLUMN html TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN list_unsubscribe TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN domain TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'queued';
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN locked_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN job_queued INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET state = 'sent' WHERE sent_at > 0;
UPDATE outbox SET domain = lower(substr(recipient, instr(recipient, '@') + 1));
CREATE INDEX outbox_state ON outbox (state, next_attempt_at);
CREATE INDEX outbox_domain_sent ON outbox (domain, sent_at);
CREATE INDEX outbox_recipient ON outbox (recipient);

-- Attachments (an .ics invitation, a PDF offer), base64 as given to the MIME writer.
CREATE TABLE outbox_attachments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  outbox_id BIGINT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
  filename TEXT NOT NULL,
  mime TEXT NOT NULL,
  content_b64 TEXT NOT NULL
);
CREATE INDEX outbox_attachments_outbox ON outbox_attachments (outbox_id);
