// GET /api/v1/gateway/authorize (README "Gateway authorization (forward auth)") through the binary, on SQLite
// and (MCP_ADMIN_TEST_ENGINE=postgres) PostgreSQL: who is allowed, the exact headers and body, every
// 401 / 403 / 400, where the slug comes from, and that a revoked key, a disabled service, an
// inactive server or a deleted organization shows within one second although decisions are cached.
// Tenants come from signed Clerk webhooks; keys, services and servers from the admin API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { organizationDeleted, orgId, userDeleted, userId } from './clerk_payloads.mjs';
import { exec } from './db_state.mjs';
import { agent, expectProblem, randomApiKey, rsaKeys, startApiServer } from './api_harness.mjs';

const AUTHORIZE = '/api/v1/gateway/authorize';
// The cache keeps a decision at most 500 ms; the contract says one second. Polls add their own.
const PROPAGATION_MS = 1000;
const POLL_SLACK_MS = 150;

let api;
before(async () => { api = await startApiServer(); });
after(async () => {
  await api?.close();
  agent.destroy();
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// GET authorize with a key in Authorization: Bearer (or null: none), extra headers, query.
function authorize(token, { server, headers = {}, query } = {}) {
  const qs = query ?? (server === undefined ? '' : `?server=${encodeURIComponent(server)}`);
  return api.call('GET', `${AUTHORIZE}${qs}`, { token, headers });
}

// A 401's challenge: a bare Bearer when no credential was sent, error="invalid_token" when one was
// refused (RFC 6750 §3.1; this server has no public URL, so no resource_metadata).
function expectDenied(response, status, message = '', { challenge = 'Bearer error="invalid_token"' } = {}) {
  const problem = expectProblem(assert, response, status, message);
  assert.equal(problem.allowed, false, `${message} ${response.text}`);
  for (const header of ['x-mcp-organization', 'x-mcp-user', 'x-mcp-role', 'x-mcp-server']) {
    assert.equal(response.headers[header], undefined, `${message} no ${header} on a denial`);
  }
  if (status === 401) assert.equal(response.headers['www-authenticate'], challenge, message);
  return problem;
}

// Polls `check` (an async predicate) until it holds; resolves to the ms it took, or fails after `limit`.
async function within(limit, check, what) {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    const elapsed = performance.now() - start;
    assert.ok(elapsed <= limit, `${what}: still not seen after ${Math.round(elapsed)} ms`);
    await sleep(20);
  }
}

async function enable(orgInternalId, server, config = {}, extra = {}) {
  const response = await api.call('PUT', `/api/v1/organizations/${orgInternalId}/services/${server}`, { body: { config, ...extra } });
  assert.equal(response.status, 200, response.text);
  return response.json;
}

async function internalUserId(name) {
  const response = await api.call('GET', `/api/v1/users/${userId(name)}`);
  assert.equal(response.status, 200, response.text);
  return response.json.id;
}

// Sets is_active of a server through the registry API (PATCH), or straight in the database when
// that route is not there.
async function setActive(slug, active) {
  const response = await api.call('PATCH', `/api/v1/mcp-servers/${slug}`, { body: { is_active: active } });
  if (response.status === 200) return;
  assert.ok([404, 405].includes(response.status), `PATCH mcp-servers/${slug}: ${response.status} ${response.text}`);
  exec(api.file, `UPDATE mcp_servers SET is_active = ${active ? 'TRUE' : 'FALSE'} WHERE slug = '${slug}'`);
}

describe('allowed', () => {
  let acme;
  let config;
  before(async () => {
    acme = await api.tenant('acme', [
      { name: 'ada', role: 'org:admin' }, { name: 'bob', role: 'org:member' }, { name: 'vic', role: 'org:viewer' },
    ]);
    config = { repository: 'acme/widgets', read_only: true, limits: { rpm: 60 } };
    await enable(acme.id, 'github', config);
  });

  for (const role of ['MEMBER', 'ADMIN']) {
    test(`an organization's ${role} key with the service enabled: 200, the X-MCP-* headers and the body`, async () => {
      const key = await api.apiKey(acme.id, role);
      const response = await authorize(key.key, { server: 'github' });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.headers['x-mcp-organization'], acme.id);
      assert.equal(response.headers['x-mcp-role'], role);
      assert.equal(response.headers['x-mcp-server'], 'github');
      assert.equal(response.headers['x-mcp-user'], undefined, 'a key is no user');
      assert.match(String(response.headers['content-type']), /^application\/json/);
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.deepEqual(response.json, {
        allowed: true, organization_id: acme.id, user_id: null, role, server: 'github', config,
      });
      // The same from the cache, and with the key in X-API-Key.
      const again = await api.call('GET', `${AUTHORIZE}?server=github`, { token: null, headers: { 'X-API-Key': key.key } });
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.json, response.json);
      assert.equal(again.headers['x-mcp-organization'], acme.id);
    });
  }

  test('the X-MCP-* headers of a 200 are exactly those /api/openapi.json documents; the required ones always come', async () => {
    const doc = (await api.call('GET', '/api/openapi.json', { token: null })).json;
    const documented = doc.paths[AUTHORIZE].get.responses['200'].headers ?? {};
    const names = Object.keys(documented).map((name) => name.toLowerCase()).sort();
    const required = names.filter((name) => documented[Object.keys(documented).find((n) => n.toLowerCase() === name)].required);
    assert.deepEqual(names, ['x-mcp-organization', 'x-mcp-role', 'x-mcp-server', 'x-mcp-user']);
    const answers = [
      await authorize((await api.apiKey(acme.id, 'MEMBER')).key, { server: 'github' }),
      await authorize(await api.token('bob', { org: { id: acme.orgClerkId } }), { server: 'github' }),
      await authorize(api.bootstrapKey, { server: 'github' }),
    ];
    const seen = new Set();
    for (const answer of answers) {
      assert.equal(answer.status, 200, answer.text);
      const sent = Object.keys(answer.headers).filter((name) => name.startsWith('x-mcp-'));
      for (const name of sent) seen.add(name);
      for (const name of required) assert.ok(sent.includes(name), `${name} is documented as always sent: ${sent}`);
    }
    assert.deepEqual([...seen].sort(), names, 'every X-MCP-* header sent is documented, and every documented one is sent by some answer');
  });

  test('a member\'s Clerk session token (v1 and v2 claims): 200 with X-MCP-User', async () => {
    const bob = await internalUserId('bob');
    for (const v2 of [false, true]) {
      const token = await api.token('bob', { org: { id: acme.orgClerkId, role: 'org:member' }, v2 });
      const response = await authorize(token, { server: 'github' });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.headers['x-mcp-organization'], acme.id);
      assert.equal(response.headers['x-mcp-user'], bob);
      assert.equal(response.headers['x-mcp-role'], 'MEMBER');
      assert.equal(response.headers['x-mcp-server'], 'github');
      assert.deepEqual(response.json, {
        allowed: true, organization_id: acme.id, user_id: bob, role: 'MEMBER', server: 'github', config,
      });
    }
    const ada = await internalUserId('ada');
    const response = await authorize(await api.token('ada', { org: { id: acme.orgClerkId, role: 'org:admin' } }), { server: 'github' });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers['x-mcp-user'], ada);
    assert.equal(response.headers['x-mcp-role'], 'ADMIN', 'the synced membership decides the role');
  });

  test('a token without org claims uses the organization its session switched to; 403 once the session ends', async () => {
    const org = await api.tenant('switchco', [{ name: 'sam', role: 'org:member' }]);
    await enable(org.id, 'github', { switched: true });
    const token = await api.token('sam');  // sid sess_sam, no org claim
    expectDenied(await authorize(token, { server: 'github' }), 403, 'no active organization yet');
    const session = await api.call('POST', '/api/v1/sessions', { token, body: { organization_id: org.id } });
    assert.ok([200, 201].includes(session.status), session.text);
    await sleep(600);  // the 403 above may be cached for up to 500 ms
    const response = await authorize(token, { server: 'github' });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers['x-mcp-organization'], org.id);
    assert.equal(response.headers['x-mcp-user'], await internalUserId('sam'));
    assert.deepEqual(response.json.config, { switched: true });
    const ended = await api.call('DELETE', `/api/v1/sessions/${session.json.id}`, { token });
    assert.equal(ended.status, 204, ended.text);
    await within(PROPAGATION_MS + POLL_SLACK_MS,
      async () => (await authorize(token, { server: 'github' })).status === 403, 'ended session');
  });

  test('VIEWER may not use a service: 403, by key and by token', async () => {
    const key = await api.apiKey(acme.id, 'VIEWER');
    expectDenied(await authorize(key.key, { server: 'github' }), 403, 'viewer key');
    const token = await api.token('vic', { org: { id: acme.orgClerkId, role: 'org:viewer' } });
    expectDenied(await authorize(token, { server: 'github' }), 403, 'viewer token');
  });

  test('a platform-admin key: 200 for an active server, with no organization; 403 for an inactive one', async () => {
    const response = await authorize(api.bootstrapKey, { server: 'memory' });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers['x-mcp-organization'], undefined);
    assert.equal(response.headers['x-mcp-user'], undefined);
    assert.equal(response.headers['x-mcp-role'], 'PLATFORM_ADMIN');
    assert.equal(response.headers['x-mcp-server'], 'memory');
    assert.deepEqual(response.json, {
      allowed: true, organization_id: null, user_id: null, role: 'PLATFORM_ADMIN', server: 'memory', config: {},
    });
    await setActive('time', false);
    try {
      expectDenied(await authorize(api.bootstrapKey, { server: 'time' }), 403);
    } finally {
      await setActive('time', true);
    }
  });

  test('each API-key answer counts one use of the key, written off the request path', async () => {
    const key = await api.apiKey(acme.id, 'MEMBER', { name: 'usage' });
    const calls = 25;
    for (let i = 0; i < calls; i += 1) assert.equal((await authorize(key.key, { server: 'github' })).status, 200);
    let seen;
    await within(3000, async () => {
      const list = await api.call('GET', `/api/v1/organizations/${acme.id}/api-keys?limit=200`);
      seen = list.json?.data?.find((entry) => entry.id === key.id);
      return seen?.usage_count === calls;
    }, `usage_count to reach ${calls}`);
    assert.equal(typeof seen.last_used_at, 'string');
  });
});

