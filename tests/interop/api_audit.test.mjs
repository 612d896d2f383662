// GET /api/v1/audit-logs through the real binary: who may read which rows, every filter alone and
// combined, since/until as created_at bounds, and cursor pagination checked against the table itself
// (read with sqlite3 / psql): for every filter and page size, the pages concatenated are exactly the
// matching rows, newest first — no duplicate, no gap — also while new rows are being written, and
// when another process whose clock lags writes them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import {
  BIN, ISO_MS, cleanEnv, mapDatabaseUrl,
} from '../integration/fixture.mjs';
import { agent, expectProblem, startApiServer } from './api_harness.mjs';
import { userId } from './clerk_payloads.mjs';
import { query } from './db_state.mjs';

after(() => agent.destroy());

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let api;
let acme;
let globex;
let keys;        // acme's and globex's keys by role
const secrets = [];
before(async () => {
  api = await startApiServer();
  acme = await api.tenant('acme', [{ name: 'ada', role: 'org:admin' }, { name: 'bob', role: 'org:member' }, { name: 'cy', role: 'org:viewer' }]);
  globex = await api.tenant('globex', [{ name: 'gil', role: 'org:admin' }, { name: 'bob', role: 'org:member' }]);
  keys = { acme: {}, globex: {} };
  for (const role of ['ADMIN', 'MEMBER', 'VIEWER']) {
    keys.acme[role] = await api.apiKey(acme.orgClerkId, role);
    keys.globex[role] = await api.apiKey(globex.orgClerkId, role);
    secrets.push(keys.acme[role].key, keys.globex[role].key);
  }
  // Rows by several actors, in both organizations, over some milliseconds: sessions created and
  // updated by ADMIN keys, by users and by the platform key; a revoked key.
  // Clerk session ids are bound by the platform (an ADMIN key may not bind one); the ADMIN keys then
  // update those sessions, and create sessions of their own without one.
  for (const [tenant, who] of [[acme, 'bob'], [globex, 'bob'], [acme, 'cy']]) {
    for (let slot = 0; slot < 3; slot += 1) {
      const bound = await api.call('POST', '/api/v1/sessions', {
        body: { user_id: userId(who), organization_id: tenant.id, clerk_session_id: `sess_${who}_${tenant.orgClerkId}_${slot}` },
      });
      assert.equal(bound.status, 201, bound.text);
    }
    const key = tenant === acme ? keys.acme.ADMIN.key : keys.globex.ADMIN.key;
    const unbound = await api.call('POST', '/api/v1/sessions', { token: key, body: { user_id: userId(who) } });
    assert.equal(unbound.status, 201, unbound.text);
  }
  for (let round = 0; round < 6; round += 1) {
    for (const [tenant, who] of [[acme, 'bob'], [globex, 'bob'], [acme, 'cy']]) {
      const key = tenant === acme ? keys.acme.ADMIN.key : keys.globex.ADMIN.key;
      const answer = await api.call('POST', '/api/v1/sessions', {
        token: key, body: { user_id: userId(who), clerk_session_id: `sess_${who}_${tenant.orgClerkId}_${round % 3}`, metadata: { round } },
      });
      assert.ok([200, 201].includes(answer.status), answer.text);
    }
    const own = await api.call('POST', '/api/v1/sessions', { token: await api.token('ada', { sid: 'sess_ada' }), body: { organization_id: acme.orgClerkId, metadata: { round } } });
    assert.ok([200, 201].includes(own.status), own.text);
    await sleep(15);
  }
  const platform = await api.call('POST', '/api/v1/sessions', { body: { user_id: userId('gil'), organization_id: globex.id } });
  assert.equal(platform.status, 201, platform.text);
  const revoke = await api.call('DELETE', `/api/v1/organizations/${acme.orgClerkId}/api-keys/${keys.acme.VIEWER.id}`);
  assert.ok([200, 204].includes(revoke.status), revoke.text);
});
after(async () => { await api.close(); });

