// Crash consistency beyond the process (README "What the sync does, in plain words": a 2xx is sent only after the
// change is durably committed): the real binary on SQLite takes svix-signed webhooks under an LD_PRELOAD shim
// (iolog.c) that records every write and fsync of the database directory; the load client appends
// each 2xx it receives to the same log. Then, for hundreds of cut points, the files are rebuilt as
// a power loss at that point could leave them (only what was fsynced before the cut; or that plus
// a random subset of the rest), opened with sqlite3: `PRAGMA integrity_check` must say ok and
// every event acknowledged before the cut must be in webhook_events.
// The negative control runs the same with fsync made a no-op (what synchronous=OFF gives): the
// checker must find acknowledged events lost, or it proves nothing.
//
// Needs MCP_ADMIN_IOLOG (the built shim, libiolog.so: CTest sets it) and sqlite3; SQLite only.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ENGINE, startServer } from '../integration/fixture.mjs';
import { SECRET, T0, pool, prng, signedPost, userCreated } from '../interop/clerk_payloads.mjs';
import { SQLITE3 } from '../interop/db_state.mjs';
import { REC, appendAck, filesAtCut, materialise, readLog } from './replay.mjs';

const SHIM = process.env.MCP_ADMIN_IOLOG;
const SKIP = ENGINE !== 'sqlite' ? 'SQLite only (the shim records the files of a SQLite database)'
  : !SHIM ? 'needs MCP_ADMIN_IOLOG=<path to libiolog.so> (CTest sets it)'
  : !existsSync(SHIM) ? `MCP_ADMIN_IOLOG=${SHIM} does not exist` : false;
const SEED = Number(process.env.POWER_LOSS_SEED ?? Date.now() % 100000);

// On tmpfs when there is one: the log, not the disk, says what was durable, and the hundreds of
// sqlite3 opens (recovery, checkpoint on close) need no real fsync.
const ROOT = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const dirs = [];
after(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }); });

// Runs the server under the shim, delivers `events` distinct user.created events (8 in flight),
// stops it with SIGTERM (its last checkpoint and WAL removal are in the log too). Returns the log.
async function recordRun({ events, dropSync = false }) {
  const dir = mkdtempSync(path.join(ROOT, 'mcp-admin-power-loss-'));
  dirs.push(dir);
  const dbDir = path.join(dir, 'db');
  const logFile = path.join(dir, 'io.log');
  mkdirSync(dbDir);
  const server = await startServer({
    args: ['--port', '0', '--database', `file:${dbDir}/admin.db`, '--webhook-secret', SECRET],
    env: { LD_PRELOAD: SHIM, IOLOG_DIR: dbDir, IOLOG_FILE: logFile, IOLOG_DROP_SYNC: dropSync ? '1' : '0' },
  });
  const url = `${server.url}/api/webhooks/clerk`;
  const logFd = openSync(logFile, 'a');
  const ids = Array.from({ length: events }, (_, idx) => `msg_power_${SEED}_${idx}`);
  let acked = 0;
  await pool(ids, 8, async (svixId, idx) => {
    const payload = userCreated({ name: `power${idx}`, createdAt: T0 + idx });
    const response = await signedPost(url, SECRET, svixId, payload);
    assert.equal(response.status, 200, `delivery ${svixId}: ${response.text}`);
    appendAck(logFd, svixId);
    acked += 1;
  });
  closeSync(logFd);
  const stopped = await server.stop();
  assert.equal(stopped.code, 0, `serve did not stop cleanly: ${server.stderr().slice(-2000)}`);
  assert.equal(acked, events);
  return { log: readLog(logFile), dir };
}

// The cut points: one at random between each acknowledgement and the next record that follows
// the next one, and `extra` anywhere, sorted; at most `max`.
function cutPoints(log, random, max, extra = 40) {
  const acks = [];
  log.records.forEach((record, idx) => { if (record.type === REC.ACK) acks.push(idx); });
  const total = log.records.length;
  const cuts = new Set();
  acks.forEach((ackIdx, n) => {
    const end = n + 1 < acks.length ? acks[n + 1] : total;
    cuts.add(ackIdx + 1 + Math.floor(random() * (end - ackIdx)));
  });
  for (let idx = 0; idx < extra; idx += 1) cuts.add(1 + Math.floor(random() * total));
  let sorted = [...cuts].filter((cut) => cut <= total).sort((a, b) => a - b);
  while (sorted.length > max) sorted = sorted.filter((_, idx) => idx % 2 === 0);
  return sorted;
}

