// Data subject rights by e-mail link (privacy/): anyone who wrote to a dealer asks at
// /datenschutz/anfrage for access (a page and a JSON download of everything held about the
// address, across dealers) or erasure; the link arrives over real SMTP (npm smtp-server),
// GET only shows a confirmation, the POST acts. Erasure anonymises the leads, deletes the
// mails to the address and leaves another person's lead alone; a replayed, forged or
// expired link changes nothing (410/404); an unknown address gets the same answer and no
// mail; the dealer's dashboard lists the requests with their deadline. SQLite and, with
// CC24_PG_URL, PostgreSQL (as cc24_app, row-level security on).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { smtpServer } from './smtp_util.mjs';
import { startServer, freePort, backends, cc24 } from './helpers.mjs';


const linkIn = (text) => {
  const m = text.match(/https?:\/\/[^\s]+\/datenschutz\/anfrage\/bestaetigen\?token=([A-Za-z0-9_-]+)/);
  assert.ok(m, `a confirmation link in: ${text}`);
  return { url: m[0], token: m[1] };
};

for (const backend of backends()) {
  describe(`privacy rights by e-mail link (${backend})`, () => {
    let smtp;
    let srv;
    let sql;
    let slugs;
    // every request from its own address (the server trusts X-Forwarded-For), so the
    // form limits (lead form, RL_RESET) do not get in the way of the steps
    let ipn = 0;
    const ip = () => `10.20.${Math.floor(++ipn / 250)}.${(ipn % 250) + 1}`;
    const post = (p, fields) => fetch(srv.url + p, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual', headers: { 'X-Forwarded-For': ip() } });
    const login = async (slug) => {
      const r = await post('/anmelden', { email: `owner@${slug}.demo`, password: 'cc24-Demo-2026' });
      return { headers: { cookie: r.headers.get('set-cookie').split(';')[0] } };
    };
    const sendLead = async (slug, name, email, message) => {
      const v = (await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slug}&size=1`)).json()).items[0];
      const r = await post(`/fahrzeuge/x-${v.id}/anfrage`, { kind: 'contact', name, email, phone: '+49 170 1234567', message });
      assert.equal(r.status, 303);
    };
    const ask = async (email, kind) => {
      const r = await post('/datenschutz/anfrage', { email, kind });
      assert.equal(r.status, 200);
      const html = await r.text();
      assert.match(html, /Wenn wir Daten zu dieser Adresse gespeichert haben, haben wir Ihnen einen Link geschickt/);
      return html;
    };
    const linkFor = async (email, subject) => {
      const [m] = (await smtp.waitFor((x) => x.envelope.to.includes(email) && x.parsed.subject === subject, `${subject} to ${email}`)).slice(-1);
      return linkIn(m.parsed.text);
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

    test('the privacy page links the form; the form is a page in both languages', async () => {
      assert.match(await (await fetch(srv.url + '/datenschutz')).text(), /href="\/datenschutz\/anfrage"/);
      const de = await fetch(srv.url + '/datenschutz/anfrage');
      assert.equal(de.status, 200);
      assert.match(await de.text(), /Auskunft oder Löschung Ihrer Daten/);
      assert.match(await (await fetch(srv.url + '/datenschutz/anfrage?lang=en')).text(), /Access to or erasure of your data/);
      const bad = await post('/datenschutz/anfrage', { email: 'kein-at', kind: 'access' });
      assert.equal(bad.status, 422);
    });

    test('access: the link shows a confirmation, the POST the page and the JSON with the lead', async () => {
      await sendLead(slugs[0], 'Paula Privat', 'Paula.Privat@example.de', 'Ist der Wagen unfallfrei? Gruß Paula');
      await sendLead(slugs[1], 'Paula Privat', 'paula.privat@example.de', 'Zweiter Händler, gleiche Person');
      await ask('PAULA.PRIVAT@example.de', 'access');
      const link = await linkFor('paula.privat@example.de', 'Ihre Datenauskunft bei cc24');
      const g = await fetch(link.url);
      assert.equal(g.status, 200);
      const gh = await g.text();
      assert.match(gh, /Als JSON herunterladen/);
      assert.doesNotMatch(gh, /Ist der Wagen unfallfrei/, 'GET shows no data (mail scanners fetch links)');
      const page = await post('/datenschutz/anfrage/bestaetigen', { token: link.token, format: 'html' });
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /Ist der Wagen unfallfrei\? Gruß Paula/);
      assert.match(html, /Zweiter Händler, gleiche Person/);
      const dl = await post('/datenschutz/anfrage/bestaetigen', { token: link.token, format: 'json' });
      assert.equal(dl.status, 200);
      assert.match(dl.headers.get('content-disposition'), /^attachment; filename="cc24-daten\.json"$/);
      assert.match(dl.headers.get('content-type'), /^application\/json/);
      const doc = await dl.json();
      assert.equal(doc.email, 'paula.privat@example.de');
      assert.equal(doc.dealers.length, 2, 'both dealers');
      const leads = doc.dealers.flatMap((d) => d.leads);
      assert.ok(leads.some((l) => l.message === 'Ist der Wagen unfallfrei? Gruß Paula' && l.name === 'Paula Privat'));
      assert.ok(doc.dealers.some((d) => d.mails.some((m) => m.kind === 'lead.confirm')), 'the receipt sent to her');
      assert.ok(doc.dealers.some((d) => d.mails.some((m) => m.kind === 'lead.dealer')), 'the dealer\'s notice answering to her');
      assert.ok(doc.platform_mails.some((m) => m.kind === 'privacy.link'), 'the link mail itself');
      assert.ok(!JSON.stringify(doc).includes('Bernd'), 'nobody else');
      // the dealers' records: completed, the address only as a hash
      assert.equal(sql("SELECT COUNT(*) FROM privacy_requests WHERE kind = 'access' AND status = 'completed'"), '2');
      assert.equal(sql("SELECT COUNT(*) FROM privacy_requests WHERE email_hash LIKE '%@%'"), '0');
    });

    test('erasure: confirm → leads anonymised, mails gone, another person untouched; replay 410', async () => {
      await sendLead(slugs[0], 'Erika Weg', 'erika.weg@example.de', 'Bitte rufen Sie mich an');
      await sendLead(slugs[1], 'Erika Weg', 'erika.weg@example.de', 'Auch bei Ihnen eine Frage');
      await sendLead(slugs[0], 'Bernd Bleibt', 'bernd.bleibt@example.de', 'Ich bleibe gespeichert');
      await smtp.waitFor((x) => x.envelope.to.includes('erika.weg@example.de'), 'the receipt to erika');
      await ask('erika.weg@example.de', 'erasure');
      const link = await linkFor('erika.weg@example.de', 'Löschung Ihrer Daten bei cc24');
      const g = await fetch(link.url);
      assert.equal(g.status, 200);
      assert.match(await g.text(), /Jetzt endgültig löschen/);
      assert.equal(sql("SELECT COUNT(*) FROM leads WHERE email = 'erika.weg@example.de'"), '2', 'GET erased nothing');
      const r = await post('/datenschutz/anfrage/bestaetigen', { token: link.token });
      assert.equal(r.status, 200);
      const html = await r.text();
      assert.match(html, /Ihre Daten wurden gelöscht/);
      assert.match(html, /Anfragen anonymisiert: 1/);
      assert.equal(sql("SELECT COUNT(*) FROM leads WHERE email = 'erika.weg@example.de' OR name = 'Erika Weg' OR message LIKE '%Frage%'"), '0');
      assert.equal(sql('SELECT COUNT(*) FROM leads WHERE anonymised_at > 0'), '2');
      assert.equal(sql("SELECT COUNT(*) FROM outbox WHERE recipient = 'erika.weg@example.de' OR reply_to = 'erika.weg@example.de'"), '0', 'mails to and about her are gone');
      assert.equal(sql("SELECT COUNT(*) FROM leads WHERE name = 'Bernd Bleibt' AND email = 'bernd.bleibt@example.de' AND anonymised_at = 0"), '1', 'another person untouched');
      assert.ok(Number(sql("SELECT COUNT(*) FROM outbox WHERE recipient = 'bernd.bleibt@example.de'")) >= 1, 'his receipt stays');
      assert.equal(sql("SELECT COUNT(*) FROM privacy_requests WHERE kind = 'erasure' AND status = 'completed' AND completed_at > 0"), '2');
      assert.equal(sql("SELECT COUNT(*) FROM privacy_tokens WHERE email = 'erika.weg@example.de'"), '0', 'the address left the links too');
      const again = await post('/datenschutz/anfrage/bestaetigen', { token: link.token });
      assert.equal(again.status, 410, 'a replayed link');
      assert.equal((await fetch(link.url)).status, 410);
    });

    test('a legal hold is kept, restricted, and the answer says so', async () => {
      await sendLead(slugs[0], 'Rita Rechnung', 'rita@example.de', 'Ich habe gekauft');
      const t = sql(`SELECT id FROM tenants WHERE slug = '${slugs[0]}'`);
      const until = Math.floor(Date.now() / 1000) + 10 * 365 * 86400;
      sql(`INSERT INTO legal_holds (tenant_id, email, kind, reference, keep_until) VALUES (${t}, 'rita@example.de', 'invoice', 'RE-2026-0001', ${until})`);
      await ask('rita@example.de', 'erasure');
      const link = await linkFor('rita@example.de', 'Löschung Ihrer Daten bei cc24');
      const html = await (await post('/datenschutz/anfrage/bestaetigen', { token: link.token })).text();
      assert.match(html, /Aufbewahrt:/);
      assert.match(html, /§ 147 AO/);
      assert.match(html, /invoice RE-2026-0001/);
      assert.equal(sql("SELECT COUNT(*) FROM legal_holds WHERE email = 'rita@example.de' AND restricted_at > 0"), '1');
      assert.equal(sql("SELECT COUNT(*) FROM leads WHERE email = 'rita@example.de'"), '0', 'the lead itself is not held');
    });

    test('forged and expired links change nothing', async () => {
      const forged = 'A'.repeat(43);
      assert.equal((await fetch(`${srv.url}/datenschutz/anfrage/bestaetigen?token=${forged}`)).status, 404);
      assert.equal((await post('/datenschutz/anfrage/bestaetigen', { token: forged })).status, 404);
      assert.equal((await post('/datenschutz/anfrage/bestaetigen', { token: '' })).status, 404);
      await sendLead(slugs[0], 'Emil Abgelaufen', 'emil@example.de', 'Frage zum Auto');
      await ask('emil@example.de', 'erasure');
      const link = await linkFor('emil@example.de', 'Löschung Ihrer Daten bei cc24');
      sql("UPDATE privacy_tokens SET expires_at = 1 WHERE email = 'emil@example.de'");
      assert.equal((await fetch(link.url)).status, 410);
      assert.equal((await post('/datenschutz/anfrage/bestaetigen', { token: link.token })).status, 410);
      assert.equal(sql("SELECT COUNT(*) FROM leads WHERE email = 'emil@example.de' AND anonymised_at = 0"), '1', 'nothing erased');
    });

    test('an unknown address gets the same answer and no mail', async () => {
      const before = smtp.received.length;
      await ask('niemand@example.de', 'access');
      await ask('niemand@example.de', 'erasure');
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(smtp.received.filter((m) => m.envelope.to.includes('niemand@example.de')).length, 0);
      assert.ok(smtp.received.length >= before);
      assert.equal(sql("SELECT COUNT(*) FROM privacy_tokens WHERE email = 'niemand@example.de'"), '0');
    });

    test("the dealer's dashboard lists the requests with the deadline; another dealer's are not shown", async () => {
      await sendLead(slugs[2], 'Dora Dritte', 'dora@example.de', 'Nur beim dritten Händler');
      await ask('dora@example.de', 'access');
      const A = await login(slugs[0]);
      const list = await (await fetch(srv.url + '/dashboard/datenschutz', A)).text();
      assert.match(list, /Datenschutz-Anfragen/);
      assert.match(list, /aria-current="page">Datenschutz</);
      assert.match(list, /<td>Löschung<\/td><td>\d\d\.\d\d\.\d{4}<\/td><td>erledigt \d\d\.\d\d\.\d{4} \d\d:\d\d<\/td>/);
      assert.match(list, /<td>Auskunft \/ Export<\/td>/);
      assert.doesNotMatch(list, /@/, 'no address in the list');
      const C = await login(slugs[2]);
      const c = await (await fetch(srv.url + '/dashboard/datenschutz', C)).text();
      assert.match(c, /wartet auf Bestätigung/, 'unconfirmed: waiting, with its deadline');
      const due = sql(`SELECT due_at - received_at FROM privacy_requests r JOIN tenants t ON t.id = r.tenant_id WHERE t.slug = '${slugs[2]}'`);
      assert.ok(Number(due) >= 28 * 86400 && Number(due) <= 31 * 86400, `one month: ${due}`);
      assert.equal(sql(`SELECT COUNT(*) FROM privacy_requests r JOIN tenants t ON t.id = r.tenant_id WHERE t.slug = '${slugs[2]}' AND r.kind = 'erasure'`), '0');
    });

    test('test drives: in the export (page and JSON), anonymised by erasure, the answer counts them', async () => {
      // a slot booked on a vehicle page (the dealer with opening hours; the first free slot)
      const v = (await (await fetch(srv.url + '/api/v1/vehicles/search?size=1&sort=price_desc')).json()).items[0];
      const page = await (await fetch(`${srv.url}/fahrzeuge/x-${v.id}`)).text();
      const slot = Number(page.match(/name="slot" value="(\d+)"/)[1]);
      const r = await post(`/fahrzeuge/x-${v.id}/anfrage`, { kind: 'test_drive', name: 'Tina Testfahrt', email: 'tina@example.de', phone: '+49 171 7654321', slot: String(slot) });
      assert.equal(r.status, 303);
      assert.equal(sql("SELECT COUNT(*) FROM test_drives WHERE email = 'tina@example.de' AND status = 'booked'"), '1');
      const start = new Date(slot * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      await ask('tina@example.de', 'access');
      let link = await linkFor('tina@example.de', 'Ihre Datenauskunft bei cc24');
      const html = await (await post('/datenschutz/anfrage/bestaetigen', { token: link.token, format: 'html' })).text();
      assert.match(html, /<h3>Probefahrten<\/h3>/);
      assert.match(html, new RegExp(`<dt>Termin</dt><dd>${start} – `));
      assert.match(html, /<dd>\+49 171 7654321<\/dd>/);
      const doc = await (await post('/datenschutz/anfrage/bestaetigen', { token: link.token, format: 'json' })).json();
      const drives = doc.dealers.flatMap((d) => d.test_drives);
      assert.equal(drives.length, 1);
      assert.equal(drives[0].slot_start, start);
      assert.equal(drives[0].email, 'tina@example.de');
      assert.equal(drives[0].phone, '+49 171 7654321');
      assert.equal(drives[0].status, 'booked');
      assert.equal(drives[0].id, sql("SELECT public_id FROM test_drives WHERE email = 'tina@example.de'"));

      await ask('tina@example.de', 'erasure');
      link = await linkFor('tina@example.de', 'Löschung Ihrer Daten bei cc24');
      const done = await (await post('/datenschutz/anfrage/bestaetigen', { token: link.token })).text();
      assert.match(done, /Probefahrten anonymisiert: 1/);
      assert.equal(sql("SELECT COUNT(*) FROM test_drives WHERE email = 'tina@example.de' OR name = 'Tina Testfahrt' OR phone = '+49 171 7654321'"), '0');
      assert.equal(sql(`SELECT COUNT(*) FROM test_drives WHERE slot_start = ${slot} AND email = '' AND name = ''`), '1', 'the booking stays, without the person');
    });

    test('unconfirmed requests expire: the sweep job is queued; overdue requests stand out on the dashboard', async () => {
      assert.ok(Number(sql("SELECT COUNT(*) FROM jobs WHERE kind = 'privacy.sweep'")) >= 1, 'the sweep is scheduled');
      await sendLead(slugs[1], 'Olga Overdue', 'olga@example.de', 'Alte Anfrage');
      await ask('olga@example.de', 'access');
      const B = await login(slugs[1]);
      let list = await (await fetch(srv.url + '/dashboard/datenschutz', B)).text();
      assert.match(list, /Frist: ein Monat ab Eingang/);
      assert.doesNotMatch(list, /class="is-overdue"/);
      // a request received long ago and still open is overdue
      const now = Math.floor(Date.now() / 1000);
      sql(`UPDATE privacy_requests SET received_at = ${now - 40 * 86400}, due_at = ${now - 9 * 86400} WHERE tenant_id = (SELECT id FROM tenants WHERE slug = '${slugs[1]}') AND status = 'waiting'`);
      list = await (await fetch(srv.url + '/dashboard/datenschutz', B)).text();
      assert.match(list, /<tr class="is-overdue">/);
      assert.match(list, /<strong class="overdue-flag">überfällig<\/strong>/);
      assert.match(list, /id="privacy-overdue"><strong>1 überfällig<\/strong>/);
      const en = await (await fetch(srv.url + '/dashboard/datenschutz?lang=en', B)).text();
      assert.match(en, /1 overdue/);
    });
  });
}
