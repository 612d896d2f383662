// Organization API keys (/api/v1/organizations/{id}/api-keys) through the running binary: the whole
// life of a key (create, use, list, revoke, 401), expiry, the role rules, tenancy (another
// organization's keys are 404), usage counted off the request path, bad input, audit rows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { agent, expectProblem, randomApiKey, startApiServer } from './api_harness.mjs';
import { BAD_IDS, rejectsBadInput } from './api_bad_input.mjs';
import { organizationDeleted, userId } from './clerk_payloads.mjs';
import { query } from './db_state.mjs';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const KEY_FIELDS = ['created_at', 'created_by', 'expires_at', 'id', 'last_used_at', 'name', 'organization_id', 'prefix',
  'revoked_at', 'role', 'updated_at', 'usage_count'];
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

after(() => agent.destroy());

// Audit rows of one target, in the order of the requests that wrote them (see api_registry.test.mjs).
function auditOf(api, targetId, responses) {
  const order = responses.map((response) => response.headers['x-request-id']);
  const rows = query(api.file, `SELECT organization_id, actor_type, actor_id, action, target_type, target_id, changes, ip,
    user_agent, request_id FROM audit_logs WHERE target_id = '${targetId}'`).map((row) => ({ ...row, changes: JSON.parse(row.changes) }));
  for (const row of rows) assert.ok(order.includes(row.request_id), `audit row of an unexpected request: ${JSON.stringify(row)}`);
  return rows.sort((a, b) => order.indexOf(a.request_id) - order.indexOf(b.request_id));
}

// Polls `check` every 50 ms until it returns true or `limit` ms pass.
async function eventually(limit, check, what) {
  const start = Date.now();
  for (;;) {
    if (await check()) return;
    assert.ok(Date.now() - start <= limit, `${what}: not seen after ${Date.now() - start} ms`);
    await sleep(50);
  }
}

const keysOf = async (api, org, token) => {
  const response = await api.call('GET', `/api/v1/organizations/${org}/api-keys?limit=200`, { token });
  assert.equal(response.status, 200, response.text);
  return response.json.data;
};

