// Durability: a 2xx is sent only after the change is durably committed (README "What the sync does, in plain words").
// Several concurrent clients deliver distinct signed user.created / user.updated events to a server on a
// SQLite file (on PostgreSQL: its schema); the server is killed with SIGKILL mid-stream, three
// times, at different moments, then stopped once with SIGTERM mid-stream, and restarted on the same
// file each time. After each restart every acknowledged event's effect must be in the database (and
// its webhook_events row 'processed'), and nothing half-applied. The events that were not
// acknowledged are re-sent, as Svix retries them, and the final database must equal the one a
// clean in-order delivery of the same events gives. CRASH_SEED changes the shuffle and the moments.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { agent, clerkId, prng, shuffle, T0, userCreated, userId, userUpdated } from './clerk_payloads.mjs';
import { dumpDatabase, query } from './db_state.mjs';
import { expectOutcome, startWebhookServer } from './harness.mjs';

after(() => agent.destroy());

const SEED = Number(process.env.CRASH_SEED ?? 7);
const USERS = 300;
const VERSIONS = 8; // user.created and 7 user.updated each: 2400 events (at most 3000)
const CLIENTS = 8;
const PHASE_LIMIT_MS = 10000; // each phase delivers for at most 10 s, then is killed anyway
const KILLS = 3;

function buildEvents() {
  const events = [];
  for (let u = 0; u < USERS; u += 1) {
    const name = `crash${u}`;
    const createdAt = T0 + u * 100000;
    for (let v = 0; v < VERSIONS; v += 1) {
      const opts = {
        name, createdAt, updatedAt: createdAt + v * 1000, lastName: `Version${v}`, lastSignInAt: v ? createdAt + v * 1000 : null,
        publicMetadata: { version: v },
      };
      events.push({
        svixId: clerkId('msg', `crash:${u}:${v}`),
        user: userId(name),
        version: v,
        updatedAt: opts.updatedAt,
        payload: v === 0 ? userCreated(opts) : userUpdated(opts),
      });
    }
  }
  return events;
}

// Users rows by Clerk id, and webhook_events statuses by svix-id, as the file holds them now.
function readState(file) {
  const users = new Map(query(file, 'SELECT clerk_id, last_name, clerk_updated_at FROM users').map((r) => [r.clerk_id, r]));
  const events = new Map(query(file, 'SELECT svix_id, status FROM webhook_events').map((r) => [r.svix_id, r.status]));
  return { users, events };
}

// Every acknowledged event is there; every event recorded as processed has its effect (the inbox
// row and the change were committed together); nothing is stuck in another status.
function assertDurable(file, acked, byId, when) {
  const { users, events } = readState(file);
  for (const svixId of acked) {
    assert.equal(events.get(svixId), 'processed', `${when}: acknowledged ${svixId} is processed`);
  }
  for (const [svixId, status] of events) {
    assert.equal(status, 'processed', `${when}: ${svixId} is ${status}`);
    const event = byId.get(svixId);
    const user = users.get(event.user);
    assert.ok(user, `${when}: ${svixId} processed, so its user exists`);
    assert.ok(user.clerk_updated_at >= event.updatedAt, `${when}: ${svixId} processed, so the user is at least at version ${event.version}`);
    if (user.clerk_updated_at === event.updatedAt) assert.equal(user.last_name, `Version${event.version}`);
  }
  return events.size;
}

