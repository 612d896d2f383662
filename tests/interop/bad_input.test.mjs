// Bad deliveries to POST /api/webhooks/clerk: each answer's status and problem JSON, and what was
// (not) written — the whole database and the audit trail compared before and after. Servers run at
// --log-level debug so that the leak check (no body, secret or signature on stderr) sees every line.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, test } from 'node:test';
import {
  FOREIGN_SECRET, SECRET, T0, agent, membershipCreated, sign, userCreated, userId,
} from './clerk_payloads.mjs';
import { webhookEvents } from './db_state.mjs';
import { expectOutcome, expectProblem, row, startWebhookServer } from './harness.mjs';

after(() => agent.destroy());

// Distinctive text put in bodies: it must never reach a log line.
const CANARY = 'zq-canary-4f1e9b-body-text';
const canaryUser = (n = 0) => userCreated({ name: `ada${n}`, firstName: `${CANARY}-first-${n}`, lastName: `${CANARY}-last`, email: `${CANARY}-${n}@example.com`, createdAt: T0 + n });

// A server that records every signature header it was sent, for the leak check at the end.
async function serve(t, opts = {}) {
  const s = await startWebhookServer({ ...opts, args: ['--log-level', 'debug', ...(opts.args ?? [])] });
  const signatures = [];
  const post = s.post;
  s.post = async (svixId, payload, postOpts = {}) => {
    const response = await post(svixId, payload, postOpts);
    for (const [name, value] of Object.entries(response.sentHeaders)) {
      if (/signature/i.test(name)) signatures.push(value);
    }
    return response;
  };
  t.after(async () => {
    await s.close();
    assertNothingLeaked(s.stderr(), signatures);
  });
  return s;
}

function assertNothingLeaked(stderr, signatures) {
  assert.ok(stderr.length > 0);
  assert.ok(!stderr.includes(CANARY), 'no body text on stderr');
  for (const secret of [SECRET, FOREIGN_SECRET]) {
    assert.ok(!stderr.includes(secret.replace(/^whsec_/, '')), 'no secret on stderr');
  }
  for (const signature of signatures) {
    for (const entry of signature.split(' ')) {
      const value = entry.replace(/^v1a?,/, '');
      if (value.length >= 16) assert.ok(!stderr.includes(value), `no signature on stderr (${value})`);
    }
  }
}

// Asserts that `action` answers a problem with `status` and writes nothing at all.
async function rejectsWithoutWriting(s, status, action, message) {
  const before = s.state();
  const response = await action();
  const problem = expectProblem(assert, response, status, message);
  assert.ok(!response.text.includes(CANARY), `${message}: the body is not echoed`);
  assert.ok(!response.text.includes(SECRET.slice(6)), `${message}: the secret is not echoed`);
  assert.deepEqual(s.state(), before, `${message}: nothing written`);
  return problem;
}

test('a missing svix-id, svix-timestamp or svix-signature header: 400, nothing written', async (t) => {
  const s = await serve(t);
  expectOutcome(assert, await s.post('msg_ok', canaryUser(0)), 'applied');
  for (const headerNames of ['svix', 'webhook']) {
    for (const missing of ['id', 'timestamp', 'signature']) {
      const problem = await rejectsWithoutWriting(s, 400, () => s.post(`msg_missing_${missing}`, canaryUser(1), { omit: [missing], headerNames }),
        `without the ${headerNames} ${missing} header`);
      assert.match(problem.detail, /missing webhook signature headers/);
    }
  }
  await rejectsWithoutWriting(s, 400, () => s.post('msg_none', canaryUser(1), { omit: ['id', 'timestamp', 'signature'] }), 'no header at all');
  await rejectsWithoutWriting(s, 400, () => s.post('', canaryUser(1)), 'an empty svix-id');
});

test('a malformed svix-timestamp ("abc", "12.5", "", "-5", "1e9", " 17…"): 400, nothing written', async (t) => {
  const s = await serve(t);
  const now = String(Math.floor(Date.now() / 1000));
  for (const timestamp of ['abc', '12.5', '', '-5', '1e9', `${now}.0`, `+${now}`]) {
    // Signed over the malformed text itself, so only the timestamp is wrong.
    const problem = await rejectsWithoutWriting(s, 400, () => s.post('msg_ts', canaryUser(1), { timestamp }), `timestamp ${JSON.stringify(timestamp)}`);
    if (timestamp !== '') assert.match(problem.detail, /not an integer/, timestamp);
  }
});

