/* smtp.h — deliver one message over SMTP with libcurl.
 *
 * The URL is the setting smtp-url: smtp://[user:password@]host[:port] (STARTTLS
 * opportunistic by default) or smtps://… (TLS from the first byte, port 465), and a
 * query of flags cc24 reads and removes before curl sees the URL:
 *   starttls=required   refuse to send unless the server upgrades the connection
 *   starttls=try        upgrade when offered (default for smtp://)
 *   starttls=off        never upgrade (a relay on loopback)
 *   auth=PLAIN|LOGIN    the SASL mechanism (default: the best the server offers)
 *   cafile=PATH         trust this CA file for the server certificate
 * User and password (percent-encoded in the URL) are sent only with AUTH. */
#ifndef CC24_MAIL_SMTP_H
#define CC24_MAIL_SMTP_H

#include <stdbool.h>
#include <stddef.h>

struct smtp_result {
  int code;        /* the server's last reply code (250, 451, 550 …), 0 = none */
  bool permanent;  /* a 5xx reply: another attempt will most likely fail the same way */
  char error[256]; /* what went wrong, for the operator (never the password) */
};

/* Check the URL and its flags. 0, or -1 with the reason in why. */
int smtp_url_check(const char *url, char *why, size_t nwhy);

/* Send data (a whole message, CRLF lines) from from_addr to to_addr. 0 when the
 * server accepted it (250 after DATA), -1 with r filled otherwise. */
int smtp_send(const char *url, const char *from_addr, const char *to_addr, const char *data,
              size_t len, int timeout_seconds, struct smtp_result *r);

#endif
