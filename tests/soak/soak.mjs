// Soak: mixed load for a long time against the real binary, with kill -9 and restart every few
// minutes, then checks what must hold after it (tests/soak/README.md; not in CI).
//
//   node tests/soak/soak.mjs [--minutes 30] [--kill-every 180] [--gateway-rps 2000] [--webhook-rps 50] [--idle 32]
//   MCP_ADMIN_TEST_ENGINE=postgres MCP_ADMIN_TEST_PG_URL=… node tests/soak/soak.mjs …   (PostgreSQL)
//
// Load, all at once: Clerk stories (users, organizations, memberships, updates, deletions) as
// svix-signed webhooks, shuffled and ~20% duplicated, each retried until answered 2xx (as Svix
// does); admin API writes (organizations created and renamed); gateway reads at --gateway-rps;
// --idle connections that send nothing. Every --kill-every seconds: SIGKILL, restart on the same
// port and database. Every 5 s: the server's RSS and open descriptors.
// Checks at the end: every acknowledged delivery and every acknowledged API create is in the
// database; the synced tables equal those of a fresh server given every complete story in order
// (the convergence oracle, tests/interop/db_state.mjs); per process life, RSS after warm-up grows
// ≤ 10% from the first life measured after the first sixth of the run (minute 5 of 30) to the
// last, and the descriptor count does not grow. Exit status 0 only when every check passed; the
// figures are printed as JSON on the last line.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import http from 'node:http';

import { ENGINE, startServer, tempDir } from '../integration/fixture.mjs';
import {
  SECRET, T0, agent, membershipCreated, membershipDeleted, membershipUpdated, organizationCreated, organizationDeleted,
  organizationUpdated, orgId, prng, shuffle, signedPost, userCreated, userDeleted, userId, userUpdated,
} from '../interop/clerk_payloads.mjs';
import { dumpDatabase, query } from '../interop/db_state.mjs';

function option(name, fallback) {
  const idx = process.argv.indexOf(`--${name}`);
  if (idx < 0) return fallback;
  const value = Number(process.argv[idx + 1]);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`soak: --${name} needs a non-negative number, not '${process.argv[idx + 1]}'`);
    process.exit(2);
  }
  return value;
}
const MINUTES = option('minutes', 30);
const KILL_EVERY_S = option('kill-every', 180);
const GATEWAY_RPS = option('gateway-rps', 2000);
const IDLE = option('idle', 32);
const WEBHOOK_RPS = option('webhook-rps', 50);
const SEED = option('seed', Date.now() % 100000);
const RUN = randomBytes(3).toString('hex');
const started = Date.now();
const deadline = started + MINUTES * 60000;
const elapsedS = () => Math.round((Date.now() - started) / 1000);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...args) => console.log(`[${String(elapsedS()).padStart(5)} s]`, ...args);

// ---- the server, restartable on one port and one database --------------------------------------

const tmp = tempDir('mcp-admin-soak-');
const dbFile = path.join(tmp.dir, 'soak.db');
const bootstrapKey = `mcp_sk_${randomBytes(32).toString('base64url')}`;
const port = await new Promise((resolve) => {
  const probe = net.createServer().listen(0, '127.0.0.1', () => { const { port: p } = probe.address(); probe.close(() => resolve(p)); });
});
const base = `http://127.0.0.1:${port}`;
let server = null;
let life = 0;
let up = false;

async function start() {
  server = await startServer({
    args: ['--port', String(port), '--database', `file:${dbFile}`, '--webhook-secret', SECRET, '--seed',
      '--bootstrap-key', bootstrapKey],
    env: { LOG_LEVEL: 'warn' },
    timeoutMs: 60000,
  });
  life += 1;
  lifeStarted = Date.now();
  up = true;
}
let lifeStarted = Date.now();

// ---- HTTP helpers ------------------------------------------------------------------------------

function request(method, urlPath, { body, token = bootstrapKey, timeoutMs = 10000 } = {}) {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const req = http.request(`${base}${urlPath}`, {
      method, agent, timeout: timeoutMs,
      headers: { Authorization: `Bearer ${token}`, ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}) },
    }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, json, text });
      });
      res.on('error', () => resolve({ status: 0 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0 }));
    req.end(data);
  });
}

const stats = {
  webhook: { delivered: 0, acked: 0, retried: 0, non2xx: 0 },
  api: { creates_acked: 0, renames_acked: 0, failed: 0 },
  gateway: { ok: 0, other: 0, failed: 0 },
  idle: { opened: 0 },
  kills: 0,
};

// ---- webhook stories ---------------------------------------------------------------------------

