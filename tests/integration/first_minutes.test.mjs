// The first five minutes, tried as a new user would (issue 13, item 8): the seed's own .env.local
// template, a HOST that cannot be parsed, asking about a database that does not exist yet, the
// bootstrap key, `webhooks replay`'s report, --help without internal options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE, logLines, run, startServer, tempDir } from './fixture.mjs';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const sqliteOnly = { skip: ENGINE !== 'sqlite' && 'SQLite files' };

// The seed's .env.local as a new user copies it, placeholders and all.
const SEED_ENV_LOCAL = `# Clerk
NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY=pk_test_...
CLERK_SECRET_KEY=sk_test_...
CLERK_WEBHOOK_SECRET=whsec_...
DATABASE_URL="file:./dev.db"
`;

test('the seed\'s .env.local template: commands that do not use the webhook secret run; serve refuses it', sqliteOnly, () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, '.env.local'), SEED_ENV_LOCAL);
    const health = run(['health', '--port', '1'], { cwd: dir });
    assert.equal(health.status, 1, `health asks and finds nobody (1), not misuse (2): ${health.stderr}`);
    const status = run(['migrate', 'status'], { cwd: dir });
    assert.equal(status.status, 1, status.stderr);  // every migration pending
    assert.match(status.stdout, /pending/);
    assert.equal(run(['migrate'], { cwd: dir }).status, 0);
    const backup = run(['backup', 'copy.db'], { cwd: dir });
    assert.equal(backup.status, 0, backup.stderr);
    const list = run(['apikey', 'list'], { cwd: dir });
    assert.equal(list.status, 0, list.stderr);
    const serve = run(['serve', '--port', '0'], { cwd: dir });
    assert.equal(serve.status, 2);
    assert.match(serve.stderr, /CLERK_WEBHOOK_SECRET: the part after 'whsec_' is not valid base64/);
  } finally {
    cleanup();
  }
});

test('a HOST that cannot be parsed is refused before a database file is created', sqliteOnly, () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = path.join(dir, 'h.db');
    for (const host of ['127.0.0.1:3000', 'not a host', 'http://localhost', '-x']) {
      const result = run(['serve', '--port', '0', '--database', `file:${db}`], { env: { HOST: host } });
      assert.equal(result.status, 2, `${host}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`HOST '${host.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' is not an IP address or a host name`));
      assert.equal(existsSync(db), false, `${host}: no database file`);
    }
    // A name that parses is resolved before the database is touched.
    const unresolvable = run(['serve', '--port', '0', '--database', `file:${db}`, '--host', 'no-such-host.invalid']);
    assert.equal(unresolvable.status, 2, unresolvable.stderr);
    assert.match(unresolvable.stderr, /HOST 'no-such-host\.invalid' cannot be resolved/);
    assert.equal(existsSync(db), false);
  } finally {
    cleanup();
  }
});

test('migrate status and serve --no-migrate on a missing SQLite file leave no database behind', sqliteOnly, () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = path.join(dir, 'missing.db');
    const status = run(['migrate', 'status', '--database', `file:${db}`]);
    assert.equal(status.status, 1, status.stderr);
    assert.match(status.stdout, /no database at .*missing\.db yet/);
    assert.match(status.stdout, /^pending  0001_/m);
    assert.equal(existsSync(db), false, 'migrate status created nothing');
    const serve = run(['serve', '--port', '0', '--no-migrate', '--database', `file:${db}`]);
    assert.equal(serve.status, 1, serve.stderr);
    assert.match(serve.stderr, /there is no database at .*missing\.db and --no-migrate was given: run `mcp-admin migrate` first/);
    assert.equal(existsSync(db), false, 'serve --no-migrate created nothing');
    for (const suffix of ['-wal', '-shm', '-journal']) assert.equal(existsSync(db + suffix), false);
  } finally {
    cleanup();
  }
});

test('a revoked bootstrap key says so in the log at start', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const db = ['--database', `file:${path.join(dir, 'b.db')}`];
  const key = `mcp_sk_${'b'.repeat(43)}`;
  const first = await startServer({ args: ['--port', '0', ...db], env: { MCP_ADMIN_BOOTSTRAP_KEY: key } });
  await first.stop();
  assert.ok(logLines(first.stderr()).some((line) => /bootstrap API key stored/.test(JSON.stringify(line))));
  const revoked = run(['apikey', 'revoke', key.slice(0, 16), ...db]);
  assert.equal(revoked.status, 0, revoked.stderr);
  const second = await startServer({ args: ['--port', '0', ...db], env: { MCP_ADMIN_BOOTSTRAP_KEY: key } });
  t.after(() => second.stop());
  const warning = logLines(second.stderr()).find((line) => /bootstrap API key \(MCP_ADMIN_BOOTSTRAP_KEY\) was revoked/.test(JSON.stringify(line)));
  assert.ok(warning, second.stderr());
  assert.equal(warning.level, 'warn');
  assert.ok(!second.stderr().includes(key.slice(16)), 'never the secret part');
  const refused = await fetch(`${second.url}/api/v1/organizations`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(refused.status, 401);
});

test('the README\'s bootstrap-key example prints the key it makes, and that key works', async (t) => {
  const block = README.match(/```sh\n(# a platform-admin key accepted from the start[^`]*?)```/);
  assert.ok(block, 'the README keeps its bootstrap example');
  const lines = block[1].split('\n');
  const start = lines.findIndex((line) => line.includes('MCP_ADMIN_BOOTSTRAP_KEY='));
  const serveLine = lines.findIndex((line, idx) => idx > start && /mcp-admin serve\b/.test(line));
  assert.ok(start >= 0 && serveLine > start, block[1]);
  const script = lines.slice(0, serveLine + 1).join('\n');
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const { spawn } = await import('node:child_process');
  const { BIN, cleanEnv } = await import('./fixture.mjs');
  // As a user runs it: `mcp-admin` on the PATH (see "Install"), in a scratch directory.
  const child = spawn('bash', ['-c', script], {
    cwd: dir, env: cleanEnv({ PATH: `${path.dirname(BIN)}:${process.env.PATH}`, PORT: '0', LOG_FORMAT: 'json' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGTERM'));
  let out = '';
  child.stdout.setEncoding('utf8');
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 10000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('"event":"listening"')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const key = out.match(/mcp_sk_[A-Za-z0-9_-]{43,}/);
  assert.ok(key, `the example prints the key: ${out}`);
  const url = JSON.parse(out.split('\n').find((line) => line.includes('"listening"'))).url;
  const orgs = await fetch(`${url}/api/v1/organizations`, { headers: { Authorization: `Bearer ${key[0]}` } });
  assert.equal(orgs.status, 200);
});

test('--help shows no internal options (the positional words are not flags)', () => {
  for (const command of ['migrate', 'webhooks', 'apikey', 'backup']) {
    const help = run([command, '--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.doesNotMatch(help.stdout, /--action|--id arg|--file /, `${command} --help: ${help.stdout}`);
  }
  assert.match(run(['webhooks', '--help']).stdout, /--failed/);
});

test('README: the SQLite backup advice of "Production on PostgreSQL" points at mcp-admin backup', () => {
  const section = README.split('\n## Production on PostgreSQL')[1].split('\n## ')[0];
  const advice = section.split('\n').filter((line) => /SQLite/.test(line)).join('\n');
  assert.match(advice, /mcp-admin backup/);
  assert.doesNotMatch(section, /copy the file while the server is stopped/);
});
