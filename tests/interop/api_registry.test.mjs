// The MCP server registry (/api/v1/mcp-servers) and organization services
// (/api/v1/organizations/{id}/services) through the running binary: tenants from signed Clerk
// webhooks, credentials as real API keys and jose-signed session tokens, effects read back from
// the database (audit rows included).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { agent, expectProblem, startApiServer } from './api_harness.mjs';
import { BAD_IDS, rejectsBadInput } from './api_bad_input.mjs';
import { organizationDeleted, userId } from './clerk_payloads.mjs';
import { query } from './db_state.mjs';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const SERVER_FIELDS = ['capabilities', 'created_at', 'description', 'id', 'is_active', 'name', 'slug', 'transport',
  'updated_at', 'url'];
const SERVICE_FIELDS = ['config', 'created_at', 'enabled', 'id', 'mcp_server', 'mcp_server_id', 'organization_id',
  'tool_policy', 'updated_at'];
const DEFAULT_POLICY = { allow: [], deny: [], require_method_headers: false };

after(() => agent.destroy());

// Audit rows of one target, in the order of the requests that wrote them (`responses`, oldest
// first): neither UUIDv7 ids (random within a millisecond) nor PostgreSQL's ctid (several writer
// connections fill different pages) give the order rows were written in.
function auditOf(api, targetId, responses) {
  const order = responses.map((response) => response.headers['x-request-id']);
  const rows = query(api.file, `SELECT organization_id, actor_type, actor_id, action, target_type, target_id, changes, request_id
    FROM audit_logs WHERE target_id = '${targetId}'`).map((row) => ({ ...row, changes: JSON.parse(row.changes) }));
  for (const row of rows) assert.ok(order.includes(row.request_id), `audit row of an unexpected request: ${JSON.stringify(row)}`);
  return rows.sort((a, b) => order.indexOf(a.request_id) - order.indexOf(b.request_id));
}

