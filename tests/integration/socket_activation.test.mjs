// Socket activation (systemd's LISTEN_FDS protocol): when LISTEN_PID is this process and
// LISTEN_FDS ≥ 1, serve takes fd 3, already bound and listening, instead of binding; the ready
// line prints the address of that socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { BIN, cleanEnv } from './fixture.mjs';

function readyLine(child) {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
}

async function stop(child) {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  child.kill('SIGTERM');
  return exited;
}

test('a listening socket passed as fd 3 with LISTEN_PID/LISTEN_FDS is served; nothing else binds', async () => {
  const parent = net.createServer();
  await new Promise((r) => parent.listen(0, '127.0.0.1', r));
  const { port } = parent.address();
  // The child's pid is known only after fork: `exec` keeps the shell's pid, as systemd's does.
  const child = spawn('/bin/sh', ['-c', 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" serve --port 1 --database :memory:', BIN],
    { env: cleanEnv({ LOG_FORMAT: 'json' }), stdio: ['ignore', 'pipe', 'pipe', parent._handle.fd] });
  try {
    const ready = await readyLine(child);
    assert.equal(ready.url, `http://127.0.0.1:${port}`, '--port 1 was ignored for the inherited socket');
    parent.close();  // only the child's copy is left
    const res = await fetch(`${ready.url}/api/health`);
    assert.equal(res.status, 200);
  } finally {
    assert.equal(await stop(child), 0);
    parent.close();
  }
});

test('systemd-socket-activate starts serve on the first connection and it answers', { skip: spawnSync('sh', ['-c',
  'command -v systemd-socket-activate']).status !== 0 && 'systemd-socket-activate is not installed' }, async () => {
  const probe = net.createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address();
  await new Promise((r) => probe.close(r));
  const child = spawn('systemd-socket-activate', ['-l', `127.0.0.1:${port}`, BIN, 'serve', '--database', ':memory:'],
    { env: cleanEnv({ LOG_FORMAT: 'json' }), stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise((r) => setTimeout(r, 300));
    const answer = fetch(`http://127.0.0.1:${port}/api/health`);
    const ready = await readyLine(child);
    assert.equal(ready.url, `http://127.0.0.1:${port}`);
    assert.equal((await answer).status, 200);
  } finally {
    await stop(child);
  }
});
