// Property: Svix delivers at least once and in no particular order, so whatever order (and however
// many copies) the events of one Clerk story arrive in, the database ends as in-order delivery
// leaves it (README "What the sync does, in plain words"). One story of ~50 events is delivered in order to one
// server (the reference), then in many seeded random orders, with ~20% of deliveries duplicated (same svix-id,
// often concurrently), 4 at a time, each order to a fresh server on a fresh database file; every
// end state must equal the reference: the whole database, less our generated ids and wall-clock
// times (db_state.mjs). Variants: the same story with API keys and sessions present (inserted once
// their users and organizations exist), and a dozen seeded random stories (slugs from a small pool
// handed around, custom roles, re-adds, deletions) in a few orders each.
//
// Reproduce a failure: the message prints the seed; CONVERGENCE_SEED=<seed> CONVERGENCE_ORDERINGS=1
// node --test tests/interop/convergence.test.mjs replays exactly that ordering first.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  agent, clerkId, googleAccount, membershipCreated, membershipDeleted, membershipUpdated, orgId, organizationCreated,
  organizationDeleted, organizationUpdated, pool, prng, shuffle, T0, userCreated, userDeleted, userId, userUpdated,
} from './clerk_payloads.mjs';
import { ENGINE, exec } from './db_state.mjs';
import { expectOutcome, startWebhookServer } from './harness.mjs';

after(() => agent.destroy());

// 200 orderings on SQLite (~25 s here); on PostgreSQL each fresh server migrates a new schema
// (~0.7 s an ordering), so 100 there unless asked for more.
const ORDERINGS = Number(process.env.CONVERGENCE_ORDERINGS ?? (ENGINE === 'postgres' ? 100 : 200));
const BATCHES = 4; // separate tests, so that each stays far below the runner's per-test timeout
const FIRST_SEED = Number(process.env.CONVERGENCE_SEED ?? 20240528);
const CONCURRENCY = 4;
// SRC BUG (reported; PostgreSQL only): concurrent slug hand-overs can lose a slug grant (see
// "concurrent slug hand-over" in webhooks.test.mjs); the story hands "acme" from acme to globex,
// so on PostgreSQL the fixed-story orderings are todo until src/ is fixed. Remove this then.
const DUPLICATE_RATE = 0.2;
// Fresh database files on tmpfs when there is one: this test is about order, not fsync
// (crash.test.mjs covers durability, on the ordinary temporary directory). On PostgreSQL the
// fixture maps each file to its own schema.
const ROOT = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

// ---- the story ---------------------------------------------------------------------------------

