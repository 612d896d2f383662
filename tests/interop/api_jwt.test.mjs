// Clerk session tokens through the real binary: tokens signed by the real `jose` (as Clerk signs
// them), verified networklessly by mcp-admin with CLERK_JWT_KEY (PEM) or CLERK_JWKS_FILE. A good
// token acts as its user, in its organization, with the role of the SYNCED membership (never the
// role the token claims); every bad one is a 401 problem with WWW-Authenticate: Bearer that never
// echoes the token, and no token or key ever reaches the server's log.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { SignJWT, exportJWK } from 'jose';
import { tempDir } from '../integration/fixture.mjs';
import { agent, expectProblem, randomApiKey, request, rsaKeys, signToken, startApiServer } from './api_harness.mjs';
import { membershipCreated, orgId, organizationCreated, userCreated, userDeleted, userId } from './clerk_payloads.mjs';
import { startWebhookServer } from './harness.mjs';

after(() => agent.destroy());

// Everything a test presented as a credential: none of it may appear in a response or the log.
const presented = new Set();
const remember = (token) => { presented.add(token); return token; };

// A 401 as the contract wants it: problem JSON, WWW-Authenticate: Bearer, the reason in `detail`
// (matching `why`), and nothing of the credential in the body.
function expect401(response, token, why, message = '') {
  const problem = expectProblem(assert, response, 401, message);
  assert.match(String(response.headers['www-authenticate']), /^Bearer\b/, `${message} WWW-Authenticate`);
  if (why) assert.match(problem.detail, why, `${message} detail says why: ${problem.detail}`);
  if (token) {
    assert.ok(!response.text.includes(token), `${message} the body echoes the token`);
    for (const part of token.split('.').filter((p) => p.length >= 16)) {
      assert.ok(!response.text.includes(part), `${message} the body echoes part of the token`);
    }
  }
  return problem;
}

// What a token may do, probed through two routes: /api/v1/sessions (any known user: 200) and
// /api/v1/audit-logs (ADMIN of the active organization only; its rows are that organization's).
async function probe(api, token) {
  const sessions = await api.call('GET', '/api/v1/sessions', { token: remember(token) });
  const audit = await api.call('GET', '/api/v1/audit-logs?limit=5', { token });
  return { sessions, audit };
}

let api;
let acme;
let globex;
before(async () => {
  api = await startApiServer();
  presented.add(api.bootstrapKey);
  // ada ADMIN, bob MEMBER, cy VIEWER of acme; ada also a MEMBER of globex.
  acme = await api.tenant('acme', [{ name: 'ada', role: 'org:admin' }, { name: 'bob', role: 'org:member' }, { name: 'cy', role: 'org:viewer' }]);
  globex = await api.tenant('globex', [{ name: 'ada', role: 'org:member' }]);
});
after(async () => {
  const log = api.stderr();
  await api.close();
  // The server's log: request lines and reasons, never a credential or key material.
  for (const secret of presented) assert.ok(!log.includes(secret), 'a credential appears in the server log');
  for (const secret of presented) {
    for (const part of secret.split('.').filter((p) => p.length >= 16)) {
      assert.ok(!log.includes(part), 'part of a token appears in the server log');
    }
  }
  assert.ok(!log.includes(api.keys.pem.split('\n')[1]), 'the JWT key appears in the log');
});

