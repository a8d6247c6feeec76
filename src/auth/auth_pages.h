/* auth_pages.h — the pages of accounts: login (password and second factor),
 * logout, dealer sign-up, verification and password reset, the user's own account
 * (profile, password, two-factor, sessions), and the owner's team, API tokens and
 * audit log. */
#ifndef CC24_AUTH_AUTH_PAGES_H
#define CC24_AUTH_AUTH_PAGES_H

#include "http/http.h"

/* Login and logout (login_pages.c). */
int auth_login_page(struct http_req *req);
int auth_login_post(struct http_req *req);
int auth_login_code_page(struct http_req *req);
int auth_login_code_post(struct http_req *req);
int auth_logout(struct http_req *req);

/* Sign-up, verification and password reset (signup_pages.c). */
int auth_signup_page(struct http_req *req);
int auth_signup_post(struct http_req *req);
int auth_verify_page(struct http_req *req);
int auth_forgot_page(struct http_req *req);
int auth_forgot_post(struct http_req *req);
int auth_reset_page(struct http_req *req);
int auth_reset_post(struct http_req *req);

/* The user's own account: profile, password, two-factor, sessions (account_pages.c). */
int auth_account_page(struct http_req *req);
int auth_account_update(struct http_req *req);
int auth_password_change(struct http_req *req);
int auth_sessions_end_others(struct http_req *req);
int auth_totp_setup(struct http_req *req);
int auth_totp_enable_post(struct http_req *req);
int auth_totp_disable_post(struct http_req *req);
int auth_recovery_codes(struct http_req *req);

/* The owner's team, API tokens and audit log (team_pages.c). */
int auth_team_page(struct http_req *req);
int auth_team_invite(struct http_req *req);
int auth_team_remove(struct http_req *req);
int auth_team_role(struct http_req *req);
int auth_tokens_page(struct http_req *req);
int auth_token_create_post(struct http_req *req);
int auth_token_revoke_post(struct http_req *req);
int auth_audit_page(struct http_req *req);

#endif
