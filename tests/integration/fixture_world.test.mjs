// `serve --fixture FILE` / MCP_ADMIN_FIXTURE (README "As a test fixture"): a world loaded after migrating, the
// key from the file authorizing through the gateway, idempotence (no second audit row), errors that
// name the file, the JSON path and the reason (exit 2, nothing loaded). Runs on both engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE, logLines, run, startServer, tempDir } from './fixture.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORLD_FILE = path.resolve(here, '../examples/world.json');
const WORLD = JSON.parse(readFileSync(WORLD_FILE, 'utf8'));
const CI_KEY = WORLD.api_keys[0].key;
const ROOT_KEY = WORLD.api_keys[1].key;

async function get(url, p, key, headers = {}) {
  const response = await fetch(`${url}${p}`, { headers: { Authorization: `Bearer ${key}`, ...headers } });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, json, text, headers: response.headers };
}

function writeWorld(dir, world, name = 'world.json') {
  const file = path.join(dir, name);
  writeFileSync(file, typeof world === 'string' ? world : JSON.stringify(world));
  return file;
}

test('fixture: a world loaded at start authorizes through the gateway with a key from the file', async (t) => {
  const server = await startServer({ args: ['--port', '0', '--database', ':memory:', '--fixture', WORLD_FILE] });
  t.after(() => server.stop());

  const allowed = await get(server.url, '/api/v1/gateway/authorize?server=github', CI_KEY);
  assert.equal(allowed.status, 200, allowed.text);
  assert.equal(allowed.json.allowed, true);
  assert.equal(allowed.json.role, 'MEMBER');
  assert.deepEqual(allowed.json.config, { repo: 'acme/app' });
  assert.equal(allowed.headers.get('x-mcp-server'), 'github');

  // The platform key of the file sees the world as the file describes it.
  const org = await get(server.url, '/api/v1/organizations/org_acme', ROOT_KEY);
  assert.equal(org.status, 200, org.text);
  assert.equal(org.json.slug, 'acme');
  assert.equal(org.json.name, 'Acme');
  const members = await get(server.url, '/api/v1/organizations/org_acme/members', ROOT_KEY);
  assert.equal(members.json.data.length, 1);
  assert.equal(members.json.data[0].role, 'ADMIN');
  assert.equal(members.json.data[0].user.email, 'ada@acme.test');
  const keys = await get(server.url, '/api/v1/organizations/org_acme/api-keys', ROOT_KEY);
  assert.deepEqual(keys.json.data.map((k) => [k.name, k.role, k.prefix]), [['ci', 'MEMBER', CI_KEY.slice(0, 16)]]);

  // A key that is not in the file is refused: the file's keys are real keys, not a bypass.
  const wrong = await get(server.url, '/api/v1/gateway/authorize?server=github', `${CI_KEY.slice(0, -1)}X`);
  assert.equal(wrong.status, 401);

  const loaded = logLines(server.stderr()).find((line) => line.msg === 'fixture loaded' || line.message === 'fixture loaded');
  assert.ok(loaded, server.stderr());
  assert.ok(!server.stderr().includes(CI_KEY.slice(16)), 'the secret part of a key never reaches the log');
});

test('fixture: MCP_ADMIN_FIXTURE, and serving twice with the same file changes nothing', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const db = `file:${path.join(dir, 'admin.db')}`;
  const snapshot = async () => {
    const server = await startServer({ args: ['--port', '0', '--database', db], env: { MCP_ADMIN_FIXTURE: WORLD_FILE } });
    try {
      const audit = await get(server.url, '/api/v1/audit-logs?action=fixture.loaded', ROOT_KEY);
      assert.equal(audit.status, 200, audit.text);
      const orgs = await get(server.url, '/api/v1/organizations', ROOT_KEY);
      const members = await get(server.url, '/api/v1/organizations/org_acme/members', ROOT_KEY);
      const services = await get(server.url, '/api/v1/organizations/org_acme/services', ROOT_KEY);
      const servers = await get(server.url, '/api/v1/mcp-servers', ROOT_KEY);
      const keys = await get(server.url, '/api/v1/organizations/org_acme/api-keys', ROOT_KEY);
      return {
        audit: audit.json.data,
        rows: [orgs, members, services, servers, keys].map((r) => r.json.data.map((row) => ({ ...row, last_used_at: null, usage_count: null }))),
      };
    } finally {
      await server.stop();
    }
  };
  const first = await snapshot();
  const second = await snapshot();
  assert.equal(first.audit.length, 1, 'one fixture.loaded row');
  assert.deepEqual(first.audit[0].changes.after,
    { organizations: 1, users: 1, memberships: 1, mcp_servers: 1, services: 1, api_keys: 2 });
  assert.equal(first.audit[0].actor_type, 'system');
  assert.equal(second.audit.length, 1, 'the second start wrote no audit row');
  assert.deepEqual(second.rows, first.rows, 'the second start changed no row');
});