describe('API keys', () => {
  let api;
  let acme;
  let globex;
  before(async () => {
    api = await startApiServer();
    acme = await api.tenant('acme', [
      { name: 'ada', role: 'org:admin' }, { name: 'bob', role: 'org:member' }, { name: 'vic', role: 'org:viewer' },
    ]);
    globex = await api.tenant('globex', [{ name: 'gus', role: 'org:admin' }]);
  });
  after(async () => { await api?.close(); });

  test('create → use → list (no secret) → revoke → 401 with that key', async () => {
    const created = await api.call('POST', `/api/v1/organizations/${acme.orgClerkId}/api-keys`, {
      body: { name: 'ci deploys', role: 'ADMIN' }, headers: { 'User-Agent': 'keys-test/1' },
    });
    assert.equal(created.status, 201, created.text);
    const key = created.json;
    assert.deepEqual(Object.keys(key).sort(), [...KEY_FIELDS, 'key'].sort());
    assert.match(key.key, /^mcp_sk_[A-Za-z0-9_-]{43,}$/);
    assert.equal(key.prefix, key.key.slice(0, 16));
    assert.equal(key.organization_id, acme.id);
    assert.equal(key.name, 'ci deploys');
    assert.equal(key.role, 'ADMIN');
    assert.equal(key.expires_at, null);
    assert.equal(key.revoked_at, null);
    assert.equal(key.last_used_at, null);
    assert.equal(key.usage_count, 0);
    assert.match(key.created_at, ISO_MS);
    assert.equal(created.headers['cache-control'], 'no-store');
    const bootstrapId = query(api.file, `SELECT id FROM api_keys WHERE prefix = '${api.bootstrapKey.slice(0, 16)}'`)[0].id;
    assert.equal(key.created_by, bootstrapId, 'created_by: the creating principal');

    // Use: the key acts for acme as ADMIN.
    const own = await api.call('GET', `/api/v1/organizations/${acme.id}/api-keys`, { token: key.key });
    assert.equal(own.status, 200, own.text);

    const listed = (await keysOf(api, acme.id)).find((entry) => entry.id === key.id);
    assert.deepEqual(Object.keys(listed).sort(), KEY_FIELDS, 'no key, no key_hash');
    const { key: secret, ...shown } = key;
    assert.equal(listed.prefix, shown.prefix);
    assert.equal(listed.name, shown.name);
    const listText = (await api.call('GET', `/api/v1/organizations/${acme.id}/api-keys`)).text;
    assert.ok(!listText.includes(secret), 'the secret is never listed');
    assert.ok(!listText.includes(query(api.file, `SELECT key_hash FROM api_keys WHERE id = '${key.id}'`)[0].key_hash));

    const revoked = await api.call('DELETE', `/api/v1/organizations/${acme.id}/api-keys/${key.id}`);
    assert.equal(revoked.status, 204, revoked.text);
    const refused = await api.call('GET', `/api/v1/organizations/${acme.id}/api-keys`, { token: key.key });
    expectProblem(assert, refused, 401);
    assert.match(String(refused.headers['www-authenticate']), /^Bearer/);
    const after = (await keysOf(api, acme.id)).find((entry) => entry.id === key.id);
    assert.match(after.revoked_at, ISO_MS);
    // Revoking again: 204, nothing changes, no second audit row.
    assert.equal((await api.call('DELETE', `/api/v1/organizations/${acme.id}/api-keys/${key.id}`)).status, 204);
    assert.equal((await keysOf(api, acme.id)).find((entry) => entry.id === key.id).revoked_at, after.revoked_at);

    const audit = auditOf(api, key.id, [created, revoked]);
    assert.deepEqual(audit.map((row) => row.action), ['api_key.created', 'api_key.revoked']);
    for (const row of audit) {
      assert.equal(row.organization_id, acme.id);
      assert.equal(row.actor_type, 'api_key');
      assert.equal(row.actor_id, bootstrapId);
      assert.equal(row.target_type, 'api_key');
      const text = JSON.stringify(row.changes);
      assert.ok(!text.includes(secret), 'no secret in the audit trail');
      assert.ok(!text.includes('key_hash'), 'no hash in the audit trail');
    }
    assert.equal(audit[0].user_agent, 'keys-test/1');
    assert.equal(audit[0].changes.before, null);
    assert.equal(audit[0].changes.after.prefix, key.prefix);
    assert.equal(audit[1].changes.before.revoked_at, null);
    assert.equal(audit[1].changes.after.revoked_at, after.revoked_at);
    // Nor in the server's log.
    assert.ok(!api.stderr().includes(secret), 'no secret in the log');
  });

  test('a key created with expires_in "1s" is refused (401) once that second has passed', async () => {
    const created = await api.apiKey(acme.id, 'MEMBER', { expires_in: '1s' });
    const expiresAt = Date.parse(created.expires_at);
    assert.ok(Math.abs(expiresAt - (Date.parse(created.created_at) + 1000)) <= 5, `${created.created_at} → ${created.expires_at}`);
    if (Date.now() < expiresAt - 200) {
      assert.equal((await api.call('GET', '/api/v1/mcp-servers/git', { token: created.key })).status, 200);
    }
    while (Date.now() <= expiresAt + 20) await sleep(expiresAt + 25 - Date.now());
    const refused = await api.call('GET', '/api/v1/mcp-servers/git', { token: created.key });
    expectProblem(assert, refused, 401);
    assert.match(refused.json.detail, /expired/);
    // Listed with its expiry, not revoked.
    const listed = (await keysOf(api, acme.id)).find((entry) => entry.id === created.id);
    assert.equal(listed.expires_at, created.expires_at);
    assert.equal(listed.revoked_at, null);
  });

  test('expires_at (ISO-8601) is kept to the millisecond; expires_in and expires_at together are refused', async () => {
    const at = new Date(Date.now() + 3600_000).toISOString();
    const created = await api.call('POST', `/api/v1/organizations/${acme.id}/api-keys`, { body: { name: 'hour', expires_at: at } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.expires_at, at);
    assert.equal(created.json.role, 'MEMBER', 'the default role');
    const ninety = await api.call('POST', `/api/v1/organizations/${acme.id}/api-keys`, { body: { name: 'q', expires_in: '90d' } });
    assert.equal(Date.parse(ninety.json.expires_at) - Date.parse(ninety.json.created_at), 90 * 86400_000);
    const never = await api.call('POST', `/api/v1/organizations/${acme.id}/api-keys`, { body: { name: 'n', expires_in: null } });
    assert.equal(never.json.expires_at, null);
    for (const body of [
      { name: 'both', expires_in: '1d', expires_at: at },
      { name: 'past', expires_at: '2001-01-01T00:00:00Z' },
      { name: 'now-ish', expires_at: new Date(Date.now() - 1000).toISOString() },
      { name: 'far', expires_at: '9999-12-31T23:59:59Z' },
      { name: 'garbled', expires_at: 'tomorrow' },
      { name: 'zero', expires_in: '0d' },
      { name: 'negative', expires_in: '-5d' },
      { name: 'unitless', expires_in: '90' },
      { name: 'weeks', expires_in: '2w' },
      { name: 'huge', expires_in: '99999999999999999999d' },
      { name: 'overflow', expires_in: '9223372036854775807s' },
      { name: 'too long', expires_in: '36501d' },
      { name: 'spaced', expires_in: ' 1d' },
    ]) {
      const response = await api.call('POST', `/api/v1/organizations/${acme.id}/api-keys`, { body });
      const problem = expectProblem(assert, response, 400, body.name);
      assert.ok(['expires_in', 'expires_at'].includes(problem.errors?.[0]?.field), response.text);
    }
  });

  test('roles: ADMIN keys and Clerk org:admin users manage keys up to their own role; MEMBER and VIEWER get 403', async () => {
    const admin = await api.apiKey(acme.id, 'ADMIN');
    for (const role of ['ADMIN', 'MEMBER', 'VIEWER']) {
      const made = await api.call('POST', `/api/v1/organizations/${acme.id}/api-keys`, { token: admin.key, body: { name: `by admin ${role}`, role } });
      assert.equal(made.status, 201, made.text);
      assert.equal(made.json.role, role);
      assert.equal(made.json.created_by, admin.id);
    }
    for (const lower of ['MEMBER', 'VIEWER']) {
      const key = await api.apiKey(acme.id, lower);
      // Not even a key of a lower role: creating keys is managing the organization.
      for (const role of ['ADMIN', 'MEMBER', 'VIEWER']) {
        expectProblem(assert, await api.call('POST', `/api/v1/organizations/${acme.id}/api-keys`, { token: key.key, body: { name: 'x', role } }), 403);
      }
      expectProblem(assert, await api.call('GET', `/api/v1/organizations/${acme.id}/api-keys`, { token: key.key }), 403);
      expectProblem(assert, await api.call('DELETE', `/api/v1/organizations/${acme.id}/api-keys/${admin.id}`, { token: key.key }), 403);
    }
    const bob = await api.token('bob', { org: { id: acme.orgClerkId, role: 'org:member' } });
    expectProblem(assert, await api.call('POST', `/api/v1/organizations/${acme.id}/api-keys`, { token: bob, body: { name: 'x' } }), 403);
    const ada = await api.token('ada', { org: { id: acme.orgClerkId, role: 'org:admin' } });
    const byUser = await api.call('POST', `/api/v1/organizations/${acme.orgClerkId}/api-keys`, { token: ada, body: { name: 'ada laptop', role: 'ADMIN' } });
    assert.equal(byUser.status, 201, byUser.text);
    const adaId = (await api.call('GET', `/api/v1/users/${userId('ada')}`)).json.id;
    assert.equal(byUser.json.created_by, adaId, 'created_by: the user');
    assert.equal(auditOf(api, byUser.json.id, [byUser])[0].actor_type, 'user');
    // The key made by a user works on its own.
    assert.equal((await api.call('GET', `/api/v1/organizations/${acme.id}/api-keys`, { token: byUser.json.key })).status, 200);
    // An ADMIN revokes a key of its organization, its own included.
    assert.equal((await api.call('DELETE', `/api/v1/organizations/${acme.id}/api-keys/${admin.id}`, { token: admin.key })).status, 204);
    expectProblem(assert, await api.call('GET', `/api/v1/organizations/${acme.id}/api-keys`, { token: admin.key }), 401);
    // Platform keys are not made through the API: a role outside the three is refused.
    expectProblem(assert, await api.call('POST', `/api/v1/organizations/${acme.id}/api-keys`, { body: { name: 'p', role: 'PLATFORM' } }), 400);
  });

  test('another organization\'s keys are 404, whatever the method; unknown and deleted organizations too', async () => {
    const acmeAdmin = await api.apiKey(acme.id, 'ADMIN');
    const globexKey = await api.apiKey(globex.id, 'MEMBER');
    const gus = await api.token('gus', { org: { id: globex.orgClerkId, role: 'org:admin' } });
    for (const org of [globex.id, globex.orgClerkId]) {
      expectProblem(assert, await api.call('GET', `/api/v1/organizations/${org}/api-keys`, { token: acmeAdmin.key }), 404);
      expectProblem(assert, await api.call('POST', `/api/v1/organizations/${org}/api-keys`, { token: acmeAdmin.key, body: { name: 'x' } }), 404);
      expectProblem(assert, await api.call('DELETE', `/api/v1/organizations/${org}/api-keys/${globexKey.id}`, { token: acmeAdmin.key }), 404);
    }
    for (const route of ['api-keys', 'services']) {
      expectProblem(assert, await api.call('GET', `/api/v1/organizations/${acme.id}/${route}`, { token: gus }), 404);
    }
    // A key id of another organization under one's own organization: 404, and it stays live.
    expectProblem(assert, await api.call('DELETE', `/api/v1/organizations/${acme.id}/api-keys/${globexKey.id}`, { token: acmeAdmin.key }), 404);
    expectProblem(assert, await api.call('DELETE', `/api/v1/organizations/${acme.id}/api-keys/${globexKey.id}`), 404, 'platform admin, wrong org');
    assert.equal((await api.call('GET', '/api/v1/mcp-servers/git', { token: globexKey.key })).status, 200);
    for (const id of BAD_IDS) {
      expectProblem(assert, await api.call('DELETE', `/api/v1/organizations/${acme.id}/api-keys/${id}`), 404, `key ${id}`);
      expectProblem(assert, await api.call('GET', `/api/v1/organizations/${id}/api-keys`), 404, `org ${id}`);
    }
    assert.equal(query(api.file, `SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NOT NULL AND id = '${globexKey.id}'`)[0].n, 0);

    const doomed = await api.tenant('doomed', []);
    const doomedKey = await api.apiKey(doomed.id, 'ADMIN');
    const deletion = await api.post(api.nextSvixId(), organizationDeleted(doomed.orgClerkId));
    assert.equal(deletion.status, 200, deletion.text);
    expectProblem(assert, await api.call('GET', `/api/v1/organizations/${doomed.id}/api-keys`), 404);
    expectProblem(assert, await api.call('POST', `/api/v1/organizations/${doomed.orgClerkId}/api-keys`, { body: { name: 'late' } }), 404);
    expectProblem(assert, await api.call('DELETE', `/api/v1/organizations/${doomed.id}/api-keys/${doomedKey.id}`), 404);
    expectProblem(assert, await api.call('GET', '/api/v1/mcp-servers', { token: doomedKey.key }), 401, 'revoked by the deletion');
  });

  test('each authenticated use counts: usage_count and last_used_at show within ~2 s', async () => {
    const key = await api.apiKey(acme.id, 'VIEWER', { name: 'counted' });
    const uses = 17;
    const start = Date.now();
    for (let idx = 0; idx < uses; idx += 1) {
      assert.equal((await api.call('GET', '/api/v1/mcp-servers?limit=1', { token: key.key })).status, 200);
    }
    // A refused request (wrong organization) is still an authenticated use of the key.
    expectProblem(assert, await api.call('GET', `/api/v1/organizations/${globex.id}/services`, { token: key.key }), 404);
    let seen;
    await eventually(2500, async () => {
      seen = (await keysOf(api, acme.id)).find((entry) => entry.id === key.id);
      return seen.usage_count === uses + 1;
    }, `usage_count ${uses + 1}`);
    assert.match(seen.last_used_at, ISO_MS);
    assert.ok(Date.parse(seen.last_used_at) >= start - 5 && Date.parse(seen.last_used_at) <= Date.now());
    // Unknown keys count nothing anywhere.
    expectProblem(assert, await api.call('GET', '/api/v1/mcp-servers', { token: randomApiKey() }), 401);
  });

  test('keys are listed by creation order, page by page', async () => {
    const org = await api.tenant('paged', []);
    const made = [];
    for (let idx = 0; idx < 5; idx += 1) made.push((await api.apiKey(org.id, 'VIEWER', { name: `k${idx}` })).id);
    const seen = [];
    let cursor = null;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = await api.call('GET', `/api/v1/organizations/${org.id}/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200, page.text);
      seen.push(...page.json.data.map((entry) => entry.id));
      cursor = page.json.next_cursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, made);
    for (const limit of ['0', '201', 'x', '-1', '1e3']) {
      expectProblem(assert, await api.call('GET', `/api/v1/organizations/${org.id}/api-keys?limit=${limit}`), 400, `limit ${limit}`);
    }
    expectProblem(assert, await api.call('GET', `/api/v1/organizations/${org.id}/api-keys?cursor=%%%`), 400);
  });

  test('bad input to POST …/api-keys: 4xx problem JSON, nothing written', async () => {
    const cases = await rejectsBadInput(api, {
      method: 'POST',
      path: `/api/v1/organizations/${acme.id}/api-keys`,
      valid: { name: 'valid' },
      fields: { name: 'string', role: 'enum', expires_in: 'string?', expires_at: 'string?' },
    });
    assert.ok(cases > 60, `${cases} cases`);
    const missing = await api.call('POST', `/api/v1/organizations/${acme.id}/api-keys`, { body: {} });
    assert.equal(expectProblem(assert, missing, 400).errors[0].field, 'name');
    expectProblem(assert, await api.call('POST', `/api/v1/organizations/${acme.id}/api-keys`, { body: { name: '' } }), 400);
    expectProblem(assert, await api.call('POST', `/api/v1/organizations/${acme.id}/api-keys`, { body: { name: 'a\u0000b' } }), 400);
  });
});
