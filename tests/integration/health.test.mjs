// Health through HTTP and through `mcp-admin health`, including a database that really breaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, renameSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { ISO_MS, run, startServer, tempDir } from './fixture.mjs';

test('a removed database file makes health 503 with the seed\'s unhealthy shape', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = path.join(dir, 'h.db');
    const server = await startServer({ args: ['--port', '0', '--database', `file:${db}`], env: { NODE_ENV: 'staging' } });
    try {
      assert.equal((await fetch(`${server.url}/api/health`)).status, 200);
      rmSync(db);
      const res = await fetch(`${server.url}/api/health`);
      assert.equal(res.status, 503);
      const body = await res.json();
      assert.equal(body.status, 'error');
      assert.match(body.timestamp, ISO_MS);
      assert.deepEqual({ status: body.database.status, connected: body.database.connected }, { status: 'unhealthy', connected: false });
      assert.equal(body.environment, 'staging');
      assert.equal(body.error, 'Connection failed');
      assert.match(body.detail, /was removed/);
      assert.deepEqual(Object.keys(body).slice(0, 4), ['status', 'timestamp', 'database', 'environment']);
      const probe = run(['health', '--url', `${server.url}/api/health`]);
      assert.equal(probe.status, 1);
      assert.match(probe.stdout, /^unhealthy: 503/);
    } finally {
      await server.stop();
    }
  } finally {
    cleanup();
  }
});

test('a database file replaced under the server is unhealthy too', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = path.join(dir, 'r.db');
    const server = await startServer({ args: ['--port', '0', '--database', `file:${db}`] });
    try {
      copyFileSync(db, path.join(dir, 'copy.db'));
      renameSync(path.join(dir, 'copy.db'), db);
      const res = await fetch(`${server.url}/api/health`);
      assert.equal(res.status, 503);
      assert.match((await res.json()).detail, /was replaced/);
    } finally {
      await server.stop();
    }
  } finally {
    cleanup();
  }
});

test('mcp-admin health: 0 when healthy, 1 when nothing answers; --host/--port and PORT find the server', async () => {
  const server = await startServer();
  try {
    const url = new URL(server.url);
    const byUrl = run(['health', '--url', `${server.url}/api/health`]);
    assert.equal(byUrl.status, 0);
    assert.match(byUrl.stdout, /^healthy: 200 database healthy/);
    assert.equal(run(['health', '--port', url.port]).status, 0);
    assert.equal(run(['health'], { env: { PORT: url.port } }).status, 0);
  } finally {
    await server.stop();
  }
  const url = new URL(server.url);
  const down = run(['health', '--url', `http://127.0.0.1:${url.port}/api/health`]);
  assert.equal(down.status, 1);
  assert.match(down.stdout, /^unhealthy: no answer/);
});
