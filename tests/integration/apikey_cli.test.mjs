// `mcp-admin apikey create | list | revoke` against a database a running server shares: the
// operator's way to the first platform-admin key, organization keys by internal or Clerk id, the
// secret printed once, revocation seen by the server at once, audit rows, misuse (exit 2, nothing
// touched) and failures (exit 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ENGINE, run, startServer, tempDir } from './fixture.mjs';
import { query } from '../interop/db_state.mjs';

const KEY = /^mcp_sk_[A-Za-z0-9_-]{43,}$/;

async function call(url, method, p, token, body) {
  const response = await fetch(`${url}${p}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, json, text };
}

test('apikey: a platform key from the CLI, organization keys by either id, list, revoke seen by the server, audit', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const file = path.join(dir, 'admin.db');
  const db = ['--database', `file:${file}`];

  // The first platform-admin key, before any server ever ran on the database (it migrates).
  const platform = run(['apikey', 'create', '--platform', '--name', 'ops laptop', '--json', ...db]);
  assert.equal(platform.status, 0, platform.stderr);
  const lines = platform.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'one JSON line on stdout');
  const platformKey = JSON.parse(lines[0]);
  assert.match(platformKey.key, KEY);
  assert.equal(platformKey.organization_id, null);
  assert.equal(platformKey.name, 'ops laptop');
  assert.equal(platformKey.created_by, 'cli');
  assert.equal(platformKey.expires_at, null);
  assert.equal(platformKey.prefix, platformKey.key.slice(0, 16));
  assert.ok(!('key_hash' in platformKey));
  assert.match(platform.stderr, /shown only now/);
  assert.ok(!platform.stderr.includes(platformKey.key), 'the secret goes to stdout only');

  const server = await startServer({ args: ['--port', '0', ...db] });
  t.after(() => server.stop());
  const org = await call(server.url, 'POST', '/api/v1/organizations', platformKey.key, { name: 'Acme', slug: 'acme' });
  assert.equal(org.status, 201, org.text);

  // An organization key by Clerk id: the secret alone on stdout, so that $(…) captures it.
  const viewer = run(['apikey', 'create', '--org', org.json.clerk_id, '--name', 'dashboards', '--role', 'viewer',
    '--expires-in', '90d', ...db]);
  assert.equal(viewer.status, 0, viewer.stderr);
  const viewerSecret = viewer.stdout.trim();
  assert.match(viewerSecret, KEY);
  assert.equal(viewer.stdout, `${viewerSecret}\n`);
  assert.match(viewer.stderr, new RegExp(`for organization ${org.json.clerk_id}, role VIEWER, expires \\d{4}-`));
  // By internal id, as JSON.
  const member = run(['apikey', 'create', '--org', org.json.id, '--name', 'ci', '--json', ...db]);
  assert.equal(member.status, 0, member.stderr);
  const memberKey = JSON.parse(member.stdout);
  assert.equal(memberKey.role, 'MEMBER', 'the default role');
  assert.equal(memberKey.organization_id, org.json.id);

  // The server accepts them at once, each with its role.
  assert.equal((await call(server.url, 'GET', '/api/v1/mcp-servers', viewerSecret)).status, 200);
  assert.equal((await call(server.url, 'GET', `/api/v1/organizations/${org.json.id}/api-keys`, viewerSecret)).status, 403);
  const listedByApi = await call(server.url, 'GET', `/api/v1/organizations/${org.json.id}/api-keys`, platformKey.key);
  assert.equal(listedByApi.status, 200, listedByApi.text);
  assert.deepEqual(listedByApi.json.data.map((k) => k.name), ['dashboards', 'ci']);
  const viewerId = listedByApi.json.data[0].id;
  assert.equal(Date.parse(listedByApi.json.data[0].expires_at) - Date.parse(listedByApi.json.data[0].created_at), 90 * 86400_000);

  // list: JSON (every key, statuses, never a secret or hash) and the table.
  const listed = run(['apikey', 'list', '--json', ...db]);
  assert.equal(listed.status, 0, listed.stderr);
  const all = JSON.parse(listed.stdout).data;
  assert.deepEqual(all.map((k) => k.name), ['ops laptop', 'dashboards', 'ci']);
  assert.ok(all.every((k) => k.status === 'active' && !('key' in k) && !('key_hash' in k)));
  for (const secret of [platformKey.key, viewerSecret, memberKey.key]) assert.ok(!listed.stdout.includes(secret));
  const orgOnly = JSON.parse(run(['apikey', 'list', '--org', org.json.clerk_id, '--json', ...db]).stdout).data;
  assert.deepEqual(orgOnly.map((k) => k.name), ['dashboards', 'ci']);
  const platformOnly = JSON.parse(run(['apikey', 'list', '--platform', '--json', ...db]).stdout).data;
  assert.deepEqual(platformOnly.map((k) => k.name), ['ops laptop']);
  const table = run(['apikey', 'list', ...db]);
  assert.equal(table.status, 0);
  assert.match(table.stdout, /^ID +PREFIX +ORGANIZATION +ROLE +STATUS/);
  assert.match(table.stdout, new RegExp(`${platformKey.prefix} +\\(platform\\)`));
  assert.match(table.stdout, new RegExp(`${memberKey.prefix} +${org.json.clerk_id} +MEMBER +active`));
  assert.match(table.stdout, /^3 keys$/m);

  // revoke by prefix: the server refuses the key at once; again: exit 0, nothing changes.
  const revoked = run(['apikey', 'revoke', viewerSecret.slice(0, 16), ...db]);
  assert.equal(revoked.status, 0, revoked.stderr);
  assert.match(revoked.stdout, new RegExp(`^revoked API key ${viewerId}`));
  assert.equal((await call(server.url, 'GET', '/api/v1/mcp-servers', viewerSecret)).status, 401);
  const again = run(['apikey', 'revoke', viewerId, ...db]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /already revoked at \d{4}-/);
  // A leaked key revoked by the key itself: only its prefix is shown, never the secret.
  const leaked = run(['apikey', 'revoke', memberKey.key, ...db]);
  assert.equal(leaked.status, 0, leaked.stderr);
  assert.ok(!leaked.stdout.includes(memberKey.key) && !leaked.stderr.includes(memberKey.key));
  assert.equal((await call(server.url, 'GET', '/api/v1/mcp-servers', memberKey.key)).status, 401);
  const statuses = JSON.parse(run(['apikey', 'list', '--json', ...db]).stdout).data.map((k) => k.status);
  assert.deepEqual(statuses, ['active', 'revoked', 'revoked']);

  // Audit: system / cli, before and after, never a secret.
  const audit = query(file, "SELECT actor_type, actor_id, action, target_id, organization_id, changes FROM audit_logs WHERE actor_id = 'cli'");
  assert.deepEqual(audit.map((row) => row.action).sort(),
    ['api_key.created', 'api_key.created', 'api_key.created', 'api_key.revoked', 'api_key.revoked']);
  assert.ok(audit.every((row) => row.actor_type === 'system'));
  const viewerRows = audit.filter((row) => row.target_id === viewerId);
  assert.equal(viewerRows.length, 2);
  assert.ok(viewerRows.every((row) => row.organization_id === org.json.id));
  for (const secret of [platformKey.key, viewerSecret, memberKey.key]) {
    assert.ok(!audit.some((row) => row.changes.includes(secret)));
  }
  assert.ok(!audit.some((row) => row.changes.includes('key_hash')));

  // A deleted organization gets no new key (exit 1); an unknown one neither.
  assert.equal((await call(server.url, 'DELETE', `/api/v1/organizations/${org.json.id}`, platformKey.key)).status, 204);
  const late = run(['apikey', 'create', '--org', org.json.id, '--name', 'late', ...db]);
  assert.equal(late.status, 1, late.stderr);
  assert.match(late.stderr, /deleted/);
  assert.equal(late.stdout, '');
  const unknown = run(['apikey', 'create', '--org', 'org_nobody', '--name', 'x', ...db]);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /no organization with id or Clerk id 'org_nobody'/);
  const missing = run(['apikey', 'revoke', '01890a5d-ac96-774b-bcce-b302099a8057', ...db]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no API key/);
  const unknownList = run(['apikey', 'list', '--org', 'org_nobody', ...db]);
  assert.equal(unknownList.status, 1);

  // The platform key made by the CLI still works, and revoking it ends it.
  assert.equal((await call(server.url, 'GET', '/api/v1/mcp-servers', platformKey.key)).status, 200);
  assert.equal(run(['apikey', 'revoke', platformKey.id, ...db]).status, 0);
  assert.equal((await call(server.url, 'GET', '/api/v1/mcp-servers', platformKey.key)).status, 401);
});

test('apikey misuse: one line on stderr, exit 2, no database touched', () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = ['--database', `file:${path.join(dir, 'never.db')}`];
    const cases = [
      [[]],
      [['nope']],
      [['create', '--name', 'x']],
      [['create', '--org', 'org_a', '--platform', '--name', 'x']],
      [['create', '--org', 'org_a']],
      [['create', '--org', 'org_a', '--name', '']],
      [['create', '--org', 'org_a', '--name', 'x'.repeat(257)]],
      [['create', '--org', 'org_a', '--name', 'x', '--role', 'OWNER']],
      [['create', '--org', 'org_a', '--name', 'x', '--expires-in', '90']],
      [['create', '--org', 'org_a', '--name', 'x', '--expires-in', '0d']],
      [['create', '--org', 'org_a', '--name', 'x', '--expires-in', '36501d']],
      [['create', '--org', 'org_a', '--name', 'x', '--expires-in', '99999999999999999999d']],
      [['create', '--platform', '--name', 'x', '--role', 'ADMIN']],
      [['create', '--org', 'org_a', '--name', 'x', 'extra']],
      [['create', '--org', 'org_a', '--name', 'x', '--bogus']],
      [['create', '--org']],
      [['list', '--org', 'org_a', '--platform']],
      [['list', '--name', 'x']],
      [['list', 'extra']],
      [['revoke']],
      [['revoke', 'id', '--org', 'org_a']],
      [['revoke', 'mcp_sk_tooShortToBeAKeyButLongerThanAPrefix']],
    ];
    for (const [args] of cases) {
      const result = run(['apikey', ...args, ...db]);
      assert.equal(result.status, 2, `apikey ${args.join(' ')}: ${result.status} ${result.stderr}`);
      assert.equal(result.stdout, '', `apikey ${args.join(' ')}: nothing on stdout`);
      assert.equal(result.stderr.trim().split('\n').length, 1, `apikey ${args.join(' ')}: one line: ${result.stderr}`);
      assert.match(result.stderr, /^mcp-admin/);
    }
    if (ENGINE === 'sqlite') assert.deepEqual(readdirSync(dir), [], 'no database file created');
    assert.ok(!existsSync(path.join(dir, 'never.db')));
  } finally {
    cleanup();
  }
});

test('apikey --help and the command list', () => {
  const help = run(['apikey', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: mcp-admin apikey create --org ORG --name NAME/);
  for (const flag of ['--org', '--platform', '--name', '--role', '--expires-in', '--json', '--database']) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  assert.match(run(['--help']).stdout, /^ {2}apikey +/m);
});
