// HTTPS (--tls-cert / --tls-key) through real clients, curl and node, that verify the server's
// certificate against a CA made here with openssl (never -k); SIGHUP re-reads the pair (a
// certbot renewal) without dropping a kept-alive connection; a bad new pair keeps the old one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import https from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { logLines, startServer, tempDir } from './fixture.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const openssl = (args, cwd) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

function makeCa(dir) {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key',
    '-out', 'ca.pem', '-days', '2', '-subj', '/CN=mcp-admin test CA'], dir);
}

// A server certificate for 127.0.0.1 signed by the CA, written to server.pem / server.key.
function issue(dir, serial) {
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'next.key', '-out',
    'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(serial),
    '-days', '1', '-extfile', 'ext.cnf', '-out', 'next.pem'], dir);
  // Replaced whole, as certbot does (new files, then renamed into place).
  writeFileSync(path.join(dir, 'server.key'), readFileSync(path.join(dir, 'next.key')));
  writeFileSync(path.join(dir, 'server.pem'), readFileSync(path.join(dir, 'next.pem')));
}

// GET over the agent: { status, serial (of the server's certificate, hex), socket }. The socket is
// taken when the answer starts: by its end a kept-alive socket may already be back in the agent's
// pool and res.socket null.
function get(url, agent, ca) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent, ca }, (res) => {
      const socket = res.socket;
      const serial = socket.getPeerCertificate().serialNumber;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, serial, socket }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('no answer in 5 s')));
    req.on('error', reject);
  });
}

async function waitForLog(server, message) {
  for (let i = 0; i < 100; i++) {
    if (logLines(server.stderr()).some((l) => l.msg === message)) return;
    await sleep(50);
  }
  throw new Error(`no "${message}" in the log:\n${server.stderr()}`);
}

test('HTTPS verified by curl and node against a generated CA; SIGHUP renews without dropping a kept-alive connection', async () => {
  const { dir, cleanup } = tempDir();
  makeCa(dir);
  issue(dir, 1001);
  const server = await startServer({ args: ['--port', '0', '--database', ':memory:', '--tls-cert',
    path.join(dir, 'server.pem'), '--tls-key', path.join(dir, 'server.key')] });
  const ca = readFileSync(path.join(dir, 'ca.pem'));
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const curl = spawnSync('curl', ['-sS', '--cacert', path.join(dir, 'ca.pem'), '-o', '/dev/null', '-w', '%{http_code}',
      `${server.url}/api/health`], { encoding: 'utf8' });
    assert.equal(curl.stdout, '200', curl.stderr);
    // Without the CA the certificate is not trusted: the check above is a real verification.
    const untrusted = spawnSync('curl', ['-sS', '-o', '/dev/null', `${server.url}/api/health`], { encoding: 'utf8' });
    assert.notEqual(untrusted.status, 0);

    const first = await get(`${server.url}/api/health`, agent, ca);
    assert.equal(first.status, 200);
    assert.equal(first.serial, '03E9');  // 1001

    issue(dir, 1002);
    server.child.kill('SIGHUP');
    await waitForLog(server, 'TLS certificate reloaded');

    const again = await get(`${server.url}/api/health`, agent, ca);
    assert.equal(again.status, 200);
    assert.equal(again.socket, first.socket, 'the kept-alive connection was dropped by the reload');
    assert.equal(again.serial, '03E9', 'an open connection keeps the certificate it started with');
    const renewed = await get(`${server.url}/api/health`, new https.Agent({ keepAlive: false }), ca);
    assert.equal(renewed.serial, '03EA', 'a new connection gets the new certificate');
    const curlRenewed = spawnSync('curl', ['-sS', '-v', '--cacert', path.join(dir, 'ca.pem'), '-o', '/dev/null',
      `${server.url}/api/health`], { encoding: 'utf8' });
    assert.equal(curlRenewed.status, 0, curlRenewed.stderr);

    // A broken renewal: logged, the working pair kept, the server goes on.
    writeFileSync(path.join(dir, 'server.pem'), 'not a certificate\n');
    server.child.kill('SIGHUP');
    await waitForLog(server, 'TLS certificate not reloaded; the previous one stays in use');
    const kept = await get(`${server.url}/api/health`, new https.Agent({ keepAlive: false }), ca);
    assert.equal(kept.status, 200);
    assert.equal(kept.serial, '03EA');
    const still = await get(`${server.url}/api/health`, agent, ca);
    assert.equal(still.socket, first.socket);
    assert.ok(!server.stderr().includes('BEGIN'), 'key or certificate text in the log');
  } finally {
    agent.destroy();
    const { code } = await server.stop();
    assert.equal(code, 0);
    cleanup();
  }
});

test('plain HTTP sent to the TLS port is closed, and the server goes on', async () => {
  const { dir, cleanup } = tempDir();
  makeCa(dir);
  issue(dir, 7);
  const server = await startServer({ args: ['--port', '0', '--database', ':memory:', '--tls-cert',
    path.join(dir, 'server.pem'), '--tls-key', path.join(dir, 'server.key')] });
  try {
    const plain = spawnSync('curl', ['-sS', '--max-time', '5', `${server.url.replace('https', 'http')}/api/health`],
      { encoding: 'utf8' });
    assert.notEqual(plain.status, 0);
    const ok = await get(`${server.url}/api/health`, new https.Agent(), readFileSync(path.join(dir, 'ca.pem')));
    assert.equal(ok.status, 200);
  } finally {
    await server.stop();
    cleanup();
  }
});