test('a timestamp 6 minutes old or 6 minutes ahead: 401, nothing written', async (t) => {
  const s = await serve(t);
  const now = Math.floor(Date.now() / 1000);
  const old = await rejectsWithoutWriting(s, 401, () => s.post('msg_old', canaryUser(1), { timestamp: now - 360 }), '6 minutes old');
  assert.match(old.detail, /old/);
  const ahead = await rejectsWithoutWriting(s, 401, () => s.post('msg_ahead', canaryUser(1), { timestamp: now + 360 }), '6 minutes ahead');
  assert.match(ahead.detail, /future/);
  // Within the tolerance on either side, it is accepted.
  expectOutcome(assert, await s.post('msg_4min_old', canaryUser(2), { timestamp: now - 240 }), 'applied');
  expectOutcome(assert, await s.post('msg_4min_ahead', canaryUser(3), { timestamp: now + 240 }), 'applied');
});

test('bad signatures: foreign secret, tampered body, v1a/v2 versions, empty v1: 401, nothing written', async (t) => {
  const s = await serve(t);
  expectOutcome(assert, await s.post('msg_ok', canaryUser(0)), 'applied');
  await rejectsWithoutWriting(s, 401, () => s.post('msg_foreign', canaryUser(1), { secrets: [FOREIGN_SECRET] }), 'signed by a foreign secret');

  const body = JSON.stringify(canaryUser(1));
  const tampered = body.replace(`${CANARY}-first-1`, `${CANARY}-first-X`);
  assert.notEqual(tampered, body);
  await rejectsWithoutWriting(s, 401, () => s.post('msg_tampered', body, { sendBody: tampered }), 'body changed after signing');
  await rejectsWithoutWriting(s, 401, () => s.post('msg_tampered2', body, { sendBody: `${body} ` }), 'one trailing space added after signing');

  const now = new Date();
  const valid = sign(SECRET, 'msg_version', now, body);
  const sig = valid.slice(3);
  for (const header of ['v1a,', `v1a,${sig}`, `v2,${sig}`, 'v1,', `v1 ${sig}`, sig, `v1,${sig.slice(0, -4)}`]) {
    const problem = await rejectsWithoutWriting(s, 401, () => s.post('msg_version', body, { timestamp: now, signature: header }), `signature header ${JSON.stringify(header)}`);
    assert.match(problem.detail, /signature/);
  }
  // Signed for another svix-id, or another timestamp: the signed content binds both.
  await rejectsWithoutWriting(s, 401, () => s.post('msg_other_id', body, { timestamp: now, signature: valid }), 'signature of another svix-id');
  const later = new Date(now.getTime() + 1000);
  await rejectsWithoutWriting(s, 401, () => s.post('msg_version', body, { timestamp: later, signature: valid }), 'signature of another timestamp');
  // The same header, as is, is accepted.
  expectOutcome(assert, await s.post('msg_version', body, { timestamp: now, signature: valid }), 'applied');
});

test('no secret configured: 503 naming CLERK_WEBHOOK_SECRET, nothing written', async (t) => {
  const s = await serve(t, { secret: null });
  const problem = await rejectsWithoutWriting(s, 503, () => s.post('msg_1', canaryUser(1)), 'no secret');
  assert.match(problem.detail, /CLERK_WEBHOOK_SECRET/);
  assert.deepEqual(s.dump().webhook_events, []);
});

test('malformed JSON with a valid signature: 400, kept in webhook_events as failed with its error', async (t) => {
  const s = await serve(t);
  const body = `{"type":"user.created","data":{"id":"${userId('ada')}","first_name":"${CANARY}"`;
  const before = s.state();
  const problem = expectProblem(assert, await s.post('msg_bad_json', body), 400);
  assert.match(problem.detail, /not valid JSON/);
  const after = s.state();
  assert.deepEqual(after.audit, before.audit, 'no audit row');
  assert.deepEqual(after.dump, { ...before.dump, webhook_events: [{ status: 'failed', svix_id: 'msg_bad_json', type: null }] });
  const [kept] = webhookEvents(s.file);
  assert.equal(kept.payload, body, 'the raw body is kept');
  assert.match(kept.error, /not valid JSON/);
  assert.equal(kept.processed_at, null);
});