describe('refused', () => {
  let beta;
  let member;
  before(async () => {
    beta = await api.tenant('beta', [{ name: 'bea', role: 'org:member' }]);
    await enable(beta.id, 'github', { team: 'beta' });
    member = await api.apiKey(beta.id, 'MEMBER');
  });

  test('no credential, an unknown key, a malformed one, a bad or expired token: 401 with WWW-Authenticate: Bearer', async () => {
    expectDenied(await authorize(null, { server: 'github' }), 401, 'none', { challenge: 'Bearer' });
    expectDenied(await authorize(randomApiKey(), { server: 'github' }), 401, 'unknown key');
    expectDenied(await authorize(`${member.key.slice(0, -2)}xx`, { server: 'github' }), 401, 'right prefix, wrong secret');
    expectDenied(await authorize('not-a-key', { server: 'github' }), 401, 'malformed');
    expectDenied(await api.call('GET', `${AUTHORIZE}?server=github`, { token: null, headers: { Authorization: `Basic ${member.key}` } }),
      401, 'not Bearer', { challenge: 'Bearer' });  // a Basic credential is no credential here
    const now = Math.floor(Date.now() / 1000);
    const expired = await api.token('bea', { org: { id: beta.orgClerkId }, exp: now - 120, iat: now - 600 });
    expectDenied(await authorize(expired, { server: 'github' }), 401, 'expired token');
    const { privateKey } = await rsaKeys();
    const forged = await api.token('bea', { org: { id: beta.orgClerkId }, key: privateKey });
    expectDenied(await authorize(forged, { server: 'github' }), 401, 'foreign signature');
    const stranger = await api.token('nobody_known', { org: { id: beta.orgClerkId } });
    expectDenied(await authorize(stranger, { server: 'github' }), 401, 'user not known here');
    // Nothing of the credential comes back.
    const answer = await authorize(`${member.key.slice(0, -2)}xx`, { server: 'github' });
    assert.ok(!answer.text.includes(member.key.slice(7, 30)), answer.text);
  });

  test('a server the organization has not enabled: 403; an unknown server: 403', async () => {
    expectDenied(await authorize(member.key, { server: 'slack' }), 403, 'not enabled');
    const unknown = expectDenied(await authorize(member.key, { server: 'no-such-server' }), 403, 'unknown');
    assert.match(unknown.detail, /no-such-server/);
  });

  test('a token naming an organization the user is not a member of, or none: 403', async () => {
    const acmeOrg = orgId('acme');
    expectDenied(await authorize(await api.token('bea', { org: { id: acmeOrg } }), { server: 'github' }), 403, 'other org');
    expectDenied(await authorize(await api.token('bea'), { server: 'github' }), 403, 'no active organization');
  });

  test('a service disabled after use: 403 within one second', async () => {
    const org = await api.tenant('gamma', []);
    await enable(org.id, 'fetch');
    const key = await api.apiKey(org.id, 'MEMBER');
    for (let i = 0; i < 5; i += 1) assert.equal((await authorize(key.key, { server: 'fetch' })).status, 200);
    const response = await api.call('DELETE', `/api/v1/organizations/${org.id}/services/fetch`);
    assert.equal(response.status, 204, response.text);
    const took = await within(PROPAGATION_MS + POLL_SLACK_MS,
      async () => (await authorize(key.key, { server: 'fetch' })).status === 403, 'disabled service');
    expectDenied(await authorize(key.key, { server: 'fetch' }), 403);
    // Enabled again: allowed again.
    await enable(org.id, 'fetch', { again: true }, { enabled: true });
    await within(PROPAGATION_MS + POLL_SLACK_MS, async () => (await authorize(key.key, { server: 'fetch' })).status === 200, 're-enabled');
    assert.ok(took <= PROPAGATION_MS + POLL_SLACK_MS);
  });

  test('an inactive server: 403 within one second, allowed again when reactivated', async () => {
    const org = await api.tenant('delta', []);
    await enable(org.id, 'sequential-thinking');
    const key = await api.apiKey(org.id, 'ADMIN');
    assert.equal((await authorize(key.key, { server: 'sequential-thinking' })).status, 200);
    await setActive('sequential-thinking', false);
    try {
      await within(PROPAGATION_MS + POLL_SLACK_MS,
        async () => (await authorize(key.key, { server: 'sequential-thinking' })).status === 403, 'inactive server');
      const problem = expectDenied(await authorize(key.key, { server: 'sequential-thinking' }), 403);
      assert.match(problem.detail, /not active/);
    } finally {
      await setActive('sequential-thinking', true);
    }
    await within(PROPAGATION_MS + POLL_SLACK_MS,
      async () => (await authorize(key.key, { server: 'sequential-thinking' })).status === 200, 'reactivated');
  });

  // A webhook's change reaches this instance's gateway at once, as the same change made through
  // the admin API does: the decisions cached just before are dropped when it commits.
  test('a deleted organization (organization.deleted webhook): at once, its keys 401 (revoked by the cascade), its members\' tokens 403', async () => {
    const org = await api.tenant('doomed', [{ name: 'dan', role: 'org:admin' }]);
    await enable(org.id, 'github');
    const key = await api.apiKey(org.id, 'MEMBER');
    const token = await api.token('dan', { org: { id: org.orgClerkId, role: 'org:admin' } });
    for (let i = 0; i < 5; i += 1) {
      assert.equal((await authorize(key.key, { server: 'github' })).status, 200);
      assert.equal((await authorize(token, { server: 'github' })).status, 200);
    }
    const delivered = await api.post(api.nextSvixId(), organizationDeleted(org.orgClerkId, { timestamp: Date.now() }));
    assert.equal(delivered.status, 200, delivered.text);
    expectDenied(await authorize(key.key, { server: 'github' }), 401);
    const problem = expectDenied(await authorize(token, { server: 'github' }), 403);
    assert.match(problem.detail, /deleted/);
  });

  test('a deleted user (user.deleted webhook): at once, their token 401 at the gateway as on /api/v1', async () => {
    const org = await api.tenant('epsilon', [{ name: 'eve', role: 'org:member' }]);
    await enable(org.id, 'github');
    const token = await api.token('eve', { org: { id: org.orgClerkId } });
    for (let i = 0; i < 5; i += 1) assert.equal((await authorize(token, { server: 'github' })).status, 200);
    assert.equal((await api.call('GET', '/api/v1/me', { token })).status, 200);
    const delivered = await api.post(api.nextSvixId(), userDeleted(userId('eve'), { timestamp: Date.now() }));
    assert.equal(delivered.status, 200, delivered.text);
    const problem = expectDenied(await authorize(token, { server: 'github' }), 401);
    assert.match(problem.detail, /user has been deleted/);
    const admin = await api.call('GET', '/api/v1/me', { token });
    assert.equal(admin.status, 401, admin.text);
    assert.equal(admin.json.detail, problem.detail, 'one answer for a deleted user, on both');
  });

  test('revocation (DELETE …/api-keys/{id}) takes effect within one second', async () => {
    const key = await api.apiKey(beta.id, 'MEMBER', { name: 'to revoke' });
    // A fresh cached decision right before the revocation: the worst case for the cache.
    for (let i = 0; i < 10; i += 1) assert.equal((await authorize(key.key, { server: 'github' })).status, 200);
    const revoked = await api.call('DELETE', `/api/v1/organizations/${beta.id}/api-keys/${key.id}`);
    assert.equal(revoked.status, 204, revoked.text);
    const took = await within(PROPAGATION_MS + POLL_SLACK_MS,
      async () => (await authorize(key.key, { server: 'github' })).status === 401, 'revoked key');
    const problem = expectDenied(await authorize(key.key, { server: 'github' }), 401);
    assert.match(problem.detail, /revoked/);
    assert.ok(took <= PROPAGATION_MS + POLL_SLACK_MS, `${took} ms`);
    // And it stays refused (the cache does not bring the old decision back).
    await sleep(600);
    expectDenied(await authorize(key.key, { server: 'github' }), 401);
  });
});

