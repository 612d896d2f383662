// Clerk's session events (README "Connect Clerk"): session.created|pending|ended|removed|revoked, signed by
// the real svix package, keep `sessions` in step by clerk_session_id (staleness by updated_at, an
// ended session is a tombstone), and a Clerk session token (jose) whose session ended is refused by
// the admin API and by the gateway — within one second on every instance (two instances on one
// PostgreSQL when MCP_ADMIN_TEST_ENGINE=postgres).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ENGINE, tempDir } from '../integration/fixture.mjs';
import { agent, rsaKeys, startApiServer } from './api_harness.mjs';
import { T0, agent as webhookAgent, clerkId, envelope, orgId, userDeleted, userId } from './clerk_payloads.mjs';
import { auditRows, dumpDatabase } from './db_state.mjs';

after(() => {
  agent.destroy();
  webhookAgent.destroy();
});

const T = (n) => T0 + n * 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const PROPAGATION_MS = 1000;
const POLL_SLACK_MS = 150;

// A Clerk Session object as session.* events carry it.
function sessionEvent(type, { id, user, status, updatedAt, createdAt = T(0), organization = null }) {
  return envelope(type, {
    abandon_at: createdAt + 30 * 86400000,
    actor: null,
    client_id: clerkId('client', id),
    created_at: createdAt,
    expire_at: createdAt + 7 * 86400000,
    id,
    last_active_at: updatedAt,
    last_active_organization_id: organization,
    object: 'session',
    status,
    updated_at: updatedAt,
    user_id: userId(user),
  }, { timestamp: updatedAt });
}

const sessionRow = (file, id) => dumpDatabase(file).sessions.find((row) => row.clerk_session_id === id);

async function deliver(server, payload, outcome = 'applied') {
  const response = await server.post(server.nextSvixId(), payload);
  assert.equal(response.status, 200, response.text);
  assert.equal(response.json.outcome, outcome, response.text);
  return response;
}

// Polls until `instance` answers `status` for the credential at the gateway; returns the time it took.
async function gatewayTurns(instance, token, status, since) {
  for (;;) {
    const response = await instance.call('GET', '/api/v1/gateway/authorize?server=github', { token });
    const elapsed = performance.now() - since;
    if (response.status === status) return { elapsed, response };
    assert.equal(response.status, 200, response.text);
    assert.ok(elapsed <= PROPAGATION_MS + POLL_SLACK_MS, `still ${response.status} ${Math.round(elapsed)} ms after the event`);
    await sleep(20);
  }
}

test('session events keep sessions in step; a token of a session Clerk ended is refused by the API and the gateway', async (t) => {
  const tmp = tempDir('mcp-admin-clerk-sessions-');
  t.after(() => tmp.cleanup());
  const file = path.join(tmp.dir, 'sessions.db');
  const a = await startApiServer({ file });
  t.after(() => a.close());
  const org = await a.tenant('acme', [{ name: 'ada', role: 'org:admin' }, { name: 'bob', role: 'org:member' }]);
  assert.equal((await a.call('PUT', `/api/v1/organizations/${org.id}/services/github`, { body: { config: {} } })).status, 200);

  const sid = clerkId('sess', 'ada-laptop');
  const token = await a.token('ada', { sid, org: { id: org.orgClerkId, role: 'org:admin' } });
  const noEvents = await a.token('bob', { sid: clerkId('sess', 'never-told'), org: { id: org.orgClerkId } });

  await deliver(a, sessionEvent('session.created', { id: sid, user: 'ada', status: 'active', updatedAt: T(10), organization: orgId('acme') }));
  let row = sessionRow(file, sid);
  assert.deepEqual({ user: row.user, organization: row.organization, status: row.clerk_status, updated: row.clerk_updated_at, revoked: row.revoked_at, expires: row.expires_at },
    { user: userId('ada'), organization: orgId('acme'), status: 'active', updated: T(10), revoked: null, expires: T(0) + 7 * 86400000 });
  assert.equal((await a.call('GET', `/api/v1/organizations/${org.id}`, { token })).status, 200);
  assert.equal((await a.call('GET', '/api/v1/gateway/authorize?server=github', { token })).status, 200);

  // Older data changes nothing (staleness by updated_at), and writes no audit row.
  const auditBefore = auditRows(file).length;
  await deliver(a, sessionEvent('session.pending', { id: sid, user: 'ada', status: 'pending', updatedAt: T(5) }));
  assert.equal(sessionRow(file, sid).clerk_status, 'active');
  assert.equal(auditRows(file).length, auditBefore);

  // Revoked in Clerk: refused by the admin API at once, by the gateway within one second.
  for (let i = 0; i < 5; i += 1) assert.equal((await a.call('GET', '/api/v1/gateway/authorize?server=github', { token })).status, 200);
  const since = performance.now();
  await deliver(a, sessionEvent('session.revoked', { id: sid, user: 'ada', status: 'revoked', updatedAt: T(20), organization: orgId('acme') }));
  const refused = await a.call('GET', `/api/v1/organizations/${org.id}`, { token });
  assert.equal(refused.status, 401, refused.text);
  assert.match(refused.json.detail, /session has ended in Clerk \(revoked\)/);
  const { elapsed, response } = await gatewayTurns(a, token, 401, since);
  assert.match(response.json.detail, /session has ended/);
  t.diagnostic(`the gateway refused the revoked session ${Math.round(elapsed)} ms after the webhook`);
  row = sessionRow(file, sid);
  assert.deepEqual([row.clerk_status, row.revoked_at], ['revoked', T(20)]);
  const revokedRow = auditRows(file).at(-1);
  assert.deepEqual([revokedRow.action, revokedRow.actor_type, revokedRow.target_type], ['session.revoked', 'webhook', 'session']);

  // A tombstone: a later event saying active (even a newer one) never makes it live again.
  await deliver(a, sessionEvent('session.created', { id: sid, user: 'ada', status: 'active', updatedAt: T(30) }));
  row = sessionRow(file, sid);
  assert.deepEqual([row.clerk_status, row.revoked_at], ['revoked', T(20)]);
  assert.equal((await a.call('GET', `/api/v1/organizations/${org.id}`, { token })).status, 401);

  // A token whose session no event has named is judged as before (its user and membership).
  assert.equal((await a.call('GET', `/api/v1/organizations/${org.id}`, { token: noEvents })).status, 200);

  // Ended session and deleted user: one answer on both (src/domain/credentials.h, the user first).
  await deliver(a, userDeleted(userId('ada'), { timestamp: T(40) }));
  const admin = await a.call('GET', `/api/v1/organizations/${org.id}`, { token });
  const gateway = await gatewayTurns(a, token, 401, performance.now());
  assert.equal(admin.status, 401, admin.text);
  assert.match(admin.json.detail, /user has been deleted/);
  assert.equal(gateway.response.json.detail, admin.json.detail, 'the admin API and the gateway refuse alike');
});

