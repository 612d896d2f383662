// A database of today (as migrations 0001 and 0002 left it, with data) upgraded in place by
// schema/0003_mcp_authorization.sql (tool policies, the audit trail's client_id), on both engines (MCP_ADMIN_TEST_ENGINE=postgres): `migrate status`
// says what is pending, `migrate` applies it, nothing is lost, and the new column works through the
// admin API and the gateway.
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

  // Back to what 0002 left: no tool_policy column, 0003 not recorded.
  exec(file, 'ALTER TABLE organization_services DROP COLUMN tool_policy; ALTER TABLE audit_logs DROP COLUMN client_id; ' +
    "DELETE FROM schema_migrations WHERE name = '0003_mcp_authorization';");
  const pending = run(['migrate', 'status', '--database', database]);
  assert.equal(pending.status, 1, pending.stdout + pending.stderr);
  assert.match(pending.stdout, /^pending {2}0003_mcp_authorization$/m);
  assert.match(pending.stdout, /^2 applied, 1 pending, 0 drifted$/m);

  const migrated = run(['migrate', '--database', database]);
  assert.equal(migrated.status, 0, migrated.stderr);
  const status = run(['migrate', 'status', '--database', database]);
  assert.equal(status.status, 0, status.stdout);
  assert.match(status.stdout, /^3 applied, 0 pending, 0 drifted$/m);
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
