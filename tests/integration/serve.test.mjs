// `mcp-admin serve` as a fixture: ready line, the seed's endpoints, problem JSON, keep-alive,
// request logs, signals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ISO_MS, logLines, startServer, tempDir } from './fixture.mjs';

test('prints exactly one ready line with the real URL, before anything else on stdout', async () => {
  const server = await startServer();
  try {
    assert.match(server.ready, /^\{"event":"listening","url":"http:\/\/127\.0\.0\.1:\d+"\}$/);
    const port = Number(new URL(server.url).port);
    assert.ok(port > 0 && port !== 3000);
    const res = await fetch(`${server.url}/api/health`);
    assert.equal(res.status, 200);
  } finally {
    const { code } = await server.stop();
    assert.equal(code, 0);
    assert.equal(server.stdout(), `${server.ready}\n`, 'nothing but the ready line on stdout');
  }
});

test('GET /api/health answers the seed\'s healthy shape', async () => {
  const server = await startServer({ env: { NODE_ENV: 'test' } });
  try {
    const res = await fetch(`${server.url}/api/health`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    const body = await res.json();
    assert.equal(body.status, 'ok');
    assert.match(body.timestamp, ISO_MS);
    assert.ok(Math.abs(Date.parse(body.timestamp) - Date.now()) < 60000);
    assert.equal(body.database.status, 'healthy');
    assert.equal(body.database.connected, true);
    assert.equal(body.environment, 'test');
    assert.equal(body.error, undefined);
    assert.deepEqual(Object.keys(body).slice(0, 4), ['status', 'timestamp', 'database', 'environment']);
  } finally {
    await server.stop();
  }
});

test('GET /api/webhooks/test answers the seed\'s shape', async () => {
  const server = await startServer();
  try {
    const res = await fetch(`${server.url}/api/webhooks/test`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ['message', 'timestamp']);
    assert.equal(body.message, 'Test webhook endpoint is working');
    assert.match(body.timestamp, ISO_MS);
  } finally {
    await server.stop();
  }
});

test('unknown paths are 404 and wrong methods 405, as RFC 9457 problem JSON', async () => {
  const server = await startServer();
  try {
    const cases = [
      { method: 'GET', path: '/api/nothing', status: 404 },
      { method: 'GET', path: '/nothing-here', status: 404 },
      { method: 'POST', path: '/', status: 405, allow: 'GET, HEAD' },
      { method: 'DELETE', path: '/api/health', status: 405, allow: 'GET, HEAD' },
      { method: 'POST', path: '/api/webhooks/test', status: 405, allow: 'GET, HEAD' },
      { method: 'PUT', path: '/api/health', status: 405, allow: 'GET, HEAD' },
    ];
    for (const c of cases) {
      const res = await fetch(`${server.url}${c.path}`, { method: c.method, body: ['PUT', 'POST'].includes(c.method) ? '{}' : undefined });
      assert.equal(res.status, c.status, `${c.method} ${c.path}`);
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      const problem = await res.json();
      assert.equal(problem.status, c.status);
      assert.equal(problem.type, 'about:blank');
      assert.equal(typeof problem.title, 'string');
      assert.ok(problem.detail.length > 0);
      assert.equal(problem.request_id, res.headers.get('x-request-id'));
      if (c.allow) assert.equal(res.headers.get('allow'), c.allow);
    }
  } finally {
    await server.stop();
  }
});

test('a body over 1 MiB is refused with 413 problem JSON; the server goes on serving', async () => {
  const server = await startServer();
  try {
    const big = Buffer.alloc(1024 * 1024 + 1, 0x61);
    const res = await fetch(`${server.url}/api/webhooks/test`, { method: 'POST', body: big });
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    const problem = await res.json();
    assert.equal(problem.status, 413);
    assert.match(problem.detail, /1 MiB/);
    const ok = await fetch(`${server.url}/api/health`);
    assert.equal(ok.status, 200);
  } finally {
    await server.stop();
  }
});

test('keep-alive: 200 requests travel on one connection', async () => {
  const server = await startServer();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set();
  try {
    for (let i = 0; i < 200; i++) {
      const status = await new Promise((resolve, reject) => {
        const req = http.get(`${server.url}/api/health`, { agent }, (res) => {
          sockets.add(req.socket);
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        });
        req.on('error', reject);
      });
      assert.equal(status, 200);
    }
    assert.equal(sockets.size, 1, 'the server closed the kept-alive connection');
  } finally {
    agent.destroy();
    await server.stop();
  }
});

test('one log line per request on stderr, with the request id; a client request id is kept', async () => {
  const server = await startServer();
  try {
    const mine = await fetch(`${server.url}/api/health`, { headers: { 'X-Request-Id': 'trace-abc_123' } });
    assert.equal(mine.headers.get('x-request-id'), 'trace-abc_123');
    const hostile = await fetch(`${server.url}/api/health`, { headers: { 'X-Request-Id': 'x'.repeat(200) } });
    const generated = hostile.headers.get('x-request-id');
    assert.match(generated, /^[0-9a-f]{16}$/);
    await fetch(`${server.url}/api/nothing?token=secret-value`);
    await new Promise((r) => setTimeout(r, 100));
    const requests = logLines(server.stderr()).filter((l) => l.msg === 'request');
    assert.equal(requests.length, 3);
    assert.deepEqual(requests.map((l) => l.request_id), ['trace-abc_123', generated, requests[2].request_id]);
    assert.deepEqual(requests.map((l) => l.status), [200, 200, 404]);
    assert.equal(requests[2].path, '/api/nothing');
    assert.ok(!server.stderr().includes('secret-value'), 'query strings are not logged');
    for (const line of requests) assert.equal(typeof line.ms, 'number');
  } finally {
    await server.stop();
  }
});

test('HEAD /api/health answers headers only', async () => {
  const server = await startServer();
  try {
    const res = await fetch(`${server.url}/api/health`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal((await res.text()).length, 0);
  } finally {
    await server.stop();
  }
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal}: answers the request in flight, closes the database, exits 0`, async () => {
    const { dir, cleanup } = tempDir();
    const db = path.join(dir, 'data.db');
    const server = await startServer({ args: ['--port', '0', '--database', `file:${db}`] });
    try {
      // A slow client: the headers arrive before the signal, the body after it. An idle kept-alive
      // connection, by contrast, must not hold the shutdown.
      const idle = new http.Agent({ keepAlive: true });
      await new Promise((resolve) => http.get(`${server.url}/api/health`, { agent: idle }, (r) => { r.resume(); r.on('end', resolve); }));
      const { port } = new URL(server.url);
      const socket = net.connect(Number(port), '127.0.0.1');
      await new Promise((r) => socket.on('connect', r));
      let answer = '';
      socket.on('data', (d) => { answer += d; });
      socket.write('POST /api/webhooks/test HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345');
      await new Promise((r) => setTimeout(r, 100));
      const signalled = Date.now();
      server.child.kill(signal);
      await new Promise((r) => setTimeout(r, 100));
      socket.write('67890');
      const { code, signal: killedBy } = await server.exited;
      assert.ok(Date.now() - signalled < 2000, `shutdown took ${Date.now() - signalled} ms`);
      idle.destroy();
      assert.equal(killedBy, null);
      assert.equal(code, 0);
      await new Promise((r) => setTimeout(r, 50));
      assert.match(answer, /^HTTP\/1\.1 405 Method Not Allowed/, 'the request in flight was not answered');
      socket.destroy();
      assert.ok(logLines(server.stderr()).some((l) => l.msg === 'stopped'));
      // Closed cleanly: the last connection checkpointed the WAL and removed it.
      assert.equal(existsSync(`${db}-wal`), false, 'WAL left behind: the database was not closed');
    } finally {
      await server.stop();
      cleanup();
    }
  });
}

test('a port in use is a clear error and exit 1', async () => {
  const first = await startServer();
  try {
    const port = new URL(first.url).port;
    const second = await startServer({ args: ['--port', port, '--database', ':memory:'] }).catch((e) => e);
    assert.ok(second instanceof Error);
    assert.match(second.message, /serve exited \(1\)/);
    assert.match(second.message, /cannot listen on 127\.0\.0\.1:\d+/);
  } finally {
    await first.stop();
  }
});