// A small Clerk story whose entities are this run's and this batch's own: every entity's
// updated_at increases, deletions come last for what they end.
function buildStory(batch) {
  let clock = T0 + batch * 1000000;
  const tick = () => (clock += 1000);
  const tag = `soak${RUN}b${batch}`;
  const events = [];
  const emit = (label, payload) => events.push({ label, svixId: `msg_${tag}_${events.length}`, payload });
  const users = ['ada', 'bob', 'cyd', 'dee'].map((name) => ({ name: `${name}${tag}`, createdAt: tick() }));
  const orgs = ['acme', 'globex'].map((name) => ({ name: `${name}${tag}`, createdAt: tick() }));
  for (const u of users) emit(`user.created ${u.name}`, userCreated({ ...u, updatedAt: u.createdAt }));
  for (const o of orgs) emit(`organization.created ${o.name}`, organizationCreated({ ...o, updatedAt: o.createdAt }));
  const memberships = [];
  users.forEach((u, idx) => {
    const o = orgs[idx % 2];
    const m = { name: `${u.name}@${o.name}`, org: { ...o, updatedAt: o.createdAt }, user: { name: u.name }, role: idx === 0 ? 'org:admin' : 'org:member', createdAt: tick() };
    memberships.push(m);
    emit(`membership.created ${m.name}`, membershipCreated(m));
  });
  emit('user.updated', userUpdated({ ...users[1], firstName: 'Renamed', updatedAt: tick() }));
  emit('organization.updated', organizationUpdated({ ...orgs[0], updatedAt: tick(), publicMetadata: { batch } }));
  emit('membership.updated', membershipUpdated({ ...memberships[1], role: 'org:admin', updatedAt: tick() }));
  emit('membership.deleted', membershipDeleted({ ...memberships[2], updatedAt: tick() }));
  emit('user.deleted', userDeleted(userId(users[3].name), { timestamp: tick() }));
  if (batch % 3 === 0) emit('organization.deleted', organizationDeleted(orgId(orgs[1].name), { timestamp: tick() }));
  return events;
}

const acked = new Set();
const completeStories = [];

// Delivers until answered 2xx (Svix retries for days); false when the run ended first.
async function deliverUntilAcked(event) {
  for (let attempt = 0; ; attempt += 1) {
    if (Date.now() > deadline + 60000) return false;
    if (attempt > 0) { stats.webhook.retried += 1; await sleep(200); }
    if (!up) continue;
    stats.webhook.delivered += 1;
    let response;
    try {
      response = await signedPost(`${base}/api/webhooks/clerk`, SECRET, event.svixId, event.payload, { timeoutMs: 10000 });
    } catch { continue; }
    if (response.status >= 200 && response.status < 300) {
      acked.add(event.svixId);
      stats.webhook.acked += 1;
      return true;
    }
    stats.webhook.non2xx += 1;
  }
}

async function webhookLoad() {
  const random = prng(SEED);
  for (let batch = 0; Date.now() < deadline; batch += 1) {
    const story = buildStory(batch);
    const deliveries = shuffle(story, random);
    for (const event of story) if (random() < 0.2) deliveries.splice(Math.floor(random() * deliveries.length), 0, event);
    let next = 0;
    const lane = async () => { while (next < deliveries.length) await deliverUntilAcked(deliveries[next++]); };
    const batchStarted = Date.now();
    await Promise.all([lane(), lane(), lane(), lane()]);
    if (story.every((event) => acked.has(event.svixId))) completeStories.push(story);
    // Paced to about --webhook-rps deliveries a second (the reference replays every story at the end).
    await sleep(Math.max(0, (deliveries.length / WEBHOOK_RPS) * 1000 - (Date.now() - batchStarted)));
  }
}

// ---- admin API writes --------------------------------------------------------------------------

const createdOrgs = new Map();  // internal id → the slug acknowledged last
async function apiLoad() {
  for (let n = 0; Date.now() < deadline; n += 1) {
    await sleep(100);
    if (!up) continue;
    const slug = `api-${RUN}-${n}`;
    const created = await request('POST', '/api/v1/organizations', { body: { name: `Soak ${n}`, slug } });
    if (created.status === 201) { createdOrgs.set(created.json.id, `Soak ${n}`); stats.api.creates_acked += 1; } else stats.api.failed += 1;
    if (n % 5 === 4 && createdOrgs.size) {
      const [id] = [...createdOrgs.keys()].slice(-1);
      const renamed = await request('PATCH', `/api/v1/organizations/${id}`, { body: { name: `Renamed ${n}` } });
      if (renamed.status === 200) { createdOrgs.set(id, `Renamed ${n}`); stats.api.renames_acked += 1; } else stats.api.failed += 1;
    }
  }
}

