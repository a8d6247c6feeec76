// Inbound mail on SQLite and PostgreSQL: with mail-inbound-domain set, a lead's receipt
// and the dealer's reply from the lead page (received by a real SMTP server, npm
// smtp-server on loopback) carry Reply-To lead+ID.TAG@<domain>; the buyer's answer to
// that address, piped into `cc24 mail receive` as an MTA's pipe transport would, lands
// in the lead's timeline (quoted history cut off) and makes the lead unread in the inbox.
// The same message delivered twice is stored once; an answer to another address finds
// the lead by In-Reply-To; a forged tag is refused with 67 (EX_NOUSER), garbage with 65
// (EX_DATAERR), and neither stores anything.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { smtpServer } from './smtp_util.mjs';
import { startServer, backends, cc24, BIN, ROOT } from './helpers.mjs';

const DOMAIN = 'in.cc24.example';

for (const backend of backends()) {
  describe(`inbound mail into the lead (${backend})`, () => {
    let srv;
    let smtp;
    let slugs;
    let A;
    const login = async (email, password = 'cc24-Demo-2026') => {
      const r = await fetch(srv.url + '/anmelden', { method: 'POST', redirect: 'manual', body: new URLSearchParams({ email, password }) });
      assert.equal(r.status, 303, `login ${email}`);
      const cookie = r.headers.get('set-cookie').split(';')[0];
      const html = await (await fetch(srv.url + '/dashboard', { headers: { cookie } })).text();
      return { cookie, csrf: html.match(/name="_csrf" value="([^"]+)"/)[1] };
    };
    const get = (who, p) => fetch(srv.url + p, { headers: { cookie: who.cookie }, redirect: 'manual' });
    const leadIds = async (who, qs = '') => [...(await (await get(who, '/dashboard/anfragen' + qs)).text())
      .matchAll(/<a class="row-title" href="\/dashboard\/anfragen\/([0-9a-z]{16})"/g)].map((m) => m[1]);
    // `cc24 mail receive` as Postfix's pipe(8) runs it: the message on stdin
    const receive = (message, to) => {
      const out = spawnSync(BIN, ['mail', 'receive', ...(to ? ['--to', to] : [])], {
        cwd: ROOT,
        input: message,
        env: { ...process.env, CC24_DATABASE_URL: srv.databaseUrl, CC24_MAIL_INBOUND_DOMAIN: DOMAIN, CC24_LOG_FORMAT: 'text' },
      });
      // on PostgreSQL it works as the app role, under row-level security
      assert.doesNotMatch(out.stderr.toString(), /row-level security not enforced/);
      return out;
    };
    const waitMail = (pred, what) => smtp.waitFor(pred, what).then((m) => m[m.length - 1]);
    // the buyer's answer, as a mail client writes it: encoded words, base64 UTF-8 text,
    // the quoted history under an attribution line
    const answer = ({ to, subject, messageId, inReplyTo, text }) => {
      const body = Buffer.from(`${text}\r\n\r\nAm 07.12.2026 um 22:10 schrieb Autohaus:\r\n> der Wagen ist noch da\r\n`, 'utf8')
        .toString('base64').replace(/.{76}/g, '$&\r\n');
      return [
        'From: =?UTF-8?Q?Karl_K=C3=A4ufer?= <karl.kaeufer@kunde.example>',
        `To: ${to}`,
        `Subject: =?UTF-8?B?${Buffer.from(subject, 'utf8').toString('base64')}?=`,
        'Date: Mon, 07 Dec 2026 22:15:03 +0100',
        `Message-ID: <${messageId}>`,
        ...(inReplyTo ? [`In-Reply-To: <${inReplyTo}>`, `References: <${inReplyTo}>`] : []),
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=UTF-8',
        'Content-Transfer-Encoding: base64',
        '',
        body,
        '',
      ].join('\r\n');
    };

    before(async () => {
      smtp = await smtpServer({ auth: false });
      srv = await startServer({
        backend,
        env: {
          CC24_SMTP_URL: `smtp://127.0.0.1:${smtp.port}?starttls=off`,
          CC24_MAIL_FROM: 'cc24 <noreply@cc24.example>',
          CC24_MAIL_INBOUND_DOMAIN: DOMAIN,
        },
      });
      slugs = cc24(['admin', 'tenant', 'list', `--database-url=${srv.databaseUrl}`]).trim().split('\n');
      A = await login(`owner@${slugs[0]}.demo`);
    });
    after(async () => {
      if (srv) await srv.stop();
      if (smtp) await smtp.close();
    });

    test('the buyer answers the dealer\'s reply: in the timeline, the lead unread, stored once', async () => {
      const vs = (await (await fetch(srv.url + `/api/v1/vehicles/search?dealer=${slugs[0]}&size=1`)).json()).items;
      const r0 = await fetch(`${srv.url}/fahrzeuge/x-${vs[0].id}/anfrage`, {
        method: 'POST', redirect: 'manual',
        body: new URLSearchParams({ kind: 'contact', name: 'Karl Käufer', email: 'karl.kaeufer@kunde.example', phone: '', message: 'Ist der Wagen noch da?' }),
      });
      assert.equal(r0.status, 303);
      // the receipt already routes back into the lead
      const receipt = await waitMail((m) => m.to.includes('karl.kaeufer@kunde.example'), 'receipt to the buyer');
      const receiptReplyTo = receipt.parsed.replyTo.value[0].address;
      assert.match(receiptReplyTo, new RegExp(`^lead\\+[0-9a-z]{16}\\.[0-9a-f]{32}@${DOMAIN.replace(/\./g, '\\.')}$`));
      const [id] = await leadIds(A, '?q=karl.kaeufer');
      assert.ok(id, 'the lead is in the inbox');
      assert.ok(receiptReplyTo.startsWith(`lead+${id}.`), 'the address names the lead');

      // the dealer opens it (read) and replies from the lead page
      const page = await (await get(A, `/dashboard/anfragen/${id}`)).text();
      assert.ok(!(await leadIds(A, '?zeige=ungelesen')).includes(id), 'read once opened');
      const subject = page.match(/name="subject" value="([^"]*)"/)[1].replace(/&amp;/g, '&');
      const r = await fetch(`${srv.url}/dashboard/anfragen/${id}`, {
        method: 'POST', redirect: 'manual', headers: { cookie: A.cookie },
        body: new URLSearchParams({ _csrf: A.csrf, action: 'reply', subject, text: 'Guten Tag,\n\nder Wagen ist noch da.\n\nGrüße' }),
      });
      assert.equal(r.status, 303);
      const reply = await waitMail((m) => m.to.includes('karl.kaeufer@kunde.example') && m.parsed.text.includes('der Wagen ist noch da'), 'the dealer\'s reply');
      const replyTo = reply.parsed.replyTo.value[0].address;
      assert.equal(replyTo, receiptReplyTo, 'the reply routes back into the same lead');
      assert.ok(reply.parsed.messageId, 'the reply has a Message-ID');

      // the buyer answers; the MTA pipes the answer into cc24
      const msg = answer({ to: `Autohaus <${replyTo}>`, subject: `Re: ${subject}`, messageId: 'antwort-1@kunde.example',
        inReplyTo: reply.parsed.messageId.replace(/^<|>$/g, ''), text: 'Prima, ich komme am Samstag um 10 Uhr. Grüße, Karl Käufer' });
      let out = receive(msg, replyTo);
      assert.equal(out.status, 0, out.stderr.toString());
      const html = await (await get(A, `/dashboard/anfragen/${id}`)).text();
      assert.match(html, /<li class="timeline-item timeline-in"><p class="timeline-head"><strong>E-Mail erhalten<\/strong>/);
      assert.ok(html.includes('Prima, ich komme am Samstag um 10 Uhr. Grüße, Karl Käufer'), 'the answer is in the timeline');
      assert.ok(html.includes('Karl Käufer &lt;karl.kaeufer@kunde.example&gt;'), 'with its sender');
      assert.ok(!html.includes('&gt; der Wagen ist noch da'), 'the quoted history is cut off');
      // reading the page above marked it read again: deliver a second answer and look at the inbox first
      out = receive(answer({ to: replyTo, subject: 'Re: Noch eine Frage', messageId: 'antwort-2@kunde.example', text: 'Nehmen Sie meinen Alten in Zahlung?' }));
      assert.equal(out.status, 0, out.stderr.toString());
      assert.ok((await leadIds(A, '?zeige=ungelesen')).includes(id), 'the inbox shows the lead unread');
      // the MTA delivers the same message again: stored once
      out = receive(msg, replyTo);
      assert.equal(out.status, 0, out.stderr.toString());
      const again = await (await get(A, `/dashboard/anfragen/${id}`)).text();
      assert.equal(again.split('Prima, ich komme am Samstag').length - 1, 1, 'stored once');
      assert.equal(again.split('E-Mail erhalten').length - 1, 2, 'two answers');
      // English labels
      const en = await (await get(A, `/dashboard/anfragen/${id}?lang=en`)).text();
      assert.match(en, /E-mail received/);
    });

    test('an answer to another address finds the lead by In-Reply-To', async () => {
      const [id] = await leadIds(A, '?q=karl.kaeufer');
      const receipt = smtp.received.find((m) => m.to.includes('karl.kaeufer@kunde.example') && m.parsed.replyTo);
      const mid = receipt.parsed.messageId.replace(/^<|>$/g, '');
      const out = receive(answer({ to: 'verkauf@autohaus.example', subject: 'AW: Ihre Anfrage', messageId: 'antwort-3@kunde.example',
        inReplyTo: mid, text: 'Direkt an Sie geschrieben.' }), `anfragen@${DOMAIN}`);
      assert.equal(out.status, 0, out.stderr.toString());
      const html = await (await get(A, `/dashboard/anfragen/${id}`)).text();
      assert.ok(html.includes('Direkt an Sie geschrieben.'));
    });

    test('a forged or unknown recipient is refused with 67, garbage with 65; nothing stored', async () => {
      const [id] = await leadIds(A, '?q=karl.kaeufer');
      const before = await (await get(A, `/dashboard/anfragen/${id}`)).text();
      const n = before.split('E-Mail erhalten').length;
      const forged = `lead+${id}.${'0'.repeat(32)}@${DOMAIN}`;
      let out = receive(answer({ to: forged, subject: 'Re: x', messageId: 'forged-1@evil.example', text: 'Gefälscht' }), forged);
      assert.equal(out.status, 67, 'EX_NOUSER');
      assert.match(out.stderr.toString(), /unknown recipient/);
      out = receive(answer({ to: `info@${DOMAIN}`, subject: 'Werbung', messageId: 'spam-1@evil.example', text: 'Kaufen!' }), `info@${DOMAIN}`);
      assert.equal(out.status, 67);
      out = receive(Buffer.from([0, 1, 2, 3]));
      assert.equal(out.status, 65, 'EX_DATAERR');
      out = receive('Subject: no sender\r\n\r\nhallo\r\n', forged);
      assert.equal(out.status, 65);
      const after = await (await get(A, `/dashboard/anfragen/${id}`)).text();
      assert.equal(after.split('E-Mail erhalten').length, n, 'nothing stored');
      assert.ok(!after.includes('Gefälscht') && !after.includes('Kaufen!'));
    });
  });
}
