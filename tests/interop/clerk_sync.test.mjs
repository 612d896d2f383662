// `mcp-admin clerk sync` (README "Already have users?") through the real binary against a stand-in for Clerk's
// Backend API (clerk_backend_standin.mjs: Clerk's shapes, paging, 429/500/dropped connections).
// The end state is compared, table by table, with what the same objects delivered as webhooks
// (signed by the real svix package) give. Both engines (MCP_ADMIN_TEST_ENGINE=postgres).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  BIN, ENGINE, cleanEnv, mapDatabaseUrl, run, startServer, tempDir,
} from '../integration/fixture.mjs';
import {
  agent, envelope, membershipId, orgId, pool, prng, shuffle, userId,
} from './clerk_payloads.mjs';
import { startClerkStandin } from './clerk_backend_standin.mjs';
import { world } from './clerk_world.mjs';
import { auditRows, count, dumpDatabase, fullState, openTransaction, query, waitsOn } from './db_state.mjs';
import { expectOutcome, startWebhookServer } from './harness.mjs';

after(() => agent.destroy());

const SECRET_KEY = 'sk_test_standinSecretKey0123456789abcdefABCDEF';

// Runs the binary to completion without blocking the event loop (the stand-in answers meanwhile).
function mcpAdmin(args, { env = {}, timeoutMs = 180000 } = {}) {
  const mapped = args.map((arg, idx) => (idx > 0 && args[idx - 1] === '--database' ? mapDatabaseUrl(arg) : arg));
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, mapped, { env: cleanEnv({ LOG_FORMAT: 'json', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

function sync(standin, file, flags = [], { secret = SECRET_KEY, env = {} } = {}) {
  return mcpAdmin(['clerk', 'sync', '--json', ...flags, '--database', `file:${file}`],
    { env: { CLERK_SECRET_KEY: secret, CLERK_API_URL: standin.url, ...env } });
}

function summaryOf(result) {
  assert.equal(result.status, 0, `clerk sync failed (${result.status}): ${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1));
}

// The dump without webhook_events (the webhook side has its inbox, the sync side has none).
function identities(file) {
  const { webhook_events: _inbox, ...rest } = dumpDatabase(file);
  return rest;
}

function workspace(t) {
  const tmp = tempDir('mcp-admin-clerk-sync-');
  t.after(() => tmp.cleanup());
  return (name) => path.join(tmp.dir, name);
}

// What Clerk would have sent while the objects came to be: one *.created event per object.
function asWebhooks(clerk) {
  return [
    ...clerk.organizations.map((o) => envelope('organization.created', o)),
    ...clerk.users.map((u) => envelope('user.created', u)),
    ...clerk.memberships.map((m) => envelope('organizationMembership.created', m)),
  ];
}

test('a first sync gives what the same objects as webhooks give; a second changes nothing and writes no audit row', async (t) => {
  const at = workspace(t);
  const clerk = world({ users: 2000, organizations: 100 });
  const total = clerk.users.length + clerk.organizations.length + clerk.memberships.length;
  const standin = await startClerkStandin({
    secret: SECRET_KEY,
    ...clerk,
    faults: [
      { path: '/v1/organizations', nth: 1, kind: '500' },
      { path: '/v1/users', nth: 3, kind: '429', retryAfter: 1 },
      { path: '/v1/users', nth: 5, kind: 'drop' },
      { path: '/v1/organization_memberships', nth: 2, kind: '503' },
    ],
  });
  t.after(() => standin.close());

  const synced = at('synced.db');
  const first = summaryOf(await sync(standin, synced));
  assert.equal(standin.faultsUsed(), 4, 'every injected fault was met');
  assert.equal(first.ok, true);
  assert.equal(first.read, total);
  assert.equal(first.applied, total);
  assert.equal(first.unchanged, 0);
  assert.ok(first.retries >= 4, `retried the 429, the 500, the 503 and the dropped connection: ${JSON.stringify(first)}`);
  const listings = standin.requests.filter((r) => /^\/v1\/(users|organizations|organization_memberships)$/.test(r.path));
  assert.ok(listings.length >= Math.ceil(2000 / 500) + 1, 'paged');
  for (const r of listings) assert.match(r.query, /[?&]limit=500(&|$)/, `pages of 500: ${r.path}${r.query}`);
  assert.ok(listings.some((r) => /offset=1500/.test(r.query) && r.path === '/v1/users'), 'paged by offset');

  const audit = auditRows(synced);
  assert.equal(audit.length, first.changes, 'one audit row per change');
  assert.ok(audit.every((row) => row.actor_type === 'system' && row.actor_id === 'clerk-sync'), 'actor system/clerk-sync');

  // The same objects as signed webhooks, delivered in a shuffled order, to another database.
  const hooked = at('hooked.db');
  const server = await startWebhookServer({ file: hooked });
  const events = shuffle(asWebhooks(clerk), prng(12));
  await pool(events, 16, async (event, idx) => expectOutcome(assert, await server.post(`msg_${idx}`, event), 'applied'));
  await server.close();
  assert.deepEqual(identities(synced), identities(hooked), 'the same users, organizations and memberships, column by column');
  assert.equal(count(synced, 'users'), 2000);
  assert.equal(count(synced, 'organization_memberships'), clerk.memberships.length);

  const before = fullState(synced);
  const second = summaryOf(await sync(standin, synced));
  assert.equal(second.applied, 0, JSON.stringify(second));
  assert.equal(second.changes, 0);
  assert.equal(second.unchanged, total);
  assert.deepEqual(fullState(synced), before, 'a second run writes nothing, not even an audit row');
});

test('--dry-run writes nothing; --prune soft-deletes what Clerk no longer has, with the webhooks\' cascades', async (t) => {
  const at = workspace(t);
  const clerk = world({ users: 60, organizations: 6 });
  const standin = await startClerkStandin({ secret: SECRET_KEY, ...clerk });
  t.after(() => standin.close());
  const file = at('prune.db');

  const dry = summaryOf(await sync(standin, file, ['--dry-run']));
  assert.equal(dry.dry_run, true);
  assert.equal(dry.applied, 60 + 6 + clerk.memberships.length);
  assert.ok(dry.would_change.some((line) => line === `users ${userId('u7')}: user.created`), dry.would_change.slice(0, 3).join('\n'));
  assert.equal(count(file, 'users'), 0, 'a dry run writes nothing');
  assert.equal(count(file, 'audit_logs'), 0);

  summaryOf(await sync(standin, file));
  // An API key of the organization that Clerk is about to lose: revoked by the cascade.
  const doomedOrg = clerk.organizations[2];
  const key = await mcpAdmin(['apikey', 'create', '--org', doomedOrg.id, '--name', 'ci', '--database', `file:${file}`]);
  assert.equal(key.status, 0, key.stderr);

  // Clerk loses one organization (and its memberships), three users (and theirs), two more memberships.
  const goneUsers = [clerk.users[5], clerk.users[17], clerk.users[40]].map((u) => u.id);
  const isGone = (m) => m.organization.id === doomedOrg.id || goneUsers.includes(m.public_user_data.user_id);
  const cascaded = clerk.memberships.filter(isGone).map((m) => m.id);
  const kept = clerk.memberships.filter((m) => !isGone(m));
  const goneMemberships = [kept[3].id, kept[30].id];
  clerk.organizations.splice(2, 1);
  for (const id of goneUsers) clerk.users.splice(clerk.users.findIndex((u) => u.id === id), 1);
  const remaining = kept.filter((m) => !goneMemberships.includes(m.id));
  clerk.memberships.splice(0, clerk.memberships.length, ...remaining);

  const before = fullState(file);
  const dryPrune = summaryOf(await sync(standin, file, ['--dry-run', '--prune']));
  assert.equal(dryPrune.pruned, 1 + 3 + 2);
  assert.ok(dryPrune.would_change.some((line) => line.startsWith(`prune organizations ${doomedOrg.id}: organization.deleted`)));
  assert.deepEqual(fullState(file), before, 'a dry run of --prune writes nothing');

  const plain = summaryOf(await sync(standin, file));
  assert.equal(plain.pruned, 0, 'without --prune nothing is deleted');
  assert.deepEqual(fullState(file), before);

  const pruned = summaryOf(await sync(standin, file, ['--prune']));
  assert.equal(pruned.pruned, 6, JSON.stringify(pruned));
  const organization = query(file, `SELECT deleted_at FROM organizations WHERE clerk_id = '${doomedOrg.id}'`)[0];
  assert.ok(organization.deleted_at, 'the organization is soft-deleted');
  for (const id of goneUsers) assert.ok(query(file, `SELECT deleted_at FROM users WHERE clerk_id = '${id}'`)[0].deleted_at);
  for (const id of [...cascaded, ...goneMemberships]) {
    assert.ok(query(file, `SELECT deleted_at FROM organization_memberships WHERE clerk_id = '${id}'`)[0].deleted_at, id);
  }
  const liveMemberships = Number(query(file, 'SELECT count(*) AS n FROM organization_memberships WHERE deleted_at IS NULL')[0].n);
  assert.equal(liveMemberships, remaining.length);
  const keys = query(file, `SELECT k.revoked_at FROM api_keys k JOIN organizations o ON o.id = k.organization_id WHERE o.clerk_id = '${doomedOrg.id}'`);
  assert.ok(keys.length === 1 && keys[0].revoked_at, 'its API key is revoked, as organization.deleted does');
  const rows = auditRows(file).filter((row) => row.actor_id === 'clerk-sync' && /deleted|revoked/.test(row.action));
  assert.ok(rows.some((row) => row.action === 'api_key.revoked'));

  const afterPrune = fullState(file);
  const again = summaryOf(await sync(standin, file, ['--prune']));
  assert.equal(again.pruned, 0);
  assert.equal(again.changes, 0);
  assert.deepEqual(fullState(file), afterPrune, 'a second --prune changes nothing');

  // A tombstone is never revived: Clerk listing the user again does not make it live here.
  clerk.users.push((await import('./clerk_world.mjs')).world({ users: 41, organizations: 1 }).users[40]);
  summaryOf(await sync(standin, file));
  assert.ok(query(file, `SELECT deleted_at FROM users WHERE clerk_id = '${goneUsers[2]}'`)[0].deleted_at);
});

test('a sync racing webhooks ends in the state the newest updated_at of each object gives', async (t) => {
  const at = workspace(t);
  const clerk = world({ users: 600, organizations: 20, memberships: 600 });
  const standin = await startClerkStandin({ secret: SECRET_KEY, ...clerk });
  t.after(() => standin.close());
  const file = at('race.db');
  const server = await startWebhookServer({ file });
  t.after(() => server.close());

  // Webhooks for the same users while the sync runs: half newer than what Clerk lists, half older.
  const newer = clerk.users.slice(0, 150).map((u) => ({ ...u, first_name: `Newer${u.first_name}`, updated_at: u.updated_at + 5000 }));
  const older = clerk.users.slice(150, 300).map((u) => ({ ...u, first_name: `Older${u.first_name}`, updated_at: u.updated_at - 5000 }));
  const deliveries = shuffle([...newer.map((u) => envelope('user.updated', u)), ...older.map((u) => envelope('user.updated', u))], prng(3));
  const [result] = await Promise.all([
    sync(standin, file),
    pool(deliveries, 8, async (event, idx) => expectOutcome(assert, await server.post(`race_${idx}`, event), 'applied')),
  ]);
  summaryOf(result);

  const names = new Map(query(file, 'SELECT clerk_id, first_name, clerk_updated_at FROM users').map((r) => [r.clerk_id, r]));
  for (const u of newer) assert.equal(names.get(u.id).first_name, u.first_name, 'the webhook was newer');
  for (const u of clerk.users.slice(150)) {
    assert.equal(names.get(u.id).first_name, u.first_name, 'Clerk\'s listing was newer');
    assert.equal(Number(names.get(u.id).clerk_updated_at), u.updated_at);
  }
});

test('on PostgreSQL, webhooks creating the users a sync page is inserting cost that page nothing', {
  skip: ENGINE !== 'postgres' && 'a race between writer connections: PostgreSQL only (SQLite has one writer)',
}, async (t) => {
  const at = workspace(t);
  const clerk = world({ users: 20, organizations: 2 });
  const standin = await startClerkStandin({ secret: SECRET_KEY, ...clerk });
  t.after(() => standin.close());
  const file = at('held.db');
  const migrated = await mcpAdmin(['migrate', '--database', `file:${file}`]);
  assert.equal(migrated.status, 0, migrated.stderr);

  // Six other writers have each inserted one of the page's users and not committed yet: the sync's
  // insert of that user waits for them, and is refused once they commit. Three wrote older data
  // than Clerk lists, three newer.
  const held = clerk.users.slice(0, 6).map((u, k) => ({
    user: u, first_name: `Held${k}`, updated_at: u.updated_at + (k % 2 === 0 ? -1000 : 1000),
  }));
  const writers = await Promise.all(held.map((h, k) => openTransaction(file,
    `INSERT INTO users (id, clerk_id, first_name, metadata, clerk_updated_at, created_at, updated_at) ` +
    `VALUES ('held_${k}', '${h.user.id}', '${h.first_name}', '{}', ${h.updated_at}, 1, 1);`)));
  t.after(() => writers.forEach((w) => w.kill()));

  const running = sync(standin, file);
  let finished = null;
  running.then((result) => { finished = result; });
  // Each time the sync waits on one of the writers, that writer commits: six refusals in a row.
  const deadline = Date.now() + 60000;
  const committed = new Set();
  while (!finished && Date.now() < deadline) {
    const waits = query(file, "SELECT pg_blocking_pids(pid) AS blockers FROM pg_stat_activity WHERE wait_event_type = 'Lock'");
    for (const writer of writers) {
      if (!committed.has(writer.pid) && waits.some((w) => w.blockers.includes(writer.pid))) {
        committed.add(writer.pid);
        writer.commit();
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const result = await running;
  assert.equal(committed.size, held.length, 'the sync waited on every writer');
  summaryOf(result);

  const users = new Map(query(file, 'SELECT clerk_id, first_name, clerk_updated_at FROM users').map((r) => [r.clerk_id, r]));
  assert.equal(users.size, clerk.users.length);
  for (const h of held) {
    const newer = h.updated_at > h.user.updated_at;
    assert.equal(users.get(h.user.id).first_name, newer ? h.first_name : h.user.first_name,
      newer ? 'the other writer\'s data was newer' : 'Clerk\'s listing was newer');
  }
  for (const u of clerk.users.slice(6)) assert.equal(users.get(u.id).first_name, u.first_name);
});

// A client tailing the audit trail: reads newest first, page by page, down to the newest id it saw
// last time, and returns the rows above it (README "Audit logs").
async function auditTail(server, key, seenId) {
  const rows = [];
  let cursor = null;
  for (let page = 0; page < 50; page += 1) {
    const response = await fetch(`${server.url}/api/v1/audit-logs?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      { headers: { authorization: `Bearer ${key}` } });
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    for (const row of body.data) {
      if (seenId && row.id <= seenId) return rows;
      rows.push(row);
    }
    cursor = body.next_cursor;
    if (!cursor) return rows;
  }
  throw new Error('the audit tail did not end in 50 pages');
}

test('audit rows a sync page wrote before another instance\'s later ones sort after them once committed: a tail by id misses none', {
  skip: ENGINE !== 'postgres' && 'two writers in flight at once: PostgreSQL only (SQLite\'s write transactions exclude each other)',
}, async (t) => {
  const at = workspace(t);
  const clerk = world({ users: 20, organizations: 2 });
  const standin = await startClerkStandin({ secret: SECRET_KEY, ...clerk });
  t.after(() => standin.close());
  const file = at('tail.db');
  const migrated = await mcpAdmin(['migrate', '--database', `file:${file}`]);
  assert.equal(migrated.status, 0, migrated.stderr);
  const created = run(['apikey', 'create', '--platform', '--name', 'tail', '--json', '--database', `file:${file}`]);
  assert.equal(created.status, 0, created.stderr);
  const { key } = JSON.parse(created.stdout);
  const server = await startServer({ args: ['--port', '0', '--database', `file:${file}`] });
  t.after(() => server.stop());

  // Another writer holds one user of the page uncommitted: the sync's page has written the audit
  // rows of the users before it, and waits.
  const heldUser = clerk.users[10];
  const writer = await openTransaction(file,
    `INSERT INTO users (id, clerk_id, first_name, metadata, clerk_updated_at, created_at, updated_at) ` +
    `VALUES ('held', '${heldUser.id}', 'Held', '{}', ${heldUser.updated_at - 1000}, 1, 1);`);
  t.after(() => writer.kill());
  const running = sync(standin, file);
  let finished = null;
  running.then((result) => { finished = result; });
  const deadline = Date.now() + 60000;
  while (!finished && !waitsOn(file, writer.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(finished, null, 'the sync waited on the held user');

  // Meanwhile the server commits a change, and a client tailing the trail reads it as the newest.
  const org = await fetch(`${server.url}/api/v1/organizations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Committed Meanwhile', slug: 'committed-meanwhile' }),
  });
  assert.equal(org.status, 201, await org.text());
  const [newest] = await auditTail(server, key, null);
  assert.equal(newest.action, 'organization.created');

  writer.commit();
  summaryOf(await running);
  // Every user the sync wrote is in the tail after that newest row, those it wrote before the
  // server's change too.
  const tail = await auditTail(server, key, newest.id);
  const usersInTail = new Set(tail.filter((row) => row.action.startsWith('user.')).map((row) => row.changes.after?.clerk_id));
  const missed = clerk.users.filter((u) => !usersInTail.has(u.id)).map((u) => clerk.users.indexOf(u));
  assert.deepEqual(missed, [], 'users whose audit rows a tail by id missed (index in the page)');
});

test('a bad secret is one clear error line and exit 1; a missing one or a plain-http API is a usage error', async (t) => {
  const at = workspace(t);
  const clerk = world({ users: 3, organizations: 1 });
  const standin = await startClerkStandin({ secret: SECRET_KEY, ...clerk });
  t.after(() => standin.close());
  const file = at('bad.db');
  const wrong = 'sk_test_thisIsNotTheKeyXYZ0123456789';
  const result = await mcpAdmin(['clerk', 'sync', '--database', `file:${file}`],
    { env: { CLERK_SECRET_KEY: wrong, CLERK_API_URL: standin.url } });
  assert.equal(result.status, 1, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${result.stderr}`);
  assert.match(lines[0], /^mcp-admin clerk: .*Clerk refused the secret key \(HTTP 401, clerk_key_invalid.*CLERK_SECRET_KEY/);
  assert.ok(!result.stderr.includes(wrong) && !result.stdout.includes(wrong), 'the key is never printed');
  assert.equal(standin.requests.length, 1, 'a refused key is not retried');

  const missing = await mcpAdmin(['clerk', 'sync', '--database', `file:${file}`], { env: { CLERK_API_URL: standin.url } });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr.trim(), /^mcp-admin: clerk sync: CLERK_SECRET_KEY is not set/);
  const http = await mcpAdmin(['clerk', 'sync', '--database', `file:${file}`],
    { env: { CLERK_SECRET_KEY: SECRET_KEY, CLERK_API_URL: 'http://api.example.com' } });
  assert.equal(http.status, 2);
  assert.match(http.stderr, /CLERK_API_URL .*use https/);
  const flag = await mcpAdmin(['clerk', 'sync', '--bogus']);
  assert.equal(flag.status, 2);
  // Other commands do not ask for the secret.
  const other = await mcpAdmin(['migrate', '--database', `file:${file}`]);
  assert.equal(other.status, 0, other.stderr);
  assert.equal(standin.requests.length, 1, 'nothing else reached Clerk');
});

// Runs of the background sync seen by the stand-in: a run starts with the first page of
// organizations and ends with the last (short) page of memberships. Returns [{start, end}].
function runsSeen(standin) {
  const runs = [];
  let open = [];
  for (const r of standin.requests) {
    if (r.path === '/v1/organizations' && /offset=0(&|$)/.test(r.query) && r.status === 200) open.push({ start: r.at });
    if (r.path === '/v1/organization_memberships' && r.status === 200 && r.items < 500) {
      const run = open.shift();
      if (run) runs.push({ ...run, end: r.at, overlapping: open.length });
    }
  }
  return { runs, unfinished: open.length };
}

test('serve --clerk-sync-every reconciles in the background, one instance at a time, and health and /metrics say how it went', async (t) => {
  const at = workspace(t);
  const clerk = world({ users: 40, organizations: 4 });
  const total = 40 + 4 + clerk.memberships.length;
  const standin = await startClerkStandin({ secret: SECRET_KEY, ...clerk, delayMs: 40 });
  t.after(() => standin.close());
  const file = at('background.db');
  const env = { CLERK_SECRET_KEY: SECRET_KEY, CLERK_API_URL: standin.url };
  // Several instances on one database is a PostgreSQL deployment; on SQLite one instance.
  const instances = [];
  for (let n = 0; n < (ENGINE === 'postgres' ? 2 : 1); n += 1) {
    const server = await startWebhookServer({ file, args: ['--clerk-sync-every', '2s'], env });
    t.after(() => server.close());
    instances.push(server);
  }
  const started = performance.now();

  let health;
  for (;;) {
    const response = await fetch(`${instances[0].server.url}/api/health`);
    health = await response.json();
    if (health.clerk_sync?.outcome === 'ok') break;
    assert.ok(performance.now() - started < 20000, `no finished background run: ${JSON.stringify(health)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(health.clerk_sync.counts, { read: total, applied: total, unchanged: 0, pruned: 0, invalid: 0, changes: health.clerk_sync.counts.changes });
  assert.match(health.clerk_sync.last_finished_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.equal(count(file, 'users'), 40);
  assert.ok(auditRows(file).every((row) => row.actor_id === 'clerk-sync'));

  // Let a few periods pass; then every instance reports the same last run, and runs never overlapped.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  for (const instance of instances) {
    const metrics = await (await fetch(`${instance.server.url}/metrics`)).text();
    assert.match(metrics, /^mcp_admin_clerk_sync_last_run_success 1$/m);
    assert.match(metrics, new RegExp(`^mcp_admin_clerk_sync_last_run_objects\\{kind="read"\\} ${total}$`, 'm'));
    assert.match(metrics, new RegExp(`^mcp_admin_clerk_sync_last_run_objects\\{kind="unchanged"\\} ${total}$`, 'm'), 'later runs change nothing');
    assert.match(metrics, /^mcp_admin_clerk_sync_last_run_timestamp_seconds \d+(\.\d+)?$/m);
  }
  const elapsedS = (performance.now() - started) / 1000;
  const { runs } = runsSeen(standin);
  assert.ok(runs.length >= 2, `ran again after its period: ${runs.length} runs`);
  assert.ok(runs.every((run) => run.overlapping === 0), 'never two runs at once');
  assert.ok(runs.length <= Math.ceil(elapsedS / 2) + 1, `one run per period across all instances: ${runs.length} runs in ${elapsedS.toFixed(1)} s`);
  t.diagnostic(`${instances.length} instance(s): ${runs.length} runs in ${elapsedS.toFixed(1)} s`);

  const noSecret = await mcpAdmin(['serve', '--port', '0', '--database', `file:${file}`, '--clerk-sync-every', '2s']);
  assert.equal(noSecret.status, 2);
  assert.match(noSecret.stderr, /--clerk-sync-every .*needs CLERK_SECRET_KEY/);
  const badEvery = await mcpAdmin(['serve', '--port', '0', '--database', `file:${file}`, '--clerk-sync-every', 'often'], { env });
  assert.equal(badEvery.status, 2);
  assert.match(badEvery.stderr, /MCP_ADMIN_CLERK_SYNC_EVERY 'often' is not a duration/);
});
