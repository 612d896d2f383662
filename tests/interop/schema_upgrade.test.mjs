// Databases of earlier releases upgraded in place, on both engines (MCP_ADMIN_TEST_ENGINE=postgres):
// as 0001 and 0002 left one (with data), by schema/0003_mcp_authorization.sql (tool policies, the
// audit trail's client_id) and 0004; as 0003 left one, by schema/0004_audit_vocabulary.sql (the
// admin API's membership.* audit rows renamed). `migrate status` says what is pending, `migrate`
// applies it, nothing is lost, and what changed works through the admin API and the gateway.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { run, startServer, tempDir } from '../integration/fixture.mjs';
import { exec, query } from './db_state.mjs';

const ORG_KEY = 'mcp_sk_upgradeAcmeKey000000000000000000000000000000';
const ROOT_KEY = 'mcp_sk_upgradeRootKey000000000000000000000000000000';

test('0003_mcp_authorization upgrades a database of 0002 with data in place; the policy then works', async (t) => {
  const tmp = tempDir('mcp-admin-upgrade-');
  t.after(() => tmp.cleanup());
  const file = path.join(tmp.dir, 'upgrade.db');
  const world = path.join(tmp.dir, 'world.json');
  writeFileSync(world, JSON.stringify({
    organizations: [{ clerk_id: 'org_upgrade', name: 'Upgrade Co', slug: 'upgrade-co' }],
    mcp_servers: [{ slug: 'upgrade-srv', name: 'Upgrade', transport: 'streamable-http', url: 'http://127.0.0.1:9/mcp' }],
    services: [{ organization: 'org_upgrade', server: 'upgrade-srv', config: { repo: 'upgrade/app' } }],
    api_keys: [{ organization: 'org_upgrade', name: 'ci', key: ORG_KEY }, { platform: true, name: 'root', key: ROOT_KEY }],
  }));
  const database = `file:${file}`;
  let server = await startServer({ args: ['--port', '0', '--database', database, '--fixture', world] });
  await server.stop();

  // Back to what 0002 left: no tool_policy column, 0003 and 0004 not recorded.
  exec(file, 'ALTER TABLE organization_services DROP COLUMN tool_policy; ALTER TABLE audit_logs DROP COLUMN client_id; ' +
    "DELETE FROM schema_migrations WHERE name IN ('0003_mcp_authorization', '0004_audit_vocabulary');");
  const pending = run(['migrate', 'status', '--database', database]);
  assert.equal(pending.status, 1, pending.stdout + pending.stderr);
  assert.match(pending.stdout, /^pending {2}0003_mcp_authorization$/m);
  assert.match(pending.stdout, /^2 applied, 2 pending, 0 drifted$/m);

  const migrated = run(['migrate', '--database', database]);
  assert.equal(migrated.status, 0, migrated.stderr);
  const status = run(['migrate', 'status', '--database', database]);
  assert.equal(status.status, 0, status.stdout);
  assert.match(status.stdout, /^4 applied, 0 pending, 0 drifted$/m);
  const [service] = query(file, 'SELECT config, tool_policy FROM organization_services');
  assert.deepEqual(JSON.parse(service.config), { repo: 'upgrade/app' }, 'the row is kept as it was');
  assert.equal(service.tool_policy, null, 'the default policy');
  const audit = query(file, "SELECT action, client_id FROM audit_logs WHERE action = 'fixture.loaded'");
  assert.deepEqual(audit, [{ action: 'fixture.loaded', client_id: null }], 'audit rows kept, with no client');

  server = await startServer({ args: ['--port', '0', '--database', database] });
  t.after(() => server.stop());
  const authorize = (name) => fetch(`${server.url}/api/v1/gateway/authorize?server=upgrade-srv`, {
    headers: { authorization: `Bearer ${ORG_KEY}`, 'mcp-method': 'tools/call', 'mcp-name': name },
  });
  assert.equal((await authorize('drop_tables')).status, 200, 'the default policy allows every tool');
  const put = await fetch(`${server.url}/api/v1/organizations/org_upgrade/services/upgrade-srv`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ROOT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tool_policy: { deny: ['drop_*'] } }),
  });
  assert.equal(put.status, 200, await put.text());
  assert.equal((await authorize('drop_tables')).status, 403);
  assert.equal((await authorize('list_tables')).status, 200);
});

test('0004_audit_vocabulary renames the admin API\'s membership.* rows of a database of 0003; a filter by action finds them', async (t) => {
  const tmp = tempDir('mcp-admin-upgrade-');
  t.after(() => tmp.cleanup());
  const file = path.join(tmp.dir, 'vocabulary.db');
  const world = path.join(tmp.dir, 'world.json');
  writeFileSync(world, JSON.stringify({
    organizations: [{ clerk_id: 'org_vocab', name: 'Vocab Co', slug: 'vocab-co' }],
    api_keys: [{ platform: true, name: 'root', key: ROOT_KEY }],
  }));
  const database = `file:${file}`;
  const server = await startServer({ args: ['--port', '0', '--database', database, '--fixture', world] });
  await server.stop();

  // What the admin API wrote before 0004 for a member added, changed and removed; 0004 not recorded.
  const row = (id, action) => `('${id}', (SELECT id FROM organizations WHERE clerk_id = 'org_vocab'), 'api_key', 'k1', '${action}', ` +
    `'membership', 'm1', '{"before":null,"after":{}}', 1, 1)`;
  exec(file, 'INSERT INTO audit_logs (id, organization_id, actor_type, actor_id, action, target_type, target_id, changes, created_at, updated_at) ' +
    `VALUES ${row('00000000-0000-7000-8000-000000000001', 'membership.created')}, ${row('00000000-0000-7000-8000-000000000002', 'membership.updated')}, ` +
    `${row('00000000-0000-7000-8000-000000000003', 'membership.deleted')}; ` +
    "DELETE FROM schema_migrations WHERE name = '0004_audit_vocabulary';");
  const pending = run(['migrate', 'status', '--database', database]);
  assert.match(pending.stdout, /^pending {2}0004_audit_vocabulary$/m);
  const migrated = run(['migrate', '--database', database]);
  assert.equal(migrated.status, 0, migrated.stderr);

  const rows = query(file, "SELECT action, target_type FROM audit_logs WHERE target_id = 'm1' ORDER BY id");
  assert.deepEqual(rows, ['created', 'updated', 'deleted'].map((verb) => ({
    action: `organization_membership.${verb}`, target_type: 'organization_membership',
  })));
  const others = query(file, "SELECT action, target_type FROM audit_logs WHERE target_id <> 'm1' OR target_id IS NULL");
  assert.deepEqual(others.map((r) => r.action), ['fixture.loaded'], 'other rows untouched');

  const upgraded = await startServer({ args: ['--port', '0', '--database', database] });
  t.after(() => upgraded.stop());
  const listed = await fetch(`${upgraded.url}/api/v1/audit-logs?action=organization_membership.updated`, {
    headers: { authorization: `Bearer ${ROOT_KEY}` },
  });
  const text = await listed.text();
  assert.equal(listed.status, 200, text);
  assert.deepEqual(JSON.parse(text).data.map((r) => r.target_id), ['m1']);
});