// Every row of the table, newest first, as the API should show them.
function tableRows() {
  const rows = query(api.file, 'SELECT id, organization_id, actor_type, actor_id, action, target_type, target_id, changes, ip, user_agent, request_id, client_id, created_at FROM audit_logs');
  return rows.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

async function allPages(search, { token, limit, between } = {}) {
  const rows = [];
  let cursor = null;
  for (let pages = 0; pages < 1000; pages += 1) {
    const params = new URLSearchParams(search);
    params.set('limit', String(limit));
    if (cursor) params.set('cursor', cursor);
    const answer = await api.call('GET', `/api/v1/audit-logs?${params}`, { token });
    assert.equal(answer.status, 200, `${params}: ${answer.text}`);
    rows.push(...answer.json.data);
    cursor = answer.json.next_cursor;
    if (cursor === null) return rows;
    assert.equal(answer.json.data.length, limit, 'only the last page is short');
    if (between) await between();
  }
  throw new Error('too many pages');
}

const idsOf = (rows) => rows.map((row) => row.id);
const iso = (ms) => new Date(ms).toISOString();

test('a row: every column, changes as an object, times in ISO-8601, no secret anywhere', async () => {
  const answer = await api.call('GET', '/api/v1/audit-logs?limit=200');
  assert.equal(answer.status, 200, answer.text);
  const table = new Map(tableRows().map((row) => [row.id, row]));
  assert.ok(answer.json.data.length >= 30, `${answer.json.data.length} rows`);
  for (const row of answer.json.data) {
    assert.deepEqual(Object.keys(row).sort(), ['action', 'actor_id', 'actor_type', 'changes', 'client_id', 'created_at', 'id',
      'ip', 'organization_id', 'request_id', 'target_id', 'target_type', 'updated_at', 'user_agent']);
    const stored = table.get(row.id);
    assert.ok(stored, row.id);
    assert.equal(row.created_at, iso(stored.created_at));
    assert.match(row.created_at, ISO_MS);
    assert.equal(row.updated_at, row.created_at);
    assert.equal(typeof row.changes, 'object');
    assert.deepEqual(row.changes, JSON.parse(stored.changes));
    for (const field of ['organization_id', 'actor_type', 'actor_id', 'action', 'target_type', 'target_id', 'ip', 'user_agent', 'request_id', 'client_id']) {
      assert.equal(row[field], stored[field], field);
    }
    assert.match(row.action, /^[a-z_]+\.[a-z_]+$/);
  }
  const text = answer.text;
  for (const secret of [...secrets, api.bootstrapKey]) assert.ok(!text.includes(secret), 'an API key secret in the audit trail');
  assert.ok(!text.includes('key_hash'));
  const actions = new Set(answer.json.data.map((row) => row.action));
  for (const action of ['organization.created', 'user.created', 'organization_membership.created', 'api_key.created',
    'api_key.revoked', 'session.created', 'session.updated']) assert.ok(actions.has(action), action);
});

test('pagination: for every filter and page size, the pages are exactly the matching rows, newest first', async () => {
  const table = tableRows();
  const sessionTarget = table.find((row) => row.action === 'session.updated').target_id;
  const adaId = table.find((row) => row.action === 'session.created' && row.actor_type === 'user').actor_id;
  // Time bounds in the middle of the session rows (distinct times, a few milliseconds apart).
  const times = [...new Set(table.filter((row) => row.action.startsWith('session.')).map((row) => row.created_at))].sort((a, b) => a - b);
  assert.ok(times.length >= 6, 'rows spread over several milliseconds');
  const since = times[Math.floor(times.length / 4)];
  const until = times[Math.floor((3 * times.length) / 4)];

  const filters = [
    [{}, () => true],
    [{ organization_id: acme.orgClerkId }, (row) => row.organization_id === acme.id],
    [{ organization_id: globex.id }, (row) => row.organization_id === globex.id],
    [{ action: 'session.created' }, (row) => row.action === 'session.created'],
    [{ actor_id: keys.acme.ADMIN.id }, (row) => row.actor_id === keys.acme.ADMIN.id],
    [{ actor_id: userId('ada') }, (row) => row.actor_id === adaId],
    [{ target_id: sessionTarget }, (row) => row.target_id === sessionTarget],
    [{ target_id: acme.orgClerkId }, (row) => row.target_id === acme.id],
    [{ organization_id: acme.id, action: 'session.updated' }, (row) => row.organization_id === acme.id && row.action === 'session.updated'],
    [{ action: 'session.created', actor_id: keys.globex.ADMIN.id }, (row) => row.action === 'session.created' && row.actor_id === keys.globex.ADMIN.id],
    [{ since: iso(since) }, (row) => row.created_at >= since],
    [{ until: iso(until) }, (row) => row.created_at < until],
    [{ since: iso(since), until: iso(until) }, (row) => row.created_at >= since && row.created_at < until],
    [{ organization_id: acme.orgClerkId, action: 'session.updated', since: iso(since), until: iso(until) },
      (row) => row.organization_id === acme.id && row.action === 'session.updated' && row.created_at >= since && row.created_at < until],
    [{ target_id: sessionTarget, since: iso(since) }, (row) => row.target_id === sessionTarget && row.created_at >= since],
    [{ action: 'no.such_action' }, () => false],
    [{ since: iso(until), until: iso(until) }, () => false],
  ];
  for (const [search, keep] of filters) {
    const expected = idsOf(table.filter(keep));
    if (!['no.such_action'].includes(search.action) && search.since !== search.until) assert.ok(expected.length > 0, `${JSON.stringify(search)} matches rows`);
    for (const limit of [1, 4, 200]) {
      const got = idsOf(await allPages(search, { limit }));
      assert.deepEqual(got, expected, `${JSON.stringify(search)} limit ${limit}`);
    }
  }
  // A time zone offset means the same instant.
  const shifted = new Date(since + 2 * 3600_000).toISOString().replace('Z', '+02:00');
  assert.deepEqual(idsOf(await allPages({ since: shifted }, { limit: 200 })), idsOf(table.filter((row) => row.created_at >= since)));
});

test('pagination while rows are being written: new rows are newer and never shift the pages already read', async () => {
  const before = idsOf(tableRows());
  const token = await api.token('ada', { sid: 'sess_ada_busy' });
  let n = 0;
  const got = await allPages({}, {
    limit: 5,
    between: async () => {
      const answer = await api.call('POST', '/api/v1/sessions', { token, body: { metadata: { n: n += 1 } } });
      assert.ok([200, 201].includes(answer.status), answer.text);
    },
  });
  assert.ok(n >= 5, 'rows were written between the pages');
  assert.deepEqual(idsOf(got), before, 'exactly the rows there when the first page was read');
});

test('an organization ADMIN reads its own rows only; MEMBER and VIEWER may not; another organization is 404', async () => {
  const table = tableRows();
  const acmeRows = idsOf(table.filter((row) => row.organization_id === acme.id));
  const adminKey = keys.acme.ADMIN.key;
  assert.deepEqual(idsOf(await allPages({}, { token: adminKey, limit: 7 })), acmeRows, 'ADMIN key: its organization');
  assert.deepEqual(idsOf(await allPages({ organization_id: acme.orgClerkId }, { token: adminKey, limit: 50 })), acmeRows);
  assert.deepEqual(idsOf(await allPages({ organization_id: acme.id, action: 'api_key.created' }, { token: adminKey, limit: 2 })),
    idsOf(table.filter((row) => row.organization_id === acme.id && row.action === 'api_key.created')));
  // Filters never reach outside: another organization's actor shows nothing here.
  assert.deepEqual(await allPages({ actor_id: keys.globex.ADMIN.id }, { token: adminKey, limit: 5 }), []);
  const adaAdmin = await api.token('ada', { org: { id: acme.orgClerkId, role: 'org:admin' } });
  assert.deepEqual(idsOf(await allPages({}, { token: adaAdmin, limit: 200 })), acmeRows, 'ADMIN user: its organization');

  for (const token of [adminKey, adaAdmin]) {
    expectProblem(assert, await api.call('GET', `/api/v1/audit-logs?organization_id=${globex.orgClerkId}`, { token }), 404, 'another organization');
    expectProblem(assert, await api.call('GET', `/api/v1/audit-logs?organization_id=${globex.id}`, { token }), 404, 'another organization (internal id)');
    expectProblem(assert, await api.call('GET', '/api/v1/audit-logs?organization_id=org_2doesnotexist000000000000', { token }), 404, 'unknown');
  }
  const refused = [
    keys.acme.MEMBER.key,
    await api.token('bob', { org: { id: acme.orgClerkId, role: 'org:admin' } }),  // MEMBER by membership
    await api.token('cy', { org: { id: acme.orgClerkId, role: 'org:viewer' } }),
  ];
  for (const token of refused) {
    expectProblem(assert, await api.call('GET', '/api/v1/audit-logs', { token }), 403);
    expectProblem(assert, await api.call('GET', `/api/v1/audit-logs?organization_id=${acme.orgClerkId}`, { token }), 403);
  }
  // A user with no active organization: 403; any organization named does not exist for them.
  const loose = await api.token('bob', { sid: 'sess_nobody' });
  expectProblem(assert, await api.call('GET', '/api/v1/audit-logs', { token: loose }), 403);
  expectProblem(assert, await api.call('GET', `/api/v1/audit-logs?organization_id=${acme.orgClerkId}`, { token: loose }), 404);
  expectProblem(assert, await api.call('GET', '/api/v1/audit-logs', { token: keys.acme.VIEWER.key }), 401, 'the revoked key');
  expectProblem(assert, await api.call('GET', '/api/v1/audit-logs', { token: null }), 401);
  // The platform admin: any organization; an unknown one is 404 for it too.
  assert.equal((await api.call('GET', `/api/v1/audit-logs?organization_id=${globex.orgClerkId}`)).status, 200);
  expectProblem(assert, await api.call('GET', '/api/v1/audit-logs?organization_id=org_2doesnotexist000000000000'), 404);
});

test('bad since/until/limit/cursor/filters → 400, never 5xx', async () => {
  const bad = [
    'since=yesterday', 'until=2024-13-01T00:00:00Z', 'since=2024-01-01T25:00:00Z', 'since=1716883200000',
    'since=2024-02-01T00:00:00Z&until=2024-01-01T00:00:00Z', 'limit=0', 'limit=201', 'limit=ten', 'limit=1.5',
    'limit=-3', 'cursor=not*base64', 'cursor=bm90LWEtdXVpZA', `cursor=${'A'.repeat(400)}`, 'action=drop%20table',
    'actor_id=%FF%FE', `target_id=${'x'.repeat(200)}`, 'organization_id=%00', `since=${'9'.repeat(100)}`,
  ];
  for (const search of bad) expectProblem(assert, await api.call('GET', `/api/v1/audit-logs?${search}`), 400, search);
  // Far-away but valid bounds are fine.
  const far = await api.call('GET', '/api/v1/audit-logs?since=1970-01-01T00:00:00Z&until=9999-12-31T23:59:59.999Z&limit=1');
  assert.equal(far.status, 200, far.text);
  assert.equal(far.json.data.length, 1);
  const empty = await api.call('GET', '/api/v1/audit-logs?until=1970-01-01T00:00:00Z');
  assert.deepEqual(empty.json, { data: [], next_cursor: null });
});

// faketime works by LD_PRELOAD: it cannot reach a static binary (no dynamic loader), and beside
// AddressSanitizer libfaketime's start-up meets ASan's interceptors (a double free inside
// libfaketime). Those builds run the same code; the plain build runs this test.
function faketimeCannotApply() {
  if (process.env.ASAN_OPTIONS) return 'an AddressSanitizer build: libfaketime and ASan interpose the same calls';
  const ldd = spawnSync('ldd', [BIN], { encoding: 'utf8' });
  if (ldd.status !== 0 || /not a dynamic executable|statically linked/.test(`${ldd.stdout}${ldd.stderr}`)) {
    return 'a static binary: LD_PRELOAD cannot reach it';
  }
  return false;
}

test('a writer whose clock lags ten minutes commits rows that sort after every row already read: a tail by id misses none', {
  skip: faketimeCannotApply(),
}, async () => {
  const [newest] = (await api.call('GET', '/api/v1/audit-logs?limit=1')).json.data;
  // Another process on the same database (a second instance, or the CLI next to serve), with a
  // clock behind: its ids, by its clock, would sort below rows already read.
  const lagging = spawnSync('faketime', ['-f', '-10m', BIN, 'apikey', 'create', '--platform', '--name', 'lagging clock',
    '--json', '--database', mapDatabaseUrl(`file:${api.file}`)], { env: cleanEnv(), encoding: 'utf8', timeout: 20000 });
  assert.equal(lagging.status, 0, lagging.stderr);
  const { id: keyId } = JSON.parse(lagging.stdout);

  const tail = [];
  for (const row of (await api.call('GET', '/api/v1/audit-logs?limit=200')).json.data) {
    if (row.id <= newest.id) break;
    tail.push(row);
  }
  const created = tail.find((row) => row.action === 'api_key.created' && row.target_id === keyId);
  assert.ok(created, `the lagging writer's row is above the newest row read before: ${JSON.stringify(tail)}`);
  // created_at stays the writer's own time; since/until still find the row by it.
  assert.ok(Date.parse(created.created_at) < Date.parse(newest.created_at), 'created_at is the lagging clock\'s');
  const around = new URLSearchParams({
    since: created.created_at, until: new Date(Date.parse(created.created_at) + 1).toISOString(), action: 'api_key.created',
  });
  const found = await api.call('GET', `/api/v1/audit-logs?${around}`);
  assert.deepEqual(found.json.data.map((row) => row.id), [created.id]);
});
