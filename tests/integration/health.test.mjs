// Health through HTTP and through `mcp-admin health`, including a database that really breaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ENGINE, ISO_MS, logLines, run, startServer, tempDir } from './fixture.mjs';

const PG_CLUSTER = fileURLToPath(new URL('../support/pg-cluster.sh', import.meta.url));
const sqliteOnly = { skip: ENGINE !== 'sqlite' && 'SQLite file checks' };
const postgresOnly = { skip: ENGINE !== 'postgres' && 'needs PostgreSQL (MCP_ADMIN_TEST_ENGINE=postgres)' };

test('a removed database file makes health 503 with the seed\'s unhealthy shape', sqliteOnly, async () => {
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
      // What kind of failure, never where: the file's path is for the log only.
      assert.equal(body.reason, 'file_removed');
      assert.equal(body.detail, undefined);
      assert.ok(!JSON.stringify(body).includes(dir), `the body names no path: ${JSON.stringify(body)}`);
      assert.deepEqual(Object.keys(body).slice(0, 4), ['status', 'timestamp', 'database', 'environment']);
      const probe = run(['health', '--url', `${server.url}/api/health`]);
      assert.equal(probe.status, 1);
      assert.match(probe.stdout, /^unhealthy: 503 database unhealthy \(file_removed\)/);
    } finally {
      await server.stop();
    }
    const logged = logLines(server.stderr()).find((line) => line.msg === 'health check failed');
    assert.equal(logged?.reason, 'file_removed');
    assert.match(logged?.error ?? '', /was removed/);
    assert.ok(logged.error.includes(db), 'the log says which file');
  } finally {
    cleanup();
  }
});

test('a database file replaced under the server is unhealthy too', sqliteOnly, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = path.join(dir, 'r.db');
    const server = await startServer({ args: ['--port', '0', '--database', `file:${db}`] });
    try {
      copyFileSync(db, path.join(dir, 'copy.db'));
      renameSync(path.join(dir, 'copy.db'), db);
      const res = await fetch(`${server.url}/api/health`);
      assert.equal(res.status, 503);
      const body = await res.json();
      assert.equal(body.reason, 'file_replaced');
      assert.equal(body.detail, undefined);
      assert.ok(!JSON.stringify(body).includes(dir), `the body names no path: ${JSON.stringify(body)}`);
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

test('PostgreSQL down: health 503 with the seed\'s shape; back up: healthy again without a restart', postgresOnly, async () => {
  // A cluster of its own: stopping the shared one would break the tests running beside this one.
  const { dir, cleanup } = tempDir('mcp-admin-pg-');
  chmodSync(dir, 0o755);  // the server runs as the postgres user
  const clusterDir = path.join(dir, 'cluster');
  const url = execFileSync('bash', [PG_CLUSTER, 'start', clusterDir], { encoding: 'utf8' }).trim();
  const port = url.match(/:(\d+)\//)[1];
  const restart = () => execFileSync('su', ['postgres', '-s', '/bin/bash', '-c',
    `/usr/lib/postgresql/*/bin/pg_ctl -D '${clusterDir}/data' -w -l '${clusterDir}/server.log' -o "-p ${port} -k '${clusterDir}' -c listen_addresses=127.0.0.1" start`]);
  const server = await startServer({ args: ['--port', '0', '--database', `${url}?schema=health`], env: { NODE_ENV: 'production' } });
  try {
    assert.equal((await fetch(`${server.url}/api/health`)).status, 200);
    execFileSync('bash', [PG_CLUSTER, 'stop', clusterDir]);
    const down = await fetch(`${server.url}/api/health`);
    assert.equal(down.status, 503);
    const body = await down.json();
    assert.equal(body.status, 'error');
    assert.deepEqual({ status: body.database.status, connected: body.database.connected }, { status: 'unhealthy', connected: false });
    assert.equal(body.environment, 'production');
    assert.equal(body.error, 'Connection failed');
    // Never where: no host, port, user or database name in what anyone may read.
    assert.equal(body.reason, 'unreachable');
    assert.equal(body.detail, undefined);
    for (const secret of ['127.0.0.1', port, 'postgres', 'schema']) {
      assert.ok(!JSON.stringify({ ...body, database: { ...body.database, backend: null } }).includes(secret),
        `the body does not say ${secret}: ${JSON.stringify(body)}`);
    }
    assert.equal(run(['health', '--url', `${server.url}/api/health`]).status, 1);
    restart();
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = (await fetch(`${server.url}/api/health`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200, 'health did not recover after PostgreSQL came back');
    assert.equal(run(['health', '--url', `${server.url}/api/health`]).status, 0);
  } finally {
    await server.stop();
    execFileSync('bash', [PG_CLUSTER, 'stop', clusterDir]);
    cleanup();
  }
});
