// Scheduled backups while serving (--backup-dir, --backup-interval, --backup-keep and their
// MCP_ADMIN_BACKUP_* variables): copies made while svix-signed webhooks keep being acknowledged,
// each one integrity_checked and holding every delivery acknowledged before its run, rotated to the
// newest N, reported by /api/health (`backup`) and /metrics. PostgreSQL and :memory: are refused
// at start with a message saying why (exit 2, nothing touched).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ENGINE, run, tempDir } from '../integration/fixture.mjs';
import { startApiServer } from './api_harness.mjs';
import { organizationCreated, orgId } from './clerk_payloads.mjs';
import { query, SQLITE3 } from './db_state.mjs';

const SQLITE_ONLY = ENGINE === 'postgres' ? 'scheduled backups copy SQLite files' : false;
const MAX_DELIVERIES = 600;
const MAX_WAIT_MS = 20000;

const dirs = [];
after(() => { for (const tmp of dirs) tmp.cleanup(); });
function scratch() {
  const tmp = tempDir('mcp-admin-sched-');
  dirs.push(tmp);
  return tmp.dir;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const backupsIn = (dir) => readdirSync(dir).filter((name) => /^mcp-admin-\d{8}T\d{6}\.\d{3}Z\.db$/.test(name)).sort();

describe('scheduled backups (SQLite)', { skip: SQLITE_ONLY }, () => {
  test('copies under webhook load: consistent, checked, rotated, reported', async () => {
    const dir = scratch();
    const backups = path.join(dir, 'backups');
    const api = await startApiServer({ dir, args: ['--backup-dir', backups],
      env: { MCP_ADMIN_BACKUP_INTERVAL: '1s', MCP_ADMIN_BACKUP_KEEP: '3' } });
    try {
      const health = async () => {
        const response = await api.call('GET', '/api/health', { token: null });
        assert.equal(response.status, 200, response.text);
        return response.json.backup;
      };
      let sent = 0;
      const deliver = async () => {
        sent += 1;
        const name = `sched${sent}`;
        const response = await api.post(api.nextSvixId(), organizationCreated({ name }));
        assert.equal(response.status, 200, response.text);
        return orgId(name);
      };
      // Deliveries acknowledged while at least four copies are made (bounded in count and time).
      const started = Date.now();
      while ((await health()).runs < 4 && sent < MAX_DELIVERIES && Date.now() - started < MAX_WAIT_MS) {
        await deliver();
        await sleep(10);
      }
      // Then: everything acknowledged before a run begins is in that run's copy.
      const acked = [];
      for (let idx = 0; idx < 5; idx += 1) acked.push(await deliver());
      const runsBefore = (await health()).runs;
      let status;
      for (const deadline = Date.now() + MAX_WAIT_MS; Date.now() < deadline; await sleep(100)) {
        status = await health();
        if (status.runs >= runsBefore + 2) break;  // a run that began after the last acknowledgement
      }
      assert.ok(status.runs >= 4, JSON.stringify(status));
      assert.equal(status.status, 'ok');
      assert.equal(status.failures, 0);
      assert.equal(status.keep, 3);
      assert.equal(status.interval_seconds, 1);
      assert.match(status.last_success_at, /Z$/);
      assert.equal(status.last_error, null);

      const files = backupsIn(backups);
      assert.equal(files.length, 3, `rotated to the newest 3: ${readdirSync(backups).join(', ')}`);
      assert.deepEqual(readdirSync(backups).sort(), files, 'no temporary file left');
      assert.ok(files.includes(status.last_file), `${status.last_file} is one of ${files.join(', ')}`);
      for (const name of files) {
        const check = spawnSync(SQLITE3, [path.join(backups, name), 'PRAGMA integrity_check'], { encoding: 'utf8' });
        assert.equal(check.stdout.trim(), 'ok', name);
      }
      const newest = path.join(backups, files.at(-1));
      const inCopy = new Set(query(newest, 'SELECT clerk_id FROM organizations').map((row) => row.clerk_id));
      for (const id of acked) assert.ok(inCopy.has(id), `${id}, acknowledged before the run, is in ${files.at(-1)}`);

      const metrics = await api.call('GET', '/metrics', { token: null });
      assert.match(metrics.text, /^mcp_admin_backup_runs_total (\d+)$/m);
      assert.ok(Number(metrics.text.match(/^mcp_admin_backup_runs_total (\d+)$/m)[1]) >= 4);
      assert.match(metrics.text, /^mcp_admin_backup_failures_total 0$/m);
      assert.match(metrics.text, /^mcp_admin_backup_last_success 1$/m);
      assert.match(metrics.text, /^mcp_admin_backup_last_success_timestamp_seconds \d{10}(\.\d+)?$/m);
    } finally {
      const stopped = await api.stop();
      assert.equal(stopped.code, 0);
    }
  });

  test('a failing copy is reported, and the server keeps serving', async () => {
    const dir = scratch();
    const backups = path.join(dir, 'backups');
    const api = await startApiServer({ dir, args: ['--backup-dir', backups, '--backup-interval', '1s'] });
    try {
      let status;
      for (const deadline = Date.now() + MAX_WAIT_MS; Date.now() < deadline; await sleep(100)) {
        status = (await api.call('GET', '/api/health', { token: null })).json.backup;
        if (status.runs >= 1) break;
      }
      assert.equal(status.status, 'ok');
      spawnSync('chmod', ['0500', backups]);  // root ignores modes: make the directory a file instead
      spawnSync('rm', ['-rf', backups]);
      spawnSync('sh', ['-c', `echo not-a-directory > '${backups}'`]);
      const runs = status.runs;
      for (const deadline = Date.now() + MAX_WAIT_MS; Date.now() < deadline; await sleep(100)) {
        status = (await api.call('GET', '/api/health', { token: null })).json.backup;
        if (status.runs > runs) break;
      }
      assert.equal(status.status, 'failed', JSON.stringify(status));
      assert.ok(status.failures >= 1);
      assert.ok(status.last_error.length > 0);
      assert.equal((await api.call('GET', '/api/health', { token: null })).status, 200, 'health is about the database');
      const metrics = await api.call('GET', '/metrics', { token: null });
      assert.match(metrics.text, /^mcp_admin_backup_last_success 0$/m);
    } finally {
      await api.stop();
    }
  });
});

describe('scheduled backups: refused where there is no SQLite file', () => {
  test('PostgreSQL or :memory: with --backup-dir: exit 2 at start, saying why, nothing created', () => {
    const dir = scratch();
    const backups = path.join(dir, 'backups');
    const memory = run(['serve', '--port', '0', '--database', ':memory:', '--backup-dir', backups]);
    assert.equal(memory.status, 2, memory.stderr);
    assert.match(memory.stderr, /--backup-dir \(MCP_ADMIN_BACKUP_DIR\) is for SQLite files only/);
    const pg = run(['serve', '--port', '0', '--database', 'postgresql://nobody@127.0.0.1:1/none'],
      { env: { MCP_ADMIN_BACKUP_DIR: backups } });
    assert.equal(pg.status, 2, pg.stderr);
    assert.match(pg.stderr, /SQLite files only; back PostgreSQL up with pg_dump/);
    assert.equal(existsSync(backups), false);
    const interval = run(['serve', '--port', '0', '--database', `file:${path.join(dir, 'x.db')}`, '--backup-dir', backups,
      '--backup-interval', '10ms']);
    assert.equal(interval.status, 2);
    assert.match(interval.stderr, /MCP_ADMIN_BACKUP_INTERVAL '10ms' is not a duration of at least 1s/);
    assert.equal(existsSync(path.join(dir, 'x.db')), false);
  });
});
