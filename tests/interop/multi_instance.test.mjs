// Several mcp-admin instances on ONE PostgreSQL schema (README "Production on PostgreSQL"; the claim-first inbox of
// src/domain/webhook_sync.cpp): Svix may deliver the same message to two instances behind a load
// balancer at the same time, retry it to a third, and deliver a story's events in any order.
//
//   * one Clerk story (users, organizations, memberships created / updated / deleted, users deleted),
//     each delivery signed with the real `svix` package, sent to BOTH instances at once (and ~30% a
//     third time to a random one), 8 deliveries in flight; first in story order, then in seeded
//     random orders, each on a fresh schema with two fresh instances:
//       - every answer is 200 with outcome applied or duplicate, and each svix-id is "applied" by
//         exactly one answer across both instances;
//       - nothing applied twice: one webhook_events row per svix-id, status processed; exactly one
//         audit row inserted each user / organization / membership (its *.created row, or the
//         tombstone's *.deleted row when the deletion came first); no (svix-id, action, target)
//         audit row twice; every audit row from a story svix-id;
//       - the end state (users, organizations, memberships by Clerk id: data, roles, deletions) equals
//         the state after delivering the story in order to a single instance on its own schema;
//   * three instances started at once on a fresh schema all become ready and 0001_init is applied
//     once, and `migrate status` says so (6 trials, each on a fresh schema).
//
// Needs MCP_ADMIN_TEST_PG_URL (a base URL such as `tests/support/pg-cluster.sh start DIR` prints);
// skipped without it. psql must be installed. Reproduce an ordering: MULTI_INSTANCE_SEED=<printed seed>
// (MULTI_INSTANCE_IN_FLIGHT=1 sends one delivery at a time, each still to both instances at once).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'svix';
import { run, startServer } from '../integration/fixture.mjs';

// Every migration of schema/, by name, in the order they apply.
const MIGRATIONS = readdirSync(new URL('../../schema/', import.meta.url)).filter((f) => f.endsWith('.sql'))
  .map((f) => f.replace(/\.sql$/, '')).sort();

const PG_URL = process.env.MCP_ADMIN_TEST_PG_URL;
const SKIP = PG_URL
  ? false
  : 'MCP_ADMIN_TEST_PG_URL is not set: several instances need one shared PostgreSQL '
    + '(bash tests/support/pg-cluster.sh start DIR prints a base URL)';

const SECRET = 'whsec_Q2xlcmtNdWx0aUluc3RhbmNlVGVzdDEyMzQ1Njc4';
const SEED = Number(process.env.MULTI_INSTANCE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RANDOM_ORDERS = 3;
const IN_FLIGHT = Number(process.env.MULTI_INSTANCE_IN_FLIGHT ?? 8);  // deliveries in flight (each to 2-3 instances)
const THIRD_COPY_RATE = 0.3;
const REQUEST_TIMEOUT_MS = 15000;
const STARTUP_TRIALS = 6;

const RUN_ID = randomBytes(4).toString('hex');
const createdSchemas = [];
function freshSchema(label) {
  const schema = `multi_${RUN_ID}_${label}`;
  createdSchemas.push(schema);
  return schema;
}
const schemaUrl = (schema) => `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;

// One statement through psql on the base URL (libpq does not know ?schema=); JSON out.
function psqlJson(schema, sql) {
  const result = spawnSync('psql', [PG_URL, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    encoding: 'utf8', timeout: 30000,
    env: { ...process.env, PGOPTIONS: `-c search_path=${schema} -c client_min_messages=warning` },
  });
  if (result.error) throw new Error(`psql: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`psql failed (${result.status}): ${result.stderr}\n${sql}`);
  const out = result.stdout.trim();
  return out ? JSON.parse(out) : null;
}

