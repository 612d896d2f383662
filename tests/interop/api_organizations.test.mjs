// /api/v1/organizations, members and users through the running binary: tenants are created the way
// production creates them (signed Clerk webhooks), credentials are real API keys and jose-signed
// session tokens.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectProblem, startApiServer } from './api_harness.mjs';
import { orgId, organizationDeleted, userCreated, userId } from './clerk_payloads.mjs';
import { query } from './db_state.mjs';

describe('organizations, members and users', () => {
  let api;
  let acme;
  let globex;
  before(async () => {
    api = await startApiServer();
    acme = await api.tenant('acme', [
      { name: 'ada', role: 'org:admin' }, { name: 'bob', role: 'org:member' }, { name: 'cyd', role: 'org:viewer' },
    ]);
    globex = await api.tenant('globex', [{ name: 'gus', role: 'org:admin' }]);
  });
  after(async () => { await api?.close(); });

  test('an organization is found by internal id and by Clerk id, with the contract fields', async () => {
    const byClerk = await api.call('GET', `/api/v1/organizations/${acme.orgClerkId}`);
    assert.equal(byClerk.status, 200, byClerk.text);
    const byId = await api.call('GET', `/api/v1/organizations/${acme.id}`);
    assert.deepEqual(byId.json, byClerk.json);
    assert.equal(byId.json.clerk_id, orgId('acme'));
    assert.equal(byId.json.slug, 'acme');
    assert.match(byId.json.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(Object.keys(byId.json).sort(),
      ['clerk_id', 'created_at', 'deleted_at', 'id', 'image_url', 'metadata', 'name', 'slug', 'updated_at']);
  });

  test('the platform admin lists every organization, page by page without gaps or repeats', async () => {
    for (let idx = 0; idx < 5; idx += 1) {
      const created = await api.call('POST', '/api/v1/organizations', { body: { name: `Paged ${idx}`, slug: `paged-${idx}` } });
      assert.equal(created.status, 201, created.text);
    }
    const seen = [];
    let cursor = null;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = await api.call('GET', `/api/v1/organizations?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200, page.text);
      assert.ok(page.json.data.length <= 2);
      seen.push(...page.json.data.map((o) => o.id));
      cursor = page.json.next_cursor;
      if (!cursor) break;
    }
    assert.equal(new Set(seen).size, seen.length, 'no repeats');
    assert.equal(seen.length, 7, `acme, globex and 5 created: ${seen.length}`);
    assert.deepEqual([...seen].sort(), seen, 'ordered by id');
  });

  test('an organization key sees its own organization only; another organization is 404', async () => {
    const key = await api.apiKey(acme.id, 'VIEWER');
    const list = await api.call('GET', '/api/v1/organizations', { token: key.key });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json.data.map((o) => o.id), [acme.id]);
    expectProblem(assert, await api.call('GET', `/api/v1/organizations/${globex.id}`, { token: key.key }), 404);
    expectProblem(assert, await api.call('GET', `/api/v1/organizations/${globex.orgClerkId}/members`, { token: key.key }), 404);
    expectProblem(assert, await api.call('GET', '/api/v1/organizations/org_does_not_exist', { token: key.key }), 404);
  });

  test('PATCH needs ADMIN, changes the fields given, and writes an audit row with before and after', async () => {
    const viewer = await api.apiKey(acme.id, 'VIEWER');
    const admin = await api.apiKey(acme.id, 'ADMIN');
    expectProblem(assert, await api.call('PATCH', `/api/v1/organizations/${acme.id}`, { token: viewer.key, body: { name: 'X' } }), 403);
    const patched = await api.call('PATCH', `/api/v1/organizations/${acme.id}`, {
      token: admin.key, body: { name: 'Acme Renamed', metadata: { tier: 'gold' } }, headers: { 'User-Agent': 'api-test/1' },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.name, 'Acme Renamed');
    assert.equal(patched.json.slug, 'acme', 'fields not given are kept');
    assert.deepEqual(patched.json.metadata, { tier: 'gold' });
    const audit = query(api.file, `SELECT actor_type, actor_id, user_agent, ip, request_id, changes, organization_id
      FROM audit_logs WHERE action = 'organization.updated' AND target_id = '${acme.id}'`);
    assert.equal(audit.length, 1);
    assert.equal(audit[0].actor_type, 'api_key');
    assert.equal(audit[0].actor_id, admin.id);
    assert.equal(audit[0].user_agent, 'api-test/1');
    assert.equal(audit[0].ip, '127.0.0.1');
    assert.equal(audit[0].request_id, patched.headers['x-request-id']);
    assert.equal(audit[0].organization_id, acme.id);
    const changes = typeof audit[0].changes === 'string' ? JSON.parse(audit[0].changes) : audit[0].changes;
    assert.equal(changes.before.name, 'Acme Inc');
    assert.equal(changes.after.name, 'Acme Renamed');
  });

  test('a slug already held by another live organization is a 409', async () => {
    const response = await api.call('PATCH', `/api/v1/organizations/${acme.id}`, { body: { slug: 'globex' } });
    expectProblem(assert, response, 409);
  });

  test('members: list with users, add, change role, remove; ADMIN only for changes', async () => {
    const list = await api.call('GET', `/api/v1/organizations/${acme.id}/members`);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json.data.map((m) => [m.user.clerk_id, m.role]).sort(),
      [[userId('ada'), 'ADMIN'], [userId('bob'), 'MEMBER'], [userId('cyd'), 'VIEWER']].sort());
    const member = await api.apiKey(acme.id, 'MEMBER');
    expectProblem(assert, await api.call('POST', `/api/v1/organizations/${acme.id}/members`, {
      token: member.key, body: { user_id: userId('gus') },
    }), 403);
    const added = await api.call('POST', `/api/v1/organizations/${acme.id}/members`, { body: { user_id: userId('gus'), role: 'VIEWER' } });
    assert.equal(added.status, 201, added.text);
    assert.equal(added.json.role, 'VIEWER');
    assert.equal(added.json.user.clerk_id, userId('gus'));
    expectProblem(assert, await api.call('POST', `/api/v1/organizations/${acme.id}/members`, { body: { user_id: userId('gus') } }), 409);
    const promoted = await api.call('PATCH', `/api/v1/organizations/${acme.id}/members/${userId('gus')}`, { body: { role: 'MEMBER' } });
    assert.equal(promoted.status, 200, promoted.text);
    assert.equal(promoted.json.role, 'MEMBER');
    const removed = await api.call('DELETE', `/api/v1/organizations/${acme.id}/members/${userId('gus')}`);
    assert.equal(removed.status, 204, removed.text);
    expectProblem(assert, await api.call('DELETE', `/api/v1/organizations/${acme.id}/members/${userId('gus')}`), 404);
    // The webhooks' vocabulary (one for every writer): organization_membership.*, on target type organization_membership.
    const rows = api.audit().filter((row) => row.action.startsWith('organization_membership.') && row.actor_type === 'api_key');
    assert.deepEqual(rows.map((row) => row.action).sort(),
      ['organization_membership.created', 'organization_membership.deleted', 'organization_membership.updated']);
    assert.deepEqual([...new Set(rows.map((row) => row.target_type))], ['organization_membership']);
  });

  test('users: the platform admin sees all, an organization key its members, a user themself', async () => {
    const all = await api.call('GET', '/api/v1/users?limit=200');
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.json.data.map((u) => u.clerk_id).sort(), ['ada', 'bob', 'cyd', 'gus'].map(userId).sort());
    const key = await api.apiKey(globex.id, 'VIEWER');
    const mine = await api.call('GET', '/api/v1/users', { token: key.key });
    assert.deepEqual(mine.json.data.map((u) => u.clerk_id), [userId('gus')]);
    expectProblem(assert, await api.call('GET', `/api/v1/users/${userId('ada')}`, { token: key.key }), 404);
    const gus = await api.call('GET', `/api/v1/users/${userId('gus')}`, { token: key.key });
    assert.equal(gus.status, 200, gus.text);
    assert.equal(gus.json.email, 'gus@example.com');
    const token = await api.token('ada', { org: { id: acme.orgClerkId, role: 'org:admin' } });
    const self = await api.call('GET', `/api/v1/users/${userId('ada')}`, { token });
    assert.equal(self.status, 200, self.text);
  });

  test('a user token lists the organizations the user belongs to', async () => {
    await api.post(api.nextSvixId(), userCreated({ name: 'lone' }));
    const token = await api.token('gus');
    const list = await api.call('GET', '/api/v1/organizations', { token });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json.data.map((o) => o.clerk_id), [globex.orgClerkId]);
    const lone = await api.call('GET', '/api/v1/organizations', { token: await api.token('lone') });
    assert.deepEqual(lone.json.data, []);
  });

  test('bad input is a 4xx problem, never a 5xx', async () => {
    const base = `/api/v1/organizations/${acme.id}`;
    const cases = [
      ['POST', '/api/v1/organizations', '{"name":', 400],
      ['POST', '/api/v1/organizations', [1, 2], 400],
      ['POST', '/api/v1/organizations', { name: 7 }, 400],
      ['POST', '/api/v1/organizations', {}, 400],
      ['POST', '/api/v1/organizations', { name: 'x', unknown: 1 }, 400],
      ['POST', '/api/v1/organizations', { name: 'x', slug: 'Not A Slug' }, 400],
      ['POST', '/api/v1/organizations', { name: 'x'.repeat(300) }, 400],
      ['POST', '/api/v1/organizations', { name: 'x', clerk_id: 'nope' }, 400],
      ['PATCH', base, { metadata: 'str' }, 400],
      ['PATCH', base, { name: 1e308 }, 400],
      ['POST', `${base}/members`, { user_id: userId('bob'), role: 'OWNER' }, 400],
      ['POST', `${base}/members`, { user_id: 'user_nobody' }, 404],
      ['PATCH', `${base}/members/${userId('bob')}`, { role: 99999999999999999999 }, 400],
      ['PATCH', `${base}/members/${userId('bob')}`, {}, 400],
      ['GET', '/api/v1/organizations?limit=0', undefined, 400],
      ['GET', '/api/v1/organizations?limit=99999999999999999999', undefined, 400],
      ['GET', '/api/v1/organizations?cursor=%00%01', undefined, 400],
      ['GET', '/api/v1/organizations/%27%3B--', undefined, 404],
      ['GET', `/api/v1/users/${'x'.repeat(2000)}`, undefined, 404],
      ['GET', '/api/v1/organizations/%FF%FE', undefined, 404],
      ['GET', '/api/v1/users/%C3%28', undefined, 404],
      ['PATCH', `${base}/members/%FF`, { role: 'VIEWER' }, 404],
      ['POST', '/api/v1/organizations', `{"name":"deep","metadata":${'{"a":'.repeat(100000)}1${'}'.repeat(100000)}}`, 400],
      ['PATCH', base, { metadata: JSON.parse(`${'{"a":'.repeat(33)}1${'}'.repeat(33)}`) }, 400],
    ];
    for (const [method, path, body, status] of cases) {
      expectProblem(assert, await api.call(method, path, { body }), status, `${method} ${path} ${JSON.stringify(body)}`);
    }
    assert.equal((await api.call('GET', '/api/health', { token: null })).status, 200, 'the server survived');
    const huge = await api.call('POST', '/api/v1/organizations', { body: { name: 'x', metadata: { blob: 'y'.repeat(1100 * 1024) } } });
    expectProblem(assert, huge, 413);
  });

  test('deleting an organization (platform admin) ends its memberships and revokes its keys', async () => {
    const created = await api.call('POST', '/api/v1/organizations', { body: { name: 'Doomed', slug: 'doomed' } });
    assert.equal(created.status, 201, created.text);
    const key = await api.apiKey(created.json.id, 'ADMIN');
    expectProblem(assert, await api.call('DELETE', `/api/v1/organizations/${created.json.id}`, { token: key.key }), 403);
    const deleted = await api.call('DELETE', `/api/v1/organizations/${created.json.id}`);
    assert.equal(deleted.status, 204, deleted.text);
    expectProblem(assert, await api.call('GET', '/api/v1/organizations', { token: key.key }), 401);
    const again = await api.call('GET', `/api/v1/organizations/${created.json.id}`);
    assert.equal(again.status, 200, 'the platform admin still reads it');
    assert.ok(again.json.deleted_at);
    const slugReused = await api.call('POST', '/api/v1/organizations', { body: { name: 'Reborn', slug: 'doomed' } });
    assert.equal(slugReused.status, 201, 'the slug is free again once deleted');
  });

  // One cascade, one audit story (domain/organization_deletion.h): the API's DELETE once wrote one
  // row with counts, the webhook a row per membership, key and session.
  test('an organization deleted through the API and one deleted by Clerk leave the same audit story', async () => {
    const story = async (org) => {
      const tenant = await api.tenant(org, [{ name: `${org}_a`, role: 'org:admin' }, { name: `${org}_m`, role: 'org:member' }]);
      await api.apiKey(tenant.id, 'ADMIN');
      await api.apiKey(tenant.id, 'VIEWER');
      return tenant;
    };
    const viaApi = await story('deleted_by_api');
    const viaClerk = await story('deleted_by_clerk');
    const deleted = await api.call('DELETE', `/api/v1/organizations/${viaApi.id}`);
    assert.equal(deleted.status, 204, deleted.text);
    const webhook = await api.post(api.nextSvixId(), organizationDeleted(viaClerk.orgClerkId));
    assert.equal(webhook.status, 200, webhook.text);

    const told = (tenant) => api.audit()
      .filter((row) => row.organization === tenant.orgClerkId && (row.action.endsWith('.deleted') || row.action.endsWith('.revoked')))
      .map(({ action, target_type: targetType, changes }) => [action, targetType,
        changes.before === null ? null : Object.keys(changes.before).sort(), changes.after?.reason ?? changes.after?.deleted].join(' '))
      .sort();
    const byApi = told(viaApi);
    assert.deepEqual(byApi, [
      'api_key.revoked api_key  organization deleted',
      'api_key.revoked api_key  organization deleted',
      'organization.deleted organization clerk_id,deleted,name,slug true',
      'organization_membership.deleted organization_membership  organization deleted',
      'organization_membership.deleted organization_membership  organization deleted',
    ]);
    assert.deepEqual(told(viaClerk), byApi, 'the webhook tells the same story');
    const actors = api.audit().filter((row) => row.organization === viaApi.orgClerkId && row.action.endsWith('.revoked'));
    assert.deepEqual([...new Set(actors.map((row) => row.actor_type))], ['api_key'], 'the API\'s rows name its actor');
  });

  test('no credential or a wrong one: 401 with WWW-Authenticate, and no secret in the log', async () => {
    const none = await api.call('GET', '/api/v1/organizations', { token: null });
    expectProblem(assert, none, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    const fake = 'mcp_sk_' + 'A'.repeat(43);
    const wrong = await api.call('GET', '/api/v1/organizations', { token: fake });
    expectProblem(assert, wrong, 401);
    assert.ok(!wrong.text.includes(fake));
    assert.ok(!api.stderr().includes(api.bootstrapKey), 'the bootstrap key never reaches the log');
    assert.ok(!api.stderr().includes(fake));
  });
});

describe('the audit trail\'s ip: X-Forwarded-For only from trusted proxies', () => {
  async function ipOfPatch(api, forwardedFor) {
    const created = await api.call('POST', '/api/v1/organizations', { body: { name: 'Ip' }, headers: { 'X-Forwarded-For': forwardedFor } });
    assert.equal(created.status, 201, created.text);
    const [row] = query(api.file, `SELECT ip FROM audit_logs WHERE request_id = '${created.headers['x-request-id']}'`);
    return row.ip;
  }

  test('without MCP_ADMIN_TRUSTED_PROXIES the header is ignored', async () => {
    const api = await startApiServer();
    try {
      assert.equal(await ipOfPatch(api, '203.0.113.9'), '127.0.0.1');
    } finally {
      await api.close();
    }
  });

  test('from a trusted proxy, the nearest untrusted address is taken', async () => {
    const api = await startApiServer({ env: { MCP_ADMIN_TRUSTED_PROXIES: '127.0.0.1,10.0.0.2' } });
    try {
      assert.equal(await ipOfPatch(api, '203.0.113.9'), '203.0.113.9');
      // A client-supplied first hop cannot win over what the trusted proxies appended.
      assert.equal(await ipOfPatch(api, '198.51.100.1, 203.0.113.9, 10.0.0.2'), '203.0.113.9');
      // What is not an address (a proxy passing garbage on, bytes that are not text) ends the walk
      // at the last address known good, and never fails the change.
      assert.equal(await ipOfPatch(api, 'not-an-ip'), '127.0.0.1');
      assert.equal(await ipOfPatch(api, '203.0.113.9, \xff\xfe, 10.0.0.2'), '10.0.0.2');
      assert.equal(await ipOfPatch(api, '2001:db8::7'), '2001:db8::7');
    } finally {
      await api.close();
    }
  });
});