test('session events in any order end as in-order delivery does', async (t) => {
  const tmp = tempDir('mcp-admin-clerk-sessions-order-');
  t.after(() => tmp.cleanup());
  const stories = {
    ended: [['session.created', 'active', 1], ['session.ended', 'ended', 2]],
    removed: [['session.pending', 'pending', 1], ['session.created', 'active', 2], ['session.removed', 'removed', 3]],
  };
  const ends = [];
  for (const order of ['forward', 'backward']) {
    const file = path.join(tmp.dir, `${order}.db`);
    const s = await startApiServer({ file });
    await s.tenant('initech', [{ name: 'cy', role: 'org:member' }]);
    for (const [name, events] of Object.entries(stories)) {
      const sequence = order === 'forward' ? events : [...events].reverse();
      for (const [type, status, n] of sequence) {
        await deliver(s, sessionEvent(type, { id: clerkId('sess', name), user: 'cy', status, updatedAt: T(n), organization: orgId('initech') }));
      }
    }
    // A session of a user not seen yet: the user is created from the id (a later user.* completes it).
    await deliver(s, sessionEvent('session.created', { id: clerkId('sess', 'newcomer'), user: 'zed', status: 'active', updatedAt: T(1) }));
    const dump = dumpDatabase(file);
    ends.push({ sessions: dump.sessions, users: dump.users });
    await s.close();
  }
  assert.deepEqual(ends[1], ends[0]);
  const byId = Object.fromEntries(ends[0].sessions.map((row) => [row.clerk_session_id, row]));
  assert.deepEqual([byId[clerkId('sess', 'ended')].clerk_status, byId[clerkId('sess', 'ended')].revoked_at], ['ended', T(2)]);
  assert.deepEqual([byId[clerkId('sess', 'removed')].clerk_status, byId[clerkId('sess', 'removed')].revoked_at], ['removed', T(3)]);
  assert.equal(byId[clerkId('sess', 'newcomer')].user, userId('zed'));
});

describe('a session ended through one instance, on two instances of one PostgreSQL', {
  skip: ENGINE === 'postgres' ? false : 'needs MCP_ADMIN_TEST_ENGINE=postgres: two instances share one schema',
}, () => {
  test('instance B refuses the token within one second of the webhook reaching instance A', async (t) => {
    const tmp = tempDir('mcp-admin-clerk-sessions-multi-');
    t.after(() => tmp.cleanup());
    const file = path.join(tmp.dir, 'shared.db');
    const keys = await rsaKeys();
    const a = await startApiServer({ file, keys });
    t.after(() => a.close());
    const b = await startApiServer({ file, keys });
    t.after(() => b.close());
    const org = await a.tenant('multi', [{ name: 'mia', role: 'org:member' }]);
    assert.equal((await a.call('PUT', `/api/v1/organizations/${org.id}/services/github`, { body: { config: {} } })).status, 200);
    const sid = clerkId('sess', 'mia-phone');
    await deliver(a, sessionEvent('session.created', { id: sid, user: 'mia', status: 'active', updatedAt: T(1), organization: orgId('multi') }));
    const token = await a.token('mia', { sid, org: { id: org.orgClerkId } });
    for (let i = 0; i < 10; i += 1) {
      assert.equal((await b.call('GET', '/api/v1/gateway/authorize?server=github', { token })).status, 200, 'B caches an allowed answer');
    }
    const since = performance.now();
    await deliver(a, sessionEvent('session.ended', { id: sid, user: 'mia', status: 'ended', updatedAt: T(2), organization: orgId('multi') }));
    const { elapsed } = await gatewayTurns(b, token, 401, since);
    t.diagnostic(`B refused the ended session ${Math.round(elapsed)} ms after A took the webhook`);
    assert.equal((await b.call('GET', `/api/v1/organizations/${org.id}`, { token })).status, 401, 'and so does B\'s admin API');
  });
});