// Rebuilds the files at `cut` in `dir` and checks them: { integrity, missing: [svix ids], acked }.
function checkCut(log, cut, mode, random, dir) {
  rmSync(dir, { recursive: true, force: true });
  materialise(filesAtCut(log, cut, mode, random), dir);
  const acked = [];
  for (let idx = 0; idx < cut; idx += 1) {
    if (log.records[idx].type === REC.ACK) acked.push(log.records[idx].data.toString('utf8'));
  }
  const db = path.join(dir, 'admin.db');
  const sql = "PRAGMA integrity_check; SELECT 'id:' || svix_id FROM webhook_events;";
  const result = spawnSync(SQLITE3, [db, sql], { encoding: 'utf8', timeout: 30000 });
  const lines = result.stdout.split('\n');
  const integrity = lines[0] ?? '';
  const present = new Set(lines.filter((line) => line.startsWith('id:')).map((line) => line.slice(3)));
  // A database whose schema is not durable yet has no webhook_events: fine while nothing is acknowledged.
  const noTable = /no such table: webhook_events/.test(result.stderr);
  if (result.status !== 0 && !noTable) return { integrity: `sqlite3 failed: ${result.stderr}`, missing: acked, acked };
  return { integrity, missing: acked.filter((id) => !present.has(id)), acked };
}

describe('an acknowledged webhook survives a power loss', { skip: SKIP, timeout: 600000 }, () => {
  test(`every cut point: integrity ok, every acknowledged event present (seed ${SEED})`, async () => {
    const { log, dir } = await recordRun({ events: 300 });
    const syncs = log.records.filter((record) => record.type === REC.SYNC).length;
    const dbWrites = log.records.filter((record) => record.type === REC.WRITE && log.names[record.file] === 'admin.db').length;
    assert.ok(syncs > 10, `the shim saw ${syncs} fsyncs: is SQLite calling something it does not intercept?`);
    assert.ok(dbWrites > 0, 'no write reached admin.db itself (no checkpoint in the run)');
    const random = prng(SEED);
    const cuts = cutPoints(log, random, 400);
    assert.ok(cuts.length >= 200, `only ${cuts.length} cut points`);
    const failures = [];
    let checkedAcks = 0;
    cuts.forEach((cut, idx) => {
      const mode = idx % 2 === 0 ? 'strict' : 'subset';
      const outcome = checkCut(log, cut, mode, random, path.join(dir, 'cut'));
      checkedAcks += outcome.acked.length;
      if (outcome.integrity !== 'ok' || outcome.missing.length > 0) {
        failures.push(`cut ${cut}/${log.records.length} (${mode}): integrity ${outcome.integrity}; `
          + `${outcome.missing.length} of ${outcome.acked.length} acknowledged events missing (${outcome.missing.slice(0, 3).join(', ')})`);
      }
    });
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${cuts.length} cut points failed (POWER_LOSS_SEED=${SEED})`);
    assert.ok(checkedAcks > 0);
    console.log(`power loss: ${cuts.length} cut points over ${log.records.length} records (${syncs} fsyncs), all ok`);
  });

  test('negative control: with fsync a no-op, the checker finds acknowledged events lost', async () => {
    const { log, dir } = await recordRun({ events: 40, dropSync: true });
    assert.equal(log.records.filter((record) => record.type === REC.SYNC).length, 0);
    const random = prng(SEED + 1);
    const cuts = cutPoints(log, random, 60, 0);
    let caught = 0;
    for (const cut of cuts) {
      const outcome = checkCut(log, cut, 'strict', random, path.join(dir, 'cut'));
      if (outcome.acked.length > 0 && (outcome.missing.length > 0 || outcome.integrity !== 'ok')) caught += 1;
    }
    assert.ok(caught >= cuts.length / 2, `the checker caught a loss at only ${caught} of ${cuts.length} cut points`);
  });
});
