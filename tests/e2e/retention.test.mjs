// GDPR retention of enquiries, end to end: the privacy page, the enquiry form's notice
// and the dealer's lead page all state the period from the one setting the retention
// job enforces (lead-retention-months) — change the setting and every text changes; the
// job, run by the server's own worker, anonymises an old enquiry, which the dealer then
// sees as "anonymisiert" with a line in the retention log. On SQLite and, with
// CC24_PG_URL, on PostgreSQL.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, backends, cc24 } from './helpers.mjs';

const text = async (srv, p, init = {}) => {
  const r = await fetch(srv.url + p, { redirect: 'manual', ...init });
  assert.equal(r.status, 200, `${p}: ${r.status}`);
  return r.text();
};

describe('the retention period is one setting (privacy page, form notice)', () => {
  test('the default: 12 months', async () => {
    const srv = await startServer({ demo: false });
    try {
      const de = await text(srv, '/datenschutz');
      assert.match(de, /Anfragen ohne Kaufabschluss werden nach 12 Monaten anonymisiert/);
      assert.doesNotMatch(de, /\{period\}|6 Monate/);
      const en = await text(srv, '/datenschutz?lang=en');
      assert.match(en, /enquiries that did not lead to a sale are anonymised after 12 months/);
    } finally {
      await srv.stop();
    }
  });

  test('one month: singular wording in both languages', async () => {
    const srv = await startServer({ demo: false, env: { CC24_LEAD_RETENTION_MONTHS: '1' } });
    try {
      assert.match(await text(srv, '/datenschutz'), /werden nach einem Monat anonymisiert/);
      assert.match(await text(srv, '/datenschutz?lang=en'), /are anonymised after one month/);
    } finally {
      await srv.stop();
    }
  });

  test('a value outside 1..120 is refused at start-up', () => {
    assert.throws(() => cc24(['migrate', '--database-url=sqlite::memory:', '--lead-retention-months=0']));
    assert.match(cc24(['serve', '--help']), /--lead-retention-months\s+CC24_LEAD_RETENTION_MONTHS/);
  });
});

for (const backend of backends()) {
  describe(`retention job and dashboard (${backend})`, () => {
    let srv;
    let slugs;
    let sql;
    before(async () => {
      srv = await startServer({ backend, env: { CC24_LEAD_RETENTION_MONTHS: '7' } });
      slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
      sql = (q) => (backend === 'sqlite'
        ? execFileSync('sqlite3', [srv.databaseUrl.replace(/^sqlite:/, ''), q])
        : execFileSync('psql', [srv.databaseUrl, '-qAtc', q])).toString().trim();
    });
    after(async () => srv && srv.stop());

    const login = async (slug) => {
      const r = await fetch(srv.url + '/anmelden', { method: 'POST', redirect: 'manual',
        body: new URLSearchParams({ email: `owner@${slug}.demo`, password: 'cc24-Demo-2026' }) });
      return { headers: { cookie: r.headers.get('set-cookie').split(';')[0] } };
    };

    test('the period set to 7 months shows on the privacy page, the form and the lead page', async () => {
      assert.match(await text(srv, '/datenschutz'), /nach 7 Monaten anonymisiert/);
      const v = (await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[0]}&size=1`)).json()).items[0];
      const page = await fetch(`${srv.url}/fahrzeuge/x-${v.id}`); // follows the 301 to the canonical URL
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /Name, Kontaktdaten und Nachricht nach 7 Monaten anonymisiert/);
      assert.doesNotMatch(html, /\{period\}/);
      const dash = await text(srv, '/dashboard/anfragen', await login(slugs[0]));
      assert.match(dash, /Anfragen ohne Kaufabschluss werden nach 7 Monaten automatisch anonymisiert/);
    });

    test('the job anonymises an old enquiry; the dealer sees it and the log line', async () => {
      const A = await login(slugs[0]);
      const B = await login(slugs[1]);
      const v = (await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[0]}&size=1`)).json()).items[0];
      const send = async (name, email) => {
        const r = await fetch(`${srv.url}/fahrzeuge/x-${v.id}/anfrage`, { method: 'POST', redirect: 'manual',
          body: new URLSearchParams({ kind: 'contact', name, email, phone: '+49 170 7654321',
            message: 'Noch verfügbar?' }) });
        assert.equal(r.status, 303);
      };
      await send('Olga Altanfrage', 'olga@example.de');
      await send('Nina Neuanfrage', 'nina@example.de');
      assert.equal(sql("SELECT privacy_notice FROM leads WHERE name = 'Olga Altanfrage'"), 'lead-notice-2026-02/7m',
        'the stored notice version names the period it stated');
      // eight months ago; then let the queued run of the job fall due now
      const old = Math.floor(Date.now() / 1000) - 8 * 31 * 86400;
      sql(`UPDATE leads SET created_at = ${old} WHERE name = 'Olga Altanfrage'`);
      sql("UPDATE jobs SET run_at = 0 WHERE kind = 'crm.retention' AND state = 'queued'");
      const deadline = Date.now() + 15000;
      while (sql("SELECT COUNT(*) FROM leads WHERE name = 'Olga Altanfrage'") !== '0') {
        assert.ok(Date.now() < deadline, 'the job ran within 15 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(sql(`SELECT name || '|' || email || '|' || phone || '|' || message FROM leads WHERE created_at = ${old}`), '|||');
      assert.equal(sql("SELECT COUNT(*) FROM leads WHERE name = 'Nina Neuanfrage' AND anonymised_at = 0"), '1');

      const list = await text(srv, '/dashboard/anfragen', A);
      assert.match(list, /Nina Neuanfrage/);
      assert.doesNotMatch(list, /Olga Altanfrage|olga@example\.de/);
      assert.match(list, />anonymisiert</);
      assert.match(list, /Letzte Prüfung: \d\d\.\d\d\.\d{4} \d\d:\d\d/);
      assert.match(list, /<td>Anfragen anonymisiert<\/td><td>1<\/td>/);
      const id = [...list.matchAll(/href="\/dashboard\/anfragen\/([0-9a-z]{16})"/g)].map((m) => m[1])
        .find((x) => sql(`SELECT anonymised_at > 0 FROM leads WHERE public_id = '${x}'`).match(/^(1|t)$/));
      assert.ok(id, 'the anonymised lead is listed');
      const detail = await text(srv, `/dashboard/anfragen/${id}`, A);
      assert.match(detail, /nach Ablauf der Speicherfrist anonymisiert/);
      assert.doesNotMatch(detail, /mailto:/, 'no reply link without an address');
      const en = await text(srv, '/dashboard/anfragen?lang=en', A);
      assert.match(en, /anonymised automatically after 7 months/);
      // another dealer's log shows nothing of A's
      assert.doesNotMatch(await text(srv, '/dashboard/anfragen', B), /<td>Anfragen anonymisiert<\/td><td>1<\/td>/);
      assert.equal(sql("SELECT COUNT(*) FROM jobs WHERE kind = 'crm.retention' AND state = 'queued'"), '1',
        'the next run is queued');
    });
  });
}
