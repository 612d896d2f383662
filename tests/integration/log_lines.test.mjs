// Log lines cannot be forged by request text (README "What the server holds"): a path that decodes to a
// newline, an escape sequence or a space-separated "field" stays inside its own line and its own
// value, in the text format and in the JSON format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './fixture.mjs';

// One raw HTTP/1.1 request line (no client normalising the target); resolves once the answer ends.
function rawGet(url, target) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    });
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => { answer += chunk; });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(10000, () => socket.destroy(new Error('no answer')));
  });
}

// The forged line a vulnerable logger would write: it looks exactly like one of ours.
const FORGED = '2026-01-01T00:00:00.000Z error request method=DELETE path=/api/v1/organizations status=200';
const TARGETS = [
  `/x%0a${encodeURIComponent(FORGED)}`,
  `/x%0d%0a${encodeURIComponent(FORGED)}`,
  '/x%1b%5b2J%1b%5bHcleared',  // ESC [2J: a terminal would clear the screen
  '/x%20status=200%20ms=0',   // a space-separated "field" inside the path's value
  '/x%c2%85next',             // U+0085 NEL: a line break to some readers
  '/x%ff%fe',                 // not UTF-8
];

async function logOf(format) {
  const server = await startServer({ env: { LOG_FORMAT: format } });
  try {
    for (const target of TARGETS) assert.match(await rawGet(server.url, target), /^HTTP\/1\.1 404/);
    // One line after the others: the stream is flushed in order, so all of ours are in.
    assert.match(await rawGet(server.url, '/api/health'), /^HTTP\/1\.1 200/);
    const deadline = Date.now() + 5000;
    while (!server.stderr().includes('path=/api/health') && !server.stderr().includes('"path":"/api/health"') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await server.stop();
  }
  return server.stderr();
}

test('text logs escape control characters, line separators, bytes that are not UTF-8, and quote values with spaces', async () => {
  const stderr = await logOf('text');
  const lines = stderr.split('\n').filter((line) => line.length > 0);
  for (const line of lines) {
    assert.match(line, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (debug|info|warn|error) /, `every line is one of ours: ${JSON.stringify(line)}`);
    assert.doesNotMatch(line, /[\x00-\x08\x0b-\x1f\x7f\x85]/, `no control character in ${JSON.stringify(line)}`);
  }
  assert.ok(!lines.some((line) => line.startsWith(FORGED.slice(0, 30))), 'no forged line');
  const requests = lines.filter((line) => / info request /.test(line) && /path=/.test(line));
  const paths = requests.map((line) => line.match(/ path=("(?:[^"\\]|\\.)*"|\S*)/)[1]);
  assert.ok(paths.includes(`"/x\\n${FORGED}"`),
    `the newline is escaped inside one quoted value: ${paths.join(' | ')}`);
  assert.ok(paths.includes(`"/x\\r\\n${FORGED}"`), paths.join(' | '));
  assert.ok(paths.includes('/x\\x1b[2J\\x1b[Hcleared'), paths.join(' | '));
  assert.ok(paths.includes('"/x status=200 ms=0"'), paths.join(' | '));
  assert.ok(paths.includes('/x\\u0085next'), paths.join(' | '));
  assert.ok(paths.includes('/x\\xff\\xfe'), paths.join(' | '));
  // The status field is the real one (404), never the one in the path.
  for (const line of requests.filter((l) => l.includes('/x'))) assert.match(line, /" status=404 |[^"] status=404 /);
});

test('JSON logs: one parseable object per line, the path a JSON string with its control characters escaped', async () => {
  const stderr = await logOf('json');
  const lines = stderr.split('\n').filter((line) => line.length > 0);
  const events = lines.map((line) => JSON.parse(line));  // throws on a forged, non-JSON line
  const paths = events.filter((e) => e.msg === 'request').map((e) => e.path);
  assert.ok(paths.includes(`/x\n${FORGED}`), paths.map((p) => JSON.stringify(p)).join(' | '));
  assert.ok(paths.includes('/x\x1b[2J\x1b[Hcleared'));
  for (const line of lines) assert.doesNotMatch(line, /[\x00-\x1f\x7f]/, `raw control character in ${JSON.stringify(line)}`);
});