test('v1 claims (org_id/org_role): the user acts in the organization with the synced role', async () => {
  const ada = await probe(api, await api.token('ada', { org: { id: acme.orgClerkId, role: 'org:admin' } }));
  assert.equal(ada.sessions.status, 200, ada.sessions.text);
  assert.equal(ada.audit.status, 200, `ADMIN reads the audit trail: ${ada.audit.text}`);
  assert.ok(ada.audit.json.data.length > 0);
  for (const entry of ada.audit.json.data) assert.equal(entry.organization_id, acme.id, 'only its organization');

  // bob's token claims org:admin, his synced membership says MEMBER: MEMBER it is.
  const bob = await probe(api, await api.token('bob', { org: { id: acme.orgClerkId, role: 'org:admin' } }));
  assert.equal(bob.sessions.status, 200);
  expectProblem(assert, bob.audit, 403, 'a MEMBER (whatever the token claims)');
  const cy = await probe(api, await api.token('cy', { org: { id: acme.orgClerkId, role: 'org:viewer' } }));
  expectProblem(assert, cy.audit, 403, 'a VIEWER');

  // ada is a MEMBER in globex: the token's organization decides which membership counts.
  const adaInGlobex = await probe(api, await api.token('ada', { org: { id: globex.orgClerkId, role: 'org:admin' } }));
  expectProblem(assert, adaInGlobex.audit, 403, 'ada in globex is a MEMBER');

  // An organization claim the user is not a member of gives no organization at all.
  const cyInGlobex = await probe(api, await api.token('cy', { org: { id: globex.orgClerkId, role: 'org:admin' } }));
  assert.equal(cyInGlobex.sessions.status, 200, 'still authenticated as cy');
  expectProblem(assert, cyInGlobex.audit, 403, 'no membership: no active organization');
  const other = await api.call('GET', `/api/v1/audit-logs?organization_id=${globex.orgClerkId}`,
    { token: remember(await api.token('ada', { org: { id: acme.orgClerkId, role: 'org:admin' } })) });
  expectProblem(assert, other, 404, 'another organization');
});

test('v2 claims (o.id/o.rol): the same decisions', async () => {
  const ada = await probe(api, await api.token('ada', { v2: true, org: { id: acme.orgClerkId, role: 'org:admin' } }));
  assert.equal(ada.audit.status, 200, ada.audit.text);
  for (const entry of ada.audit.json.data) assert.equal(entry.organization_id, acme.id);
  const bob = await probe(api, await api.token('bob', { v2: true, org: { id: acme.orgClerkId, role: 'org:admin' } }));
  assert.equal(bob.sessions.status, 200);
  expectProblem(assert, bob.audit, 403, 'v2: MEMBER from the membership');
  const adaInGlobex = await probe(api, await api.token('ada', { v2: true, org: { id: globex.orgClerkId, role: 'admin' } }));
  expectProblem(assert, adaInGlobex.audit, 403, 'v2: ada is a MEMBER in globex');
});

test('time claims: expired, nbf in the future, iat in the future beyond the skew → 401; within the skew → 200', async () => {
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    [{ exp: now - 60, iat: now - 120 }, /expired/],
    [{ exp: now - 10, iat: now - 120 }, /expired/],
    [{ nbf: now + 3600 }, /not valid yet|nbf/],
    [{ iat: now + 3600, exp: now + 7200 }, /future|iat/],
    [{ iat: now + 60, exp: now + 600 }, /future|iat/],
  ];
  for (const [claims, why] of cases) {
    const token = remember(await api.token('ada', { org: { id: acme.orgClerkId, role: 'org:admin' }, ...claims }));
    expect401(await api.call('GET', '/api/v1/sessions', { token }), token, why, JSON.stringify(claims));
  }
  // A few seconds of clock difference are tolerated (Clerk's own SDKs allow 5 s).
  const token = remember(await api.token('ada', { iat: now + 2, nbf: now + 2 }));
  assert.equal((await api.call('GET', '/api/v1/sessions', { token })).status, 200);
});