// A Clerk story as Clerk would report it: a clock that only moves forward, each entity's
// data.updated_at strictly increasing, each membership event carrying the organization and the
// user as they are at that moment, deletions timestamped when they happen.
function buildStory() {
  let clock = T0;
  const tick = () => (clock += 1000 + (clock % 7) * 13);
  const users = {};
  const orgs = {};
  const memberships = {};
  const events = [];
  const emit = (label, payload) => events.push({ label, svixId: clerkId('msg', `story:${events.length}:${label}`), payload });

  const publicUser = (name) => {
    const u = users[name];
    return { name, email: u.email, firstName: u.firstName, lastName: u.lastName, imageUrl: u.imageUrl };
  };
  const createUser = (name, extra = {}) => {
    const at = tick();
    users[name] = {
      name, email: `${name}@example.com`, firstName: name[0].toUpperCase() + name.slice(1), lastName: 'Tester',
      imageUrl: `https://img.clerk.com/${userId(name)}.png`, createdAt: at, updatedAt: at, lastSignInAt: at, ...extra,
    };
    emit(`user.created ${name}`, userCreated(users[name], { timestamp: at }));
  };
  const updateUser = (name, change) => {
    const at = tick();
    users[name] = { ...users[name], ...change, updatedAt: at };
    emit(`user.updated ${name}`, userUpdated(users[name], { timestamp: at }));
  };
  const deleteUser = (name) => {
    const at = tick();
    emit(`user.deleted ${name}`, userDeleted(userId(name), { timestamp: at }));
  };
  const createOrg = (name, creator, extra = {}) => {
    const at = tick();
    orgs[name] = { name, slug: name, createdAt: at, updatedAt: at, createdBy: userId(creator), maxAllowedMemberships: 10, ...extra };
    emit(`organization.created ${name}`, organizationCreated(orgs[name], { timestamp: at }));
  };
  const updateOrg = (name, change) => {
    const at = tick();
    orgs[name] = { ...orgs[name], ...change, updatedAt: at };
    emit(`organization.updated ${name}`, organizationUpdated(orgs[name], { timestamp: at }));
  };
  const deleteOrg = (name) => {
    const at = tick();
    emit(`organization.deleted ${name}`, organizationDeleted(orgId(name), { timestamp: at }));
  };
  const addMember = (key, org, user, role) => {
    const at = tick();
    memberships[key] = { name: key, role, org: { ...orgs[org] }, user: publicUser(user), createdAt: at, updatedAt: at, orgName: org, userName: user };
    emit(`organizationMembership.created ${key} ${role}`, membershipCreated(memberships[key], { timestamp: at }));
  };
  const refresh = (key) => ({ ...memberships[key], org: { ...orgs[memberships[key].orgName] }, user: publicUser(memberships[key].userName) });
  const changeRole = (key, role) => {
    const at = tick();
    memberships[key] = { ...refresh(key), role, updatedAt: at };
    emit(`organizationMembership.updated ${key} ${role}`, membershipUpdated(memberships[key], { timestamp: at }));
  };
  const removeMember = (key) => {
    const at = tick();
    emit(`organizationMembership.deleted ${key}`, membershipDeleted(refresh(key), { timestamp: at }));
  };

  for (const name of ['ada', 'bob', 'cyd', 'dee', 'eve']) createUser(name, { publicMetadata: { signup: name.length } });
  createUser('fay', { phone: '+15555550106', externalAccounts: [googleAccount('fay@gmail.com')], privateMetadata: { crm: 42 } });
  createOrg('acme', 'ada', { publicMetadata: { tier: 'gold' } });
  createOrg('globex', 'bob');
  createOrg('initech', 'cyd');
  addMember('ada@acme', 'acme', 'ada', 'org:admin');
  addMember('bob@acme', 'acme', 'bob', 'org:member');
  addMember('cyd@acme', 'acme', 'cyd', 'org:member');
  addMember('bob@globex', 'globex', 'bob', 'org:admin');
  addMember('dee@globex', 'globex', 'dee', 'basic_member');
  addMember('eve@globex#1', 'globex', 'eve', 'org:member');
  addMember('cyd@initech', 'initech', 'cyd', 'org:admin');
  addMember('fay@initech', 'initech', 'fay', 'org:member');
  addMember('ada@initech', 'initech', 'ada', 'org:viewer');
  addMember('dee@initech', 'initech', 'dee', 'org:member'); // ended by dee's deletion and by initech's
  updateUser('ada', { firstName: 'Augusta' });
  updateUser('bob', { email: 'bob@globex.example', extraEmails: ['bob@example.com'] });
  updateUser('eve', { publicMetadata: { beta: true } });
  changeRole('bob@acme', 'org:admin');
  changeRole('dee@globex', 'admin');
  changeRole('fay@initech', 'org:viewer');
  updateOrg('initech', { publicMetadata: { plan: 'enterprise' } });
  removeMember('cyd@acme');
  // acme gives up its slug; globex then takes it.
  updateOrg('acme', { slug: 'acme-corp', displayName: 'Acme Corporation' });
  updateOrg('globex', { slug: 'acme', displayName: 'Globex (formerly Acme)' });
  // eve leaves globex and is re-added: a new membership id.
  removeMember('eve@globex#1');
  addMember('eve@globex#2', 'globex', 'eve', 'org:admin');
  updateUser('fay', { lastName: 'Fairweather', lastSignInAt: clock });
  changeRole('ada@initech', 'org:member');
  updateUser('ada', { lastSignInAt: clock + 1 });
  deleteUser('dee');
  updateUser('cyd', { imageUrl: 'https://img.clerk.com/cyd-new.png' });
  addMember('fay@acme', 'acme', 'fay', 'org:billing');
  deleteOrg('initech');
  updateOrg('globex', { displayName: 'Globex', publicMetadata: { renamed: true } });
  changeRole('fay@acme', 'org:member');
  updateUser('bob', { lastName: 'Builder' });
  changeRole('eve@globex#2', 'org:member');
  addMember('eve@acme', 'acme', 'eve', 'org:viewer');
  updateUser('eve', { firstName: 'Evelyn' });
  return events;
}

// ---- delivery ----------------------------------------------------------------------------------