// ---- a seeded PRNG (mulberry32) ----------------------------------------------------------------

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(items, random) {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// ---- Clerk payloads ----------------------------------------------------------------------------

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// A Clerk-looking id derived from a name: prefix_2 + 26 base62 characters.
function clerkId(prefix, name) {
  const digest = createHash('sha256').update(`${prefix}:${name}`).digest();
  let id = '2';
  for (let i = 0; id.length < 27; i += 1) id += BASE62[digest[i % digest.length] % 62];
  return `${prefix}_${id}`;
}

const T0 = 1716883200000;  // Clerk-side times; only the svix-timestamp header has to be recent
const INSTANCE_ID = 'ins_2g7nOB4KwRYwbmkzBLbNVB7s5JQ';

function envelope(type, data, timestamp) {
  return {
    data,
    event_attributes: { http_request: { client_ip: '203.0.113.7', user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' } },
    instance_id: INSTANCE_ID,
    object: 'event',
    timestamp,
    type,
  };
}

function userData(u) {
  const emailId = clerkId('idn', `${u.id}:${u.email}`);
  return {
    backup_code_enabled: false, banned: false, birthday: '', create_organization_enabled: true, created_at: u.createdAt,
    delete_self_enabled: true,
    email_addresses: [{ email_address: u.email, id: emailId, linked_to: [], object: 'email_address', reserved: false,
      verification: { attempts: null, expire_at: null, status: 'verified', strategy: 'email_code' } }],
    external_accounts: [], external_id: null, first_name: u.firstName, gender: '', has_image: true, id: u.id,
    image_url: u.imageUrl, last_active_at: u.updatedAt, last_name: u.lastName, last_sign_in_at: u.lastSignInAt,
    legal_accepted_at: null, locked: false, lockout_expires_in_seconds: null, object: 'user', passkeys: [],
    password_enabled: true, phone_numbers: [], primary_email_address_id: emailId, primary_phone_number_id: null,
    primary_web3_wallet_id: null, private_metadata: {}, profile_image_url: 'https://www.gravatar.com/avatar?d=mp',
    public_metadata: u.publicMetadata, saml_accounts: [], totp_enabled: false, two_factor_enabled: false,
    unsafe_metadata: {}, updated_at: u.updatedAt, username: null, verification_attempts_remaining: 100, web3_wallets: [],
  };
}

function orgData(o) {
  return {
    admin_delete_enabled: true, created_at: o.createdAt, created_by: o.createdBy, has_image: true, id: o.id,
    image_url: `https://img.clerk.com/${o.id}.png`, logo_url: null, max_allowed_memberships: 10, members_count: 1,
    name: o.name, object: 'organization', pending_invitations_count: 0, private_metadata: {},
    public_metadata: o.publicMetadata, slug: o.slug, updated_at: o.updatedAt,
  };
}

const PERMISSIONS = {
  'org:admin': ['org:sys_profile:manage', 'org:sys_profile:delete', 'org:sys_memberships:read', 'org:sys_memberships:manage',
    'org:sys_domains:read', 'org:sys_domains:manage'],
  'org:member': ['org:sys_memberships:read'],
  'org:viewer': [],
};

function membershipData(m, org, user) {
  return {
    created_at: m.createdAt, id: m.id, object: 'organization_membership', organization: orgData(org),
    permissions: PERMISSIONS[m.role] ?? [], private_metadata: {}, public_metadata: {},
    public_user_data: { first_name: user.firstName, has_image: true, identifier: user.email, image_url: user.imageUrl,
      last_name: user.lastName, profile_image_url: 'https://www.gravatar.com/avatar?d=mp', user_id: user.id },
    role: m.role, role_name: { 'org:admin': 'Admin', 'org:member': 'Member', 'org:viewer': 'Viewer' }[m.role],
    updated_at: m.updatedAt,
  };
}

// The story, as Clerk reports it: a clock that only moves forward, each entity's data.updated_at
// strictly increasing, every membership event carrying its organization and user as they are then.
function buildStory() {
  let clock = T0;
  const tick = () => (clock += 1000);
  const users = {};
  const orgs = {};
  const members = {};
  const events = [];
  const labels = {};  // Clerk id → a readable name, for failure messages
  const emit = (label, type, data, at) => events.push({
    label, svixId: clerkId('msg', `${RUN_ID}:${events.length}:${label}`), body: JSON.stringify(envelope(type, data, at)),
  });

  const createUser = (name) => {
    const at = tick();
    users[name] = { id: clerkId('user', name), email: `${name}@example.com`, firstName: name[0].toUpperCase() + name.slice(1),
      lastName: 'Tester', imageUrl: `https://img.clerk.com/${name}.png`, createdAt: at, updatedAt: at, lastSignInAt: at,
      publicMetadata: {} };
    labels[users[name].id] = `user ${name}`;
    emit(`user.created ${name}`, 'user.created', userData(users[name]), at);
  };
  const updateUser = (name, change) => {
    const at = tick();
    users[name] = { ...users[name], ...change, updatedAt: at };
    emit(`user.updated ${name}`, 'user.updated', userData(users[name]), at);
  };
  const deleteUser = (name) => {
    const at = tick();
    emit(`user.deleted ${name}`, 'user.deleted', { deleted: true, id: users[name].id, object: 'user' }, at);
  };
  const createOrg = (name, creator) => {
    const at = tick();
    orgs[name] = { id: clerkId('org', name), name: `${name[0].toUpperCase()}${name.slice(1)} Inc`, slug: name,
      createdAt: at, updatedAt: at, createdBy: users[creator].id, publicMetadata: {} };
    labels[orgs[name].id] = `organization ${name}`;
    emit(`organization.created ${name}`, 'organization.created', orgData(orgs[name]), at);
  };
  const updateOrg = (name, change) => {
    const at = tick();
    orgs[name] = { ...orgs[name], ...change, updatedAt: at };
    emit(`organization.updated ${name}`, 'organization.updated', orgData(orgs[name]), at);
  };
  const membership = (type, key, change = {}) => {
    const at = tick();
    const [userName, orgName] = key.split('@');
    if (type === 'created') {
      members[key] = { id: clerkId('orgmem', `${key}:${at}`), role: 'org:member', createdAt: at, updatedAt: at, ...change };
      labels[members[key].id] = `membership ${key}${Object.values(labels).includes(`membership ${key}`) ? ' (re-added)' : ''}`;
    } else {
      members[key] = { ...members[key], ...change, updatedAt: at };
    }
    emit(`organizationMembership.${type} ${key}`, `organizationMembership.${type}`,
      membershipData(members[key], orgs[orgName], users[userName]), at);
  };

  for (const name of ['ada', 'bob', 'cyd', 'dan', 'eve', 'fay']) createUser(name);
  createOrg('acme', 'ada');
  createOrg('globex', 'dan');
  createOrg('initech', 'fay');
  membership('created', 'ada@acme', { role: 'org:admin' });
  membership('created', 'bob@acme');
  membership('created', 'cyd@acme');
  membership('created', 'dan@globex', { role: 'org:admin' });
  membership('created', 'eve@globex');
  membership('created', 'ada@globex');
  membership('created', 'fay@initech', { role: 'org:admin' });
  membership('created', 'bob@initech', { role: 'org:viewer' });
  updateUser('ada', { firstName: 'Adeline', lastSignInAt: clock });
  updateUser('bob', { email: 'robert@example.com' });
  updateUser('eve', { lastName: 'Evans', publicMetadata: { plan: 'pro' } });
  updateOrg('acme', { name: 'Acme Corporation', publicMetadata: { tier: 'enterprise' } });
  updateOrg('globex', { slug: 'globex-corp' });
  membership('updated', 'bob@acme', { role: 'org:admin' });
  membership('updated', 'eve@globex', { role: 'org:viewer' });
  membership('updated', 'cyd@acme', { role: 'org:admin' });
  membership('updated', 'cyd@acme', { role: 'org:member' });
  updateUser('eve', { firstName: 'Evelyn', lastSignInAt: clock });
  membership('deleted', 'cyd@acme');
  membership('deleted', 'eve@globex');
  membership('created', 'cyd@acme', { role: 'org:viewer' });  // re-added: a new membership id
  membership('created', 'dan@acme');
  deleteUser('dan');
  updateUser('fay', { lastName: 'Fairchild' });
  updateOrg('initech', { name: 'Initech LLC' });
  membership('updated', 'fay@initech', { role: 'org:member' });  // demoted
  membership('created', 'eve@initech', { role: 'org:admin' });
  deleteUser('bob');
  updateUser('cyd', { email: 'cyd@cyd.dev' });
  return { events, users, orgs, labels };
}

// ---- delivering ----------------------------------------------------------------------------------

// POSTs one delivery, signed now by the real svix package; resolves { status, json, text, instance }.
async function post(instance, event) {
  const date = new Date();
  const signature = new Webhook(SECRET).sign(event.svixId, date, event.body);
  const response = await fetch(`${instance.url}/api/webhooks/clerk`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'svix-id': event.svixId,
      'svix-timestamp': String(Math.floor(date.getTime() / 1000)),
      'svix-signature': signature,
    },
    body: event.body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: reported by the caller with the text
  }
  return { status: response.status, json, text, instance: instance.name, svixId: event.svixId, label: event.label };
}

// Runs fn over items, at most `limit` at a time.
async function pool(items, limit, fn) {
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const idx = next;
      next += 1;
      results[idx] = await fn(items[idx], idx);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// ---- reading the database --------------------------------------------------------------------------

function endState(schema) {
  return psqlJson(schema, `SELECT json_build_object(
  'users', (SELECT coalesce(json_agg(json_build_object('clerk_id', clerk_id, 'email', email, 'first_name', first_name,
            'last_name', last_name, 'image_url', image_url, 'metadata', metadata, 'last_sign_in_at', last_sign_in_at,
            'clerk_updated_at', clerk_updated_at, 'deleted', deleted_at IS NOT NULL, 'deleted_at', deleted_at)
            ORDER BY clerk_id), '[]') FROM users),
  'organizations', (SELECT coalesce(json_agg(json_build_object('clerk_id', clerk_id, 'name', name, 'slug', slug,
            'clerk_slug', clerk_slug, 'image_url', image_url, 'metadata', metadata, 'clerk_updated_at', clerk_updated_at,
            'deleted', deleted_at IS NOT NULL, 'deleted_at', deleted_at) ORDER BY clerk_id), '[]') FROM organizations),
  'memberships', (SELECT coalesce(json_agg(json_build_object('clerk_id', m.clerk_id, 'organization', o.clerk_id,
            'user', u.clerk_id, 'role', m.role, 'clerk_role', m.clerk_role, 'clerk_created_at', m.clerk_created_at,
            'clerk_updated_at', m.clerk_updated_at, 'deleted', m.deleted_at IS NOT NULL, 'deleted_at', m.deleted_at)
            ORDER BY m.clerk_id), '[]')
            FROM organization_memberships m JOIN organizations o ON o.id = m.organization_id JOIN users u ON u.id = m.user_id)
)`);
}

function inboxAndAudit(schema) {
  return psqlJson(schema, `SELECT json_build_object(
  'events', (SELECT coalesce(json_agg(json_build_object('svix_id', svix_id, 'status', status, 'error', error)), '[]') FROM webhook_events),
  'audit', (SELECT coalesce(json_agg(json_build_object('actor_type', a.actor_type, 'actor_id', a.actor_id, 'action', a.action,
            'target_type', a.target_type, 'target_id', a.target_id, 'inserted', (a.changes::json -> 'before') IS NULL
              OR json_typeof(a.changes::json -> 'before') = 'null',
            'target_clerk_id', coalesce(u.clerk_id, o.clerk_id, m.clerk_id)) ORDER BY a.id), '[]')
            FROM audit_logs a LEFT JOIN users u ON u.id = a.target_id LEFT JOIN organizations o ON o.id = a.target_id
            LEFT JOIN organization_memberships m ON m.id = a.target_id)
)`);
}

// The differences between two end states, one line per field, entities named after the story.
function diffStates(actual, expected, labels) {
  const lines = [];
  for (const kind of ['users', 'organizations', 'memberships']) {
    const byId = (rows) => new Map(rows.map((row) => [row.clerk_id, row]));
    const [got, want] = [byId(actual[kind]), byId(expected[kind])];
    for (const id of new Set([...got.keys(), ...want.keys()])) {
      const name = `${labels[id] ?? id} (${id})`;
      if (!got.has(id)) lines.push(`${name}: missing`);
      else if (!want.has(id)) lines.push(`${name}: unexpected ${JSON.stringify(got.get(id))}`);
      else {
        for (const field of Object.keys(want.get(id))) {
          const [g, w] = [got.get(id)[field], want.get(id)[field]];
          if (JSON.stringify(g) !== JSON.stringify(w)) lines.push(`${name}: ${field} is ${JSON.stringify(g)}, in order ${JSON.stringify(w)}`);
        }
      }
    }
  }
  return lines;
}

const countBy = (items, keyOf) => items.reduce((map, item) => map.set(keyOf(item), (map.get(keyOf(item)) ?? 0) + 1), new Map());

// ---- the tests -----------------------------------------------------------------------------------

describe('several instances on one PostgreSQL schema', { skip: SKIP, timeout: 300000 }, () => {
  const story = SKIP ? null : buildStory();
  let reference;
  const servers = new Set();

  async function start(schema, name) {
    const server = await startServer({
      args: ['--port', '0', '--host', '127.0.0.1', '--database', schemaUrl(schema), '--webhook-secret', SECRET,
        '--log-level', 'warn', '--db-pool', '4'],
      timeoutMs: 20000,
    });
    servers.add(server);
    return { name, url: server.url, server };
  }
  async function stop(instance) {
    const result = await instance.server.stop();
    servers.delete(instance.server);
    return result;
  }

  before(async () => {
    const probe = spawnSync('psql', ['--version'], { encoding: 'utf8' });
    if (probe.error) throw new Error('psql not found: bash packaging/install-deps.sh --test installs it');
    console.log(`multi-instance seed ${SEED} (MULTI_INSTANCE_SEED=${SEED} reproduces the random orders); `
      + `story of ${story.events.length} deliveries`);

    // The reference: the story in order, one delivery at a time, one instance, its own schema.
    const schema = freshSchema('reference');
    const single = await start(schema, 'single');
    try {
      for (const event of story.events) {
        const response = await post(single, event);
        assert.equal(response.status, 200, `reference ${event.label}: ${response.status} ${response.text}`);
        assert.equal(response.json?.outcome, 'applied', `reference ${event.label}: ${response.text}`);
      }
    } finally {
      await stop(single);
    }
    reference = endState(schema);
  });

  after(async () => {
    for (const server of servers) await server.stop('SIGKILL', 1000);
    if (PG_URL && createdSchemas.length) {
      try {
        psqlJson('public', createdSchemas.map((s) => `DROP SCHEMA IF EXISTS "${s}" CASCADE;`).join(' '));
      } catch (e) {
        console.error(`could not drop the test schemas: ${e.message}`);
      }
    }
  });

  test('the reference (in order, one instance) is the story Clerk told', () => {
    const user = (name) => reference.users.find((u) => u.clerk_id === story.users[name].id);
    const org = (name) => reference.organizations.find((o) => o.clerk_id === story.orgs[name].id);
    const live = (userName, orgName) => reference.memberships.filter((m) => m.user === story.users[userName].id
      && m.organization === story.orgs[orgName].id && !m.deleted);
    assert.equal(reference.users.length, 6);
    assert.equal(reference.organizations.length, 3);
    assert.equal(reference.memberships.length, 11);
    assert.deepEqual(reference.users.filter((u) => u.deleted).map((u) => u.clerk_id).sort(),
      [story.users.bob.id, story.users.dan.id].sort());
    assert.equal(user('ada').first_name, 'Adeline');
    assert.equal(user('cyd').email, 'cyd@cyd.dev');
    assert.equal(user('eve').metadata, '{"plan":"pro"}');
    assert.equal(org('acme').name, 'Acme Corporation');
    assert.equal(org('globex').slug, 'globex-corp');
    assert.deepEqual(live('ada', 'acme').map((m) => m.role), ['ADMIN']);
    assert.deepEqual(live('cyd', 'acme').map((m) => m.role), ['VIEWER'], 're-added with a new membership id');
    assert.deepEqual(live('fay', 'initech').map((m) => m.role), ['MEMBER']);
    assert.deepEqual(live('eve', 'initech').map((m) => m.role), ['ADMIN']);
    assert.deepEqual(live('eve', 'globex'), []);
    assert.deepEqual(live('bob', 'acme'), [], 'deleting a user ends their memberships');
    assert.deepEqual(live('dan', 'acme'), []);
    assert.equal(reference.memberships.filter((m) => !m.deleted).length, 5);
  });

  const orders = [{ name: 'story order', seed: null }];
  for (let i = 0; i < RANDOM_ORDERS; i += 1) orders.push({ name: `random order #${i + 1} (seed ${SEED + i})`, seed: SEED + i });

  for (const [round, order] of orders.entries()) {
    test(`two instances, every delivery to both at once, ${IN_FLIGHT} in flight: ${order.name}`, async () => {
      const random = prng(order.seed ?? SEED ^ 0x5eed);
      const events = order.seed === null ? story.events : shuffled(story.events, random);
      const schema = freshSchema(`r${round}`);
      // Started one after the other: concurrent first starts on a fresh schema are the next test's subject.
      const a = await start(schema, 'A');
      const b = await start(schema, 'B');
      const started = Date.now();
      let responses;
      try {
        const batches = await pool(events, IN_FLIGHT, (event) => {
          const targets = [a, b];
          if (random() < THIRD_COPY_RATE) targets.push(random() < 0.5 ? a : b);
          return Promise.all(targets.map((instance) => post(instance, event)));
        });
        responses = batches.flat();
      } finally {
        const stopped = await Promise.all([stop(a), stop(b)]);
        assert.deepEqual(stopped.map((s) => s.code), [0, 0], `instances exit 0 on SIGTERM: ${JSON.stringify(stopped)}`);
      }
      const elapsed = Date.now() - started;

      // Every check runs and every problem is reported together: one failure often explains another.
      const problems = [];
      const check = (title, lines) => {
        if (lines.length) problems.push(`${title}:\n${lines.map((line) => `    ${line}`).join('\n')}`);
      };
      const bad = responses.filter((r) => r.status !== 200 || !['applied', 'duplicate'].includes(r.json?.outcome));
      check('answers that are not 200 applied|duplicate', bad.map((r) => `${r.instance} ${r.label} (${r.svixId}): ${r.status} ${r.text}`));
      if (bad.length) {
        check('what the instances logged (warn and error)', [a, b].flatMap((instance) => instance.server.stderr().split('\n')
          .filter((line) => /"level":"(error|warn)"/.test(line) && !/"msg":"request"/.test(line))
          .map((line) => `${instance.name}: ${line}`)));
      }
      const applied = countBy(responses.filter((r) => r.json?.outcome === 'applied'), (r) => r.svixId);
      check('svix-ids not applied by exactly one answer', events.filter((e) => applied.get(e.svixId) !== 1)
        .map((e) => `${e.label} (${e.svixId}): applied by ${applied.get(e.svixId) ?? 0} answers`));

      const { events: inbox, audit } = inboxAndAudit(schema);
      const inboxRows = countBy(inbox, (row) => row.svix_id);
      check('webhook_events: not one processed row per svix-id', [
        ...events.filter((e) => inboxRows.get(e.svixId) !== 1).map((e) => `${e.label} (${e.svixId}): ${inboxRows.get(e.svixId) ?? 0} rows`),
        ...inbox.filter((row) => row.status !== 'processed').map((row) => {
          const label = events.find((e) => e.svixId === row.svix_id)?.label ?? 'not in the story';
          const answers = responses.filter((r) => r.svixId === row.svix_id).map((r) => `${r.instance}:${r.status}/${r.json?.outcome}`);
          return `${label} (${row.svix_id}): status ${row.status} (${row.error}); answers ${answers.join(' ')}`;
        }),
      ]);

      const svixIds = new Set(events.map((e) => e.svixId));
      check('audit rows not written by a story delivery', audit.filter((row) => row.actor_type !== 'webhook' || !svixIds.has(row.actor_id))
        .map((row) => JSON.stringify(row)));
      check('changes audited twice by one delivery', [...countBy(audit, (row) => `${row.actor_id} ${row.action} ${row.target_id}`)]
        .filter(([, n]) => n > 1).map(([key, n]) => `${key} x${n}`));
      const state = endState(schema);
      // The row that inserted each entity: its *.created row, or for a user / organization whose
      // deletion came first, the tombstone's *.deleted row (before: null). Exactly one per entity.
      const insertedBy = (row) => row.action.endsWith('.created')
        || (row.inserted && (row.action === 'user.deleted' || row.action === 'organization.deleted'));
      const insertRows = countBy(audit.filter(insertedBy), (row) => `${row.target_type} ${row.target_clerk_id}`);
      const entities = [
        ...state.users.map((u) => `user ${u.clerk_id}`),
        ...state.organizations.map((o) => `organization ${o.clerk_id}`),
        ...state.memberships.map((m) => `organization_membership ${m.clerk_id}`),
      ];
      check('entities without exactly one inserting audit row', [
        ...entities.filter((key) => insertRows.get(key) !== 1).map((key) => `${key}: ${insertRows.get(key) ?? 0} rows`),
        ...[...insertRows.keys()].filter((key) => !entities.includes(key)).map((key) => `${key}: not an entity of the end state`),
      ]);
      check('end state differs from in-order delivery to one instance', diffStates(state, reference, story.labels));

      assert.equal(problems.length, 0, `${order.name} (schema ${schema}):\n${problems.join('\n')}`);
      assert.deepEqual(state, reference);
      console.log(`${order.name}: ${responses.length} answers (${applied.size} applied) in ${elapsed} ms, `
        + `${audit.length} audit rows`);
    });
  }

  test('three instances starting at once on a fresh schema all migrate safely', async () => {
    const failures = [];
    for (let trial = 0; trial < STARTUP_TRIALS; trial += 1) {
      const schema = freshSchema(`boot${trial}`);
      const results = await Promise.allSettled([1, 2, 3].map((n) => start(schema, `boot${n}`)));
      const ready = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
      for (const instance of ready) {
        const health = await fetch(`${instance.url}/api/health`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        if (health.status !== 200) failures.push(`trial ${trial}: ${instance.name} /api/health answered ${health.status}`);
      }
      await Promise.all(ready.map(stop));
      for (const r of results.filter((x) => x.status === 'rejected')) {
        failures.push(`trial ${trial} (schema ${schema}): ${r.reason.message.split('\n').slice(0, 2).join(' | ')}`);
      }
      const status = run(['migrate', 'status', '--database', schemaUrl(schema)]);
      const allApplied = MIGRATIONS.every((name) => status.stdout.includes(`applied  ${name}  `))
        && status.stdout.includes(`${MIGRATIONS.length} applied, 0 pending, 0 drifted`);
      if (status.status !== 0 || !allApplied) {
        failures.push(`trial ${trial}: migrate status exited ${status.status}:\n${status.stdout}${status.stderr}`);
      }
      const rows = psqlJson(schema, "SELECT json_agg(name) FROM schema_migrations");
      if (JSON.stringify(rows) !== JSON.stringify(MIGRATIONS)) failures.push(`trial ${trial}: schema_migrations holds ${JSON.stringify(rows)}`);
    }
    assert.equal(failures.length, 0, `${STARTUP_TRIALS} trials of 3 simultaneous starts:\n${failures.join('\n')}`);
  });
});