// ---- gateway reads -----------------------------------------------------------------------------

let gatewayKey = null;
async function prepareGateway() {
  const org = await request('POST', '/api/v1/organizations', { body: { name: 'Gateway', slug: `gw-${RUN}` } });
  assert.equal(org.status, 201, org.text);
  const servers = await request('GET', '/api/v1/mcp-servers?limit=200');
  const slug = servers.json.data[0].slug;
  const enabled = await request('PUT', `/api/v1/organizations/${org.json.id}/services/${servers.json.data[0].id}`, { body: { enabled: true, config: {} } });
  assert.equal(enabled.status, 200, enabled.text);
  const key = await request('POST', `/api/v1/organizations/${org.json.id}/api-keys`, { body: { name: 'soak', role: 'MEMBER' } });
  assert.equal(key.status, 201, key.text);
  gatewayKey = key.json.key;
  return slug;
}

async function gatewayLoad(slug) {
  const perTick = Math.max(1, Math.round(GATEWAY_RPS / 20));
  while (Date.now() < deadline) {
    const tickEnd = Date.now() + 50;
    if (up) {
      const answers = await Promise.all(Array.from({ length: perTick }, () =>
        request('GET', `/api/v1/gateway/authorize?server=${slug}`, { token: gatewayKey, timeoutMs: 5000 })));
      for (const { status } of answers) {
        if (status === 200) stats.gateway.ok += 1; else if (status === 0) stats.gateway.failed += 1; else stats.gateway.other += 1;
      }
    }
    await sleep(Math.max(0, tickEnd - Date.now()));
  }
}

// ---- idle connections --------------------------------------------------------------------------

const idleSockets = new Set();
function keepIdle() {
  while (idleSockets.size < IDLE && Date.now() < deadline) {
    const socket = net.connect(port, '127.0.0.1');
    idleSockets.add(socket);
    stats.idle.opened += 1;
    socket.on('error', () => {});
    socket.on('close', () => { idleSockets.delete(socket); });
  }
}

// ---- monitor and killer ------------------------------------------------------------------------

const samples = [];  // { t, life, lifeAgeS, rssKiB, fds }
function sample() {
  if (!up || !server?.child.pid) return;
  try {
    const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
    // Descriptors other than sockets (files, pipes, eventfds): what a leak grows. Sockets follow
    // the clients' connections, counted apart.
    let fds = 0;
    let sockets = 0;
    for (const fd of readdirSync(`/proc/${server.child.pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${server.child.pid}/fd/${fd}`).startsWith('socket:')) sockets += 1; else fds += 1;
      } catch { /* closed meanwhile */ }
    }
    samples.push({ t: elapsedS(), life, lifeAgeS: Math.round((Date.now() - lifeStarted) / 1000), rssKiB, fds, sockets });
  } catch { /* the process is being replaced */ }
}

async function killer() {
  if (!KILL_EVERY_S) return;
  while (Date.now() + KILL_EVERY_S * 1000 < deadline) {
    await sleep(KILL_EVERY_S * 1000);
    up = false;
    sample();
    await server.stop('SIGKILL');
    stats.kills += 1;
    log(`kill -9 (life ${life}), restarting`);
    await start();
  }
}

// ---- the run -----------------------------------------------------------------------------------

log(`soak: ${MINUTES} min on ${ENGINE}, kill -9 every ${KILL_EVERY_S || 'never'} s, gateway ${GATEWAY_RPS}/s, webhooks ${WEBHOOK_RPS}/s, ${IDLE} idle connections, seed ${SEED}`);
await start();
const slug = await prepareGateway();
const monitor = setInterval(() => { sample(); keepIdle(); }, 5000);
const reporter = setInterval(() => log(JSON.stringify(stats), samples.length ? `rss ${samples.at(-1).rssKiB} KiB, descriptors ${samples.at(-1).fds} + ${samples.at(-1).sockets} sockets` : ''), 60000);
keepIdle();
await Promise.all([webhookLoad(), apiLoad(), gatewayLoad(slug), killer()]);
clearInterval(monitor);
clearInterval(reporter);
for (const socket of idleSockets) socket.destroy();
const lastLife = life;
await server.stop();
agent.destroy();

// ---- checks ------------------------------------------------------------------------------------

const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); };

const stored = new Set(query(dbFile, 'SELECT svix_id FROM webhook_events').map((row) => row.svix_id));
const lost = [...acked].filter((id) => !stored.has(id));
check(lost.length === 0, `every acknowledged delivery stored (${acked.size} acknowledged, ${lost.length} missing ${lost.slice(0, 3).join(' ')})`);

