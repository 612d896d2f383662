// The command line: help, version, misuse (one line, exit 2, nothing touched), configuration
// precedence, migrate / push / seed / schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENGINE, run, startServer, tempDir } from './fixture.mjs';

const COMMANDS = ['serve', 'studio', 'migrate', 'push', 'seed', 'schema', 'health'];

test('--version and --help', () => {
  const version = run(['--version']);
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^mcp-admin \d+\.\d+\.\d+\n$/);
  const help = run(['--help']);
  assert.equal(help.status, 0);
  for (const command of COMMANDS) assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
  for (const command of COMMANDS) {
    const r = run([command, '--help']);
    assert.equal(r.status, 0, command);
    assert.match(r.stdout, new RegExp(`^Usage: mcp-admin ${command}`), command);
    assert.match(r.stdout, /--help/);
  }
  const none = run([]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /Usage: mcp-admin COMMAND/);
});

test('misuse: one clear line on stderr, exit 2, and nothing touched', () => {
  const { dir, cleanup } = tempDir();
  try {
    const cases = [
      { args: ['frobnicate'], error: /unknown command 'frobnicate'/ },
      { args: ['serve', '--bogus'], error: /unrecognised option '--bogus'/ },
      { args: ['studio', '--bogus'], error: /unrecognised option '--bogus'/ },
      { args: ['studio', '--env', 'production'], error: /studio: refused in production/ },
      { args: ['serve', '--port'], error: /--port.*(missing|argument)/ },
      { args: ['serve', '--port', '70000'], error: /PORT '70000' is not a whole number from 0 to 65535/ },
      { args: ['serve', '--port', 'abc'], error: /PORT 'abc'/ },
      { args: ['serve', '--log-level', 'loud'], error: /LOG_LEVEL 'loud'/ },
      { args: ['serve', '--log-format', 'xml'], error: /LOG_FORMAT 'xml'/ },
      { args: ['serve', '--tls-cert', 'x.pem'], error: /--tls-cert and --tls-key go together/ },
      { args: ['serve', '--webhook-secret', 'nothex'], error: /must start with 'whsec_'/ },
      { args: ['serve', 'extra'], error: /too many positional|unrecognised/ },
      { args: ['migrate', 'sideways'], error: /unknown action 'sideways'/ },
      { args: ['schema', '--dialect', 'oracle'], error: /--dialect 'oracle'/ },
      { args: ['health', '--url', 'ftp://x'], error: /not an http/ },
      { args: ['serve', '--por', '1'], error: /unrecognised option '--por'/ },
      { args: ['serve', '--jwt-key', '-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----'], error: /CLERK_JWT_KEY is not a readable PEM/ },
      { args: ['serve', '--jwks-file', '/dev/null'], error: /CLERK_JWKS_FILE/ },
      { args: ['serve', '--bootstrap-key', 'mcp_sk_short'], error: /MCP_ADMIN_BOOTSTRAP_KEY must look like an API key/ },
      { args: ['serve', '--trusted-proxies', '10.0.0.1,proxy.local'], error: /MCP_ADMIN_TRUSTED_PROXIES: 'proxy.local' is not an IP/ },
    ];
    for (const c of cases) {
      const r = run(c.args, { cwd: dir });
      assert.equal(r.status, 2, `${c.args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, c.error, c.args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${c.args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
    }
    assert.deepEqual(readdirSync(dir), [], 'a refused command created files');
  } finally {
    cleanup();
  }
});

test('bad DATABASE_URLs are refused with the accepted forms, exit 2, nothing created', () => {
  const { dir, cleanup } = tempDir();
  try {
    const cases = [
      { url: 'mysql://u:p@h/db', error: /scheme 'mysql' is not supported/ },
      { url: 'data.db', error: /did you mean file:data\.db/ },
      { url: 'file:', error: /names no file/ },
      { url: 'postgresql://user:hunter2@localhost:99999/db', error: /invalid port '99999'/ },
      { url: 'postgresql://user:hunter2@localhost:5432/db?schema=', error: /\?schema= is empty/ },
      { url: 'postgres://user:hunter2@/db', error: /names no host/ },
    ];
    for (const c of cases) {
      for (const how of ['flag', 'env']) {
        const r = how === 'flag'
          ? run(['migrate', '--database', c.url], { cwd: dir })
          : run(['migrate'], { cwd: dir, env: { DATABASE_URL: c.url } });
        assert.equal(r.status, 2, `${c.url} via ${how}: ${r.stderr}`);
        assert.match(r.stderr, c.error);
        assert.ok(!r.stderr.includes('hunter2'), 'the password leaked into the error');
      }
    }
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    cleanup();
  }
});

test('an unreachable PostgreSQL is exit 1 with the reason, the password never shown', () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const command of [['migrate'], ['seed'], ['push']]) {
      const r = run([...command, '--database', 'postgresql://user:hunter2@127.0.0.1:1/db?schema=public&connect_timeout=2'], { cwd: dir });
      assert.equal(r.status, 1, `${command}: ${r.stderr}`);
      assert.match(r.stderr, /cannot connect to PostgreSQL at postgresql:\/\/user:\*\*\*@127\.0\.0\.1:1\/db/);
      assert.ok(!r.stderr.includes('hunter2'));
    }
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    cleanup();
  }
});

test('a malformed .env is a clear error naming the file and line', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, '.env'), 'PORT=3000\nthis is not a setting\n');
    const r = run(['migrate'], { cwd: dir });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /\.env:2: expected '=' after this/);
  } finally {
    cleanup();
  }
});

test('precedence: flags > environment > .env.local > .env > defaults', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, '.env'), [
      '# the seed\'s file', 'NODE_ENV=from-dotenv', 'DATABASE_URL="file:./from-dotenv.db"', 'PORT=1',
      'NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY=pk_test_ignored', 'CLERK_SECRET_KEY=sk_test_ignored'].join('\n'));
    writeFileSync(path.join(dir, '.env.local'), "export NODE_ENV='from-dotenv-local'\nDATABASE_URL=file:./from-local.db # local\n");
    const environment = async (args, env) => {
      const server = await startServer({ cwd: dir, args: ['--port', '0', ...args], env });
      try {
        const body = await (await fetch(`${server.url}/api/health`)).json();
        return body.environment;
      } finally {
        await server.stop();
      }
    };
    assert.equal(await environment([], {}), 'from-dotenv-local');
    assert.ok(existsSync(path.join(dir, 'from-local.db')), '.env.local DATABASE_URL was not used');
    assert.ok(!existsSync(path.join(dir, 'from-dotenv.db')));
    assert.equal(await environment([], { NODE_ENV: 'from-process' }), 'from-process');
    assert.equal(await environment([], { NODE_ENV: 'from-process', MCP_ADMIN_ENV: 'mine' }), 'mine');
    assert.equal(await environment(['--env', 'from-flag'], { MCP_ADMIN_ENV: 'mine' }), 'from-flag');
    assert.equal(await environment(['--database', ':memory:'], {}), 'from-dotenv-local');
  } finally {
    cleanup();
  }
});

test('migrate, migrate status, and --no-migrate refusing a schema that is behind', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = `file:${path.join(dir, 'm.db')}`;
    const before = run(['migrate', 'status', '--database', db]);
    assert.equal(before.status, 1);
    assert.match(before.stdout, /^pending  0001_init$/m);
    assert.match(before.stdout, /0 applied, \d+ pending, 0 drifted/);

    const refused = await startServer({ args: ['--port', '0', '--database', db, '--no-migrate'] }).catch((e) => e);
    assert.ok(refused instanceof Error);
    assert.match(refused.message, /serve exited \(1\)/);
    // SQLite: `migrate status` created no file, so there is no database yet; PostgreSQL: an empty schema.
    assert.match(refused.message, ENGINE === 'sqlite' ? /there is no database at .*m\.db and --no-migrate was given: run `mcp-admin migrate` first/
      : /schema is behind .*run `mcp-admin migrate` first/);

    const migrate = run(['migrate', '--database', db]);
    assert.equal(migrate.status, 0, migrate.stderr);
    assert.match(migrate.stdout, /applied [1-9]\d* migrations?/);
    const again = run(['migrate', '--database', db]);
    assert.match(again.stdout, /applied 0 migrations/);
    const after = run(['migrate', 'status', '--database', db]);
    assert.equal(after.status, 0);
    assert.match(after.stdout, /^applied  0001_init  \d{4}-\d\d-\d\dT/m);

    const server = await startServer({ args: ['--port', '0', '--database', db, '--no-migrate'] });
    assert.equal((await fetch(`${server.url}/api/health`)).status, 200);
    assert.equal((await server.stop()).code, 0);
  } finally {
    cleanup();
  }
});

test('seed is idempotent: the second run adds nothing', () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = `file:${path.join(dir, 's.db')}`;
    const first = run(['seed', '--database', db]);
    assert.equal(first.status, 0, first.stderr);
    const added = Number(first.stdout.match(/seed: (\d+) MCP servers? added, 0 already present/)[1]);
    assert.ok(added >= 8, `only ${added} servers seeded`);
    const second = run(['seed', '--database', db]);
    assert.equal(second.status, 0);
    assert.match(second.stdout, new RegExp(`seed: 0 MCP servers added, ${added} already present`));
  } finally {
    cleanup();
  }
});

test('push --force-reset drops and recreates; refused in production before anything is touched', () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = `file:${path.join(dir, 'p.db')}`;
    assert.equal(run(['seed', '--database', db]).status, 0);
    const refused = run(['push', '--force-reset', '--database', db], { env: { NODE_ENV: 'production' } });
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /refused in production/);
    assert.match(run(['seed', '--database', db]).stdout, /0 MCP servers added/, 'production refusal touched data');

    const reset = run(['push', '--force-reset', '--database', db]);
    assert.equal(reset.status, 0, reset.stderr);
    assert.match(reset.stdout, /dropped every table/);
    assert.match(run(['seed', '--database', db]).stdout, /seed: [1-9]\d* MCP servers added, 0 already present/);

    const push = run(['push', '--database', db]);
    assert.equal(push.status, 0);
    assert.match(push.stdout, /schema is up to date \(0 migrations applied\)/);
  } finally {
    cleanup();
  }
});

test('schema prints the DDL for both dialects', () => {
  for (const dialect of ['sqlite', 'postgres']) {
    const r = run(['schema', '--dialect', dialect]);
    assert.equal(r.status, 0);
    for (const table of ['organizations', 'users', 'organization_memberships', 'mcp_servers', 'organization_services',
      'audit_logs', 'api_keys', 'sessions', 'webhook_events']) {
      assert.match(r.stdout, new RegExp(`CREATE TABLE ${table} \\(`), `${dialect}: ${table}`);
    }
  }
  assert.match(run(['schema', '--dialect', 'postgres']).stdout, /PostgreSQL/);
});

test('serve --seed starts with the registry seeded', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = `file:${path.join(dir, 'f.db')}`;
    const server = await startServer({ args: ['--port', '0', '--database', db, '--seed'] });
    await server.stop();
    assert.match(run(['seed', '--database', db]).stdout, /seed: 0 MCP servers added/);
  } finally {
    cleanup();
  }
});
