// A real SMTP server on loopback for the mail tests (npm smtp-server), keeping every
// message it accepts, parsed back with mailparser: { raw, parsed, envelope: {from, to},
// to }. auth: false = no AUTH at all (cc24 configured without credentials); otherwise
// AUTH PLAIN/LOGIN as user "cc24" with password "p@ss w0rd". fail(n, how) makes the next n
// deliveries fail: 'temp' (451 after DATA), 'perm' (550 at RCPT), 'drop' (421 while the
// message is read, as a cut connection).
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { freePort } from './helpers.mjs';

export async function smtpServer({ auth = true, authMethods = ['PLAIN', 'LOGIN'] } = {}) {
  const received = [];
  const auths = [];
  const attempts = [];
  let failures = 0;
  let how = 'temp';
  const server = new SMTPServer({
    ...(auth ? { authMethods, allowInsecureAuth: true } : { authOptional: true }),
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    size: 10 * 1024 * 1024,
    logger: false,
    onAuth(a, session, cb) {
      auths.push(a.method);
      if (a.username === 'cc24' && a.password === 'p@ss w0rd') return cb(null, { user: 'cc24' });
      return cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(addr, session, cb) {
      attempts.push(addr.address);
      if (failures > 0 && how === 'perm') {
        failures--;
        return cb(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      }
      return cb();
    },
    onData(stream, session, cb) {
      const chunks = [];
      if (failures > 0 && how === 'drop') {
        failures--;
        stream.on('data', () => {});
        stream.on('end', () => {});
        return setImmediate(() => cb(Object.assign(new Error('connection lost'), { responseCode: 421 })));
      }
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', async () => {
        if (failures > 0 && how === 'temp') {
          failures--;
          return cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
        }
        const raw = Buffer.concat(chunks);
        const to = session.envelope.rcptTo.map((r) => r.address);
        received.push({ raw: raw.toString('utf8'), parsed: await simpleParser(raw), envelope: { from: session.envelope.mailFrom.address, to }, to });
        cb();
      });
    },
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    received,
    auths,
    attempts,
    fail(n, kind = 'temp') { failures = n; how = kind; },
    async waitFor(pred, what, ms = 15000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = received.filter(pred);
        if (hit.length) return hit;
        if (Date.now() > deadline) throw new Error(`no mail ${what}; received: ${received.map((m) => `${m.to} ${m.parsed.subject}`).join(' | ')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
