// `mcp-admin webhooks replay`: re-applies deliveries kept in the inbox through the same code path,
// from the command line, while the server runs on the same SQLite file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../integration/fixture.mjs';
import { T0, userCreated, userId } from './clerk_payloads.mjs';
import { expectOutcome, expectProblem, startWebhookServer } from './harness.mjs';
import { webhookEvents } from './db_state.mjs';

test('replay: failed deliveries stay failed until fixed; a processed one re-applies idempotently', async () => {
  const hook = await startWebhookServer();
  try {
    const database = ['--database', `file:${hook.file}`];
    // A verified delivery whose payload lacks data.updated_at: 400, kept as failed.
    const broken = userCreated({ name: 'replayed', updatedAt: T0 });
    delete broken.data.updated_at;
    expectProblem(assert, await hook.post('msg_replay_broken', broken), 400);
    const good = userCreated({ name: 'steady', updatedAt: T0 });
    expectOutcome(assert, await hook.post('msg_replay_good', good), 'applied');
    const before = hook.dump();

    const failed = run(['webhooks', 'replay', '--failed', ...database]);
    assert.equal(failed.status, 1, failed.stderr);
    assert.match(failed.stdout, /^replayed 1, applied 0, still failed 1$/m);
    // Each replayed delivery on its own line: its id, its type, how it went and why it had failed.
    const stored = webhookEvents(hook.file).find((e) => e.svix_id === 'msg_replay_broken');
    assert.ok(stored.error, 'the inbox keeps the reason');
    const line = failed.stdout.split('\n').find((l) => l.startsWith('msg_replay_broken  user.created  failed: '));
    assert.ok(line, failed.stdout);
    assert.ok(line.endsWith(`(was: ${stored.error})`), line);
    assert.equal(webhookEvents(hook.file).find((e) => e.svix_id === 'msg_replay_broken').status, 'failed');

    const again = run(['webhooks', 'replay', '--id', 'msg_replay_good', ...database]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^replayed 1, applied 1, still failed 0$/m);
    assert.match(again.stdout, /^msg_replay_good  user\.created  applied$/m);
    assert.deepEqual(hook.dump(), before, 're-applying a processed delivery changed the database');

    // Svix retries with the same svix-id; a fixed payload then applies, and nothing is left to replay.
    expectOutcome(assert, await hook.post('msg_replay_broken', userCreated({ name: 'replayed', updatedAt: T0 })), 'applied');
    const none = run(['webhooks', 'replay', '--failed', ...database]);
    assert.equal(none.status, 0, none.stderr);
    assert.match(none.stdout, /^replayed 0, applied 0, still failed 0$/m);
    assert.ok(hook.dump().users.some((u) => u.clerk_id === userId('replayed')));

    const unknown = run(['webhooks', 'replay', '--id', 'msg_nobody', ...database]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no delivery with svix-id 'msg_nobody'/);
  } finally {
    await hook.close();
  }
});

test('replay: misuse is exit 2 with one line', () => {
  for (const args of [['webhooks'], ['webhooks', 'replay'], ['webhooks', 'replay', '--failed', '--id', 'x'],
    ['webhooks', 'rewind', '--failed']]) {
    const r = run([...args, '--database', ':memory:']);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});