async function freshServer() {
  const dir = mkdtempSync(path.join(ROOT, 'mcp-admin-convergence-'));
  const server = await startWebhookServer({ dir });
  return { server, async close() { await server.close(); rmSync(dir, { recursive: true, force: true }); } };
}

// Delivers `deliveries` (events, some repeated) `concurrency` at a time; returns how many times
// each svix-id was answered "applied" (every other copy must be answered "duplicate").
async function deliver(server, deliveries, concurrency) {
  const answers = await pool(deliveries, concurrency, async (event) => {
    const response = await server.post(event.svixId, event.payload);
    assert.equal(response.status, 200, `${event.label}: ${response.status} ${response.text}`);
    return { svixId: event.svixId, outcome: response.json.outcome };
  });
  const applied = new Map();
  for (const { svixId, outcome } of answers) {
    assert.ok(outcome === 'applied' || outcome === 'duplicate', outcome);
    if (outcome === 'applied') applied.set(svixId, (applied.get(svixId) ?? 0) + 1);
  }
  return applied;
}

const story = buildStory();

// API keys and sessions: no API creates them yet, so the variants below INSERT them with the
// sqlite3 CLI once their users and organizations exist (after the story's prefix of user.created
// and organization.created events, delivered in order), then deliver the rest of the story.
const PREFIX = story.findIndex((e) => e.payload.type.startsWith('organizationMembership.'));
const ROWS = [
  { key: 'acme_ci', org: 'acme' },
  { key: 'initech_ci', org: 'initech' },
  { key: 'initech_old', org: 'initech', revokedAt: T0 + 500 },
  { session: 'ada_initech', user: 'ada', org: 'initech' },
  { session: 'bob_acme', user: 'bob', org: 'acme' },
  { session: 'dee_globex', user: 'dee', org: 'globex' },
  { session: 'dee_none', user: 'dee' },
];
// Ended by both dee's deletion and initech's: the in-order end is the earlier (dee's).
const CONFLICTING_ROWS = [{ session: 'dee_initech', user: 'dee', org: 'initech' }];

function insertRows(file, rows) {
  const sql = rows.map((r) => (r.key
    ? `INSERT INTO api_keys (id, organization_id, name, prefix, key_hash, role, revoked_at, created_at, updated_at)
         VALUES ('${r.key}', (SELECT id FROM organizations WHERE clerk_id = '${orgId(r.org)}'), '${r.key}', 'mcp_sk_${r.key}',
                 '${'cd'.repeat(32)}', 'MEMBER', ${r.revokedAt ?? 'NULL'}, ${T0}, ${T0});`
    : `INSERT INTO sessions (id, user_id, organization_id, clerk_session_id, expires_at, created_at, updated_at)
         VALUES ('${r.session}', (SELECT id FROM users WHERE clerk_id = '${userId(r.user)}'),
                 ${r.org ? `(SELECT id FROM organizations WHERE clerk_id = '${orgId(r.org)}')` : 'NULL'},
                 'sess_${r.session}', ${T0 + 86400000 * 365}, ${T0}, ${T0});`)).join('\n');
  exec(file, sql);
}

// A variant: which rows exist before the story's rest is delivered (none: the whole story is shuffled).
const VARIANTS = {
  plain: { rows: null },
  keysAndSessions: { rows: ROWS },
  conflictingSessions: { rows: [...ROWS, ...CONFLICTING_ROWS] },
};
const references = new Map();

async function referenceDump(variant) {
  if (references.has(variant)) return references.get(variant);
  const { rows } = VARIANTS[variant];
  const { server, close } = await freshServer();
  try {
    for (const [index, event] of story.entries()) {
      if (rows && index === PREFIX) insertRows(server.file, rows);
      expectOutcome(assert, await server.post(event.svixId, event.payload), 'applied', event.label);
    }
    references.set(variant, server.dump());
  } finally {
    await close();
  }
  return references.get(variant);
}

