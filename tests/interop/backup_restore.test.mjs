// `mcp-admin backup FILE` and `mcp-admin restore FILE` (README "Backup and restore"), through the binary.
//
// SQLite (the real thing):
//   * a backup taken while a server keeps acknowledging svix-signed webhooks holds every delivery
//     acknowledged before the backup began, passes integrity_check, and a server started on the
//     copy is healthy and lists the same organizations;
//   * an existing FILE is refused without --force and replaced with it; no temporary file is left;
//   * restore into an absent database brings the data back (an API key made before the backup
//     authenticates after the restore); over a database holding data it is refused without
//     --force (target unchanged) and done with it;
//   * a FILE that is not a database, a truncated backup, another application's SQLite database:
//     a clear error, the target unchanged;
//   * restore --force under a running server: the server then serves the restored data.
// PostgreSQL (MCP_ADMIN_TEST_ENGINE=postgres): both commands do nothing, print the exact pg_dump /
// pg_restore command without the password, exit 3; the printed commands really work on the test
// cluster. Bad flags and --help: every engine.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { BIN, ENGINE, cleanEnv, mapDatabaseUrl, run, tempDir, watchSanitizers } from '../integration/fixture.mjs';
import { startApiServer } from './api_harness.mjs';
import { organizationCreated, orgId } from './clerk_payloads.mjs';
import { dumpDatabase, query, SQLITE3 } from './db_state.mjs';

// The schema version a fresh database ends at: the number of migrations in schema/.
const SCHEMA_VERSION = readdirSync(new URL('../../schema/', import.meta.url)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).length;

const SQLITE_ONLY = ENGINE === 'postgres' ? 'SQLite only (on PostgreSQL the commands print pg_dump / pg_restore)' : false;
const POSTGRES_ONLY = ENGINE === 'postgres' ? false : 'needs MCP_ADMIN_TEST_ENGINE=postgres';
const MAX_DELIVERIES_DURING_BACKUP = 400;
const BULK_EVENTS = 20000;

const dirs = [];
function scratch() {
  const tmp = tempDir('mcp-admin-backup-');
  dirs.push(tmp);
  return tmp.dir;
}
after(() => { for (const tmp of dirs) tmp.cleanup(); });

