// The Debian package (packaging/build-deb.sh from the static binary), on this machine, for real:
// lintian; install (system user, /var/lib/mcp-admin, /etc/mcp-admin/env 0640 root:mcp-admin);
// `systemd-analyze verify` and `security` on the installed unit; the unit's ExecStart run as systemd
// would run it — its User, WorkingDirectory, Environment= and EnvironmentFile=, a NOTIFY_SOCKET
// listener and WATCHDOG_USEC — answering /api/health after READY=1; an upgrade that keeps the data
// and the edited settings; remove (conffile and data kept); purge (everything gone).
// No systemd runs as PID 1 here, so what systemd itself does (start on install, restart on
// upgrade, the sandboxing directives) is checked by systemd-analyze, not by running it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { notifyListener } from '../support/notify_listener.mjs';
import { STATIC_BIN, cannotRun, sh, startUntilReady } from './support.mjs';

const TOP = fileURLToPath(new URL('../..', import.meta.url));
const UNIT = '/usr/lib/systemd/system/mcp-admin.service';
const installedAlready = () => sh('dpkg-query', ['-W', '-f', '${Status}', 'mcp-admin'], { allowFail: true }).stdout.includes('installed');
let skip = cannotRun(['dpkg-deb', 'lintian', 'systemd-analyze', 'setpriv']);
if (!skip && installedAlready()) skip = 'a mcp-admin package is installed on this machine already: not touching it';

const scratch = mkdtempSync(path.join(tmpdir(), 'mcp-admin-deb-'));
chmodSync(scratch, 0o755);  // the service user reaches the notify socket in it
after(() => {
  if (!skip && installedAlready()) sh('dpkg', ['--purge', 'mcp-admin'], { allowFail: true });
  rmSync(scratch, { recursive: true, force: true });
});

function buildDeb(version) {
  const out = sh('bash', [path.join(TOP, 'packaging/build-deb.sh'), '--binary', STATIC_BIN, '--version', version,
    '--out', path.join(scratch, 'debs')]);
  return out.stdout.trim();
}

// The unit's [Service] settings, as systemd reads them (one value per line, later lines add).
function unitSettings(text) {
  const settings = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('[')) { section = line; continue; }
    if (section !== '[Service]') continue;
    const eq = line.indexOf('=');
    (settings[line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
  }
  return settings;
}