const orgRows = new Map(query(dbFile, 'SELECT id, name FROM organizations').map((row) => [row.id, row.name]));
const lostOrgs = [...createdOrgs].filter(([id]) => !orgRows.has(id));
const staleNames = [...createdOrgs].filter(([id, name]) => orgRows.has(id) && orgRows.get(id) !== name);
check(lostOrgs.length === 0 && staleNames.length === 0,
  `every acknowledged API write stored (${createdOrgs.size} organizations: ${lostOrgs.length} missing, ${staleNames.length} with an older name)`);

// The convergence oracle: a fresh server given every complete story in order.
const synced = (dump) => Object.fromEntries(['users', 'organizations', 'organization_memberships'].map((table) =>
  [table, (dump[table] ?? []).filter((row) => completeIds.has(row.clerk_id))]));
const completeIds = new Set();
for (const story of completeStories) {
  for (const { payload } of story) {
    completeIds.add(payload.data.id);
    if (payload.data.organization) completeIds.add(payload.data.organization.id);
    if (payload.data.public_user_data) completeIds.add(payload.data.public_user_data.user_id);
  }
}
const refFile = path.join(tmp.dir, 'reference.db');
const reference = await startServer({ args: ['--port', '0', '--database', `file:${refFile}`, '--webhook-secret', SECRET], env: { LOG_LEVEL: 'warn' } });
for (const story of completeStories) {
  for (const event of story) {
    const response = await signedPost(`${reference.url}/api/webhooks/clerk`, SECRET, event.svixId, event.payload);
    assert.equal(response.status, 200, response.text);
  }
}
await reference.stop();
agent.destroy();
const soakState = synced(dumpDatabase(dbFile));
const refState = synced(dumpDatabase(refFile));
let same = true;
try { assert.deepEqual(soakState, refState); } catch (e) { same = false; console.log(e.message.slice(0, 3000)); }
check(same, `convergence: the synced tables equal in-order delivery of the ${completeStories.length} complete stories `
  + `(${soakState.users.length} users, ${soakState.organizations.length} organizations, ${soakState.organization_memberships.length} memberships)`);

// Memory and descriptors, per process life after 60 s of warm-up.
const lives = new Map();
for (const s of samples.filter((x) => x.lifeAgeS >= 60)) {
  if (!lives.has(s.life)) lives.set(s.life, []);
  lives.get(s.life).push(s);
}
const plateau = (list) => {
  const tail = list.slice(-5).map((s) => s.rssKiB).sort((a, b) => a - b);
  return tail[Math.floor(tail.length / 2)];
};
const lifeFigures = [...lives].map(([n, list]) => ({
  life: n, from_s: list[0].t, to_s: list.at(-1).t, rss_kib: plateau(list), max_fds: Math.max(...list.map((s) => s.fds)),
  max_sockets: Math.max(...list.map((s) => s.sockets)),
}));
const referenceStart = MINUTES * 60 / 6;
const first = lifeFigures.find((f) => f.to_s >= referenceStart) ?? lifeFigures[0];
const last = lifeFigures.at(-1);
if (first && last && first !== last) {
  const growth = (last.rss_kib - first.rss_kib) / first.rss_kib;
  check(growth <= 0.10, `RSS: ${first.rss_kib} KiB (life ${first.life}) → ${last.rss_kib} KiB (life ${last.life}): ${(growth * 100).toFixed(1)}% ≤ 10%`);
  check(last.max_fds <= first.max_fds + 4, `descriptors (not sockets): ${first.max_fds} (life ${first.life}) → ${last.max_fds} (life ${last.life})`);
} else if (first) {
  const list = lives.get(first.life);
  const at = list.find((s) => s.t >= referenceStart) ?? list[0];
  const end = list.at(-1);
  const growth = (end.rssKiB - at.rssKiB) / at.rssKiB;
  check(growth <= 0.10, `RSS: ${at.rssKiB} KiB at ${at.t} s → ${end.rssKiB} KiB at ${end.t} s: ${(growth * 100).toFixed(1)}% ≤ 10%`);
  check(end.fds <= at.fds + 4, `descriptors (not sockets): ${at.fds} at ${at.t} s → ${end.fds} at ${end.t} s`);
} else {
  check(false, 'no process life lasted 60 s: no memory figures (run longer)');
}

tmp.cleanup();
console.log(JSON.stringify({ engine: ENGINE, minutes: MINUTES, kill_every_s: KILL_EVERY_S, lives: lastLife, stats, lifeFigures, failures }));
process.exit(failures.length ? 1 : 0);
