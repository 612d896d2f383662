// The HTTP front door (README "HTTP"): connections that wait for bytes hold no worker, deadlines,
// the connection cap, and framing (body limit for every transfer coding, unknown codings, CL+TE,
// GET bodies, Expect: 100-continue, HTTP/1.0). Raw sockets (node:net) throughout: these are
// exactly the bytes well-behaved clients never send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { logLines, startServer } from './fixture.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

// Sends bytes on a fresh connection and collects everything the server sends until it closes
// the connection (or waitMs pass). Resolves { text, closed }.
function exchange(port, bytes, { waitMs = 5000, afterConnect } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk) => { text += chunk.toString('latin1'); });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => {});  // a reset after the answer: the answer is what counts
    socket.on('connect', () => {
      if (bytes) socket.write(bytes);
      if (afterConnect) afterConnect(socket);
    });
  });
}

const answers = (text) => (text.match(/HTTP\/1\.1 \d{3} /g) ?? []).map((line) => Number(line.slice(9, 12)));

// A GET answered on a fresh connection, or an Error after timeoutMs.
function getWithin(url, timeoutMs, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

test('120 idle kept-alive and 120 trickling half-sent connections do not stop health and the gateway for others', async () => {
  const server = await startServer();
  const port = Number(new URL(server.url).port);
  const crowd = [];
  try {
    // Idle kept-alive: one request each, then nothing.
    for (let i = 0; i < 120; i++) {
      const socket = await connect(port);
      socket.on('error', () => {});
      socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n');
      crowd.push(socket);
    }
    // Half-sent headers that keep trickling (a byte every second: a per-recv timeout never fires).
    const trickling = [];
    for (let i = 0; i < 120; i++) {
      const socket = await connect(port);
      socket.on('error', () => {});
      socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      crowd.push(socket);
      trickling.push(socket);
    }
    const drip = setInterval(() => { for (const s of trickling) if (!s.destroyed) s.write('a'); }, 1000);
    try {
      await sleep(1500);
      // Generous: the answers take milliseconds; the old thread-per-connection server never gave them.
      assert.equal(await getWithin(`${server.url}/api/health`, 8000), 200);
      assert.equal(await getWithin(`${server.url}/api/v1/gateway/authorize?server=github`, 8000), 401);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const open = Number(/^mcp_admin_http_connections_open (\d+)$/m.exec(metrics)?.[1]);
      assert.ok(open >= 240, `the gauge counts the crowd: ${open}`);
    } finally {
      clearInterval(drip);
    }
  } finally {
    for (const socket of crowd) socket.destroy();
    await server.stop();
  }
});

test('a client sending its header a byte a second is cut at the header deadline with 408', async () => {
  const server = await startServer();
  const port = Number(new URL(server.url).port);
  try {
    const started = Date.now();
    let drip;
    const result = await exchange(port, 'GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ', {
      waitMs: 30000,
      afterConnect: (socket) => { drip = setInterval(() => { if (!socket.destroyed) socket.write('a'); }, 1000); },
    });
    clearInterval(drip);
    assert.ok(result.closed, `still open after ${Date.now() - started} ms: the deadline did not cut it`);
    assert.deepEqual(answers(result.text), [408]);
    assert.match(result.text, /application\/problem\+json/);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^mcp_admin_http_connections_timed_out_total [1-9]/m);
  } finally {
    await server.stop();
  }
});

test('a chunked body over 1 MiB is 413 and never reaches the webhook handler', async () => {
  const server = await startServer();
  const port = Number(new URL(server.url).port);
  try {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const result = await exchange(port, 'POST /api/webhooks/clerk HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'Transfer-Encoding: chunked\r\n\r\n', {
      afterConnect: (socket) => {
        for (let i = 0; i < 48 && !socket.destroyed; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        if (!socket.destroyed) socket.write('0\r\n\r\n');
      },
    });
    assert.deepEqual(answers(result.text), [413], result.text.slice(0, 300));
    assert.match(result.text, /"status":413/);
    assert.ok(!logLines(server.stderr()).some((l) => l.msg === 'request' && l.path === '/api/webhooks/clerk'),
      'the handler ran');
  } finally {
    await server.stop();
  }
});