// KEY=value lines of an EnvironmentFile (comments and blank lines skipped).
const envFile = (text) => Object.fromEntries(text.split('\n').filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
  .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

// Runs the installed unit's ExecStart the way systemd would, with a notify socket; resolves once
// READY=1 arrived and health answered.
async function runUnit() {
  const unit = unitSettings(readFileSync(UNIT, 'utf8'));
  const env = {};
  for (const assignment of unit.Environment) Object.assign(env, envFile(assignment));
  for (const file of unit.EnvironmentFile) {
    const name = file.replace(/^-/, '');
    if (existsSync(name)) Object.assign(env, envFile(readFileSync(name, 'utf8')));
  }
  const socketPath = path.join(scratch, `notify-${Date.now()}.sock`);
  const listener = await notifyListener(socketPath);
  Object.assign(env, { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: String(2_000_000), PATH: '/usr/bin:/bin' });
  const [user] = unit.User;
  const [command, ...args] = unit.ExecStart[0].split(' ');
  const server = await startUntilReady('setpriv', ['--reuid', user, '--regid', unit.Group[0], '--init-groups',
    '--no-new-privs', '--', command, ...args], { env, cwd: unit.WorkingDirectory[0] });
  const deadline = Date.now() + 10000;
  while (!listener.messages().some((m) => m.fields.includes('READY=1'))) {
    if (Date.now() > deadline) throw new Error('no READY=1');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const health = await fetch(`${server.ready.url}/api/health`);
  return { server, listener, health: { status: health.status, body: await health.json() }, env };
}

test('the .deb: lintian, install, the unit run as systemd would, upgrade, remove, purge', { skip }, async (t) => {
  const v1 = buildDeb('0.1.0~test1');
  const v2 = buildDeb('0.1.0~test2');

  const contents = sh('dpkg-deb', ['--contents', v1]).stdout;
  for (const entry of ['./usr/bin/mcp-admin', './usr/lib/systemd/system/mcp-admin.service', './etc/mcp-admin/env',
    './usr/share/man/man1/mcp-admin.1.gz', './usr/share/doc/mcp-admin/copyright', './usr/share/doc/mcp-admin/changelog.gz']) {
    assert.match(contents, new RegExp(` ${entry.replace(/[.]/g, '\\.')}$`, 'm'), entry);
  }
  assert.match(contents, /^-rw-r----- root\/root .* \.\/etc\/mcp-admin\/env$/m);
  assert.equal(sh('dpkg-deb', ['--field', v1, 'Package']).stdout.trim(), 'mcp-admin');

  const lintian = sh('lintian', ['--fail-on', 'error,warning', '--display-level', '>=warning', v1], { allowFail: true, timeoutMs: 300000 });
  t.diagnostic(`lintian: ${(lintian.stdout + lintian.stderr).trim() || 'clean'}`);
  assert.equal(lintian.status, 0, lintian.stdout + lintian.stderr);

  // Every variable the binary reads is in the settings file, commented.
  const envText = readFileSync(path.join(TOP, 'packaging/deb/env'), 'utf8');
  const configSource = readFileSync(path.join(TOP, 'src/app/config.cpp'), 'utf8');
  const known = configSource.slice(configSource.indexOf('known_variables()')).match(/"([A-Z_]+)"/g).map((q) => q.slice(1, -1));
  for (const name of known) assert.match(envText, new RegExp(`^#${name}=`, 'm'), `${name} in packaging/deb/env`);

  // ---- install ----
  sh('dpkg', ['--install', v1]);
  assert.ok(existsSync('/usr/bin/mcp-admin'));
  assert.match(sh('getent', ['passwd', 'mcp-admin']).stdout, /^mcp-admin:x:\d+:\d+:.*:\/var\/lib\/mcp-admin:\/usr\/sbin\/nologin$/m);
  const uid = Number(sh('id', ['-u', 'mcp-admin']).stdout);
  const gid = Number(sh('id', ['-g', 'mcp-admin']).stdout);
  assert.ok(uid < 1000, 'a system user');
  const data = statSync('/var/lib/mcp-admin');
  assert.deepEqual([data.uid, data.gid, data.mode & 0o777], [uid, gid, 0o750]);
  const settings = statSync('/etc/mcp-admin/env');
  assert.deepEqual([settings.uid, settings.gid, settings.mode & 0o777], [0, gid, 0o640]);

  const verify = sh('systemd-analyze', ['verify', UNIT], { allowFail: true });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  const security = sh('systemd-analyze', ['security', '--offline=true', UNIT], { allowFail: true });
  const score = security.stdout.match(/Overall exposure level for mcp-admin\.service: (\d+\.\d) (\w+)/);
  assert.ok(score, security.stdout + security.stderr);
  t.diagnostic(`systemd-analyze security: ${score[1]} ${score[2]}`);
  assert.ok(Number(score[1]) <= 2.0, `exposure ${score[1]}`);
  const readme = readFileSync(path.join(TOP, 'README.md'), 'utf8');
  assert.ok(readme.includes(`exposure level ${score[1]} (${score[2]})`), `the README states ${score[1]} ${score[2]}`);

  // An operator edits the settings (a port of their own; 0 here: any free one).
  writeFileSync('/etc/mcp-admin/env', `${readFileSync('/etc/mcp-admin/env', 'utf8')}PORT=0\n`);
  const first = await runUnit();
  try {
    assert.equal(first.health.status, 200, JSON.stringify(first.health.body));
    assert.equal(first.health.body.database.backend, 'sqlite');
    const db = statSync('/var/lib/mcp-admin/mcp_admin.db');
    assert.equal(db.uid, uid, 'the database belongs to the service user');
  } finally {
    assert.equal((await first.server.stop()).code, 0);
    first.listener.stop();
  }
  assert.ok(first.listener.messages().some((m) => m.fields.includes('STOPPING=1')));

  // A key made by the operator before the upgrade still works after it (the data stays).
  const key = JSON.parse(sh('setpriv', ['--reuid', 'mcp-admin', '--regid', 'mcp-admin', '--init-groups', '--',
    '/usr/bin/mcp-admin', 'apikey', 'create', '--platform', '--name', 'ops', '--json',
    '--database', 'file:/var/lib/mcp-admin/mcp_admin.db'], { cwd: '/var/lib/mcp-admin' }).stdout).key;

  // ---- upgrade ----
  sh('dpkg', ['--install', v2]);
  assert.match(sh('dpkg-query', ['-W', '-f', '${Version}', 'mcp-admin']).stdout, /^0\.1\.0~test2$/);
  assert.match(readFileSync('/etc/mcp-admin/env', 'utf8'), /^PORT=0$/m, 'the edited conffile is kept');
  const second = await runUnit();
  try {
    assert.equal(second.health.status, 200);
    const orgs = await fetch(`${second.server.ready.url}/api/v1/organizations`, { headers: { Authorization: `Bearer ${key}` } });
    assert.equal(orgs.status, 200, 'the key made before the upgrade authenticates');
  } finally {
    await second.server.stop();
    second.listener.stop();
  }

  // ---- remove: the binary goes; settings and data stay ----
  sh('dpkg', ['--remove', 'mcp-admin']);
  assert.equal(existsSync('/usr/bin/mcp-admin'), false);
  assert.equal(existsSync(UNIT), false);
  assert.ok(existsSync('/etc/mcp-admin/env'));
  assert.ok(existsSync('/var/lib/mcp-admin/mcp_admin.db'));

  // ---- purge: nothing left ----
  sh('dpkg', ['--purge', 'mcp-admin']);
  for (const leftover of ['/etc/mcp-admin', '/var/lib/mcp-admin']) assert.equal(existsSync(leftover), false, leftover);
  assert.notEqual(sh('getent', ['passwd', 'mcp-admin'], { allowFail: true }).status, 0, 'the user is gone');
  assert.notEqual(sh('getent', ['group', 'mcp-admin'], { allowFail: true }).status, 0, 'the group is gone');
  assert.equal(installedAlready(), false);
});