// One random delivery of the story (per the seed) to a fresh server; asserts its end state.
async function checkOrdering(variant, seed) {
  const expected = await referenceDump(variant);
  const { rows } = VARIANTS[variant];
  const random = prng(seed);
  const first = rows ? story.slice(0, PREFIX) : [];
  const deliveries = shuffle(rows ? story.slice(PREFIX) : story, random);
  for (const event of story) {
    if (random() < DUPLICATE_RATE) deliveries.splice(Math.floor(random() * (deliveries.length + 1)), 0, event);
  }
  const { server, close } = await freshServer();
  try {
    const applied = await deliver(server, first, 1);
    if (rows) insertRows(server.file, rows);
    for (const [svixId, n] of await deliver(server, deliveries, CONCURRENCY)) applied.set(svixId, (applied.get(svixId) ?? 0) + n);
    for (const event of story) assert.equal(applied.get(event.svixId), 1, `seed ${seed}: ${event.label} applied exactly once`);
    assert.deepEqual(server.dump(), expected,
      `${variant}, seed ${seed} (CONVERGENCE_SEED=${seed} CONVERGENCE_ORDERINGS=1 replays it): the delivery order was\n  `
      + [...first, ...deliveries].map((e) => e.label).join('\n  '));
  } finally {
    await close();
  }
}

test('the story is well formed: every entity has its own events, times only move forward', () => {
  assert.ok(story.length >= 40, `dozens of events (${story.length})`);
  const times = story.map((e) => e.payload.timestamp);
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'envelope timestamps follow the story');
  const seen = (prefix) => new Set(story.filter((e) => e.payload.type.startsWith(prefix)).map((e) => e.payload.data.id));
  const userIds = seen('user.');
  const orgIds = seen('organization.');
  for (const event of story.filter((e) => e.payload.type.startsWith('organizationMembership.'))) {
    assert.ok(userIds.has(event.payload.data.public_user_data.user_id), `${event.label}: its user has user.* events`);
    assert.ok(orgIds.has(event.payload.data.organization.id), `${event.label}: its organization has organization.* events`);
  }
  const lastUpdate = new Map();
  for (const event of story) {
    const { data } = event.payload;
    if (data.updated_at === undefined) continue;
    if (event.payload.type === 'organizationMembership.deleted') continue; // carries the last update's time
    assert.ok((lastUpdate.get(data.id) ?? -Infinity) < data.updated_at, `${event.label}: updated_at increases`);
    lastUpdate.set(data.id, data.updated_at);
  }
  assert.equal(new Set(story.map((e) => e.svixId)).size, story.length, 'one svix-id per event');
  assert.ok(story.slice(0, PREFIX).every((e) => /^(user|organization)\.created/.test(e.payload.type)));
});

test('in-order delivery: the reference end state is the story\'s', async () => {
  const dump = await referenceDump('plain');
  const live = (table) => dump[table].filter((r) => r.deleted_at === null);
  const byId = (table, id) => dump[table].find((r) => r.clerk_id === id);
  assert.equal(dump.users.length, 6);
  assert.equal(dump.organizations.length, 3);
  assert.notEqual(byId('users', userId('dee')).deleted_at, null);
  assert.notEqual(byId('organizations', orgId('initech')).deleted_at, null);
  assert.deepEqual(live('organizations').map((o) => [o.name, o.slug]).sort(), [['Acme Corporation', 'acme-corp'], ['Globex', 'acme']]);
  assert.equal(byId('users', userId('bob')).email, 'bob@globex.example');
  assert.equal(live('organization_memberships').length, 6, JSON.stringify(dump.organization_memberships, null, 1));
  const eveGlobex = dump.organization_memberships.filter((m) => m.user === userId('eve') && m.organization === orgId('globex'));
  assert.equal(eveGlobex.length, 2);
  assert.equal(eveGlobex.filter((m) => m.deleted_at === null).length, 1, 'the re-added member has one live membership');
  assert.equal(dump.organization_memberships.filter((m) => m.organization === orgId('initech') && m.deleted_at === null).length, 0);
  const deeInitech = dump.organization_memberships.find((m) => m.user === userId('dee') && m.organization === orgId('initech'));
  assert.equal(deeInitech.deleted_at, byId('users', userId('dee')).deleted_at, 'ended by the earlier deletion (dee\'s)');
  assert.ok(dump.webhook_events.every((e) => e.status === 'processed'));

  const withRows = await referenceDump('keysAndSessions');
  const deleted = (table, id) => byId(table, id).deleted_at;
  assert.deepEqual(Object.fromEntries(withRows.api_keys.map((k) => [k.name, k.revoked_at])),
    { acme_ci: null, initech_ci: deleted('organizations', orgId('initech')), initech_old: T0 + 500 });
  assert.deepEqual(Object.fromEntries(withRows.sessions.map((x) => [x.clerk_session_id, x.revoked_at])), {
    sess_ada_initech: deleted('organizations', orgId('initech')),
    sess_bob_acme: null,
    sess_dee_globex: deleted('users', userId('dee')),
    sess_dee_none: deleted('users', userId('dee')),
  });
});

