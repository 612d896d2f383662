// JSON nesting limits hold WHILE parsing, on every path that parses outside JSON (README "HTTP"):
// a validly signed webhook nested 70,000 levels (~420 KB, under the 1 MiB body limit) is a 400 kept
// in webhook_events with its error, and the server stays up (it died of a stack overflow); eight
// authenticated 1 MB "[[[…]]]" bodies are 400 without building a tree (RSS went from 16 to 313 MiB);
// a session token with claims nested deeper than the limit is refused. On SQLite and
// (MCP_ADMIN_TEST_ENGINE=postgres) PostgreSQL.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { userCreated } from './clerk_payloads.mjs';
import { query } from './db_state.mjs';
import { agent, expectProblem, startApiServer } from './api_harness.mjs';

let api;
before(async () => { api = await startApiServer(); });
after(async () => {
  await api?.close();
  agent.destroy();
});

// {"a":{"a":…{}…}} nested `levels` objects deep.
const nestedObject = (levels) => JSON.parse(`${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`);
const nestedObjectText = (levels) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/^VmRSS:\s+(\d+) kB$/m)[1]) / 1024;
}

async function healthy() {
  const response = await api.call('GET', '/api/health', { token: null });
  assert.equal(response.status, 200, `the server still answers: ${response.text}`);
}

test('a signed webhook whose public_metadata nests 70,000 levels: 400, kept with its error, the server stays up', async () => {
  const envelope = userCreated({ name: 'deepa' });
  // Serialized by hand: JSON.stringify recurses too and would overflow node's own stack.
  const marker = '"__DEEP__"';
  const template = JSON.stringify({ ...envelope, data: { ...envelope.data, public_metadata: '__DEEP__' } });
  const body = template.replace(marker, nestedObjectText(70000));
  assert.ok(body.length > 400 * 1000 && body.length < 1024 * 1024, `${body.length} bytes: under the 1 MiB limit`);
  const svixId = api.nextSvixId();
  const response = await api.post(svixId, body);
  const problem = expectProblem(assert, response, 400, '70,000 levels');
  assert.match(problem.detail, /nested more than 64 levels/);
  assert.equal(api.server.child.exitCode, null, 'the server did not exit');
  assert.equal(api.server.child.signalCode, null, 'the server was not killed by a signal');
  await healthy();
  const [row] = query(api.file, `SELECT status, error, length(payload) AS bytes FROM webhook_events WHERE svix_id = '${svixId}'`);
  assert.equal(row?.status, 'failed', 'kept in webhook_events as failed');
  assert.match(row.error, /nested more than 64 levels/);
  assert.equal(Number(row.bytes), body.length, 'the payload is kept as received');
  const user = await api.call('GET', '/api/v1/users/user_deepa');
  assert.equal(user.status, 404, 'nothing of it was applied');

  // Just under the limit is applied as usual (the envelope puts public_metadata at level 3).
  const fine = userCreated({ name: 'shallow', publicMetadata: nestedObject(60) });
  const accepted = await api.post(api.nextSvixId(), fine);
  assert.equal(accepted.status, 200, accepted.text);
});

test('eight authenticated 1 MB "[[[…]]]" bodies: 400 each, and the server\'s RSS stays under 100 MiB', async () => {
  const pid = api.server.child.pid;
  const before = rssMiB(pid);
  const depth = 500 * 1000;
  const body = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  // Eight at once, as eight clients would: each worker thread parses its own.
  const answers = await Promise.all(Array.from({ length: 8 }, () => api.call('POST', '/api/v1/organizations', { body })));
  answers.forEach((response, round) => expectProblem(assert, response, 400, `body ${round}`));
  const objectBody = `{"name":"deep","metadata":${nestedObjectText(150000)}}`;
  const objectAnswers = await Promise.all([0, 1].map(() => api.call('POST', '/api/v1/organizations', { body: objectBody })));
  for (const response of objectAnswers) expectProblem(assert, response, 400, 'object nesting');
  const after = rssMiB(pid);
  assert.ok(after < 100, `VmRSS ${after.toFixed(1)} MiB after the bodies (${before.toFixed(1)} MiB before): nothing deep was built`);
  await healthy();
});

test('a body at the admin API\'s limit (32 levels) is judged on its fields; 33 levels is refused while parsing', async () => {
  const at = { name: 'Depth Co', slug: `depth-${Date.now()}`, metadata: nestedObject(31) };
  const accepted = await api.call('POST', '/api/v1/organizations', { body: at });
  assert.ok([200, 201].includes(accepted.status), `32 levels in all: ${accepted.status} ${accepted.text}`);
  const over = { name: 'Depth Co 2', slug: `depth2-${Date.now()}`, metadata: nestedObject(32) };
  const problem = expectProblem(assert, await api.call('POST', '/api/v1/organizations', { body: over }), 400, '33 levels');
  assert.match(problem.detail, /nested more than 32 levels/);
});

test('a session token whose claims nest deeper than 32 levels is refused (401), a shallow one accepted', async () => {
  const org = await api.tenant('deeptok', [{ name: 'tess', role: 'org:member' }]);
  const orgClaim = { id: org.orgClerkId, role: 'org:member', slug: 'deeptok' };
  const shallow = await api.token('tess', { org: orgClaim, claims: { meta: nestedObject(8) } });
  assert.equal((await api.call('GET', '/api/v1/me', { token: shallow })).status, 200);
  const deep = await api.token('tess', { org: orgClaim, claims: { meta: nestedObject(40) } });
  expectProblem(assert, await api.call('GET', '/api/v1/me', { token: deep }), 401, 'deep claims');
  await healthy();
});
