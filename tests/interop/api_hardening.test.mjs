// Requests shaped to break the admin API rather than use it, on SQLite and (MCP_ADMIN_TEST_ENGINE=
// postgres) PostgreSQL, where bytes that are not text turn into database errors: cursors that
// decode to non-text, header text that is not UTF-8, NUL characters in JSON strings — each a 4xx
// problem or stored cleaned, never a 5xx. And an organization ADMIN adding a member cannot reach
// (nor learn about) another organization's users.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { userCreated, userId } from './clerk_payloads.mjs';
import { query } from './db_state.mjs';
import { agent, expectProblem, startApiServer } from './api_harness.mjs';

let api;
let acme;
let bravo;
before(async () => {
  api = await startApiServer();
  acme = await api.tenant('hard_acme', [{ name: 'hard_ada', role: 'org:admin' }, { name: 'hard_max', role: 'org:member' }]);
  bravo = await api.tenant('hard_bravo', [{ name: 'hard_bea', role: 'org:admin' }]);
});
after(async () => {
  await api?.close();
  agent.destroy();
});

const base64url = (bytes) => Buffer.from(bytes).toString('base64url');

test('a cursor that decodes to anything but an id (0xFF, NUL, spaces, quotes) → 400 on every list route', async () => {
  const lists = [
    '/api/v1/organizations', `/api/v1/organizations/${acme.id}/members`, '/api/v1/users', '/api/v1/mcp-servers',
    `/api/v1/organizations/${acme.id}/services`, `/api/v1/organizations/${acme.id}/api-keys`, '/api/v1/sessions',
    '/api/v1/audit-logs',
  ];
  const cursors = [base64url([0xff]), base64url([0]), base64url([0x61, 0xc3]), base64url("a' OR 1=1--"), base64url('a b')];
  const adminKey = (await api.apiKey(acme.id, 'ADMIN')).key;
  for (const path of lists) {
    for (const cursor of cursors) {
      for (const token of [api.bootstrapKey, adminKey]) {
        const response = await api.call('GET', `${path}?cursor=${cursor}`, { token });
        expectProblem(assert, response, 400, `${path} cursor ${cursor}`);
        assert.match(response.json.detail, /cursor/);
      }
    }
    // A cursor the server gave out still works.
    const first = await api.call('GET', `${path}?limit=1`);
    assert.equal(first.status, 200, `${path}: ${first.text}`);
    if (first.json.next_cursor) {
      assert.equal((await api.call('GET', `${path}?limit=1&cursor=${first.json.next_cursor}`)).status, 200, path);
    }
  }
});

test('a User-Agent that is not UTF-8 text (or cut inside a character) is stored as printable ASCII; the change succeeds', async () => {
  const agents = [
    'bytes-\xff\xfe-end', // sent as latin1 bytes 0xFF 0xFE
    `${'a'.repeat(511)}\xe9tail`, // the 512-byte cut falls on a non-ASCII byte
    'tab\there',
  ];
  for (const [n, userAgent] of agents.entries()) {
    const name = `Hardened ${n}`;
    const response = await api.call('PATCH', `/api/v1/organizations/${acme.id}`, { body: { name }, headers: { 'User-Agent': userAgent } });
    assert.equal(response.status, 200, response.text);
    const [row] = query(api.file, `SELECT user_agent FROM audit_logs WHERE request_id = '${response.headers['x-request-id']}'`);
    assert.ok(row, 'the change wrote its audit row');
    assert.match(row.user_agent, /^[\x20-\x7e]{1,512}$/, JSON.stringify(row.user_agent));
    assert.ok(row.user_agent.startsWith(userAgent.slice(0, 5).replace(/[^\x20-\x7e]/g, '?')), row.user_agent);
  }
});

