// systemd's notification protocol spoken by `serve` (Type=notify): READY=1 once listening, STATUS=
// lines, WATCHDOG=1 every WATCHDOG_USEC/2 while the database answers (and none while it does not),
// STOPPING=1 on SIGTERM. The listener is a real AF_UNIX datagram socket (tests/support/notify_listener.py),
// on a path and in the abstract namespace ('@'), as systemd uses both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE, startServer, tempDir } from './fixture.mjs';
import { notifyListener } from '../support/notify_listener.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, predicate, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const fields = (messages) => messages.flatMap((m) => m.fields);

for (const kind of ['path', 'abstract']) {
  test(`systemd notify (${kind} socket): READY=1, STATUS, WATCHDOG=1, STOPPING=1`, async (t) => {
    const { dir, cleanup } = tempDir();
    t.after(cleanup);
    const socketPath = kind === 'path' ? path.join(dir, 'notify.sock') : `@mcp-admin-test-${process.pid}-${Date.now()}`;
    const listener = await notifyListener(socketPath);
    t.after(listener.stop);

    const server = await startServer({ args: ['--port', '0', '--database', ':memory:'],
      env: { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '200000' } });
    await until('READY=1', () => fields(listener.messages()).includes('READY=1'));
    const ready = listener.messages().find((m) => m.fields.includes('READY=1'));
    assert.ok(ready.fields.includes(`STATUS=Serving on ${server.url}`), JSON.stringify(ready));
    // Health answers by the time READY=1 arrives: systemd may start dependants at once.
    assert.equal((await fetch(`${server.url}/api/health`)).status, 200);
    await until('three watchdog pings', () => fields(listener.messages()).filter((f) => f === 'WATCHDOG=1').length >= 3);
    assert.equal(fields(listener.messages()).filter((f) => f === 'STOPPING=1').length, 0);

    const stopped = await server.stop();
    assert.equal(stopped.code, 0);
    await until('STOPPING=1', () => fields(listener.messages()).includes('STOPPING=1'));
    const all = fields(listener.messages());
    assert.ok(all.indexOf('READY=1') < all.indexOf('STOPPING=1'));
    assert.ok(all.some((f) => f.startsWith('STATUS=Stopping')), all.join(' | '));
  });
}

test('systemd notify: no WATCHDOG=1 while the database does not answer', { skip: ENGINE !== 'sqlite' && 'breaks an SQLite file' }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const socketPath = path.join(dir, 'notify.sock');
  const listener = await notifyListener(socketPath);
  t.after(listener.stop);
  const db = path.join(dir, 'w.db');
  const server = await startServer({ args: ['--port', '0', '--database', `file:${db}`],
    env: { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '200000' } });
  t.after(() => server.stop());
  await until('a watchdog ping', () => fields(listener.messages()).includes('WATCHDOG=1'));
  rmSync(db);  // the server notices on its next round trip (health answers 503 from then on)
  await until('the status saying why', () => fields(listener.messages()).some((f) => f.startsWith('STATUS=The database does not answer')));
  const after = listener.messages().length;
  await sleep(600);  // three intervals of 100 ms, twice over
  const later = listener.messages().slice(after);
  assert.deepEqual(fields(later).filter((f) => f === 'WATCHDOG=1'), [], 'no ping while the database is gone');
});

test('systemd notify: WATCHDOG_PID of another process means no pings from this one', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const socketPath = path.join(dir, 'notify.sock');
  const listener = await notifyListener(socketPath);
  t.after(listener.stop);
  const server = await startServer({ args: ['--port', '0', '--database', ':memory:'],
    env: { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '100000', WATCHDOG_PID: '1' } });
  t.after(() => server.stop());
  await until('READY=1', () => fields(listener.messages()).includes('READY=1'));
  await sleep(400);
  assert.deepEqual(fields(listener.messages()).filter((f) => f === 'WATCHDOG=1'), []);
});