// Clients take events from `queue` until it is empty, `killAt` acknowledgements were counted (then
// the server is SIGKILLed at once, with deliveries in flight), or the phase's time is up (killed
// too, unless killAt is null: the last phase, which must get through everything).
async function runPhase(server, queue, acked, outcomes, { killAt, signal = 'SIGKILL', limitMs = PHASE_LIMIT_MS }) {
  const deadline = Date.now() + limitMs;
  const failed = [];
  let killed = false;
  const kill = () => {
    if (killed) return;
    killed = true;
    server.server.child.kill(signal);
  };
  async function client() {
    while (queue.length && !killed) {
      if (Date.now() > deadline) {
        if (killAt !== null) kill();
        break;
      }
      const event = queue.shift();
      try {
        const response = await server.post(event.svixId, event.payload, { timeoutMs: 15000 });
        if (response.status === 200) {
          acked.add(event.svixId);
          outcomes[response.json.outcome] = (outcomes[response.json.outcome] ?? 0) + 1;
          if (killAt !== null && acked.size >= killAt) kill();
        } else {
          failed.push(event);
        }
      } catch {
        failed.push(event); // the connection died with the server: not acknowledged
      }
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, client));
  if (killAt !== null) kill();
  return { failed, killed };
}

test('SIGKILL mid-stream, three times (and a SIGTERM): every acknowledged event survives; retries converge to in-order delivery', async (t) => {
  const events = buildEvents();
  assert.ok(events.length <= 3000);
  const byId = new Map(events.map((e) => [e.svixId, e]));
  const random = prng(SEED);
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-admin-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'admin.db');
  const started = Date.now();

  // Svix does not keep order: the stream is shuffled (updates often arrive before creations).
  let queue = shuffle(events, random);
  const acked = new Set();
  const outcomes = {};
  // Kill moments: after roughly 10%, 35% and 60% of the events were acknowledged (seeded jitter);
  // then, at ~80%, a graceful stop (SIGTERM) mid-stream: requests already received are answered,
  // and what was answered 200 must be there too.
  const stops = [0.1, 0.35, 0.6].slice(0, KILLS).map((f) => ({ f, signal: 'SIGKILL' }));
  stops.push({ f: 0.8, signal: 'SIGTERM' });
  const report = [];

  let server = await startWebhookServer({ file });
  for (const { f, signal } of stops) {
    const killAt = Math.floor(events.length * (f + (random() - 0.5) * 0.1));
    const before = acked.size;
    const { failed } = await runPhase(server, queue, acked, outcomes, { killAt, signal });
    const exit = await server.server.exited;
    if (signal === 'SIGKILL') assert.equal(exit.signal, 'SIGKILL', 'the server was killed, not stopped');
    else assert.equal(exit.code, 0, `a graceful stop exits 0: ${server.stderr().slice(-2000)}`);
    // Svix retries what was not acknowledged; then the rest of the stream goes on.
    queue = [...shuffle(failed, random), ...queue];
    server = await startWebhookServer({ file });
    const processed = assertDurable(file, acked, byId, `after ${signal} at ${killAt} acknowledgements`);
    report.push(`${signal} at ${acked.size} acks (+${acked.size - before} this phase): ${failed.length} in flight or refused, `
      + `${processed - acked.size} committed but never acknowledged`);
  }

  // The last phase: everything not yet acknowledged, until done.
  const { failed } = await runPhase(server, queue, acked, outcomes, { killAt: null, limitMs: 3 * PHASE_LIMIT_MS });
  assert.deepEqual(failed.map((e) => e.svixId), [], 'without kills, every delivery is answered 200');
  assert.equal(acked.size, events.length, 'every event acknowledged in the end');
  assertDurable(file, acked, byId, 'at the end');
  const crashed = dumpDatabase(file);
  await server.close();
  assert.ok(outcomes.applied <= events.length);
  t.diagnostic(`${report.join('; ')}; outcomes ${JSON.stringify(outcomes)}; ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // The clean reference: the same events, in order, one at a time, to a fresh database.
  const clean = await startWebhookServer({ dir: mkdtempSync(path.join(dir, 'clean-')) });
  try {
    for (const event of events) expectOutcome(assert, await clean.post(event.svixId, event.payload), 'applied');
    assert.deepEqual(crashed, clean.dump(), 'the crashed-and-retried database equals a clean in-order delivery');
  } finally {
    await clean.close();
  }
  const finalUsers = crashed.users;
  assert.equal(finalUsers.length, USERS);
  assert.ok(finalUsers.every((u) => u.last_name === `Version${VERSIONS - 1}`));
});