test('a NUL character (\\u0000) anywhere in a JSON body → 400, nothing written (PostgreSQL text cannot hold it)', async () => {
  const before = query(api.file, 'SELECT (SELECT count(*) FROM organizations) AS orgs, (SELECT count(*) FROM audit_logs) AS audit, (SELECT count(*) FROM mcp_servers) AS servers')[0];
  const cases = [
    ['POST', '/api/v1/organizations', { name: 'Nul\u0000Org' }],
    ['PATCH', `/api/v1/organizations/${acme.id}`, { name: 'cut\u0000here' }],
    ['POST', '/api/v1/mcp-servers', { slug: 'nul-server', name: 'Nul', description: 'a\u0000b' }],
    ['POST', '/api/v1/mcp-servers', { slug: 'nul-caps', name: 'Nul', capabilities: { 'to\u0000ols': true } }],
    ['PUT', `/api/v1/organizations/${acme.id}/services/github`, { config: { nested: ['ok', { deep: 'x\u0000' }] } }],
    ['POST', `/api/v1/organizations/${acme.id}/members`, { user_id: `${userId('hard_bea')}\u0000junk` }],
  ];
  for (const [method, path, body] of cases) {
    const response = await api.call(method, path, { body });
    const problem = expectProblem(assert, response, 400, `${method} ${path}`);
    assert.match(problem.detail, /NUL/, problem.detail);
  }
  const afterwards = query(api.file, 'SELECT (SELECT count(*) FROM organizations) AS orgs, (SELECT count(*) FROM audit_logs) AS audit, (SELECT count(*) FROM mcp_servers) AS servers')[0];
  assert.deepEqual(afterwards, before);
});

test('an organization ADMIN adds back only users Clerk put in the organization; anyone else answers as an unknown user', async () => {
  const adminKey = (await api.apiKey(acme.id, 'ADMIN')).key;
  const add = (userRef, token = adminKey) => api.call('POST', `/api/v1/organizations/${acme.id}/members`, { body: { user_id: userRef }, token });

  const foreign = await add(userId('hard_bea')); // bravo's ADMIN
  const unknown = await add(userId('hard_nobody'));
  expectProblem(assert, foreign, 404);
  expectProblem(assert, unknown, 404);
  assert.equal(foreign.json.detail, unknown.json.detail, 'the same answer as for nobody');
  assert.ok(!foreign.text.includes('@'), 'no e-mail address of the other organization\'s user');
  const bea = (await api.call('GET', `/api/v1/users/${userId('hard_bea')}`)).json;
  const byInternalId = await add(bea.id);
  expectProblem(assert, byInternalId, 404);
  assert.equal(byInternalId.json.detail, unknown.json.detail);
  const rows = query(api.file, `SELECT count(*) AS n FROM organization_memberships WHERE organization_id = '${acme.id}' AND user_id = '${bea.id}'`);
  assert.equal(Number(rows[0].n), 0, 'nothing written');

  // A user of no organization is not acme's either: claiming them would show their e-mail address.
  const sent = await api.post(api.nextSvixId(), userCreated({ name: 'hard_free' }));
  assert.equal(sent.status, 200, sent.text);
  const free = await add(userId('hard_free'));
  expectProblem(assert, free, 404);
  assert.equal(free.json.detail, unknown.json.detail);
  assert.ok(!free.text.includes('@'), 'no e-mail address of the user');

  // A user Clerk put in acme and who was removed since may be added back by acme's ADMIN.
  const platformAdd = await api.call('POST', `/api/v1/organizations/${acme.id}/members`, { body: { user_id: userId('hard_free') } });
  assert.equal(platformAdd.status, 201, `the platform may add anyone: ${platformAdd.text}`);
  const removed = await api.call('DELETE', `/api/v1/organizations/${acme.id}/members/${userId('hard_free')}`, { token: adminKey });
  assert.equal(removed.status, 204, removed.text);
  const back = await add(userId('hard_free'));
  assert.equal(back.status, 201, back.text);
  assert.equal(back.json.role, 'MEMBER');
  const again = await add(userId('hard_free'));
  expectProblem(assert, again, 409, 'already a live member');
  // They are acme's: bravo's ADMIN may not pull them in.
  const bravoKey = (await api.apiKey(bravo.id, 'ADMIN')).key;
  const pulled = await api.call('POST', `/api/v1/organizations/${bravo.id}/members`, { body: { user_id: userId('hard_free') }, token: bravoKey });
  expectProblem(assert, pulled, 404);
  assert.equal(pulled.json.detail, unknown.json.detail);
  // The platform may add anyone.
  const platform = await api.call('POST', `/api/v1/organizations/${bravo.id}/members`, { body: { user_id: userId('hard_free') } });
  assert.equal(platform.status, 201, platform.text);
});