describe('organization-scoped URIs (/orgs/ORG/mcp/SLUG/…)', () => {
  let north;
  let south;
  const slugOf = async (org) => (await api.call('GET', `/api/v1/organizations/${org.id}`)).json.slug;
  const at = (orgSlug, server = 'github') => ({ headers: { 'X-Forwarded-Uri': `/orgs/${orgSlug}/mcp/${server}/sse` } });
  before(async () => {
    // una is a member of both, each with github enabled: a token without an organization cannot
    // tell which one it acts for, the URI can.
    north = await api.tenant('north', [{ name: 'una', role: 'org:member' }, { name: 'nick', role: 'org:member' }]);
    south = await api.tenant('south', [{ name: 'una', role: 'org:admin' }]);
    await enable(north.id, 'github', { side: 'north' });
    await enable(south.id, 'github', { side: 'south' });
    north.slug = await slugOf(north);
    south.slug = await slugOf(south);
    assert.ok(north.slug && south.slug && north.slug !== south.slug);
  });

  test('an organization\'s key: 200 under its own organization, 403 under another or one that does not exist', async () => {
    const key = (await api.apiKey(north.id, 'MEMBER')).key;
    const own = await authorize(key, at(north.slug));
    assert.equal(own.status, 200, own.text);
    assert.equal(own.headers['x-mcp-organization'], north.id);
    assert.deepEqual(own.json.config, { side: 'north' });
    const other = expectDenied(await authorize(key, at(south.slug)), 403, 'another organization');
    assert.match(other.detail, new RegExp(`does not act for the organization '${south.slug}'`));
    const unknown = expectDenied(await authorize(key, at('no-such-org')), 403, 'no such organization');
    assert.equal(unknown.detail, other.detail.replaceAll(south.slug, 'no-such-org'), 'the same answer: nothing told about which exist');
    // The plain URI still works for the key.
    assert.equal((await authorize(key, { headers: { 'X-Forwarded-Uri': '/mcp/github/sse' } })).status, 200);
  });

  test('a member of two organizations: a token without an organization acts for the one the URI names', async () => {
    const token = await api.token('una');  // no org claim, no active organization
    expectDenied(await authorize(token, { headers: { 'X-Forwarded-Uri': '/mcp/github/sse' } }), 403, 'which organization cannot be told');
    const una = await internalUserId('una');
    for (const [org, role] of [[north, 'MEMBER'], [south, 'ADMIN'], [north, 'MEMBER']]) {
      const response = await authorize(token, at(org.slug));
      assert.equal(response.status, 200, response.text);
      assert.equal(response.headers['x-mcp-organization'], org.id, 'a cached answer is per organization too');
      assert.equal(response.headers['x-mcp-user'], una);
      assert.equal(response.headers['x-mcp-role'], role);
      assert.deepEqual(response.json.config, { side: org === north ? 'north' : 'south' });
    }
    // Not a member of it, or no such organization: the same 403.
    const nick = await api.token('nick');
    const refused = expectDenied(await authorize(nick, at(south.slug)), 403, 'not a member');
    assert.match(refused.detail, new RegExp(`does not act for the organization '${south.slug}'`));
    expectDenied(await authorize(nick, at('no-such-org')), 403, 'no such organization');
  });

  test('a token naming an organization is refused under another organization\'s URI', async () => {
    const token = await api.token('una', { org: { id: north.orgClerkId, role: 'org:member' } });
    assert.equal((await authorize(token, at(north.slug))).status, 200);
    expectDenied(await authorize(token, at(south.slug)), 403, 'the token acts for north');
  });

  test('a platform-admin key acts for any organization (no X-MCP-Organization); malformed organization URIs are 400', async () => {
    const platform = await authorize(api.bootstrapKey, at(north.slug));
    assert.equal(platform.status, 200, platform.text);
    assert.equal(platform.headers['x-mcp-organization'], undefined);
    const key = (await api.apiKey(north.id, 'MEMBER')).key;
    for (const uri of ['/orgs/north', '/orgs//mcp/github', `/orgs/${north.slug}/../${south.slug}/mcp/github`, '/orgs/a%2fb/mcp/github']) {
      expectDenied(await authorize(key, { headers: { 'X-Forwarded-Uri': uri } }), 400, uri);
    }
    const disagree = await authorize(key, { headers: { 'X-Forwarded-Uri': at(north.slug).headers['X-Forwarded-Uri'], 'X-Original-URI': at(south.slug).headers['X-Forwarded-Uri'] } });
    expectDenied(disagree, 400, 'two headers naming different organizations');
  });
});

