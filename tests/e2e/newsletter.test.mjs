// GDPR forms (privacy/consent.h, privacy/newsletter.h): every form that takes personal
// data shows the Art. 13 notice next to its submit button and carries the notice's
// SHA-256; each submission leaves a processing record (form, purpose, legal basis, the
// exact text by hash, time, IP prefix). The newsletter is double opt-in over real SMTP
// (npm smtp-server): sign-up → one mail with a single-use link → GET shows a button, the
// POST confirms; a used, forged or foreign link is refused; the enquiry form's opt-in is
// a separate, unticked box that leads to the same link; a changed notice is refused.
// SQLite and, with CC24_PG_URL, PostgreSQL (as cc24_app, row-level security on).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { smtpServer } from './smtp_util.mjs';
import { startServer, backends, cc24 } from './helpers.mjs';

const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const sha = (s) => createHash('sha256').update(s, 'utf8').digest('hex');

for (const backend of backends()) {
  describe(`GDPR forms and the double opt-in (${backend})`, () => {
    let smtp;
    let srv;
    let sql;
    let slugs;
    let ipn = 0;
    const ip = () => `10.40.${Math.floor(++ipn / 250)}.${(ipn % 250) + 1}`;
    const post = (p, fields, from = ip()) => fetch(srv.url + p, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual', headers: { 'X-Forwarded-For': from } });
    const linkFor = async (email) => {
      const [m] = (await smtp.waitFor((x) => x.envelope.to.includes(email) && /^Bitte bestätigen: neue Angebote von /.test(x.parsed.subject), `the confirmation link to ${email}`)).slice(-1);
      const l = m.parsed.text.match(/https?:\/\/[^\s]+\/haendler\/([a-z0-9-]+)\/newsletter\/bestaetigen\?t=([A-Za-z0-9_-]+)/);
      assert.ok(l, m.parsed.text);
      return { slug: l[1], token: l[2], mail: m };
    };

    before(async () => {
      smtp = await smtpServer();
      srv = await startServer({
        backend,
        args: ['--trust-proxy'],
        env: {
          CC24_SMTP_URL: `smtp://cc24:p%40ss%20w0rd@127.0.0.1:${smtp.port}?starttls=off&auth=LOGIN`,
          CC24_MAIL_FROM: 'cc24 <noreply@cc24.example>',
          CC24_MAIL_RETRY_SECONDS: '1',
          CC24_WORKERS: '2',
        },
      });
      slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
      sql = (q) => (backend === 'sqlite'
        ? execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q])
        : execFileSync('psql', [srv.databaseUrl, '-qAtc', q])).toString().trim();
    });
    after(async () => {
      if (srv) await srv.stop();
      if (smtp) await smtp.close();
    });

    test('the showroom shows the sign-up with its Art. 13 notice; the hidden hash is the text\'s SHA-256', async () => {
      const html = await (await fetch(srv.url + `/haendler/${slugs[0]}`)).text();
      const form = html.match(/<form class="newsletter-form[\s\S]*?<\/form>/);
      assert.ok(form, 'a newsletter form on the showroom');
      const notice = unescape(form[0].match(/<p class="fineprint privacy-note">([\s\S]*?) <a href="\/datenschutz">/)[1]);
      assert.match(notice, /^Datenschutzhinweis \(Art\. 13 DSGVO\): Verantwortlich ist /);
      assert.match(notice, /Art\. 6 Abs\. 1 lit\. a DSGVO, § 7 Abs\. 2 Nr\. 2 UWG/);
      assert.match(notice, /Unbestätigte Anmeldungen löschen wir nach 3 Tagen/);
      const hash = form[0].match(/name="notice" value="([0-9a-f]{64})"/)[1];
      assert.equal(hash, sha(notice), 'the hash names exactly the text shown');
      assert.match(form[0], /<input type="checkbox" name="consent" value="1" required>/, 'consent box, never pre-ticked');
      const en = await (await fetch(srv.url + `/haendler/${slugs[0]}?lang=en`)).text();
      assert.match(en, /Privacy notice \(Art\. 13 GDPR\): the controller is/);
    });

    test('bad input changes nothing: invalid address, no consent, a changed notice', async () => {
      const p = `/haendler/${slugs[0]}/newsletter`;
      const cases = [
        [{ email: 'kein-at', consent: '1' }, /gültige E-Mail-Adresse/],
        [{ email: 'a@b.de\r\nBcc: x@evil.example', consent: '1' }, /gültige E-Mail-Adresse/],
        [{ email: 'x'.repeat(250) + '@b.de', consent: '1' }, /gültige E-Mail-Adresse/],
        [{ email: 'nein@example.de' }, /Bitte bestätigen Sie, dass Sie Angebote/],
        [{ email: 'nein@example.de', consent: 'on' }, /Bitte bestätigen Sie, dass Sie Angebote/],
        [{ email: 'nein@example.de', consent: '1', notice: '0'.repeat(64) }, /Datenschutzhinweis wurde geändert/],
      ];
      for (const [fields, msg] of cases) {
        const r = await post(p, fields);
        assert.equal(r.status, 422, JSON.stringify(fields));
        assert.match(await r.text(), msg);
      }
      assert.equal(sql('SELECT COUNT(*) FROM newsletter_subscribers'), '0');
      assert.equal(sql("SELECT COUNT(*) FROM processing_records WHERE form LIKE 'newsletter%'"), '0');
      assert.equal((await post('/haendler/kein-haendler-xyz/newsletter', { email: 'a@b.de', consent: '1' })).status, 404);
    });

    test('sign-up → one link by mail → GET shows a button → POST confirms once', async () => {
      const page = await (await fetch(srv.url + `/haendler/${slugs[0]}/newsletter`)).text();
      const hash = page.match(/name="notice" value="([0-9a-f]{64})"/)[1];
      const r = await post(`/haendler/${slugs[0]}/newsletter`, { email: 'Nora.News@Example.de', consent: '1', notice: hash }, '203.0.113.77');
      assert.equal(r.status, 200);
      assert.match(await r.text(), /Fast geschafft/);
      const link = await linkFor('nora.news@example.de');
      assert.equal(link.slug, slugs[0]);
      assert.equal(sql("SELECT status FROM newsletter_subscribers WHERE email = 'nora.news@example.de'"), 'pending');
      // the record: form, basis, the notice shown (by hash, text stored), the IP prefix
      assert.equal(sql("SELECT form || '|' || ip || '|' || text_hash FROM processing_records WHERE email = 'nora.news@example.de'"), `newsletter|203.0.113.0|${hash}`);
      assert.match(sql(`SELECT body FROM consent_texts WHERE hash = '${hash}'`), /Verantwortlich ist/);
      assert.match(sql("SELECT legal_basis FROM processing_records WHERE email = 'nora.news@example.de'"), /Art\. 6 Abs\. 1 lit\. a DSGVO/);
      // a second sign-up right away: the same answer, no second mail
      const again = await post(`/haendler/${slugs[0]}/newsletter`, { email: 'nora.news@example.de', consent: '1' });
      assert.match(await again.text(), /Fast geschafft/);
      const url = `/haendler/${link.slug}/newsletter/bestaetigen`;
      const g = await fetch(srv.url + `${url}?t=${link.token}`);
      assert.equal(g.status, 200);
      assert.match(await g.text(), /Anmeldung bestätigen/);
      assert.equal(sql("SELECT status FROM newsletter_subscribers WHERE email = 'nora.news@example.de'"), 'pending', 'GET changes nothing');
      // the link at another dealer, and a forged one
      assert.equal((await post(`/haendler/${slugs[1]}/newsletter/bestaetigen`, { t: link.token })).status, 410);
      assert.equal((await post(url, { t: link.token.slice(0, -1) + (link.token.endsWith('A') ? 'B' : 'A') })).status, 410);
      const ok = await post(url, { t: link.token }, '2001:db8:abcd:12::1');
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /Ihre Anmeldung ist bestätigt/);
      assert.equal(sql("SELECT status FROM newsletter_subscribers WHERE email = 'nora.news@example.de'"), 'confirmed');
      assert.equal(sql("SELECT ip FROM processing_records WHERE email = 'nora.news@example.de' AND form = 'newsletter_confirm'"), '2001:db8:abcd::');
      const replay = await post(url, { t: link.token });
      assert.equal(replay.status, 410, 'a used link is refused');
      assert.match(await replay.text(), /ungültig, schon benutzt oder abgelaufen/);
      assert.equal(smtp.received.filter((m) => m.envelope.to.includes('nora.news@example.de')).length, 1, 'exactly one mail: the link');
    });

    test('the enquiry form: notice with hash, a separate unticked opt-in, four kinds, a record per lead', async () => {
      const v = (await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[1]}&size=1`)).json()).items[0];
      const page = await (await fetch(srv.url + `/fahrzeuge/x-${v.id}`, { redirect: 'follow' })).text();
      const form = page.match(/<form class="lead-form"[\s\S]*?<\/form>/)[0];
      for (const k of ['contact', 'test_drive', 'financing', 'trade_in']) assert.match(form, new RegExp(`name="kind" value="${k}"`));
      assert.match(form, /<input type="checkbox" name="marketing_opt_in" value="1">/, 'the opt-in is never pre-ticked');
      const notice = unescape(form.match(/<p class="fineprint privacy-note" id="lead-notice" tabindex="-1">([\s\S]*?) Mehr in der <a/)[1]);
      const hash = form.match(/name="notice" value="([0-9a-f]{64})"/)[1];
      assert.equal(hash, sha(notice));
      assert.match(notice, /Art\. 6 Abs\. 1 lit\. b DSGVO/);
      // a changed notice: the form again, nothing stored
      const stale = await post(`/fahrzeuge/x-${v.id}/anfrage`, { kind: 'contact', name: 'Stefan Stale', email: 'stale@example.de', message: 'Noch da?', notice: 'f'.repeat(64) });
      assert.equal(stale.status, 422);
      assert.match(await stale.text(), /Datenschutzhinweis wurde geändert/);
      assert.equal(sql("SELECT COUNT(*) FROM leads WHERE email = 'stale@example.de'"), '0');
      // trade-in needs the car's description
      const ti = await post(`/fahrzeuge/x-${v.id}/anfrage`, { kind: 'trade_in', name: 'Tim Tausch', email: 'tim@example.de', message: '', notice: hash });
      assert.equal(ti.status, 422);
      // financing with the opt-in: the lead, its record, and the link mail
      const r = await post(`/fahrzeuge/x-${v.id}/anfrage`, { kind: 'financing', name: 'Fritz Finanz', email: 'fritz@example.de', message: '', marketing_opt_in: '1', notice: hash }, '198.51.100.200');
      assert.equal(r.status, 303);
      const pid = sql("SELECT public_id FROM leads WHERE email = 'fritz@example.de'");
      assert.equal(sql("SELECT topic || '|' || marketing_opt_in FROM leads WHERE email = 'fritz@example.de'"), 'financing|1');
      assert.equal(sql(`SELECT form || '|' || ip || '|' || text_hash FROM processing_records WHERE reference = '${pid}'`), `financing|198.51.100.0|${hash}`);
      const link = await linkFor('fritz@example.de');
      assert.equal(link.slug, slugs[1], 'the opt-in is for the vehicle\'s dealer');
      assert.equal(sql("SELECT status || '|' || source FROM newsletter_subscribers WHERE email = 'fritz@example.de'"), 'pending|lead');
      assert.match(sql("SELECT c.body FROM processing_records r JOIN consent_texts c ON c.tenant_id = r.tenant_id AND c.hash = r.text_hash WHERE r.email = 'fritz@example.de' AND r.form = 'newsletter'"), /^Ja, ich möchte außerdem neue Fahrzeugangebote/);
      // without the box: no newsletter
      const plain = await post(`/fahrzeuge/x-${v.id}/anfrage`, { kind: 'contact', name: 'Paul Plain', email: 'paul.plain@example.de', message: 'Preis fest?', notice: hash });
      assert.equal(plain.status, 303);
      await smtp.waitFor((x) => x.envelope.to.includes('paul.plain@example.de'), 'the receipt to paul');
      assert.equal(sql("SELECT COUNT(*) FROM newsletter_subscribers WHERE email = 'paul.plain@example.de'"), '0');
      assert.equal(sql("SELECT COUNT(*) FROM processing_records WHERE email = 'paul.plain@example.de' AND form = 'contact'"), '1');
    });

    test('the public API records its lead and honours marketing_opt_in the same way', async () => {
      const v = (await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[2] || slugs[0]}&size=1`)).json()).items[0];
      const r = await fetch(srv.url + '/api/v1/public/leads', {
        method: 'POST', headers: { 'content-type': 'application/json', 'X-Forwarded-For': ip() },
        body: JSON.stringify({ vehicle_id: v.id, kind: 'contact', name: 'Anna Api', email: 'anna.api@example.de', phone: '', message: 'Per Skript', privacy_ack: true, marketing_opt_in: true }),
      });
      assert.equal(r.status, 201);
      const { id } = await r.json();
      assert.equal(sql(`SELECT form FROM processing_records WHERE reference = '${id}'`), 'contact');
      await linkFor('anna.api@example.de');
      assert.equal(sql("SELECT source FROM newsletter_subscribers WHERE email = 'anna.api@example.de'"), 'api');
    });

    test('unsubscribe pages: GET shows a button only, a bad token deletes nothing', async () => {
      const before = sql('SELECT COUNT(*) FROM newsletter_subscribers');
      const g = await fetch(srv.url + `/haendler/${slugs[0]}/newsletter/abmelden?t=abc`);
      assert.equal(g.status, 200);
      assert.match(await g.text(), /name="t" value="abc"/);
      const p = await post(`/haendler/${slugs[0]}/newsletter/abmelden`, { t: `${'0'.repeat(16)}.${'0'.repeat(32)}` });
      assert.match(await p.text(), /nicht \(mehr\) angemeldet/);
      assert.equal(sql('SELECT COUNT(*) FROM newsletter_subscribers'), before);
    });

    test('the dealer sees its records with the notice, searchable by address', async () => {
      const login = await post('/anmelden', { email: `owner@${slugs[1]}.demo`, password: 'cc24-Demo-2026' });
      const cookie = login.headers.get('set-cookie').split(';')[0];
      const get = (p) => fetch(srv.url + p, { headers: { cookie } });
      const all = await (await get('/dashboard/datenschutz/nachweise')).text();
      assert.match(all, /Finanzierungsanfrage/);
      assert.match(all, /fritz@example\.de/);
      assert.ok(!all.includes('nora.news@example.de'), 'a sign-up at another dealer is not listed');
      const one = await get('/dashboard/datenschutz/nachweise?email=FRITZ@example.de');
      assert.equal(one.status, 200);
      const html = await one.text();
      assert.match(html, /<td>198\.51\.100\.0<\/td>/);
      assert.match(html, /Newsletter-Anmeldung/);
      assert.ok(!html.includes('paul.plain@example.de'), 'the search filters');
      assert.match(html, /Datenschutzhinweis \(Art\. 13 DSGVO\)/);
      assert.match(html, /<strong>\d+<\/strong> bestätigte Empfänger/);
    });

    test('access request: the export lists the newsletter and the records with the notice', async () => {
      const r = await post('/datenschutz/anfrage', { email: 'nora.news@example.de', kind: 'access' });
      assert.equal(r.status, 200);
      const [m] = (await smtp.waitFor((x) => x.envelope.to.includes('nora.news@example.de') && x.parsed.subject === 'Ihre Datenauskunft bei cc24', 'the access link')).slice(-1);
      const token = m.parsed.text.match(/bestaetigen\?token=([A-Za-z0-9_-]+)/)[1];
      const doc = await (await post('/datenschutz/anfrage/bestaetigen', { token, format: 'json' })).json();
      const d = doc.dealers.find((x) => x.dealer_slug === slugs[0]);
      assert.ok(d, 'the dealer holding her address');
      assert.equal(d.newsletter[0].status, 'confirmed');
      assert.deepEqual(d.processing_records.map((x) => x.form), ['newsletter', 'newsletter_confirm']);
      assert.match(d.processing_records[0].notice, /Verantwortlich ist/);
      assert.equal(d.processing_records[0].notice_sha256, sha(d.processing_records[0].notice));
    });
  });
}
