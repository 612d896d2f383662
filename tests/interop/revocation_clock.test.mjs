// Revoked is revoked, whatever time the revocation carries (README "Gateway authorization"): several instances share
// one database, and an instance whose clock runs ahead writes a revoked_at that is still "in the
// future" for the others. The admin API and the gateway must refuse the key at once (within the
// gateway's one-second propagation), not when their own clock catches up. Sessions likewise. On
// SQLite and (MCP_ADMIN_TEST_ENGINE=postgres) PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { exec } from './db_state.mjs';
import { agent, expectProblem, startApiServer } from './api_harness.mjs';

let api;
before(async () => { api = await startApiServer(); });
after(async () => {
  await api?.close();
  agent.destroy();
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const AN_HOUR_AHEAD = () => Date.now() + 3600 * 1000;

test('an API key revoked by an instance whose clock is an hour ahead: 401 on the admin API and the gateway', async () => {
  const org = await api.tenant('clockco', []);
  assert.equal((await api.call('PUT', `/api/v1/organizations/${org.id}/services/github`, { body: { config: {} } })).status, 200);
  const created = await api.apiKey(org.id, 'ADMIN');
  const gateway = () => api.call('GET', '/api/v1/gateway/authorize?server=github', { token: created.key });
  assert.equal((await gateway()).status, 200);
  assert.equal((await api.call('GET', `/api/v1/organizations/${org.id}`, { token: created.key })).status, 200);

  // What the instance ahead writes: its own now as revoked_at.
  exec(api.file, `UPDATE api_keys SET revoked_at = ${AN_HOUR_AHEAD()}, updated_at = ${Date.now()} WHERE id = '${created.id}'`);
  const problem = expectProblem(assert, await api.call('GET', `/api/v1/organizations/${org.id}`, { token: created.key }), 401,
    'admin API');
  assert.match(problem.detail, /revoked/);
  await sleep(600);  // the gateway's cached decision lives at most 500 ms
  const denied = await gateway();
  expectProblem(assert, denied, 401, 'gateway');
  assert.match(denied.json.detail, /revoked/);

  // The listing says revoked too, and revoking again changes nothing (the earlier time stays).
  const listed = await api.call('GET', `/api/v1/organizations/${org.id}/api-keys`);
  assert.equal(listed.status, 200, listed.text);
  assert.notEqual(listed.json.data.find((key) => key.id === created.id).revoked_at, null);
});

test('a session revoked with a future revoked_at: no longer resolves for its token', async () => {
  const org = await api.tenant('clocksess', [{ name: 'cleo', role: 'org:member' }]);
  assert.equal((await api.call('PUT', `/api/v1/organizations/${org.id}/services/github`, { body: { config: {} } })).status, 200);
  const users = await api.call('GET', `/api/v1/users/${org.users.cleo}`);
  const sid = `sess_clock_${Date.now()}`;
  const bound = await api.call('POST', '/api/v1/sessions', {
    body: { user_id: users.json.id, organization_id: org.id, clerk_session_id: sid },
  });
  assert.equal(bound.status, 201, bound.text);
  // A token without organization claims: the organization comes from the session.
  const token = await api.token('cleo', { sid });
  const gateway = () => api.call('GET', '/api/v1/gateway/authorize?server=github', { token });
  assert.equal((await gateway()).status, 200, 'the session gives the token its organization');
  exec(api.file, `UPDATE sessions SET revoked_at = ${AN_HOUR_AHEAD()}, updated_at = ${Date.now()} WHERE id = '${bound.json.id}'`);
  await sleep(600);
  assert.equal((await gateway()).status, 403, 'a revoked session gives the token no organization');
});