test('signature: another key pair, a tampered payload, alg none, HS256 with the public key → 401', async () => {
  const stranger = await rsaKeys('ins_test_key');  // same kid, different key
  const foreign = remember(await signToken(stranger, 'ada', { org: { id: acme.orgClerkId, role: 'org:admin' } }));
  expect401(await api.call('GET', '/api/v1/sessions', { token: foreign }), foreign, /signature/, 'another key');

  // bob's valid token with the payload swapped for ada's claims (signature kept).
  const bobs = await api.token('bob');
  const [header, payload, signature] = bobs.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url'));
  const tampered = remember([header, Buffer.from(JSON.stringify({ ...claims, sub: userId('ada') })).toString('base64url'), signature].join('.'));
  expect401(await api.call('GET', '/api/v1/sessions', { token: tampered }), tampered, /signature/, 'tampered payload');
  const longer = remember([header, Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString('base64url'), signature].join('.'));
  expect401(await api.call('GET', '/api/v1/sessions', { token: longer }), longer, /signature/, 'extended exp');

  const b64 = (object) => Buffer.from(JSON.stringify(object)).toString('base64url');
  const none = remember(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, sub: userId('ada') })}.`);
  expect401(await api.call('GET', '/api/v1/sessions', { token: none }), none, null, 'alg none, empty signature');
  const noneSigned = remember(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, sub: userId('ada') })}.${signature}`);
  expect401(await api.call('GET', '/api/v1/sessions', { token: noneSigned }), noneSigned, /algorithm/, 'alg none');
  // The classic confusion: HMAC keyed with the RSA public key's PEM.
  const hs = remember(await new SignJWT({ ...claims, sub: userId('ada') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: api.keys.kid })
    .sign(new TextEncoder().encode(api.keys.pem)));
  expect401(await api.call('GET', '/api/v1/sessions', { token: hs }), hs, /algorithm/, 'HS256 with the public key');
  const garbage = remember('eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2lnbmF0dXJlLWJ5dGVz');
  expect401(await api.call('GET', '/api/v1/sessions', { token: garbage }), garbage, null, 'not JSON');
});

test('a token for a user not synced (or deleted) → 401', async () => {
  const ghost = remember(await api.token('ghost'));
  expect401(await api.call('GET', '/api/v1/sessions', { token: ghost }), ghost, /not known/, 'never synced');

  await api.tenant('doomed', [{ name: 'dora', role: 'org:admin' }]);
  const dora = remember(await api.token('dora'));
  assert.equal((await api.call('GET', '/api/v1/sessions', { token: dora })).status, 200);
  const gone = await api.post(api.nextSvixId(), userDeleted(userId('dora'), { timestamp: Date.now() }));
  assert.equal(gone.status, 200, gone.text);
  expect401(await api.call('GET', '/api/v1/sessions', { token: dora }), dora, /user has been deleted/, 'deleted user');
});

test('no credential or a non-Bearer one → 401 with WWW-Authenticate: Bearer', async () => {
  expect401(await api.call('GET', '/api/v1/sessions', { token: null }), null, /No credential/);
  const basic = await api.call('GET', '/api/v1/sessions', { token: null, headers: { Authorization: 'Basic YWRhOnNlY3JldA==' } });
  expect401(basic, 'YWRhOnNlY3JldA==', null, 'Basic');
});

test('--authorized-parties: a token from another azp, or without azp → 401; the listed one → 200', async (t) => {
  const server = await startApiServer({ keys: api.keys, authorizedParties: 'https://app.example.com,https://admin.example.com' });
  t.after(() => server.close());
  presented.add(server.bootstrapKey);
  await server.tenant('acme', [{ name: 'ada', role: 'org:admin' }]);
  const good = remember(await server.token('ada', { azp: 'https://admin.example.com' }));
  assert.equal((await server.call('GET', '/api/v1/sessions', { token: good })).status, 200);
  const evil = remember(await server.token('ada', { azp: 'https://evil.example.com' }));
  expect401(await server.call('GET', '/api/v1/sessions', { token: evil }), evil, /authorized party|azp/, 'wrong azp');
  const prefix = remember(await server.token('ada', { azp: 'https://app.example.com.evil.test' }));
  expect401(await server.call('GET', '/api/v1/sessions', { token: prefix }), prefix, /azp/, 'azp extending an allowed one');
  const none = remember(await server.token('ada', { azp: null }));
  expect401(await server.call('GET', '/api/v1/sessions', { token: none }), none, /azp/, 'no azp');
  // Without --authorized-parties (the shared server) any azp passes.
  assert.equal((await api.call('GET', '/api/v1/sessions', { token: evil })).status, 200);
  const log = server.stderr();
  for (const token of [good, evil, prefix, none]) assert.ok(!log.includes(token.split('.')[2]), 'token in the log');
});

