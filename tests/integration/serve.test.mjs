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

test('a POST, PUT, PATCH or DELETE without Content-Length has an empty body (RFC 9112 §6.3), as curl -X sends it', async () => {
  const server = await startServer();
  const { port } = new URL(server.url);
  const socket = net.connect(Number(port), '127.0.0.1');
  try {
    await new Promise((resolve, reject) => { socket.on('connect', resolve); socket.on('error', reject); });
    let received = '';
    socket.on('data', (chunk) => { received += chunk; });
    // Waits for the next complete answer on the kept-alive connection (headers + Content-Length body).
    const nextAnswer = async () => {
      const deadline = Date.now() + 5000; // under the server's 10 s read timeout, after which it answers 400
      for (;;) {
        const end = received.indexOf('\r\n\r\n');
        const length = end < 0 ? -1 : Number(/content-length: (\d+)/i.exec(received.slice(0, end))?.[1] ?? 0);
        if (end >= 0 && received.length >= end + 4 + length) {
          const answer = received.slice(0, end + 4 + length);
          received = received.slice(end + 4 + length);
          return answer;
        }
        assert.ok(Date.now() < deadline, `no answer yet; so far: ${JSON.stringify(received)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      socket.write(`${method} /api/webhooks/test HTTP/1.1\r\nHost: x\r\n\r\n`);
      const answer = await nextAnswer();
      // The router's own answer (405, GET only), not httplib's 400 for an unreadable body.
      assert.match(answer, /^HTTP\/1\.1 405 /, `${method}: ${answer}`);
      assert.match(answer, /\r\nAllow: GET, HEAD\r\n/i);
    }
    // The connection is still usable: nothing of those requests was taken for a body.
    socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(await nextAnswer(), /^HTTP\/1\.1 200 /);
  } finally {
    socket.destroy();
    await server.stop();
  }
});

test('Range is ignored: a many-range header gets the whole body once (200), not the body once per range', async () => {
  const server = await startServer();
  try {
    const whole = await (await fetch(`${server.url}/api/openapi.json`)).text();
    const ranges = Array.from({ length: 1000 }, () => '0-').join(',');
    const res = await fetch(`${server.url}/api/openapi.json`, { headers: { Range: `bytes=${ranges}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-range'), null);
    const body = await res.text();
    assert.equal(body.length, whole.length);
    assert.deepEqual(JSON.parse(body), JSON.parse(whole));
  } finally {
    await server.stop();
  }
});

test('at most 100 request header lines: more is 400 problem JSON and the server goes on serving', async () => {
  const server = await startServer();
  const { port } = new URL(server.url);
  // One raw request on its own connection; resolves to the first complete answer (head and body).
  const rawRequest = (headerCount) => new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no answer: ${answer}`)); }, 5000);
    socket.on('data', (chunk) => {
      answer += chunk;
      const end = answer.indexOf('\r\n\r\n');
      const length = end < 0 ? -1 : Number(/content-length: (\d+)/i.exec(answer.slice(0, end))?.[1] ?? 0);
      if (end >= 0 && answer.length >= end + 4 + length) {
        clearTimeout(timer);
        socket.destroy();
        resolve(answer.slice(0, end + 4 + length));
      }
    });
    socket.on('error', (error) => { if (!answer) reject(error); });
    const headers = Array.from({ length: headerCount }, (_, n) => `X-Filler-${n}: ${'v'.repeat(100)}\r\n`).join('');
    socket.write(`GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}\r\n`);
  });
  try {
    assert.match(await rawRequest(90), /^HTTP\/1\.1 200 /, '92 header lines are fine');
    const refused = await rawRequest(5000);
    assert.match(refused, /^HTTP\/1\.1 400 /);
    assert.match(refused, /\r\nContent-Type: application\/problem\+json\r\n/i);
    assert.equal((await fetch(`${server.url}/api/health`)).status, 200);
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
