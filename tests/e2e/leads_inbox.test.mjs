// The dealer's enquiry inbox: a lead sent from a public vehicle page appears in the
// dashboard of that vehicle's dealer (list, detail, this week's KPI), escaped, and
// nowhere else; another dealer gets 404 for it. On SQLite and PostgreSQL.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, backends, cc24 } from './helpers.mjs';

for (const backend of backends()) {
  describe(`enquiry inbox (${backend})`, () => {
    let srv;
    let slugs;
    const login = async (slug) => {
      const r = await fetch(srv.url + '/anmelden', { method: 'POST', redirect: 'manual',
        body: new URLSearchParams({ email: `owner@${slug}.demo`, password: 'cc24-Demo-2026' }) });
      return { cookie: r.headers.get('set-cookie').split(';')[0] };
    };
    const get = (who, p) => fetch(srv.url + p, { headers: { cookie: who.cookie }, redirect: 'manual' });
    before(async () => {
      srv = await startServer({ backend });
      slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
    });
    after(async () => srv && srv.stop());

    test('a lead reaches its dealer only, with the KPI of the week', async () => {
      const A = await login(slugs[0]);
      const B = await login(slugs[1]);
      const kpi = async (who) => Number((await (await get(who, '/dashboard/anfragen')).text())
        .match(/kpi-label">diese Woche<\/span><strong>(\d+)<\/strong>/)[1]);
      const before = await kpi(A);
      const beforeB = await kpi(B);
      const v = (await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[0]}&size=1`)).json()).items[0];
      // a test drive takes a free slot from the vehicle page
      const slot = (await (await fetch(`${srv.url}/fahrzeuge/x-${v.id}`)).text()).match(/name="slot" value="(\d+)"/)[1];
      const r = await fetch(`${srv.url}/fahrzeuge/x-${v.id}/anfrage`, { method: 'POST', redirect: 'manual',
        body: new URLSearchParams({ kind: 'test_drive', name: 'Jana <b>Probe</b>', email: 'jana@example.de',
          phone: '+49 170 1234567', slot, message: 'Passt Samstag?\nGern vormittags.' }) });
      assert.equal(r.status, 303);

      const list = await (await get(A, '/dashboard/anfragen')).text();
      assert.match(list, /Jana &lt;b&gt;Probe&lt;\/b&gt;/, 'shown escaped');
      assert.doesNotMatch(list, /<b>Probe<\/b>/);
      assert.equal(await kpi(A), before + 1, 'counted this week');
      assert.equal(await kpi(B), beforeB, 'not for another dealer');
      const id = list.match(/href="\/dashboard\/anfragen\/([0-9a-z]{16})"/)[1];
      const detail = await get(A, `/dashboard/anfragen/${id}`);
      assert.equal(detail.status, 200);
      const html = await detail.text();
      assert.match(html, /Passt Samstag\?\nGern vormittags\./);
      assert.match(html, /href="tel:\+491701234567"/, 'a tel: link without spaces');
      assert.match(html, /name="subject" value="Ihre Anfrage: /, 'the reply form has the subject filled in');
      assert.match(html, /<textarea id="r-text" name="text" rows="10">Guten Tag Jana &lt;b&gt;Probe&lt;\/b&gt;,/, 'and the greeting');
      assert.match(html, new RegExp(`${v.make}`));

      assert.equal((await get(B, `/dashboard/anfragen/${id}`)).status, 404, 'another dealer: 404');
      assert.doesNotMatch(await (await get(B, '/dashboard/anfragen')).text(), new RegExp(id));
      assert.equal((await get(A, '/dashboard/anfragen/not-an-id')).status, 404);
      assert.equal((await get(A, '/dashboard/anfragen?page=-3')).status, 200);
      assert.equal((await get(A, '/dashboard/anfragen?page=999')).status, 200);
      assert.match((await fetch(srv.url + '/dashboard/anfragen', { redirect: 'manual' })).headers.get('location'), /^\/anmelden/);
      // the overview shows the week's count too
      const overview = await (await get(A, '/dashboard')).text();
      assert.match(overview, new RegExp(`Anfragen diese Woche</span><strong>${before + 1}</strong>`));
    });
  });
}
