// Bad input for one admin-API route, as a table of cases: malformed JSON, bodies that are not
// objects, unknown fields, every field with the wrong type, numbers no integer holds, bodies over
// 1 MiB, a body that is not JSON. Each must answer 4xx problem JSON (never 5xx) and write nothing.
import assert from 'node:assert/strict';
import { expectProblem } from './api_harness.mjs';
import { query } from './db_state.mjs';

const WRONG = {
  string: [123, true, [], {}, null],
  'string?': [123, false, ['x'], { a: 1 }],
  object: ['x', 1, true, [], null],
  boolean: ['true', 1, 0, null, {}, []],
  enum: ['nope', 1, '', null, ['ADMIN']],
};

const MALFORMED = ['{', '{"a":', '{"a":1}}', 'nul', '{"a":1,}', "{'a':1}", '{"a" 1}', '\u0000', '{"a":"\\x"}', '{"a":01}'];
const NOT_OBJECTS = ['[]', '"text"', '42', 'null', 'true', '[{"name":"x"}]'];
const HUGE_NUMBERS = ['1e400', '-1e400', '123456789012345678901234567890', '18446744073709551616', '-9223372036854775809'];

// Rows that any accidental write would add or change (audit rows first of all).
function snapshot(file) {
  return query(file, `SELECT (SELECT count(*) FROM audit_logs) AS audit, (SELECT count(*) FROM mcp_servers) AS servers,
    (SELECT count(*) FROM organization_services) AS services, (SELECT count(*) FROM api_keys) AS keys,
    (SELECT count(*) FROM organizations) AS organizations,
    (SELECT coalesce(max(updated_at), 0) FROM mcp_servers) AS servers_at,
    (SELECT coalesce(max(updated_at), 0) FROM organization_services) AS services_at,
    (SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL) AS revoked`)[0];
}

// route: { method, path, valid (a body that would be accepted), fields: { name: kind } }, where
// kind is one of WRONG's keys. Returns how many cases were sent.
export async function rejectsBadInput(api, { method, path, valid, fields, token }) {
  const before = snapshot(api.file);
  let cases = 0;
  const send = async (body, expected, label, headers = {}) => {
    cases += 1;
    const response = await api.call(method, path, { body, token, headers });
    const where = `${method} ${path} ${label}`;
    assert.ok(response.status >= 400 && response.status < 500, `${where}: ${response.status} ${response.text.slice(0, 300)}`);
    const problem = expectProblem(assert, response, expected ?? response.status, where);
    return problem;
  };
  for (const raw of MALFORMED) await send(raw, 400, `malformed ${JSON.stringify(raw)}`);
  for (const raw of NOT_OBJECTS) await send(raw, 400, `not an object ${raw}`);
  for (const extra of [{ nope: 1 }, { id: 'x' }, { created_at: '2024-01-01T00:00:00.000Z' }, { key_hash: 'x' },
    { organization_id: 'x' }, { NAME: 'x' }]) {
    const problem = await send({ ...valid, ...extra }, 400, `unknown field ${Object.keys(extra)[0]}`);
    assert.equal(problem.errors?.[0]?.field, Object.keys(extra)[0], JSON.stringify(problem));
  }
  for (const [field, kind] of Object.entries(fields)) {
    for (const value of WRONG[kind]) {
      const problem = await send({ ...valid, [field]: value }, 400, `${field}=${JSON.stringify(value)}`);
      assert.equal(problem.errors?.[0]?.field, field, JSON.stringify(problem));
    }
    for (const number of HUGE_NUMBERS) {
      const raw = JSON.stringify({ ...valid, [field]: 0 }).replace(`"${field}":0`, `"${field}":${number}`);
      await send(raw, 400, `${field}=${number}`);
    }
    if (kind === 'string' || kind === 'string?') {
      await send({ ...valid, [field]: 'x'.repeat(70000) }, 400, `${field} too long`);
    }
  }
  // Over 1 MiB: refused before it is parsed, whatever it holds.
  const padding = 'x'.repeat(1024 * 1024);
  await send(JSON.stringify({ ...valid, nope: padding }), 413, 'over 1 MiB');
  const firstString = Object.entries(fields).find(([, kind]) => kind.startsWith('string'));
  if (firstString) await send(JSON.stringify({ ...valid, [firstString[0]]: padding }), 413, 'a field over 1 MiB');
  // Not JSON at all.
  await send('name=x', 415, 'form body', { 'Content-Type': 'application/x-www-form-urlencoded' });
  assert.deepEqual(snapshot(api.file), before, `${method} ${path}: bad input wrote nothing`);
  return cases;
}

// Ids that name nothing: malformed, over-long, UUID-shaped, with odd characters (percent-encoded,
// invalid UTF-8 included). Each stays one path segment ('..' and '%2F' would not: they are path
// syntax, resolved before routing). Each → 404 problem.
export const BAD_IDS = ['nope', '0', '-1', `${'a'.repeat(300)}`, '01890a5d-ac96-774b-bcce-b302099a8057',
  '01890A5D-AC96-774B-BCCE-B302099A8057', 'org_', 'user_x', '%00', '%27%20OR%201%3D1--', '%25', '%E2%80%AE', '%FF%FE',
  '%C0%AF', 'mcp_sk_x', `mcp_sk_${'A'.repeat(43)}`];