describe('per-tool decisions (Mcp-Method / Mcp-Name, MCP 2026-07-28)', () => {
  let org;
  let member;
  let viewer;
  const call = (key, method, name, extra = {}) => {
    const headers = { ...extra };
    if (method !== undefined) headers['Mcp-Method'] = method;
    if (name !== undefined) headers['Mcp-Name'] = name;
    return authorize(key, { server: 'github', headers });
  };
  before(async () => {
    org = await api.tenant('toolco', []);
    await enable(org.id, 'github', {}, { tool_policy: { allow: ['search_*', 'get_file'], deny: ['search_secrets'] } });
    member = (await api.apiKey(org.id, 'MEMBER')).key;
    viewer = (await api.apiKey(org.id, 'VIEWER')).key;
  });

  test('a MEMBER calls the tools the policy allows; deny wins; the 200 echoes what it decided on', async () => {
    const allowed = await call(member, 'tools/call', 'search_code');
    assert.equal(allowed.status, 200, allowed.text);
    assert.equal(allowed.json.method, 'tools/call');
    assert.equal(allowed.json.name, 'search_code');
    assert.equal(allowed.headers['x-mcp-role'], 'MEMBER');
    assert.equal((await call(member, 'tools/call', 'get_file')).status, 200);
    const denied = expectDenied(await call(member, 'tools/call', 'search_secrets'), 403, 'deny wins');
    assert.match(denied.detail, /denied by this organization's tool policy \(deny "search_secrets"\)/);
    const outside = expectDenied(await call(member, 'tools/call', 'delete_repository'), 403, 'not in the allow list');
    assert.match(outside.detail, /not in this organization's allow list/);
    expectDenied(await call(member, 'tools/call'), 403, 'a call without Mcp-Name cannot be held to the policy');
    // Discovery and older clients (no headers) are not tool calls.
    for (const method of ['initialize', 'tools/list', 'resources/read']) assert.equal((await call(member, method)).status, 200, method);
    const plain = await call(member);
    assert.equal(plain.status, 200, plain.text);
    assert.equal(plain.json.method, undefined, 'nothing to echo');
  });

  test('Mcp-Name in the base64 sentinel form is decoded; a value that is neither form is 400', async () => {
    const name = 'search_ümlaut';
    const encoded = `=?base64?${Buffer.from(name, 'utf8').toString('base64')}?=`;
    const allowed = await call(member, 'tools/call', encoded);
    assert.equal(allowed.status, 200, allowed.text);
    assert.equal(allowed.json.name, name);
    const secret = `=?base64?${Buffer.from('search_secrets').toString('base64')}?=`;
    expectDenied(await call(member, 'tools/call', secret), 403, 'the decoded name is what the policy sees');
    for (const bad of ['=?base64?!!!?=', `=?base64?${Buffer.from([0xff, 0xfe]).toString('base64')}?=`]) {
      expectDenied(await call(member, 'tools/call', bad), 400, bad);
    }
  });

  test('a VIEWER may discover but not call; without Mcp-Method only a request the proxy says is not a POST', async () => {
    const listed = await call(viewer, 'tools/list');
    assert.equal(listed.status, 200, listed.text);
    assert.equal(listed.headers['x-mcp-role'], 'VIEWER');
    for (const method of ['initialize', 'ping', 'prompts/get', 'resources/list']) assert.equal((await call(viewer, method)).status, 200, method);
    assert.match(expectDenied(await call(viewer, 'tools/call', 'search_code'), 403, 'viewer call').detail, /VIEWER may discover/);
    expectDenied(await call(viewer), 403, 'no Mcp-Method: cannot be told from a call');
    assert.equal((await call(viewer, undefined, undefined, { 'X-Original-Method': 'GET' })).status, 200, 'an SSE GET');
    expectDenied(await call(viewer, undefined, undefined, { 'X-Forwarded-Method': 'POST' }), 403, 'a POST without Mcp-Method');
  });

  test('require_method_headers refuses POSTs without Mcp-Method; a policy change shows on the next request', async () => {
    await enable(org.id, 'github', {}, { tool_policy: { allow: ['search_*'], require_method_headers: true } });
    expectDenied(await call(member), 403, 'an older client');
    assert.equal((await call(member, undefined, undefined, { 'X-Original-Method': 'GET' })).status, 200);
    assert.equal((await call(member, 'tools/call', 'search_code')).status, 200);
    assert.equal((await call(member, 'tools/call', 'get_file')).status, 403, 'the new allow list');
    await enable(org.id, 'github', {}, { tool_policy: { deny: ['*'] } });
    expectDenied(await call(member, 'tools/call', 'search_code'), 403, 'denied at once after the PUT');
    await enable(org.id, 'github', {}, { tool_policy: null });
    assert.equal((await call(member, 'tools/call', 'anything_at_all')).status, 200, 'the default policy');
  });
});

describe('which server', () => {
  let key;
  let orgInternal;
  before(async () => {
    const org = await api.tenant('zeta', []);
    orgInternal = org.id;
    await enable(org.id, 'github');
    await enable(org.id, 'git');
    key = (await api.apiKey(org.id, 'MEMBER')).key;
  });

  for (const header of ['X-Forwarded-Uri', 'X-Original-URI', 'X-Original-URL']) {
    test(`the slug from ${header}: /mcp/SLUG/…, /mcp/SLUG and with a query`, async () => {
      for (const uri of ['/mcp/github/sse', '/mcp/github', '/mcp/github/messages?sessionId=abc', '/mcp/github/']) {
        const response = await authorize(key, { headers: { [header]: uri } });
        assert.equal(response.status, 200, `${header}: ${uri}: ${response.text}`);
        assert.equal(response.headers['x-mcp-server'], 'github');
        assert.equal(response.json.server, 'github');
        assert.equal(response.headers['x-mcp-organization'], orgInternal);
      }
      const other = await authorize(key, { headers: { [header]: '/mcp/slack/sse' } });
      expectDenied(other, 403, `${header} names a server not enabled`);
    });
  }

  test('X-Original-URL as a whole URL; a forwarded URI decides: a ?server= naming another server is 400', async () => {
    const whole = await authorize(key, { headers: { 'X-Original-URL': 'https://gateway.example.com/mcp/git/x' } });
    assert.equal(whole.status, 200, whole.text);
    assert.equal(whole.headers['x-mcp-server'], 'git');
    // Caddy's forward_auth passes the client's query string through: the client must not pick the
    // server the decision is about. Each header, and a key that could use either server.
    for (const header of ['X-Forwarded-Uri', 'X-Original-URI', 'X-Original-URL']) {
      const smuggled = expectDenied(await authorize(key, { server: 'git', headers: { [header]: '/mcp/github/x' } }), 400,
        `${header} /mcp/github with ?server=git`);
      assert.match(smuggled.detail, /another MCP server/);
      const unknown = await authorize(key, { server: 'slack', headers: { [header]: '/mcp/git/x' } });
      expectDenied(unknown, 400, `${header} /mcp/git with ?server=slack`);
      const same = await authorize(key, { server: 'git', headers: { [header]: '/mcp/git/x' } });
      assert.equal(same.status, 200, `${header}: the same server twice is fine: ${same.text}`);
      assert.equal(same.headers['x-mcp-server'], 'git');
    }
    // Without a forwarded URI, ?server= is what the caller asks about.
    const byQuery = await authorize(key, { server: 'git' });
    assert.equal(byQuery.status, 200, byQuery.text);
  });

  test('no server: 400; a malformed slug or URI: 400; headers that disagree: 400', async () => {
    expectDenied(await authorize(key), 400, 'none at all');
    expectDenied(await authorize(key, { query: '?server=' }), 400, 'empty server');
    expectDenied(await authorize(key, { server: 'git/../github' }), 400, 'slash in server');
    expectDenied(await authorize(key, { server: 'x'.repeat(129) }), 400, 'too long');
    expectDenied(await authorize(key, { headers: { 'X-Forwarded-Uri': '/api/other' } }), 400, 'not /mcp/');
    expectDenied(await authorize(key, { headers: { 'X-Forwarded-Uri': '/mcp/' } }), 400, 'no slug');
    expectDenied(await authorize(key, { headers: { 'X-Original-URI': '/mcp/slack/../github/sse' } }), 400, 'dot segments');
    expectDenied(await authorize(key, { headers: { 'X-Original-URI': '/mcp/slack%2f..%2fgithub' } }), 400, 'encoded slash');
    const conflict = expectDenied(await authorize(key, {
      headers: { 'X-Forwarded-Uri': '/mcp/github/sse', 'X-Original-URI': '/mcp/git/sse' },
    }), 400, 'disagreeing headers');
    assert.match(conflict.detail, /different/);
    // Agreeing headers are fine.
    const agree = await authorize(key, { headers: { 'X-Forwarded-Uri': '/mcp/git/a', 'X-Original-URI': '/mcp/git/b' } });
    assert.equal(agree.status, 200, agree.text);
    // Without a credential a missing server is still the proxy's mistake: 400 before 401.
    expectDenied(await authorize(null), 400, 'no server, no credential');
  });

  test('HEAD and other methods', async () => {
    const head = await api.call('HEAD', `${AUTHORIZE}?server=github`, { token: key });
    assert.equal(head.status, 200);
    assert.equal(head.headers['x-mcp-server'], 'github');
    const post = await api.call('POST', `${AUTHORIZE}?server=github`, { token: key, body: {} });
    assert.equal(post.status, 405, post.text);
  });
});