function seedsFor(batch, batches, count) {
  const per = Math.ceil(count / batches);
  const start = batch * per;
  return Array.from({ length: Math.max(0, Math.min(per, count - start)) }, (_, i) => FIRST_SEED + start + i);
}

async function checkSeeds(t, variant, seeds) {
  const started = Date.now();
  for (const seed of seeds) await checkOrdering(variant, seed);
  const seconds = (Date.now() - started) / 1000;
  t.diagnostic(`${variant}: ${seeds.length} orderings in ${seconds.toFixed(1)} s (${(seconds * 1000 / seeds.length).toFixed(0)} ms each)`);
}

for (let batch = 0; batch < BATCHES; batch += 1) {
  const seeds = seedsFor(batch, BATCHES, ORDERINGS);
  if (!seeds.length) continue;
  test(`random orders with duplicates end as in-order delivery (seeds ${seeds[0]}…${seeds.at(-1)})`,
    (t) => checkSeeds(t, 'plain', seeds));
}

const CASCADE_ORDERINGS = Math.ceil(ORDERINGS / 4);
test(`with API keys and sessions present, random orders end as in-order delivery (${CASCADE_ORDERINGS} orders)`,
  (t) => checkSeeds(t, 'keysAndSessions', seedsFor(0, 1, CASCADE_ORDERINGS)));

// A session in the context of a deleted organization, of a deleted user, ends at the earlier
// deletion whichever was delivered first (this test found it; fixed in src by 49444aa).
test(`with a session ended by two deletions, random orders end as in-order delivery (${CASCADE_ORDERINGS} orders)`,
  (t) => checkSeeds(t, 'conflictingSessions', seedsFor(0, 1, CASCADE_ORDERINGS)));

// ---- random stories ----------------------------------------------------------------------------