// Runs the binary without blocking the event loop (servers keep being fed meanwhile).
function runAsync(args, { timeoutMs = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
    watchSanitizers(child, `mcp-admin ${args[0]}`);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

function sqlite(file, sql) {
  const result = spawnSync(SQLITE3, ['-cmd', '.timeout 10000', file, sql], { encoding: 'utf8', timeout: 30000 });
  if (result.status !== 0) throw new Error(`sqlite3 ${file}: ${result.stderr}`);
  return result.stdout.trim();
}

// Every organization a server lists (all pages), as Clerk ids, sorted.
async function listedOrganizations(api, token) {
  const ids = [];
  let cursor = null;
  for (let page = 0; page < 100; page += 1) {
    const response = await api.call('GET', `/api/v1/organizations?limit=200${cursor ? `&cursor=${cursor}` : ''}`, { token });
    assert.equal(response.status, 200, response.text);
    ids.push(...response.json.data.map((org) => org.clerk_id));
    cursor = response.json.next_cursor;
    if (!cursor) break;
  }
  return ids.sort();
}

function platformKey(file) {
  const created = run(['apikey', 'create', '--platform', '--name', 'ops', '--json', '--database', `file:${file}`]);
  assert.equal(created.status, 0, created.stderr);
  return JSON.parse(created.stdout).key;
}

// The files of `dir`, sorted (to see that no temporary file is left behind).
const filesIn = (dir) => readdirSync(dir).sort();

describe('backup / restore: command line (every engine)', () => {
  test('bad flags and a missing FILE: one line, exit 2; --help works', () => {
    for (const command of ['backup', 'restore']) {
      for (const args of [[command], [command, '--bogus', 'x.db'], [command, 'a.db', 'b.db'], [command, 'x.db', '--database']]) {
        const result = run(args);
        assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
        assert.equal(result.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line: ${result.stderr}`);
        assert.equal(result.stdout, '');
      }
      const help = run([command, '--help']);
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`^Usage: mcp-admin ${command} FILE`));
      assert.match(help.stdout, /--force/);
      assert.match(help.stdout, /--database/);
    }
    assert.match(run(['backup']).stderr, /FILE is missing/);
  });

  test('PostgreSQL: nothing done, the exact pg_dump / pg_restore command, never the password, exit 3', () => {
    const url = 'postgresql://mcp:Sup3r%40S3cret@db.example.test:5432/mcp?schema=tenant_a&sslmode=require';
    const backup = run(['backup', 'nightly.dump', '--database', url]);
    assert.equal(backup.status, 3, backup.stderr);
    assert.equal(backup.stdout.trim(),
      "pg_dump --format=custom --schema='tenant_a' --file='nightly.dump' "
      + "'postgresql://mcp@db.example.test:5432/mcp?sslmode=require'");
    assert.match(backup.stderr, /PGPASSWORD/);
    assert.match(backup.stderr, /\.pgpass/);
    const restore = run(['restore', "it's.dump", '--force'], {
      env: { DATABASE_URL: 'postgres://ops@db.example.test/mcp?password=Sup3rS3cret&schema=tenant_a' },
    });
    assert.equal(restore.status, 3, restore.stderr);
    assert.equal(restore.stdout.trim(),
      "pg_restore --clean --if-exists --no-owner --single-transaction --dbname='postgres://ops@db.example.test/mcp' "
      + "'it'\\''s.dump'");
    assert.match(restore.stderr, /psql --single-transaction/);
    for (const output of [backup.stdout, backup.stderr, restore.stdout, restore.stderr]) {
      assert.doesNotMatch(output, /Sup3r/, 'the password never appears');
    }
  });
});

describe('backup (SQLite)', { skip: SQLITE_ONLY }, () => {
  test('an online copy while a server keeps acknowledging webhooks', async (t) => {
    const dir = scratch();
    const api = await startApiServer({ dir });
    const copy = path.join(dir, 'copy.db');
    let copyServer;
    try {
      let sent = 0;
      const deliver = async () => {
        sent += 1;
        const name = `backup${sent}`;
        const response = await api.post(api.nextSvixId(), organizationCreated({ name }));
        assert.equal(response.status, 200, response.text);
        return orgId(name);
      };
      const ackedBefore = [];
      for (let idx = 0; idx < 40; idx += 1) ackedBefore.push(await deliver());
      // Some bulk (~20 MiB of stored deliveries), so that the copy takes long enough for
      // deliveries to arrive while it runs.
      sqlite(api.file, `WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < ${BULK_EVENTS})
        INSERT INTO webhook_events (id, svix_id, type, payload, received_at, status, created_at, updated_at)
        SELECT 'bulk_' || k, 'msg_bulk_' || k, 'email.created', hex(randomblob(512)), 0, 'ignored', 0, 0 FROM n`);

      const backup = runAsync(['backup', copy, '--json', '--database', `file:${api.file}`]);
      let finished = false;
      backup.then(() => { finished = true; });
      let during = 0;
      while (!finished && during < MAX_DELIVERIES_DURING_BACKUP) {
        await deliver();  // each one acknowledged (asserted 200) while the backup runs
        during += 1;
      }
      const result = await backup;
      assert.equal(result.status, 0, result.stderr);
      t.diagnostic(`${during} deliveries acknowledged while the backup ran`);
      const summary = JSON.parse(result.stdout);
      assert.equal(summary.file, copy);
      assert.equal(summary.schema_version, SCHEMA_VERSION);
      assert.equal(summary.bytes, statSync(copy).size);
      assert.ok(summary.rows.organizations >= ackedBefore.length, result.stdout);
      assert.ok(summary.rows.webhook_events >= BULK_EVENTS + ackedBefore.length, result.stdout);

      assert.equal(sqlite(copy, 'PRAGMA integrity_check'), 'ok');
      const inCopy = new Set(query(copy, 'SELECT clerk_id FROM organizations').map((row) => row.clerk_id));
      for (const id of ackedBefore) assert.ok(inCopy.has(id), `${id}, acknowledged before the backup, is in the copy`);
      assert.equal(sqlite(copy, 'PRAGMA journal_mode'), 'delete', 'the copy is one self-contained file');
      assert.deepEqual(filesIn(dir).filter((name) => name.startsWith('copy')), ['copy.db'], 'no temporary file left');

      copyServer = await startApiServer({ file: copy });
      const health = await copyServer.call('GET', '/api/health');
      assert.equal(health.status, 200, health.text);
      assert.deepEqual(await listedOrganizations(copyServer), [...inCopy].sort());
      const source = new Set(await listedOrganizations(api));
      for (const id of inCopy) assert.ok(source.has(id), `${id} of the copy is one of the source's`);
    } finally {
      await copyServer?.stop();
      await api.stop();
    }
  });

  test('an existing FILE is refused without --force and replaced with it', async () => {
    const dir = scratch();
    const db = path.join(dir, 'admin.db');
    const file = path.join(dir, 'backup.db');
    assert.equal(run(['migrate', '--database', `file:${db}`]).status, 0);
    writeFileSync(file, 'precious');
    const refused = run(['backup', file, '--database', `file:${db}`]);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /exists; pass --force/);
    assert.equal(readFileSync(file, 'utf8'), 'precious', 'FILE untouched');

    const forced = run(['backup', file, '--force', '--database', `file:${db}`]);
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(forced.stdout, new RegExp(`^backup: wrote .*backup\\.db \\(\\d+ bytes, schema version ${SCHEMA_VERSION}, no rows\\)`));
    assert.equal(sqlite(file, 'PRAGMA integrity_check'), 'ok');
    assert.deepEqual(filesIn(dir), ['admin.db', 'admin.db-shm', 'admin.db-wal', 'backup.db'].filter((name) => existsSync(path.join(dir, name))));
    assert.ok(filesIn(dir).every((name) => !name.includes('.tmp-')), `no temporary file: ${filesIn(dir)}`);

    // FILE naming the database itself: a rename onto it would cut running servers off from it.
    const itself = run(['backup', `${dir}/./admin.db`, '--force', '--database', `file:${db}`]);
    assert.equal(itself.status, 1, itself.stderr);
    assert.match(itself.stderr, /is the database itself/);
    const restoreItself = run(['restore', file, '--force', '--database', `file:${file}`]);
    assert.equal(restoreItself.status, 1, restoreItself.stderr);
    assert.match(restoreItself.stderr, /is the database itself/);
  });

  test(':memory:, a missing database or directory: a clear error', () => {
    const dir = scratch();
    const memory = run(['backup', path.join(dir, 'x.db'), '--database', ':memory:']);
    assert.equal(memory.status, 2, memory.stderr);
    assert.match(memory.stderr, /:memory:.*nothing another process can copy/);
    const missing = run(['backup', path.join(dir, 'x.db'), '--database', `file:${path.join(dir, 'nope.db')}`]);
    assert.equal(missing.status, 1, missing.stderr);
    assert.match(missing.stderr, /cannot open the SQLite database/);
    assert.equal(existsSync(path.join(dir, 'nope.db')), false, 'no empty database created');
    assert.equal(run(['migrate', '--database', `file:${path.join(dir, 'a.db')}`]).status, 0);
    const noDir = run(['backup', path.join(dir, 'no', 'x.db'), '--database', `file:${path.join(dir, 'a.db')}`]);
    assert.equal(noDir.status, 1, noDir.stderr);
    assert.match(noDir.stderr, /does the directory exist/);
    assert.equal(run(['restore', path.join(dir, 'x.db'), '--database', ':memory:']).status, 2);
  });
});

describe('restore (SQLite)', { skip: SQLITE_ONLY }, () => {
  // A source database with two tenants, an organization API key and a platform key, backed up.
  async function preparedBackup() {
    const dir = scratch();
    const api = await startApiServer({ dir });
    try {
      const alpha = await api.tenant('alpha', [{ name: 'ada', role: 'org:admin' }, { name: 'bob', role: 'org:member' }]);
      await api.tenant('beta', [{ name: 'cy', role: 'org:viewer' }]);
      const orgKey = (await api.apiKey(alpha.id, 'ADMIN')).key;
      const platform = platformKey(api.file);
      const file = path.join(dir, 'backup.db');
      const backup = run(['backup', file, '--database', `file:${api.file}`]);
      assert.equal(backup.status, 0, backup.stderr);
      // The backup's own content (the source goes on changing: key usage is flushed at stop).
      return { dir, file, source: api.file, alpha, orgKey, platform, dump: dumpDatabase(file) };
    } finally {
      await api.stop();
    }
  }

  test('into an absent database: the data comes back and a key made before the backup works', async () => {
    const prepared = await preparedBackup();
    const target = path.join(scratch(), 'restored.db');
    const restored = run(['restore', prepared.file, '--database', `file:${target}`]);
    assert.equal(restored.status, 0, restored.stderr);
    assert.match(restored.stdout, new RegExp(`^restore: .*restored\\.db now holds .*backup\\.db \\(schema version ${SCHEMA_VERSION}, organizations 2, users 3`));
    assert.deepEqual(dumpDatabase(target), prepared.dump);
    const server = await startApiServer({ file: target });
    try {
      const own = await server.call('GET', `/api/v1/organizations/${prepared.alpha.id}`, { token: prepared.orgKey });
      assert.equal(own.status, 200, own.text);
      assert.deepEqual(await listedOrganizations(server, prepared.platform), [orgId('alpha'), orgId('beta')].sort());
    } finally {
      await server.stop();
    }
  });

  test('over a database holding data: refused without --force (unchanged), replaced with it', async () => {
    const prepared = await preparedBackup();
    const dir = scratch();
    const api = await startApiServer({ dir });
    await api.tenant('zeta', [{ name: 'zed', role: 'org:admin' }]);
    await api.stop();
    const before = dumpDatabase(api.file);
    const refused = run(['restore', prepared.file, '--database', `file:${api.file}`]);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /holds data \(organizations 1, users 1, organization_memberships 1, mcp_servers \d+/);
    assert.match(refused.stderr, /--force/);
    assert.deepEqual(dumpDatabase(api.file), before, 'target unchanged');

    const forced = run(['restore', prepared.file, '--force', '--json', '--database', `file:${api.file}`]);
    assert.equal(forced.status, 0, forced.stderr);
    const summary = JSON.parse(forced.stdout);
    assert.equal(summary.rows.organizations, 2);
    assert.ok(summary.replaced_rows > 0);
    assert.equal(summary.migrations_applied, 0);
    assert.deepEqual(dumpDatabase(api.file), prepared.dump);
  });

  test('a FILE that is not a usable mcp-admin database: clear error, target unchanged', async () => {
    const prepared = await preparedBackup();
    const dir = scratch();
    const target = path.join(dir, 'target.db');
    copyFileSync(prepared.source, target);
    const before = dumpDatabase(target);

    const text = path.join(dir, 'notes.txt');
    writeFileSync(text, 'this is not a database\n'.repeat(400));
    const truncated = path.join(dir, 'truncated.db');
    copyFileSync(prepared.file, truncated);
    truncateSync(truncated, Math.floor(statSync(truncated).size / 2));
    const foreign = path.join(dir, 'foreign.db');
    sqlite(foreign, 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES (\'x\');');
    const empty = path.join(dir, 'empty.db');
    writeFileSync(empty, '');
    const cases = [
      [text, /notes\.txt' is not a usable SQLite database/],
      [truncated, /truncated\.db' is (damaged|not a usable SQLite database)/],
      [foreign, /foreign\.db' is an SQLite database but not mcp-admin's/],
      [empty, /empty\.db' is empty/],
      [path.join(dir, 'missing.db'), /missing\.db': No such file/],
    ];
    for (const [file, message] of cases) {
      for (const force of [[], ['--force']]) {
        const result = run(['restore', file, ...force, '--database', `file:${target}`]);
        assert.equal(result.status, 1, `${file}: ${result.stderr}`);
        assert.match(result.stderr, message);
        assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      }
    }
    assert.deepEqual(dumpDatabase(target), before, 'target unchanged');
    assert.equal(sqlite(foreign, 'SELECT count(*) FROM notes'), '1', 'FILE untouched');
  });

  test('restore --force under a running server: the server serves the restored data', async () => {
    const prepared = await preparedBackup();
    const dir = scratch();
    const api = await startApiServer({ dir });
    try {
      await api.tenant('zeta', [{ name: 'zed', role: 'org:admin' }]);
      assert.equal((await api.call('GET', '/api/v1/organizations', { token: prepared.platform })).status, 401,
        'the backup\'s platform key is unknown here before the restore');
      const result = await runAsync(['restore', prepared.file, '--force', '--database', `file:${api.file}`]);
      assert.equal(result.status, 0, result.stderr);
      const health = await api.call('GET', '/api/health');
      assert.equal(health.status, 200, health.text);
      assert.deepEqual(await listedOrganizations(api, prepared.platform), [orgId('alpha'), orgId('beta')].sort());
      const own = await api.call('GET', `/api/v1/organizations/${prepared.alpha.id}`, { token: prepared.orgKey });
      assert.equal(own.status, 200, own.text);
      // The server goes on writing into the restored database.
      const delivered = await api.post(api.nextSvixId(), organizationCreated({ name: 'gamma' }));
      assert.equal(delivered.status, 200, delivered.text);
      assert.deepEqual(await listedOrganizations(api, prepared.platform), [orgId('alpha'), orgId('beta'), orgId('gamma')].sort());
    } finally {
      await api.stop();
    }
    assert.equal(sqlite(api.file, 'PRAGMA integrity_check'), 'ok');
  });
});

describe('backup / restore (PostgreSQL)', { skip: POSTGRES_ONLY }, () => {
  test('the printed pg_dump and pg_restore commands work on the real cluster', async () => {
    const dir = scratch();
    const api = await startApiServer({ dir });
    const dump = path.join(dir, 'admin.dump');
    try {
      await api.tenant('alpha', [{ name: 'ada', role: 'org:admin' }]);
      const before = dumpDatabase(api.file);
      const backup = run(['backup', dump, '--database', `file:${api.file}`]);
      assert.equal(backup.status, 3, backup.stderr);
      const schema = new URL(mapDatabaseUrl(`file:${api.file}`)).searchParams.get('schema');
      assert.match(backup.stdout, new RegExp(`^pg_dump --format=custom --schema='${schema}' `));
      const dumped = spawnSync('sh', ['-c', backup.stdout], { encoding: 'utf8', timeout: 60000 });
      assert.equal(dumped.status, 0, dumped.stderr);
      assert.ok(statSync(dump).size > 0);

      await api.tenant('later', [{ name: 'lou', role: 'org:member' }]);
      await api.stop();
      const restore = run(['restore', dump, '--database', `file:${api.file}`]);
      assert.equal(restore.status, 3, restore.stderr);
      const restored = spawnSync('sh', ['-c', restore.stdout], { encoding: 'utf8', timeout: 60000 });
      assert.equal(restored.status, 0, restored.stderr);
      assert.deepEqual(dumpDatabase(api.file), before, 'the dump\'s data is back, the later tenant gone');
    } finally {
      await api.stop();
    }
  });
});
