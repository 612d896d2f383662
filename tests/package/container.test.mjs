// The container image (packaging/Containerfile): the static binary on an empty base, non-root,
// HEALTHCHECK `mcp-admin health`, a volume for /var/lib/mcp-admin, HOST=0.0.0.0. With Debian's
// podman the image is really built (`podman build`), its configuration inspected and its file
// tree exported; `podman run` cannot start containers on the test machines (crun's setrlimit is
// refused in their sandbox), so the exported tree is served under chroot, as the image's USER,
// with its ENV, ENTRYPOINT and CMD, and its HEALTHCHECK command is run the same way. Without
// podman the same tree, from packaging/container/rootfs.sh, is served the same way.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, existsSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATIC_BIN, cannotRun, sh, startUntilReady } from './support.mjs';

const TOP = fileURLToPath(new URL('../..', import.meta.url));
const CONTAINERFILE = readFileSync(path.join(TOP, 'packaging/Containerfile'), 'utf8');
const skip = cannotRun(['chroot']);
// By its path: the server is started with the container's environment, whose PATH has no /usr/sbin.
const CHROOT = ['/usr/sbin/chroot', '/usr/bin/chroot'].find((file) => existsSync(file)) ?? 'chroot';
const scratch = mkdtempSync(path.join(tmpdir(), 'mcp-admin-container-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// The Containerfile's instructions (continuation lines joined).
function instructions() {
  const joined = CONTAINERFILE.split('\n').filter((l) => !l.startsWith('#')).join('\n').replace(/\\\n\s*/g, ' ');
  return joined.split('\n').filter((l) => l.trim()).map((l) => {
    const [word, ...rest] = l.trim().split(' ');
    return [word, rest.join(' ')];
  });
}

function containerEnv() {
  const env = {};
  for (const [word, rest] of instructions()) {
    if (word !== 'ENV') continue;
    for (const match of rest.matchAll(/([A-Z_]+)=(\S+)/g)) env[match[1]] = match[2];
  }
  return env;
}

const one = (word) => instructions().find(([w]) => w === word)?.[1];

// Every file and directory under root, relative, sorted.
function tree(root, prefix = '') {
  return readdirSync(path.join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(prefix, entry.name);
    return entry.isDirectory() ? [`${rel}/`, ...tree(root, rel)] : [rel];
  }).sort();
}

test('Containerfile: scratch, numeric non-root USER, volume, HEALTHCHECK, HOST=0.0.0.0', () => {
  assert.equal(one('FROM'), 'scratch');
  assert.match(one('USER'), /^[1-9]\d*:[1-9]\d*$/, 'a numeric, non-root user');
  assert.equal(one('VOLUME'), '/var/lib/mcp-admin');
  assert.deepEqual(JSON.parse(one('ENTRYPOINT')), ['/usr/bin/mcp-admin']);
  assert.deepEqual(JSON.parse(one('CMD')), ['serve']);
  assert.match(one('HEALTHCHECK'), /CMD \["\/usr\/bin\/mcp-admin", "health"\]$/);
  const env = containerEnv();
  assert.equal(env.HOST, '0.0.0.0');
  assert.equal(env.DATABASE_URL, 'file:/var/lib/mcp-admin/mcp_admin.db');
});

const hasPodman = spawnSync('sh', ['-c', 'command -v podman']).status === 0;

// Builds the image from a context holding only what the Containerfile copies; returns the file
// tree of the image (podman export of a created, never started, container).
function buildImage(t, tree) {
  const context = path.join(scratch, 'context');
  mkdirSync(path.join(context, 'packaging'), { recursive: true });
  cpSync(path.join(TOP, 'packaging/Containerfile'), path.join(context, 'packaging/Containerfile'));
  sh('bash', [path.join(TOP, 'packaging/container/rootfs.sh'), path.join(context, 'build-container/root'), STATIC_BIN]);
  const tag = `localhost/mcp-admin-test:${process.pid}`;
  t.after(() => sh('podman', ['rmi', '--force', tag], { allowFail: true }));
  sh('podman', ['build', '--quiet', '--file', path.join(context, 'packaging/Containerfile'), '--tag', tag, context], { timeoutMs: 300000 });
  const [inspect] = JSON.parse(sh('podman', ['image', 'inspect', tag]).stdout);
  const container = sh('podman', ['create', tag]).stdout.trim();
  t.after(() => sh('podman', ['rm', '--force', container], { allowFail: true }));
  mkdirSync(tree);
  sh('sh', ['-c', `podman export '${container}' | tar -x -C '${tree}'`]);
  return inspect;
}

test('the image tree under chroot: serves as its user, answers its HEALTHCHECK', { skip }, async (t) => {
  const root = path.join(scratch, 'root');
  if (hasPodman) {
    const image = buildImage(t, root);
    const config = image.Config;
    assert.equal(config.User, one('USER'));
    assert.deepEqual(Object.keys(config.Volumes ?? {}), ['/var/lib/mcp-admin']);
    assert.deepEqual(config.Entrypoint, ['/usr/bin/mcp-admin']);
    assert.deepEqual(config.Cmd, ['serve']);
    assert.ok(config.Env.includes('HOST=0.0.0.0'), config.Env.join(' '));
    t.diagnostic('podman built the image; serving its exported tree under chroot (podman run cannot start containers here)');
  } else {
    t.diagnostic('podman is not installed: serving the tree of packaging/container/rootfs.sh under chroot');
    sh('bash', [path.join(TOP, 'packaging/container/rootfs.sh'), root, STATIC_BIN]);
  }
  // What a runtime adds to a created container (mount points, generated /etc files) is not the image's.
  const runtime = /^(dev|proc|sys|run)\/|^(dev|proc|sys|run)\/.*|^etc\/(hosts|hostname|resolv\.conf)$/;
  assert.deepEqual(tree(root).filter((entry) => !runtime.test(entry)), ['etc/', 'etc/group', 'etc/passwd', 'etc/ssl/',
    'etc/ssl/certs/', 'etc/ssl/certs/ca-certificates.crt', 'usr/', 'usr/bin/', 'usr/bin/mcp-admin', 'var/', 'var/lib/',
    'var/lib/mcp-admin/'], 'the binary, the CA bundle, passwd/group, the volume: nothing else');

  const [uid, gid] = one('USER').split(':').map(Number);
  // podman export shows a VOLUME as its bare mount point (root's); a runtime fills a new volume
  // from the image's directory, owner included (COPY --chown in the Containerfile): do the same.
  const volume = path.join(root, 'var/lib/mcp-admin');
  chownSync(volume, uid, gid);
  // The container's environment exactly, except the port: this test shares the host's network.
  const env = { ...containerEnv(), PORT: '0' };
  const entry = [...JSON.parse(one('ENTRYPOINT')), ...JSON.parse(one('CMD'))];
  const inImage = (argv) => ['--userspec', `${uid}:${gid}`, root, ...argv];
  const server = await startUntilReady(CHROOT, inImage(entry), { env });
  try {
    const url = new URL(server.ready.url);
    assert.equal(url.hostname, '0.0.0.0');
    const health = await fetch(`http://127.0.0.1:${url.port}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(statSync(path.join(root, 'var/lib/mcp-admin/mcp_admin.db')).uid, uid, 'the database is on the volume, the user\'s');

    const check = JSON.parse(one('HEALTHCHECK').replace(/^.*CMD /, ''));
    const healthy = sh(CHROOT, inImage(check), { env: { ...env, PORT: url.port }, allowFail: true });
    assert.equal(healthy.status, 0, healthy.stdout + healthy.stderr);
    assert.equal((await server.stop()).code, 0);
    const gone = sh(CHROOT, inImage(check), { env: { ...env, PORT: url.port }, allowFail: true });
    assert.equal(gone.status, 1, 'unhealthy once stopped');
  } finally {
    await server.stop();
  }
});