test('valid JSON missing a required field (data.id, data.updated_at, …): 400, kept as failed with its error', async (t) => {
  const s = await serve(t);
  const noId = canaryUser(1);
  delete noId.data.id;
  const noUpdatedAt = canaryUser(2);
  delete noUpdatedAt.data.updated_at;
  const stringUpdatedAt = canaryUser(3);
  stringUpdatedAt.data.updated_at = String(stringUpdatedAt.data.updated_at);
  const noUserData = membershipCreated({ name: 'x', org: { name: 'acme' }, user: { name: 'ada' } });
  delete noUserData.data.public_user_data;
  const noType = canaryUser(4);
  delete noType.type;
  const cases = [
    ['msg_no_id', noId, /data\.id/, 'user.created'],
    ['msg_no_updated_at', noUpdatedAt, /data\.updated_at/, 'user.created'],
    ['msg_string_updated_at', stringUpdatedAt, /data\.updated_at/, 'user.created'],
    ['msg_no_public_user_data', noUserData, /public_user_data/, 'organizationMembership.created'],
    ['msg_no_type', noType, /type/, null],
    ['msg_array', '[1,2,3]', /not a JSON object/, null],
  ];
  for (const [svixId, payload, error, type] of cases) {
    const before = s.state();
    const problem = expectProblem(assert, await s.post(svixId, payload), 400, svixId);
    assert.match(problem.detail, error, svixId);
    const after = s.state();
    assert.deepEqual(after.audit, before.audit, `${svixId}: no audit row`);
    assert.deepEqual(after.dump.users, before.dump.users, `${svixId}: no user`);
    assert.deepEqual(after.dump.organizations, before.dump.organizations, `${svixId}: no organization`);
    const kept = webhookEvents(s.file).find((e) => e.svix_id === svixId);
    assert.equal(kept.status, 'failed', svixId);
    assert.equal(kept.type, type, svixId);
    assert.match(kept.error, error, svixId);
  }
});

test('a failed delivery retried with the same svix-id and a fixed body applies; then it is a duplicate', async (t) => {
  const s = await serve(t);
  const broken = canaryUser(1);
  delete broken.data.updated_at;
  expectProblem(assert, await s.post('msg_retry', broken), 400);
  expectProblem(assert, await s.post('msg_retry', broken), 400, 'the same broken body again: still 400');
  assert.equal(webhookEvents(s.file).length, 1, 'one row per svix-id');

  const fixed = canaryUser(1);
  expectOutcome(assert, await s.post('msg_retry', fixed), 'applied');
  let dump = s.dump();
  assert.deepEqual(dump.webhook_events, [{ status: 'processed', svix_id: 'msg_retry', type: 'user.created' }]);
  assert.equal(row(dump, 'users', userId('ada1')).email, `${CANARY}-1@example.com`);
  const [kept] = webhookEvents(s.file);
  assert.equal(kept.error, null, 'the old error is cleared');
  assert.equal(kept.payload, JSON.stringify(fixed), 'the payload kept is the one applied');
  assert.ok(kept.processed_at > 0);

  // Done now: a late copy of the broken body is a duplicate, answered 2xx, and changes nothing.
  const before = s.state();
  expectOutcome(assert, await s.post('msg_retry', broken), 'duplicate');
  expectOutcome(assert, await s.post('msg_retry', '{not json'), 'duplicate');
  assert.deepEqual(s.state(), before);
  dump = s.dump();
  assert.equal(webhookEvents(s.file)[0].payload, JSON.stringify(fixed));
});

test('a body over 1 MiB: 413, nothing written; exactly 1 MiB is read', async (t) => {
  const s = await serve(t);
  const sized = (bytes, n) => {
    const event = canaryUser(n);
    event.data.unsafe_metadata = { pad: '' };
    const base = Buffer.byteLength(JSON.stringify(event));
    event.data.unsafe_metadata.pad = 'x'.repeat(bytes - base);
    const body = JSON.stringify(event);
    assert.equal(Buffer.byteLength(body), bytes);
    return body;
  };
  const problem = await rejectsWithoutWriting(s, 413, () => s.post('msg_big', sized(1024 * 1024 + 1, 1)), '1 MiB + 1 byte');
  assert.match(problem.detail, /1 MiB/);
  await rejectsWithoutWriting(s, 413, () => s.post('msg_bigger', sized(3 * 1024 * 1024, 2)), '3 MiB');
  expectOutcome(assert, await s.post('msg_limit', sized(1024 * 1024, 3)), 'applied');
  assert.equal(s.dump().users.length, 1);
});

test('a signature computed by hand as the contract states matches what svix signs', () => {
  // {svix-id}.{svix-timestamp}.{body}, key = base64-decode after whsec_, base64(HMAC-SHA256).
  const body = JSON.stringify(canaryUser(1));
  const date = new Date(1716883200000);
  const mine = createHmac('sha256', Buffer.from(SECRET.slice(6), 'base64')).update(`msg_x.1716883200.${body}`).digest('base64');
  assert.equal(sign(SECRET, 'msg_x', date, body), `v1,${mine}`);
});
