// One mcp-admin server on a SQLite file in a fresh temporary directory, with a Clerk webhook
// secret, for the interop tests: deliver signed events, dump the database, stop.
import path from 'node:path';
import { startServer, tempDir } from '../integration/fixture.mjs';
import { SECRET, signedPost } from './clerk_payloads.mjs';
import { auditRows, dumpDatabase, fullState } from './db_state.mjs';

// opts: secret (the CLERK_WEBHOOK_SECRET value, several space-separated; null for none),
//       args (more serve flags), env, file (reuse this database file), dir (put the file there).
export async function startWebhookServer({ secret = SECRET, args = [], env = {}, file, dir } = {}) {
  let tmp = null;
  if (!file) {
    tmp = dir ? { dir, cleanup: () => {} } : tempDir('mcp-admin-interop-');
    file = path.join(tmp.dir, 'admin.db');
  }
  const secretArgs = secret ? ['--webhook-secret', secret] : [];
  const server = await startServer({
    args: ['--port', '0', '--database', `file:${file}`, ...secretArgs, ...args],
    env,
  });
  const url = `${server.url}/api/webhooks/clerk`;
  const signingSecret = secret ? secret.split(' ')[0] : SECRET;
  return {
    server,
    url,
    file,
    // Delivers `payload` under `svixId`, signed with the (first) configured secret.
    post: (svixId, payload, opts = {}) => signedPost(url, signingSecret, svixId, payload, opts),
    dump: () => dumpDatabase(file),
    audit: () => auditRows(file),
    state: () => fullState(file),
    stderr: () => server.stderr(),
    async stop(signal) { return server.stop(signal); },
    async close() {
      await server.stop();
      tmp?.cleanup();
    },
  };
}

// Asserts a 200 webhook answer with this outcome; returns the parsed body.
export function expectOutcome(assert, response, outcome, message = '') {
  assert.equal(response.status, 200, `${message} expected 200, got ${response.status}: ${response.text}`);
  assert.equal(response.json?.ok, true, `${message} ${response.text}`);
  assert.equal(response.json?.outcome, outcome, `${message} ${response.text}`);
  return response.json;
}

// Asserts an RFC 9457 problem answer with this status; returns it.
export function expectProblem(assert, response, status, message = '') {
  assert.equal(response.status, status, `${message} expected ${status}, got ${response.status}: ${response.text}`);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/, message);
  const problem = response.json;
  assert.ok(problem && typeof problem === 'object', `${message} problem body is JSON: ${response.text}`);
  assert.equal(problem.status, status, message);
  for (const key of ['type', 'title', 'detail', 'request_id']) {
    assert.equal(typeof problem[key], 'string', `${message} problem.${key} is a string: ${response.text}`);
  }
  assert.equal(problem.request_id, response.headers['x-request-id'], `${message} request_id is X-Request-Id`);
  return problem;
}

// The rows of one table of a dump whose `key` (default clerk_id) is `value`.
export function row(dump, table, value, key = 'clerk_id') {
  return dump[table].find((entry) => entry[key] === value);
}