test('Transfer-Encoding other than chunked is 501; Content-Length with Transfer-Encoding is 400', async () => {
  const server = await startServer();
  const port = Number(new URL(server.url).port);
  try {
    const gzip = await exchange(port, 'POST /api/webhooks/clerk HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n' +
      'not really gzip');
    assert.deepEqual(answers(gzip.text), [501], gzip.text);
    assert.match(gzip.text, /application\/problem\+json/);
    const both = await exchange(port, 'POST /api/webhooks/clerk HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n' +
      'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    assert.deepEqual(answers(both.text), [400], both.text);
    const teFirst = await exchange(port, 'POST /api/webhooks/clerk HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n' +
      'Content-Length: 5\r\n\r\n0\r\n\r\n');
    assert.deepEqual(answers(teFirst.text), [400], teFirst.text);
    assert.equal((await fetch(`${server.url}/api/health`)).status, 200);
  } finally {
    await server.stop();
  }
});

test('a GET with a body is refused once (400); the body is never read as a second request', async () => {
  const server = await startServer();
  const port = Number(new URL(server.url).port);
  try {
    const smuggled = 'GET /api/webhooks/test HTTP/1.1\r\nHost: x\r\n\r\n';
    const result = await exchange(port, `GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: ${smuggled.length}\r\n\r\n` +
      smuggled, { waitMs: 3000 });
    assert.deepEqual(answers(result.text), [400], result.text);
    assert.ok(result.closed, 'the connection stays open after a refused GET body');
    const chunked = await exchange(port, 'HEAD /api/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
      `${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`, { waitMs: 3000 });
    assert.deepEqual(answers(chunked.text), [400], chunked.text);
  } finally {
    await server.stop();
  }
});

test('Expect: 100-continue is answered before the body; over the limit it is 413 at once', async () => {
  const server = await startServer();
  const port = Number(new URL(server.url).port);
  try {
    const body = '{"a":1}';
    const result = await exchange(port, `POST /api/webhooks/test HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n` +
      'Expect: 100-continue\r\nConnection: close\r\n\r\n', {
      afterConnect: (socket) => {
        socket.once('data', (chunk) => { if (/^HTTP\/1\.1 100 Continue\r\n\r\n/.test(chunk.toString())) socket.write(body); });
      },
    });
    assert.match(result.text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 405 /, result.text.slice(0, 200));
    const big = await exchange(port, 'POST /api/webhooks/clerk HTTP/1.1\r\nHost: x\r\nContent-Length: 3145728\r\n' +
      'Expect: 100-continue\r\n\r\n');
    assert.deepEqual(answers(big.text), [413], big.text);
  } finally {
    await server.stop();
  }
});

test('HTTP/1.0 and Connection: close are answered, then closed; HEAD carries no body and no Accept-Ranges', async () => {
  const server = await startServer();
  const port = Number(new URL(server.url).port);
  try {
    const old = await exchange(port, 'GET /api/health HTTP/1.0\r\n\r\n');
    assert.ok(old.closed);
    assert.deepEqual(answers(old.text), [200]);
    const close = await exchange(port, 'GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.ok(close.closed);
    assert.match(close.text, /\r\nConnection: close\r\n/i);
    const head = await exchange(port, 'HEAD /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.deepEqual(answers(head.text), [200]);
    assert.ok(head.text.endsWith('\r\n\r\n'), 'a HEAD answer carried a body');
    assert.doesNotMatch(head.text, /accept-ranges/i);
    // Pipelined: three requests in one write, three answers in order.
    const piped = await exchange(port, 'GET /api/health HTTP/1.1\r\nHost: x\r\n\r\nGET /nothing HTTP/1.1\r\nHost: x\r\n\r\n' +
      'GET /api/webhooks/test HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.deepEqual(answers(piped.text), [200, 404, 200]);
  } finally {
    await server.stop();
  }
});

test('--max-connections: one more is refused with 503 problem JSON, counted in /metrics', async () => {
  const server = await startServer({ args: ['--port', '0', '--database', ':memory:', '--max-connections', '8'] });
  const port = Number(new URL(server.url).port);
  const held = [];
  try {
    for (let i = 0; i < 8; i++) {
      const socket = await connect(port);
      socket.on('error', () => {});
      held.push(socket);
    }
    await sleep(200);
    const refused = await exchange(port, '');
    assert.deepEqual(answers(refused.text), [503], refused.text);
    assert.match(refused.text, /application\/problem\+json/);
    assert.match(refused.text, /--max-connections/);
    for (const socket of held) socket.destroy();
    await sleep(300);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^mcp_admin_http_connections_refused_total 1$/m);
    assert.match(metrics, /^mcp_admin_http_connections_open 1$/m);
  } finally {
    for (const socket of held) socket.destroy();
    await server.stop();
  }
});

test('MCP_ADMIN_MAX_CONNECTIONS is read; a bad value is exit 2 with one line', async () => {
  const { run } = await import('./fixture.mjs');
  const bad = run(['serve', '--port', '0', '--database', ':memory:'], { env: { MCP_ADMIN_MAX_CONNECTIONS: 'lots' } });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /MCP_ADMIN_MAX_CONNECTIONS/);
  const server = await startServer({ env: { MCP_ADMIN_MAX_CONNECTIONS: '3' } });
  const port = Number(new URL(server.url).port);
  const held = [];
  try {
    for (let i = 0; i < 3; i++) held.push(await connect(port));
    await sleep(200);
    assert.deepEqual(answers((await exchange(port, '')).text), [503]);
  } finally {
    for (const socket of held) socket.destroy();
    await server.stop();
  }
});