// A random but realistic Clerk story (seeded): up to 6 users and 4 organizations, slugs from a pool
// of 4 (Clerk keeps them unique among live organizations at every moment, so renames and deletions
// hand them around), memberships with legacy, current and unknown roles, role changes, removals,
// re-adds, user and organization deletions. Nothing happens to an entity after its deletion, and a
// deletion ends its memberships in Clerk without events of their own (our cascade).
function randomStory(seed, steps) {
  const random = prng(seed);
  const pick = (items) => items[Math.floor(random() * items.length)];
  let clock = T0;
  const tick = () => (clock += 1000);
  const users = {};
  const orgs = {};
  const memberships = {};
  const events = [];
  const emit = (label, payload) => events.push({ label, svixId: clerkId('msg', `random:${seed}:${events.length}`), payload });
  const SLUGS = ['alpha', 'beta', 'gamma', 'delta'];
  const ROLES = ['org:admin', 'org:member', 'admin', 'basic_member', 'org:viewer', 'org:auditor'];
  const live = (entities) => Object.values(entities).filter((entity) => !entity.deleted);
  const publicUser = (u) => ({ name: u.name, email: u.email, firstName: u.firstName, lastName: u.lastName, imageUrl: u.imageUrl });
  const snapshot = (m) => ({ name: m.key, role: m.role, org: { ...orgs[m.org] }, user: publicUser(users[m.user]), createdAt: m.createdAt, updatedAt: m.updatedAt });
  const freeSlugs = () => SLUGS.filter((slug) => !live(orgs).some((o) => o.slug === slug));
  let userCount = 0;
  let orgCount = 0;
  let membershipCount = 0;
  for (let step = 0; step < steps; step += 1) {
    const op = random();
    if (op < 0.12) {
      if (userCount >= 6) continue;
      const at = tick();
      const name = `r${seed}u${userCount++}`;
      users[name] = { name, email: `${name}@example.com`, firstName: name, lastName: 'Random', imageUrl: `https://img.clerk.com/${name}.png`, createdAt: at, updatedAt: at };
      emit(`user.created ${name}`, userCreated(users[name], { timestamp: at }));
    } else if (op < 0.22) {
      if (orgCount >= 4 || !freeSlugs().length) continue;
      const at = tick();
      const name = `r${seed}o${orgCount++}`;
      orgs[name] = { name, slug: pick(freeSlugs()), createdAt: at, updatedAt: at };
      emit(`organization.created ${name} ${orgs[name].slug}`, organizationCreated(orgs[name], { timestamp: at }));
    } else if (op < 0.32) {
      if (!live(users).length) continue;
      const user = pick(live(users));
      const at = tick();
      Object.assign(user, { lastName: `Random${at % 100000}`, updatedAt: at, email: random() < 0.3 ? `${user.name}.${at % 100000}@example.com` : user.email });
      emit(`user.updated ${user.name}`, userUpdated(user, { timestamp: at }));
    } else if (op < 0.45) {
      if (!live(orgs).length) continue;
      const org = pick(live(orgs));
      const at = tick();
      const slug = random() < 0.6 && freeSlugs().length ? pick(freeSlugs()) : org.slug;
      Object.assign(org, { slug, displayName: `Org ${at % 100000}`, updatedAt: at });
      emit(`organization.updated ${org.name} ${slug}`, organizationUpdated(org, { timestamp: at }));
    } else if (op < 0.49) {
      if (live(users).length < 2) continue;
      const user = pick(live(users));
      const at = tick();
      user.deleted = true;
      for (const m of live(memberships)) if (m.user === user.name) m.deleted = true;
      emit(`user.deleted ${user.name}`, userDeleted(userId(user.name), { timestamp: at }));
    } else if (op < 0.52) {
      if (live(orgs).length < 2) continue;
      const org = pick(live(orgs));
      const at = tick();
      org.deleted = true;
      for (const m of live(memberships)) if (m.org === org.name) m.deleted = true;
      emit(`organization.deleted ${org.name}`, organizationDeleted(orgId(org.name), { timestamp: at }));
    } else if (op < 0.72) {
      if (!live(users).length || !live(orgs).length) continue;
      const user = pick(live(users));
      const org = pick(live(orgs));
      if (live(memberships).some((m) => m.user === user.name && m.org === org.name)) continue;
      const at = tick();
      const key = `r${seed}m${membershipCount++}`;
      memberships[key] = { key, user: user.name, org: org.name, role: pick(ROLES), createdAt: at, updatedAt: at };
      emit(`organizationMembership.created ${key} ${user.name}@${org.name}`, membershipCreated(snapshot(memberships[key]), { timestamp: at }));
    } else if (op < 0.86) {
      if (!live(memberships).length) continue;
      const m = pick(live(memberships));
      const at = tick();
      Object.assign(m, { role: pick(ROLES), updatedAt: at });
      emit(`organizationMembership.updated ${m.key} ${m.role}`, membershipUpdated(snapshot(m), { timestamp: at }));
    } else {
      if (!live(memberships).length) continue;
      const m = pick(live(memberships));
      const at = tick();
      m.deleted = true;
      emit(`organizationMembership.deleted ${m.key}`, membershipDeleted(snapshot(m), { timestamp: at }));
    }
  }
  return events;
}

const RANDOM_STORIES = Number(process.env.CONVERGENCE_STORIES ?? (ENGINE === 'postgres' ? 6 : 12));
const RANDOM_STORY_ORDERS = 5;
test(`random stories (${RANDOM_STORIES}, 60 steps each): ${RANDOM_STORY_ORDERS} random orders each end as in-order delivery`, async (t) => {
  const started = Date.now();
  for (let n = 0; n < RANDOM_STORIES; n += 1) {
    const storySeed = FIRST_SEED + 1000 + n;
    const events = randomStory(storySeed, 60);
    let expected;
    {
      const { server, close } = await freshServer();
      try {
        for (const event of events) expectOutcome(assert, await server.post(event.svixId, event.payload), 'applied', event.label);
        expected = server.dump();
      } finally {
        await close();
      }
    }
    for (let o = 0; o < RANDOM_STORY_ORDERS; o += 1) {
      const random = prng(storySeed * 31 + o);
      const deliveries = shuffle(events, random);
      for (const event of events) {
        if (random() < DUPLICATE_RATE) deliveries.splice(Math.floor(random() * (deliveries.length + 1)), 0, event);
      }
      const { server, close } = await freshServer();
      try {
        await deliver(server, deliveries, CONCURRENCY);
        assert.deepEqual(server.dump(), expected, `story seed ${storySeed}, order ${o}; the story was\n  `
          + events.map((e) => e.label).join('\n  ') + '\nthe delivery order\n  ' + deliveries.map((e) => e.label).join('\n  '));
      } finally {
        await close();
      }
    }
  }
  t.diagnostic(`${RANDOM_STORIES} random stories × ${RANDOM_STORY_ORDERS} orders in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