// A server that verifies with a JWKS file only (no PEM), tenants made with signed webhooks.
async function startJwksServer(t, jwks) {
  const tmp = tempDir('mcp-admin-jwks-');
  const file = path.join(tmp.dir, 'jwks.json');
  writeFileSync(file, JSON.stringify(jwks));
  const bootstrapKey = randomApiKey();
  presented.add(bootstrapKey);
  const server = await startWebhookServer({ args: ['--seed', '--bootstrap-key', bootstrapKey, '--jwks-file', file], dir: tmp.dir });
  t.after(async () => { await server.close(); tmp.cleanup(); });
  let n = 0;
  for (const payload of [organizationCreated({ name: 'acme' }), userCreated({ name: 'ada' }),
    membershipCreated({ name: 'acme_ada', role: 'org:admin', org: { name: 'acme' }, user: { name: 'ada' } })]) {
    const answer = await server.post(`msg_jwks_${process.pid}_${++n}`, payload);
    assert.equal(answer.status, 200, answer.text);
  }
  return { ...server, call: (method, p, opts = {}) => request(server.server.url, method, p, opts) };
}

test('--jwks-file with two keys: the key is chosen by kid; an unknown kid, or a kid naming the other key → 401', async (t) => {
  const first = await rsaKeys('ins_key_2023');
  const second = await rsaKeys('ins_key_2024');
  const jwk = async (keys) => ({ ...(await exportJWK(keys.publicKey)), kid: keys.kid, alg: 'RS256', use: 'sig' });
  const server = await startJwksServer(t, { keys: [await jwk(first), await jwk(second)] });
  const claims = { org: { id: orgId('acme'), role: 'org:admin' } };
  for (const keys of [first, second]) {
    const token = remember(await signToken(keys, 'ada', claims));
    const answer = await server.call('GET', '/api/v1/audit-logs?limit=1', { token });
    assert.equal(answer.status, 200, `signed with ${keys.kid}: ${answer.text}`);
  }
  const crossed = remember(await signToken(first, 'ada', { ...claims, kid: second.kid }));
  expect401(await server.call('GET', '/api/v1/sessions', { token: crossed }), crossed, /signature/, 'kid of the other key');
  const unknownKid = remember(await signToken(first, 'ada', { ...claims, kid: 'ins_key_unknown' }));
  expect401(await server.call('GET', '/api/v1/sessions', { token: unknownKid }), unknownKid, /kid/, 'unknown kid');
  const stranger = await rsaKeys('ins_key_2024');
  const forged = remember(await signToken(stranger, 'ada', claims));
  expect401(await server.call('GET', '/api/v1/sessions', { token: forged }), forged, /signature/, 'right kid, wrong key');
  const log = server.stderr();
  for (const token of presented) assert.ok(!log.includes(token), 'a credential appears in the log');
});

test('no JWT key configured: a session token gets 401 saying how to enable them; API keys still work', async (t) => {
  const bootstrapKey = randomApiKey();
  presented.add(bootstrapKey);
  const server = await startWebhookServer({ args: ['--bootstrap-key', bootstrapKey] });
  t.after(() => server.close());
  const call = (method, p, opts = {}) => request(server.server.url, method, p, opts);
  const token = remember(await api.token('ada'));
  const problem = expect401(await call('GET', '/api/v1/sessions', { token }), token, /CLERK_JWT_KEY|CLERK_JWKS_FILE/);
  assert.match(problem.detail, /not accepted/);
  assert.equal((await call('GET', '/api/v1/audit-logs?limit=1', { token: bootstrapKey })).status, 200);
  assert.ok(!server.stderr().includes(token.split('.')[2]), 'the token appears in the log');
});
