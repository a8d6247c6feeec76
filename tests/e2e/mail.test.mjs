// Mail that arrives: cc24 with smtp-url set delivers its outbox to a real SMTP server
// (npm smtp-server on loopback, AUTH PLAIN/LOGIN, every message parsed back with
// mailparser). Sign-up → the confirmation link in the received mail confirms; password
// reset; an enquiry → the dealer (Reply-To the buyer) and the buyer's receipt in the
// page's language; a Börse offer → both dealers. A server that answers 4xx/5xx or drops
// the connection is retried and the mail arrives once; after the last attempt the mail is
// dead and `cc24 outbox` shows it. Without smtp-url, `cc24 outbox list/show` prints them.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { simpleParser } from 'mailparser';
import { smtpServer } from './smtp_util.mjs';
import { startServer, freePort, cc24 } from './helpers.mjs';

const PASSWORD = 'cc24-Demo-2026';


const linkIn = (text, path) => {
  const m = text.match(new RegExp(`https?://[^\\s]+${path}\\?token=[A-Za-z0-9_-]+`));
  assert.ok(m, `a link to ${path} in: ${text}`);
  return m[0];
};

describe('mail over SMTP', () => {
  let smtp;
  let srv;
  const sql = (q) => execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q]).toString().trim();
  const post = (p, fields, cookie) => fetch(srv.url + p, { method: 'POST', body: new URLSearchParams(fields), headers: cookie ? { cookie } : {}, redirect: 'manual' });

  before(async () => {
    smtp = await smtpServer();
    srv = await startServer({
      env: {
        CC24_SMTP_URL: `smtp://cc24:p%40ss%20w0rd@127.0.0.1:${smtp.port}?starttls=off&auth=LOGIN`,
        CC24_MAIL_FROM: 'cc24 Marktplatz <noreply@cc24.example>',
        CC24_MAIL_RETRY_SECONDS: '1',
        CC24_MAIL_MAX_ATTEMPTS: '4',
        CC24_WORKERS: '2',
      },
    });
  });
  after(async () => {
    if (srv) await srv.stop();
    if (smtp) await smtp.close();
  });

  test('a dealer signs up: the confirmation arrives and its link confirms', async () => {
    const r = await post('/registrieren', { company: 'Autohaus Grün & Söhne', city: 'Kassel', name: 'Eva Grün', email: 'Eva@Gruen-Autos.example', password: 'Kassel-2026-Autos' });
    assert.equal(r.status, 201);
    const [m] = await smtp.waitFor((x) => x.envelope.to.includes('eva@gruen-autos.example'), 'to eva');
    const p = m.parsed;
    assert.equal(p.subject, 'Bitte bestätigen Sie Ihre E-Mail-Adresse', 'the encoded subject decodes');
    assert.equal(p.from.value[0].address, 'noreply@cc24.example');
    assert.equal(p.from.value[0].name, 'cc24 Marktplatz');
    assert.equal(m.envelope.from, 'noreply@cc24.example');
    assert.match(p.messageId, /^<[0-9a-z]{16}\.\d+@cc24\.example>$/);
    assert.ok(p.date instanceof Date && Math.abs(p.date - Date.now()) < 120e3, 'Date is now');
    assert.match(p.text, /Autohaus Grün & Söhne/);
    assert.ok(p.html && p.html.includes('<a href="'), 'an HTML part with a clickable link');
    assert.equal(p.headers.get('content-language'), 'de');
    assert.equal(p.headers.get('auto-submitted'), 'auto-generated');
    assert.match(m.raw, /^Subject: =\?UTF-8\?B\?/m, 'non-ASCII subjects as encoded words');
    assert.ok(m.raw.split('\r\n').every((l) => l.length <= 998), 'no line over the SMTP limit');
    const link = linkIn(p.text, '/bestaetigen');
    assert.ok(p.html.includes(link.replace(/&/g, '&amp;')), 'the same link in the HTML part');
    assert.equal(sql("SELECT email_verified_at FROM users WHERE email = 'eva@gruen-autos.example'"), '0');
    const c = await fetch(link);
    assert.equal(c.status, 200);
    assert.notEqual(sql("SELECT email_verified_at FROM users WHERE email = 'eva@gruen-autos.example'"), '0', 'confirmed');
    assert.equal(sql("SELECT state FROM outbox WHERE recipient = 'eva@gruen-autos.example'"), 'sent');
    assert.ok(smtp.auths.includes('LOGIN'), 'AUTH LOGIN was used');
  });

  test('password reset in English: the link in the mail sets a new password', async () => {
    await post('/passwort-vergessen?lang=en', { email: 'eva@gruen-autos.example' });
    const [m] = await smtp.waitFor((x) => x.envelope.to.includes('eva@gruen-autos.example') && /password/i.test(x.parsed.subject), 'reset');
    assert.equal(m.parsed.subject, 'Your new cc24 password');
    assert.equal(m.parsed.headers.get('content-language'), 'en');
    const link = linkIn(m.parsed.text, '/passwort-neu');
    const token = new URL(link).searchParams.get('token');
    assert.equal((await post('/passwort-neu', { token, password: 'Ein-ganz-neues-Passwort' })).status, 200);
    assert.equal((await post('/anmelden', { email: 'eva@gruen-autos.example', password: 'Ein-ganz-neues-Passwort' })).status, 303);
  });

  test('an enquiry reaches the dealer (Reply-To the buyer) and the buyer gets a receipt', async () => {
    const v = (await (await fetch(srv.url + '/api/v1/vehicles/search?size=1')).json()).items[0];
    const dealerMail = sql(`SELECT t.email FROM tenants t JOIN vehicles v ON v.tenant_id = t.id WHERE v.public_id = '${v.id}'`);
    assert.ok(dealerMail.includes('@'), 'the demo dealer has an address');
    const r = await fetch(`${srv.url}/fahrzeuge/x-${v.id}/anfrage?lang=en`, {
      method: 'POST', redirect: 'manual',
      body: new URLSearchParams({ kind: 'contact', name: 'Jane Buyer', email: 'jane@buyer.example', phone: '', message: 'Is it still available?\nBest, Jane' }),
    });
    assert.equal(r.status, 303);
    const [toDealer] = await smtp.waitFor((x) => x.envelope.to.includes(dealerMail) && x.parsed.text.includes('Jane Buyer'), 'to the dealer');
    assert.equal(toDealer.parsed.replyTo.value[0].address, 'jane@buyer.example', 'the dealer answers the buyer directly');
    assert.match(toDealer.parsed.text, /Is it still available\?\nBest, Jane/);
    assert.match(toDealer.parsed.text, new RegExp(v.id), 'with the vehicle link');
    const [receipt] = await smtp.waitFor((x) => x.envelope.to.includes('jane@buyer.example'), 'the receipt');
    assert.match(receipt.parsed.subject, /^Your enquiry has arrived: /);
    assert.match(receipt.parsed.text, /Hello Jane Buyer/);
    assert.match(receipt.parsed.text, /Is it still available\?/);
    assert.match(receipt.parsed.text, /\/datenschutz\?lang=en/);
    assert.equal(receipt.parsed.replyTo.value[0].address, dealerMail, 'a reply reaches the dealer');
  });

  test('a Börse offer reaches the seller, the answer reaches the buyer', async () => {
    const slugs = sql("SELECT t.slug FROM tenants t JOIN users u ON u.tenant_id = t.id WHERE u.email LIKE 'owner@%.demo' ORDER BY t.id LIMIT 2").split('\n');
    const login = async (slug) => {
      const r = await post('/anmelden', { email: `owner@${slug}.demo`, password: PASSWORD });
      assert.equal(r.status, 303);
      const cookie = r.headers.get('set-cookie').split(';')[0];
      const html = await (await fetch(srv.url + '/dashboard', { headers: { cookie } })).text();
      return { cookie, csrf: html.match(/name="_csrf" value="([^"]+)"/)[1], mail: sql(`SELECT email FROM tenants WHERE slug = '${slug}'`) };
    };
    const A = await login(slugs[0]);
    const B = await login(slugs[1]);
    const form = (who, p, fields) => fetch(srv.url + p, { method: 'POST', headers: { cookie: who.cookie }, body: new URLSearchParams({ _csrf: who.csrf, ...fields }), redirect: 'manual' });
    const html = await (await fetch(srv.url + '/dashboard/boerse/neu', { headers: { cookie: A.cookie } })).text();
    const vehicle = html.match(/<option value="([0-9a-z]{16})">[^<]*\((Online|Published)\)/)[1];
    const until = new Date(Date.now() + 10 * 86400e3).toLocaleDateString('sv-SE', { timeZone: 'Europe/Berlin' });
    assert.equal((await form(A, '/dashboard/boerse', { vehicle, price: '20000', valid_until: until, note: '' })).status, 303);
    const id = sql(`SELECT l.public_id FROM market_listings l JOIN vehicles v ON v.id = l.vehicle_id WHERE v.public_id = '${vehicle}' AND l.status = 'active'`);
    const r = await form(B, `/boerse/${id}/angebot`, { amount: '19000', message: 'Abholung nächste Woche' });
    assert.equal(r.status, 303);
    const offer = r.headers.get('location').match(/angebote\/([0-9a-z]{16})/)[1];
    const [toSeller] = await smtp.waitFor((x) => x.envelope.to.includes(A.mail) && x.parsed.text.includes(offer), 'the offer to the seller');
    assert.match(toSeller.parsed.subject, /^Börse/);
    assert.equal((await form(A, `/dashboard/boerse/angebote/${offer}`, { action: 'accept' })).status, 303);
    await smtp.waitFor((x) => x.envelope.to.includes(B.mail) && x.parsed.text.includes(offer), 'the answer to the buyer');
  });

  test('header injection through the form is impossible', async () => {
    const v = (await (await fetch(srv.url + '/api/v1/vehicles/search?size=2')).json()).items[1];
    const r = await fetch(`${srv.url}/fahrzeuge/x-${v.id}/anfrage`, {
      method: 'POST', redirect: 'manual',
      body: new URLSearchParams({ kind: 'contact', name: 'Eve\r\nBcc: victim@evil.example', email: 'eve@evil.example\r\nBcc: victim@evil.example', message: 'hi' }),
    });
    assert.equal(r.status, 422, 'refused: the address is not one');
    await new Promise((res) => setTimeout(res, 1500));
    assert.ok(!smtp.received.some((m) => m.envelope.to.some((t) => t.endsWith('evil.example'))), 'nothing sent');
    assert.ok(!smtp.attempts.includes('victim@evil.example'));
    const r2 = await fetch(`${srv.url}/fahrzeuge/x-${v.id}/anfrage`, {
      method: 'POST', redirect: 'manual',
      body: new URLSearchParams({ kind: 'contact', name: 'Eve\r\nBcc: victim@evil.example', email: 'eve@evil.example', message: 'hi' }),
    });
    if (r2.status === 303) {
      const got = await smtp.waitFor((x) => x.envelope.to.includes('eve@evil.example'), 'the receipt');
      for (const m of got) {
        assert.deepEqual(m.envelope.to, ['eve@evil.example']);
        assert.equal(m.parsed.bcc, undefined);
      }
    } else {
      assert.equal(r2.status, 422, 'a name with a line break is refused');
    }
    assert.ok(!smtp.attempts.includes('victim@evil.example'), 'no mail to the injected address');
  });

  test('4xx, 5xx and a dropped connection are retried; the mail arrives once', async () => {
    for (const kind of ['temp', 'perm', 'drop']) {
      const addr = `retry-${kind}@kunde.example`;
      smtp.fail(2, kind);
      // a buyer sign-up mails its address
      const r = await post('/konto/registrieren', { name: 'Retry', email: addr, password: 'Ein-Kaeufer-Passwort-1', privacy: 'on', terms: 'on' });
      assert.ok([201, 303].includes(r.status), `buyer sign-up ${r.status}`);
      const got = await smtp.waitFor((x) => x.envelope.to.includes(addr), `after ${kind} failures`, 30000);
      assert.equal(got.length, 1, 'exactly once');
      const row = sql(`SELECT state || ' ' || attempts || ' ' || (last_error != '') FROM outbox WHERE recipient = '${addr}'`);
      assert.equal(`${kind} ${row}`, `${kind} sent 3 0`, 'two failed attempts, then sent');
    }
  });

  test('after the last attempt the mail is dead, the operator sees it and can send it again', async () => {
    smtp.fail(100, 'perm');
    const addr = 'dead-letter@kunde.example';
    const r = await post('/konto/registrieren', { name: 'Dead', email: addr, password: 'Ein-Kaeufer-Passwort-1', privacy: 'on', terms: 'on' });
    assert.ok([201, 303].includes(r.status));
    const deadline = Date.now() + 40000;
    while (sql(`SELECT state FROM outbox WHERE recipient = '${addr}'`) !== 'dead') {
      assert.ok(Date.now() < deadline, 'dead after mail-max-attempts');
      await new Promise((res) => setTimeout(res, 200));
    }
    assert.equal(sql(`SELECT attempts FROM outbox WHERE recipient = '${addr}'`), '4');
    const list = cc24(['outbox', 'list', 'dead', `--database-url=${srv.databaseUrl}`]);
    assert.match(list, new RegExp(addr));
    assert.match(list, /last error: .*550/);
    smtp.fail(0);
    const id = sql(`SELECT id FROM outbox WHERE recipient = '${addr}'`);
    assert.match(cc24(['outbox', 'retry', id, `--database-url=${srv.databaseUrl}`, `--smtp-url=smtp://127.0.0.1:${smtp.port}`]), /queued again/);
    await smtp.waitFor((x) => x.envelope.to.includes(addr), 'after the retry', 20000);
  });

  test('the operator sees every mail in the dashboard and sends a dead one again; dealers do not', async () => {
    const pw = cc24(['admin', 'user', 'add', '--email', 'ops@cc24.example', '--role', 'admin', `--database-url=${srv.databaseUrl}`]).trim();
    const login = async (email, password) => {
      const r = await post('/anmelden', { email, password });
      assert.equal(r.status, 303, `login ${email}`);
      return r.headers.get('set-cookie').split(';')[0];
    };
    // a mail the server refuses until it is dead
    const addr = 'dead-twice@kunde.example';
    smtp.fail(100, 'perm');
    await post('/konto/registrieren', { name: 'Dead Two', email: addr, password: 'Ein-Kaeufer-Passwort-1', privacy: 'on', terms: 'on' });
    const deadline = Date.now() + 40000;
    while (sql(`SELECT state FROM outbox WHERE recipient = '${addr}'`) !== 'dead') {
      assert.ok(Date.now() < deadline, 'dead');
      await new Promise((res) => setTimeout(res, 200));
    }
    smtp.fail(0);
    const ops = await login('ops@cc24.example', pw);
    let r = await fetch(srv.url + '/dashboard/post?status=dead', { headers: { cookie: ops } });
    assert.equal(r.status, 200);
    const html = await r.text();
    assert.match(html, /dead-twice@kunde\.example/, 'the dead mail');
    assert.doesNotMatch(html, /eva@gruen-autos\.example/, 'filtered by state');
    const csrf = html.match(/name="_csrf" value="([^"]+)"/)[1];
    const all = await (await fetch(srv.url + '/dashboard/post', { headers: { cookie: ops } })).text();
    assert.match(all, /eva@gruen-autos\.example/, 'all dealers, all states');
    // a dealer's owner is no operator
    const slug = sql("SELECT t.slug FROM tenants t JOIN users u ON u.tenant_id = t.id WHERE u.email LIKE 'owner@%.demo' ORDER BY t.id LIMIT 1");
    const owner = await login(`owner@${slug}.demo`, PASSWORD);
    assert.equal((await fetch(srv.url + '/dashboard/post', { headers: { cookie: owner }, redirect: 'manual' })).status, 403);
    // send again: the server accepts now
    const id = sql(`SELECT id FROM outbox WHERE recipient = '${addr}'`);
    r = await fetch(srv.url + `/dashboard/post/${id}/erneut`, { method: 'POST', redirect: 'manual', headers: { cookie: ops }, body: new URLSearchParams({ _csrf: csrf }) });
    assert.equal(r.status, 303);
    await smtp.waitFor((x) => x.envelope.to.includes(addr), 'after the operator sent it again', 20000);
    r = await fetch(srv.url + `/dashboard/post/${id}/erneut`, { method: 'POST', redirect: 'manual', headers: { cookie: ops }, body: new URLSearchParams({ _csrf: csrf }) });
    assert.equal(r.status, 409, 'a sent mail is not sent twice');
  });

  test('AUTH PLAIN, and a wrong password is an error the operator can read', async () => {
    const plain = await smtpServer({ authMethods: ['PLAIN'] });
    const s2 = await startServer({
      demo: false,
      env: { CC24_SMTP_URL: `smtp://cc24:p%40ss%20w0rd@127.0.0.1:${plain.port}?auth=PLAIN`, CC24_MAIL_FROM: 'noreply@cc24.example', CC24_MAIL_RETRY_SECONDS: '1', CC24_MAIL_MAX_ATTEMPTS: '2' },
    });
    const bad = await smtpServer({ authMethods: ['PLAIN'] });
    const s3 = await startServer({
      demo: false,
      env: { CC24_SMTP_URL: `smtp://cc24:wrong@127.0.0.1:${bad.port}?auth=PLAIN`, CC24_MAIL_FROM: 'noreply@cc24.example', CC24_MAIL_RETRY_SECONDS: '1', CC24_MAIL_MAX_ATTEMPTS: '2' },
    });
    try {
      const form = { company: 'Autohaus Plain', city: 'Kassel', name: 'P', email: 'p@plain.example', password: 'Kassel-2026-Autos' };
      assert.equal((await fetch(s2.url + '/registrieren', { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' })).status, 201);
      await plain.waitFor((x) => x.envelope.to.includes('p@plain.example'), 'via AUTH PLAIN');
      assert.deepEqual(plain.auths, ['PLAIN']);
      assert.equal((await fetch(s3.url + '/registrieren', { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' })).status, 201);
      const q = (u, sqlText) => execFileSync('sqlite3', [u.replace(/^sqlite:/, ''), sqlText]).toString().trim();
      const deadline = Date.now() + 20000;
      while (q(s3.databaseUrl, "SELECT state FROM outbox WHERE recipient = 'p@plain.example'") !== 'dead') {
        assert.ok(Date.now() < deadline, 'dead after two refused logins');
        await new Promise((res) => setTimeout(res, 200));
      }
      assert.match(q(s3.databaseUrl, "SELECT last_error FROM outbox WHERE recipient = 'p@plain.example'"), /Login denied|535/);
      assert.equal(bad.received.length, 0);
    } finally {
      await s2.stop();
      await s3.stop();
      await plain.close();
      await bad.close();
    }
  });
});

test('without smtp-url every mail stays in the outbox and `cc24 outbox` prints it', async () => {
  const srv = await startServer({ demo: false });
  try {
    const r = await fetch(srv.url + '/registrieren', {
      method: 'POST', redirect: 'manual',
      body: new URLSearchParams({ company: 'Autohaus Offline', city: 'Kassel', name: 'O', email: 'o@offline.example', password: 'Kassel-2026-Autos' }),
    });
    assert.equal(r.status, 201);
    const list = cc24(['outbox', 'list', `--database-url=${srv.databaseUrl}`]);
    assert.match(list, /queued\s+0\s+auth\.verify\s+o@offline\.example/);
    assert.match(list, /smtp-url is not set/);
    const id = list.split('\n').find((l) => l.includes('o@offline.example')).trim().split(/\s+/)[0];
    const msg = cc24(['outbox', 'show', id, `--database-url=${srv.databaseUrl}`]);
    assert.match(msg, /^From: cc24 <noreply@cc24\.localhost>\r$/m);
    assert.match(msg, /^To: o@offline\.example\r$/m);
    assert.match(msg, /^Content-Type: multipart\/alternative; boundary=/m);
    const parsed = await simpleParser(Buffer.from(msg));
    assert.equal(parsed.subject, 'Bitte bestätigen Sie Ihre E-Mail-Adresse');
    assert.match(parsed.text, /\/bestaetigen\?token=/);
    assert.throws(() => cc24(['outbox', 'show', '999999', `--database-url=${srv.databaseUrl}`]), 'an unknown mail is an error');
  } finally {
    await srv.stop();
  }
});