test('fixture: errors name the file, the JSON path and the reason; exit 2; nothing loaded', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const dbFile = path.join(dir, 'admin.db');
  const cases = [
    { name: 'bad-key.json',
      world: { ...WORLD, api_keys: [WORLD.api_keys[0], { platform: true, name: 'root', key: 'mcp_sk_short' }] },
      path: '$.api_keys[1].key', reason: /is not an API key/ },
    { name: 'role.json', world: { memberships: [{ organization: 'org_acme', user: 'user_ada', role: 'OWNER' }] },
      path: '$.memberships[0].role', reason: /'OWNER' is not one of ADMIN, MEMBER, VIEWER/ },
    { name: 'dup.json', world: { organizations: [WORLD.organizations[0], { clerk_id: 'org_b', name: 'B', slug: 'acme' }] },
      path: '$.organizations[1].slug', reason: /given twice \(first at \$\.organizations\[0\]\.slug\)/ },
    { name: 'name.json', world: { mcp_servers: [{ slug: 'x' }] }, path: '$.mcp_servers[0].name', reason: /is required/ },
    { name: 'list.json', world: { users: { clerk_id: 'user_a' } }, path: '$.users', reason: /must be a list/ },
    { name: 'json.json', world: '{"organizations": [', path: '$', reason: /not valid JSON/ },
  ];
  for (const c of cases) {
    const file = writeWorld(dir, c.world, c.name);
    const result = run(['serve', '--port', '0', '--database', `file:${dbFile}`, '--fixture', file]);
    assert.equal(result.status, 2, `${c.name}: ${result.stderr}`);
    const line = result.stderr.trim();
    assert.ok(line.includes(file), `${c.name} names the file: ${line}`);
    assert.ok(line.includes(`${c.path}:`), `${c.name} names ${c.path}: ${line}`);
    assert.match(line, c.reason);
    assert.ok(!line.includes('mcp_sk_short'), 'a key is never echoed');
    if (ENGINE === 'sqlite') assert.ok(!existsSync(dbFile), `${c.name}: checked before the database is created`);
  }

  // A reference the database cannot satisfy is found inside the transaction: everything before it
  // in the file is rolled back with it.
  const unknownUser = writeWorld(dir, {
    ...WORLD, memberships: [...WORLD.memberships, { organization: 'acme', user: 'user_nobody' }],
  }, 'unknown-user.json');
  const refused = run(['serve', '--port', '0', '--database', `file:${dbFile}`, '--fixture', unknownUser]);
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /unknown-user\.json: \$\.memberships\[1\]\.user: no user 'user_nobody' in the file or the database/);

  const server = await startServer({ args: ['--port', '0', '--database', `file:${dbFile}`],
    env: { MCP_ADMIN_BOOTSTRAP_KEY: ROOT_KEY } });
  t.after(() => server.stop());
  const orgs = await get(server.url, '/api/v1/organizations', ROOT_KEY);
  assert.equal(orgs.status, 200, orgs.text);
  assert.deepEqual(orgs.json.data, [], 'nothing of the refused world was loaded');
  const audit = await get(server.url, '/api/v1/audit-logs?action=fixture.loaded', ROOT_KEY);
  assert.deepEqual(audit.json.data, []);
  const gateway = await get(server.url, '/api/v1/gateway/authorize?server=github', CI_KEY);
  assert.equal(gateway.status, 401);
});

test('fixture: a key whose prefix belongs to another key is refused, naming its path', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const db = `file:${path.join(dir, 'admin.db')}`;
  const first = run(['serve', '--port', '0', '--database', db, '--fixture', '/nonexistent/world.json']);
  assert.equal(first.status, 2);
  assert.match(first.stderr, /fixture \/nonexistent\/world\.json: cannot be read/);

  const server = await startServer({ args: ['--port', '0', '--database', db, '--fixture', WORLD_FILE] });
  await server.stop();
  // Same first 16 characters as the file's ci key, another secret.
  const clash = writeWorld(dir, { api_keys: [{ organization: 'org_acme', name: 'ci2', key: `${CI_KEY.slice(0, 16)}${'Z'.repeat(40)}` }] });
  const refused = run(['serve', '--port', '0', '--database', db, '--fixture', clash]);
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /\$\.api_keys\[0\]\.key: another key with the same first 16 characters/);
});