describe('MCP server registry', () => {
  let api;
  let acme;
  before(async () => {
    api = await startApiServer();
    acme = await api.tenant('acme', [{ name: 'ada', role: 'org:admin' }, { name: 'vic', role: 'org:viewer' }]);
  });
  after(async () => { await api?.close(); });

  test('the seeded registry is listed in creation order, page by page, with the contract fields', async () => {
    const seen = [];
    let cursor = null;
    for (let pages = 0; pages < 20; pages += 1) {
      const page = await api.call('GET', `/api/v1/mcp-servers?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200, page.text);
      assert.ok(page.json.data.length <= 5);
      seen.push(...page.json.data);
      cursor = page.json.next_cursor;
      if (!cursor) break;
    }
    assert.ok(seen.length >= 13, `the seed's 13 servers: ${seen.length}`);
    const ids = seen.map((s) => s.id);
    assert.equal(new Set(ids).size, ids.length, 'no repeats');
    assert.deepEqual([...ids].sort(), ids, 'ordered by id');
    const github = seen.find((s) => s.slug === 'github');
    assert.deepEqual(Object.keys(github).sort(), SERVER_FIELDS);
    assert.equal(github.transport, 'streamable-http');
    assert.equal(typeof github.capabilities, 'object');
    assert.equal(github.is_active, true);
    assert.match(github.created_at, ISO_MS);
    // One server by id and by slug: the same JSON.
    const bySlug = await api.call('GET', '/api/v1/mcp-servers/github');
    const byId = await api.call('GET', `/api/v1/mcp-servers/${github.id}`);
    assert.equal(bySlug.status, 200, bySlug.text);
    assert.deepEqual(bySlug.json, github);
    assert.deepEqual(byId.json, github);
  });

  test('any organization member reads the registry; writing it needs a platform-admin key', async () => {
    const viewer = await api.apiKey(acme.id, 'VIEWER');
    const admin = await api.apiKey(acme.id, 'ADMIN');
    assert.equal((await api.call('GET', '/api/v1/mcp-servers', { token: viewer.key })).status, 200);
    assert.equal((await api.call('GET', '/api/v1/mcp-servers/git', { token: viewer.key })).status, 200);
    const vicToken = await api.token('vic', { org: { id: acme.orgClerkId, role: 'org:viewer' } });
    assert.equal((await api.call('GET', '/api/v1/mcp-servers/git', { token: vicToken })).status, 200);
    // A signed-in user with no active organization belongs to nobody's registry view.
    expectProblem(assert, await api.call('GET', '/api/v1/mcp-servers', { token: await api.token('ada') }), 403);
    const unauthenticated = await api.call('GET', '/api/v1/mcp-servers', { token: null });
    expectProblem(assert, unauthenticated, 401);
    assert.match(String(unauthenticated.headers['www-authenticate']), /^Bearer/);
    for (const token of [viewer.key, admin.key, await api.token('ada', { org: { id: acme.orgClerkId, role: 'org:admin' } })]) {
      expectProblem(assert, await api.call('POST', '/api/v1/mcp-servers', { token, body: { slug: 'nope', name: 'N' } }), 403);
      expectProblem(assert, await api.call('PATCH', '/api/v1/mcp-servers/git', { token, body: { name: 'N' } }), 403);
      expectProblem(assert, await api.call('DELETE', '/api/v1/mcp-servers/git', { token }), 403);
    }
    assert.equal(query(api.file, "SELECT count(*) AS n FROM mcp_servers WHERE slug = 'nope'")[0].n, 0);
    assert.equal((await api.call('GET', '/api/v1/mcp-servers/git')).json.name, 'Git');
  });

  test('create → 201; a taken slug → 409; PATCH changes only what is given (slug too); DELETE → 204; each audited', async () => {
    const created = await api.call('POST', '/api/v1/mcp-servers', {
      body: { slug: 'weather', name: 'Weather', description: 'Forecasts', url: 'https://weather.example/mcp',
        transport: 'sse', capabilities: { tools: ['forecast'] } },
      headers: { 'User-Agent': 'registry-test/1' },
    });
    assert.equal(created.status, 201, created.text);
    const server = created.json;
    assert.deepEqual(Object.keys(server).sort(), SERVER_FIELDS);
    assert.equal(server.is_active, true, 'default');
    assert.deepEqual(server.capabilities, { tools: ['forecast'] });
    assert.equal(server.created_at, server.updated_at);
    assert.deepEqual((await api.call('GET', '/api/v1/mcp-servers/weather')).json, server);
    // Defaults of a minimal registration.
    const minimal = await api.call('POST', '/api/v1/mcp-servers', { body: { slug: 'tiny', name: 'Tiny' } });
    assert.equal(minimal.status, 201, minimal.text);
    assert.equal(minimal.json.transport, 'stdio');
    assert.deepEqual(minimal.json.capabilities, {});
    assert.equal(minimal.json.description, null);
    assert.equal(minimal.json.url, null);

    const clash = await api.call('POST', '/api/v1/mcp-servers', { body: { slug: 'weather', name: 'Again' } });
    expectProblem(assert, clash, 409);
    assert.equal(clash.json.errors[0].field, 'slug');

    const patched = await api.call('PATCH', `/api/v1/mcp-servers/${server.id}`, {
      body: { slug: 'weather-2', description: null, is_active: false },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.slug, 'weather-2');
    assert.equal(patched.json.description, null);
    assert.equal(patched.json.is_active, false);
    assert.equal(patched.json.name, 'Weather', 'kept');
    assert.equal(patched.json.url, 'https://weather.example/mcp', 'kept');
    assert.deepEqual(patched.json.capabilities, { tools: ['forecast'] }, 'kept');
    assert.ok(patched.json.updated_at > server.updated_at);
    expectProblem(assert, await api.call('GET', '/api/v1/mcp-servers/weather'), 404, 'the old slug is gone');
    expectProblem(assert, await api.call('PATCH', '/api/v1/mcp-servers/weather-2', { body: { slug: 'github' } }), 409);
    // Nothing to change: 200, the same resource, no audit row.
    const same = await api.call('PATCH', '/api/v1/mcp-servers/weather-2', { body: { name: 'Weather' } });
    assert.equal(same.status, 200, same.text);
    assert.deepEqual(same.json, patched.json);

    const deleted = await api.call('DELETE', '/api/v1/mcp-servers/weather-2');
    assert.equal(deleted.status, 204, deleted.text);
    assert.equal(deleted.text, '');
    expectProblem(assert, await api.call('GET', `/api/v1/mcp-servers/${server.id}`), 404);
    expectProblem(assert, await api.call('DELETE', '/api/v1/mcp-servers/weather-2'), 404, 'deleting twice');

    const audit = auditOf(api, server.id, [created, patched, deleted]);
    assert.deepEqual(audit.map((row) => row.action), ['mcp_server.created', 'mcp_server.updated', 'mcp_server.deleted']);
    for (const row of audit) {
      assert.equal(row.actor_type, 'api_key');
      assert.equal(row.organization_id, null, 'the registry is platform-wide');
      assert.equal(row.target_type, 'mcp_server');
      assert.match(row.request_id, /\S/);
    }
    assert.equal(audit[0].changes.before, null);
    assert.equal(audit[0].changes.after.slug, 'weather');
    assert.equal(audit[1].changes.before.slug, 'weather');
    assert.equal(audit[1].changes.after.slug, 'weather-2');
    assert.equal(audit[1].changes.after.is_active, false);
    assert.equal(audit[2].changes.before.slug, 'weather-2');
    assert.equal(audit[2].changes.after, null);
    const bootstrapId = query(api.file, "SELECT actor_id FROM audit_logs WHERE action = 'mcp_server.created' AND actor_type = 'api_key'")[0].actor_id;
    assert.ok(audit.every((row) => row.actor_id === bootstrapId), 'the actor is the key that made the change');
  });

  test('deleting a server removes every organization\'s service of it, audited in each organization', async () => {
    const created = await api.call('POST', '/api/v1/mcp-servers', { body: { slug: 'doomed', name: 'Doomed' } });
    assert.equal(created.status, 201, created.text);
    const globex = await api.tenant('globex-reg', []);
    const puts = [];
    for (const org of [acme, globex]) {
      const put = await api.call('PUT', `/api/v1/organizations/${org.id}/services/doomed`, { body: { config: { n: 1 } } });
      assert.equal(put.status, 200, put.text);
      puts.push(put);
    }
    const services = query(api.file, `SELECT id, organization_id FROM organization_services WHERE mcp_server_id = '${created.json.id}'`);
    assert.equal(services.length, 2);
    const deletion = await api.call('DELETE', '/api/v1/mcp-servers/doomed');
    assert.equal(deletion.status, 204);
    assert.equal(query(api.file, `SELECT count(*) AS n FROM organization_services WHERE mcp_server_id = '${created.json.id}'`)[0].n, 0);
    for (const service of services) {
      const rows = auditOf(api, service.id, [...puts, deletion]);
      assert.deepEqual(rows.map((row) => row.action), ['organization_service.enabled', 'organization_service.disabled']);
      assert.equal(rows[1].organization_id, service.organization_id);
      assert.equal(rows[1].changes.before.mcp_server.slug, 'doomed');
      assert.equal(rows[1].changes.after, null);
    }
    for (const org of [acme, globex]) {
      const list = await api.call('GET', `/api/v1/organizations/${org.id}/services`);
      assert.ok(!list.json.data.some((entry) => entry.mcp_server.slug === 'doomed'));
    }
  });

  test('a slug is [a-z0-9-]{1,64} and never shaped like an id', async () => {
    for (const slug of ['', 'Upper', 'with space', 'under_score', 'dot.ted', 'x'.repeat(65), 'é',
      '01890a5d-ac96-774b-bcce-b302099a8057']) {
      const response = await api.call('POST', '/api/v1/mcp-servers', { body: { slug, name: 'N' } });
      expectProblem(assert, response, 400, JSON.stringify(slug));
      assert.equal(response.json.errors?.[0]?.field, 'slug', response.text);
    }
    const longest = await api.call('POST', '/api/v1/mcp-servers', { body: { slug: `a-${'9'.repeat(62)}`, name: 'Long' } });
    assert.equal(longest.status, 201, longest.text);
    for (const [field, value] of [['name', 'a\u0000b'], ['name', 'tab\there'], ['name', 'line\nbreak'], ['description', 'nul\u0000'],
      ['description', 'bell\u0007']]) {
      const response = await api.call('POST', '/api/v1/mcp-servers', { body: { slug: 'ctl', name: 'N', [field]: value } });
      expectProblem(assert, response, 400, JSON.stringify(value));
      assert.equal(response.json.errors?.[0]?.field, field);
    }
    const multiline = await api.call('POST', '/api/v1/mcp-servers', { body: { slug: 'multi', name: 'Multi', description: 'one\ntwo\tthree' } });
    assert.equal(multiline.status, 201, multiline.text);
    assert.equal(multiline.json.description, 'one\ntwo\tthree');
    for (const url of ['ftp://x.example', 'x.example/mcp', 'https://', 'https:///path', 'https://a b', 'javascript:alert(1)',
      'https://x.example/\n']) {
      const response = await api.call('POST', '/api/v1/mcp-servers', { body: { slug: 'badurl', name: 'N', url } });
      expectProblem(assert, response, 400, url);
      assert.equal(response.json.errors?.[0]?.field, 'url');
    }
  });

  test('bad input to POST and PATCH: 4xx problem JSON, nothing written; bad ids: 404', async () => {
    const fields = { slug: 'string', name: 'string', description: 'string?', url: 'string?', transport: 'enum',
      capabilities: 'object', is_active: 'boolean' };
    const created = await rejectsBadInput(api, { method: 'POST', path: '/api/v1/mcp-servers', valid: { slug: 'valid-one', name: 'Valid' }, fields });
    const patched = await rejectsBadInput(api, { method: 'PATCH', path: '/api/v1/mcp-servers/git', valid: { name: 'Git' }, fields });
    assert.ok(created > 80 && patched > 80, `${created} + ${patched} cases`);
    const missing = await api.call('POST', '/api/v1/mcp-servers', { body: { slug: 'no-name' } });
    assert.equal(expectProblem(assert, missing, 400).errors[0].field, 'name');
    const deep = { a: {} };
    let node = deep.a;
    for (let level = 0; level < 40; level += 1) { node.a = {}; node = node.a; }
    expectProblem(assert, await api.call('PATCH', '/api/v1/mcp-servers/git', { body: { capabilities: deep } }), 400, 'nested too deep');
    const veryDeep = `{"capabilities":{"a":${'['.repeat(400000)}${']'.repeat(400000)}}}`;
    expectProblem(assert, await api.call('PATCH', '/api/v1/mcp-servers/git', { body: veryDeep }), 400, 'nested 400,000 deep');
    for (const id of BAD_IDS) {
      for (const method of ['GET', 'DELETE']) {
        expectProblem(assert, await api.call(method, `/api/v1/mcp-servers/${id}`), 404, `${method} ${id}`);
      }
      expectProblem(assert, await api.call('PATCH', `/api/v1/mcp-servers/${id}`, { body: { name: 'x' } }), 404, `PATCH ${id}`);
    }
    assert.equal((await api.call('GET', '/api/health', { token: null })).status, 200, 'still serving');
  });
});

describe('organization services', () => {
  let api;
  let acme;
  let globex;
  let keys;
  before(async () => {
    api = await startApiServer();
    acme = await api.tenant('acme', [
      { name: 'ada', role: 'org:admin' }, { name: 'bob', role: 'org:member' }, { name: 'vic', role: 'org:viewer' },
    ]);
    globex = await api.tenant('globex', [{ name: 'gus', role: 'org:admin' }]);
    keys = {
      admin: await api.apiKey(acme.id, 'ADMIN'),
      member: await api.apiKey(acme.id, 'MEMBER'),
      viewer: await api.apiKey(acme.id, 'VIEWER'),
      globexAdmin: await api.apiKey(globex.id, 'ADMIN'),
    };
  });
  after(async () => { await api?.close(); });

  test('PUT enables with config (by slug or server id, by Clerk or internal org id); GET lists it with the server', async () => {
    const put = await api.call('PUT', `/api/v1/organizations/${acme.orgClerkId}/services/github`, {
      token: keys.admin.key, body: { config: { repo: 'acme/app', max: 3 } },
    });
    assert.equal(put.status, 200, put.text);
    const service = put.json;
    assert.deepEqual(Object.keys(service).sort(), SERVICE_FIELDS);
    assert.equal(service.organization_id, acme.id);
    assert.equal(service.enabled, true, 'enabled unless said otherwise');
    assert.deepEqual(service.config, { repo: 'acme/app', max: 3 });
    assert.equal(service.mcp_server.slug, 'github');
    assert.equal(service.mcp_server.name, 'GitHub');
    assert.equal(service.mcp_server_id, service.mcp_server.id);

    const git = (await api.call('GET', '/api/v1/mcp-servers/git')).json;
    const byId = await api.call('PUT', `/api/v1/organizations/${acme.id}/services/${git.id}`, { token: keys.admin.key, body: {} });
    assert.equal(byId.status, 200, byId.text);
    assert.deepEqual(byId.json.config, {}, 'no config: {}');

    for (const token of [keys.viewer.key, keys.member.key, keys.admin.key]) {
      const list = await api.call('GET', `/api/v1/organizations/${acme.id}/services`, { token });
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(list.json.data.map((entry) => entry.mcp_server.slug), ['github', 'git']);
      assert.deepEqual(list.json.data[0], service);
      assert.equal(list.json.next_cursor, null);
    }
    const page = await api.call('GET', `/api/v1/organizations/${acme.id}/services?limit=1`);
    assert.equal(page.json.data.length, 1);
    const rest = await api.call('GET', `/api/v1/organizations/${acme.id}/services?limit=1&cursor=${page.json.next_cursor}`);
    assert.deepEqual(rest.json.data.map((entry) => entry.mcp_server.slug), ['git']);
    const audit = auditOf(api, service.id, [put]);
    assert.deepEqual(audit.map((row) => row.action), ['organization_service.enabled']);
    assert.equal(audit[0].organization_id, acme.id);
    assert.equal(audit[0].actor_id, keys.admin.id);
    assert.equal(audit[0].changes.before, null);
    assert.deepEqual(audit[0].changes.after.config, { repo: 'acme/app', max: 3 });
  });

  test('PUT again changes config (updated) or enabled; DELETE disables keeping the config; PUT re-enables', async () => {
    const path = `/api/v1/organizations/${acme.id}/services/fetch`;
    const first = await api.call('PUT', path, { token: keys.admin.key, body: { config: { a: 1 } } });
    assert.equal(first.status, 200, first.text);
    const id = first.json.id;
    const changed = await api.call('PUT', path, { token: keys.admin.key, body: { config: { a: 2 } } });
    assert.equal(changed.json.id, id, 'one row per organization and server');
    assert.deepEqual(changed.json.config, { a: 2 });
    const same = await api.call('PUT', path, { token: keys.admin.key, body: { config: { a: 2 } } });
    assert.equal(same.status, 200);
    assert.deepEqual(same.json, changed.json, 'nothing changed, nothing written');

    const disabled = await api.call('DELETE', path, { token: keys.admin.key });
    assert.equal(disabled.status, 204, disabled.text);
    let listed = (await api.call('GET', `/api/v1/organizations/${acme.id}/services`)).json.data.find((entry) => entry.id === id);
    assert.equal(listed.enabled, false, 'still listed, disabled');
    assert.deepEqual(listed.config, { a: 2 }, 'the config is kept');
    assert.equal((await api.call('DELETE', path, { token: keys.admin.key })).status, 204, 'disabling twice: 204');

    const reenabled = await api.call('PUT', path, { token: keys.admin.key, body: { enabled: true } });
    assert.equal(reenabled.status, 200);
    assert.equal(reenabled.json.enabled, true);
    assert.deepEqual(reenabled.json.config, { a: 2 }, 'PUT without config keeps it');
    const off = await api.call('PUT', path, { token: keys.admin.key, body: { enabled: false, config: { b: 1 } } });
    assert.equal(off.json.enabled, false);
    listed = (await api.call('GET', `/api/v1/organizations/${acme.id}/services`)).json.data.find((entry) => entry.id === id);
    assert.deepEqual(listed, off.json);
    // The contract: PUT with a config enables (only an explicit "enabled": false keeps it off).
    const back = await api.call('PUT', path, { token: keys.admin.key, body: { config: { b: 1 } } });
    assert.equal(back.json.enabled, true, 'PUT {config} re-enables a disabled service');

    const mutations = [first, changed, disabled, reenabled, off, back];
    assert.deepEqual(auditOf(api, id, mutations).map((row) => row.action), [
      'organization_service.enabled', 'organization_service.updated', 'organization_service.disabled',
      'organization_service.enabled', 'organization_service.disabled', 'organization_service.enabled',
    ]);
    const rows = auditOf(api, id, mutations);
    assert.deepEqual(rows[1].changes.before.config, { a: 1 });
    assert.deepEqual(rows[1].changes.after.config, { a: 2 });
    assert.equal(rows[2].changes.before.enabled, true);
    assert.equal(rows[2].changes.after.enabled, false);
  });

  test('MEMBER and VIEWER may not change services (403); the platform admin and a Clerk org:admin may', async () => {
    const path = `/api/v1/organizations/${acme.id}/services/time`;
    for (const token of [keys.member.key, keys.viewer.key, await api.token('bob', { org: { id: acme.orgClerkId, role: 'org:member' } })]) {
      expectProblem(assert, await api.call('PUT', path, { token, body: { config: {} } }), 403);
      expectProblem(assert, await api.call('DELETE', path, { token }), 403);
    }
    const ada = await api.token('ada', { org: { id: acme.orgClerkId, role: 'org:admin' } });
    const put = await api.call('PUT', path, { token: ada, body: { config: { tz: 'UTC' } } });
    assert.equal(put.status, 200, put.text);
    const audit = auditOf(api, put.json.id, [put]);
    assert.equal(audit[0].actor_type, 'user');
    assert.equal(audit[0].actor_id, (await api.call('GET', `/api/v1/users/${userId('ada')}`)).json.id);
    assert.equal((await api.call('DELETE', path)).status, 204, 'the platform admin');
  });

  test('another organization\'s services are 404 for every method; unknown org, unknown server, deleted org → 404', async () => {
    for (const org of [globex.id, globex.orgClerkId]) {
      expectProblem(assert, await api.call('GET', `/api/v1/organizations/${org}/services`, { token: keys.admin.key }), 404);
      expectProblem(assert, await api.call('PUT', `/api/v1/organizations/${org}/services/github`, { token: keys.admin.key, body: { config: {} } }), 404);
      expectProblem(assert, await api.call('DELETE', `/api/v1/organizations/${org}/services/github`, { token: keys.admin.key }), 404);
      // Even for a server that does not exist: nothing about another organization leaks.
      expectProblem(assert, await api.call('PUT', `/api/v1/organizations/${org}/services/no-such`, { token: keys.viewer.key, body: {} }), 404);
    }
    const gus = await api.token('gus', { org: { id: globex.orgClerkId, role: 'org:admin' } });
    expectProblem(assert, await api.call('GET', `/api/v1/organizations/${acme.id}/services`, { token: gus }), 404);
    expectProblem(assert, await api.call('GET', '/api/v1/organizations/org_nobody/services'), 404);
    expectProblem(assert, await api.call('PUT', `/api/v1/organizations/${acme.id}/services/no-such-server`, { body: { config: {} } }), 404);
    expectProblem(assert, await api.call('PUT', `/api/v1/organizations/${acme.id}/services/01890a5d-ac96-774b-bcce-b302099a8057`, { body: {} }), 404);
    expectProblem(assert, await api.call('DELETE', `/api/v1/organizations/${acme.id}/services/sqlite`), 404, 'never enabled');

    const doomed = await api.tenant('doomed', []);
    assert.equal((await api.call('PUT', `/api/v1/organizations/${doomed.id}/services/git`, { body: {} })).status, 200);
    const deletion = await api.post(api.nextSvixId(), organizationDeleted(doomed.orgClerkId));
    assert.equal(deletion.status, 200, deletion.text);
    for (const org of [doomed.id, doomed.orgClerkId]) {
      expectProblem(assert, await api.call('GET', `/api/v1/organizations/${org}/services`), 404);
      expectProblem(assert, await api.call('PUT', `/api/v1/organizations/${org}/services/git`, { body: {} }), 404);
      expectProblem(assert, await api.call('DELETE', `/api/v1/organizations/${org}/services/git`), 404);
    }
  });

  test('a tool policy is set with the service, shown in lists, kept when absent, audited; null resets it', async () => {
    const path = `/api/v1/organizations/${acme.id}/services/brave-search`;
    const first = await api.call('PUT', path, { body: { config: { k: 1 } } });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.json.tool_policy, DEFAULT_POLICY, 'no policy: the default, shown whole');
    const policy = { allow: ['search_*', 'get_*'], deny: ['*_admin'], require_method_headers: true };
    const set = await api.call('PUT', path, { body: { tool_policy: policy } });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.json.tool_policy, policy);
    assert.deepEqual(set.json.config, { k: 1 }, 'config kept when absent');
    const kept = await api.call('PUT', path, { body: { config: { k: 2 } } });
    assert.deepEqual(kept.json.tool_policy, policy, 'policy kept when absent');
    const listed = await api.call('GET', `/api/v1/organizations/${acme.id}/services?limit=200`);
    assert.deepEqual(listed.json.data.find((s) => s.mcp_server.slug === 'brave-search').tool_policy, policy);
    const audit = (await api.call('GET', `/api/v1/audit-logs?target_id=${set.json.id}&limit=10`)).json.data;
    // Newest first: the oldest update with the policy is the one that set it.
    const updated = audit.filter((row) => row.action === 'organization_service.updated' && row.changes.after.tool_policy.deny.length).at(-1);
    assert.ok(updated, JSON.stringify(audit.map((r) => r.action)));
    assert.deepEqual(updated.changes.before.tool_policy, DEFAULT_POLICY);
    assert.deepEqual(updated.changes.after.tool_policy, policy);
    // The same policy again changes nothing and writes no audit row; null resets it.
    const rows = audit.length;
    await api.call('PUT', path, { body: { tool_policy: policy } });
    assert.equal((await api.call('GET', `/api/v1/audit-logs?target_id=${set.json.id}&limit=10`)).json.data.length, rows);
    const reset = await api.call('PUT', path, { body: { tool_policy: null } });
    assert.deepEqual(reset.json.tool_policy, DEFAULT_POLICY);
    // Bad policies: 400 naming the member, nothing written.
    for (const [bad, field] of [
      [{ allow: 'search' }, 'tool_policy.allow'], [{ deny: [''] }, 'tool_policy.deny[0]'], [{ allow: [7] }, 'tool_policy.allow[0]'],
      [{ require_method_headers: 'yes' }, 'tool_policy.require_method_headers'], [{ surprise: [] }, 'tool_policy.surprise'],
      ['allow', 'tool_policy'], [{ deny: ['tab\there'] }, 'tool_policy.deny[0]'],
      [{ allow: Array.from({ length: 300 }, (_, i) => `t${i}`) }, 'tool_policy.allow'],
    ]) {
      const refused = expectProblem(assert, await api.call('PUT', path, { body: { tool_policy: bad } }), 400, JSON.stringify(bad));
      assert.equal(refused.errors[0].field, field, JSON.stringify(refused));
    }
    assert.deepEqual((await api.call('PUT', path, { body: {} })).json.tool_policy, DEFAULT_POLICY, 'nothing was written');
  });

  test('bad input to PUT …/services/{server_id}: 4xx problem JSON, nothing written; bad ids: 404', async () => {
    const cases = await rejectsBadInput(api, {
      method: 'PUT', path: `/api/v1/organizations/${acme.id}/services/github`, valid: { config: {} },
      fields: { config: 'object', enabled: 'boolean' },
    });
    assert.ok(cases > 40, `${cases} cases`);
    const big = { blob: 'x'.repeat(70 * 1024) };
    const tooBig = await api.call('PUT', `/api/v1/organizations/${acme.id}/services/github`, { body: { config: big } });
    assert.equal(expectProblem(assert, tooBig, 400).errors[0].field, 'config');
    for (const id of BAD_IDS) {
      expectProblem(assert, await api.call('GET', `/api/v1/organizations/${id}/services`), 404, `org ${id}`);
      expectProblem(assert, await api.call('PUT', `/api/v1/organizations/${id}/services/github`, { body: {} }), 404, `org ${id}`);
      expectProblem(assert, await api.call('PUT', `/api/v1/organizations/${acme.id}/services/${id}`, { body: {} }), 404, `server ${id}`);
      expectProblem(assert, await api.call('DELETE', `/api/v1/organizations/${acme.id}/services/${id}`), 404, `server ${id}`);
    }
  });
});
