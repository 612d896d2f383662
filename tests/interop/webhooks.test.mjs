// The Clerk webhook sync (README "What the sync does, in plain words") through the real binary:
// Clerk-shaped payloads signed by the real `svix` package, and every effect read back from the SQLite file
// with the sqlite3 CLI. Each test starts its own server on its own database file.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { logLines, run } from '../integration/fixture.mjs';
import {
  FOREIGN_SECRET, SECRET, SECRET_2, T0, agent, emailCreated, envelope, googleAccount, membershipCreated,
  membershipDeleted, membershipId, membershipUpdated, orgId, organizationCreated, organizationDeleted,
  organizationUpdated, sign, userCreated, userDeleted, userId, userUpdated,
} from './clerk_payloads.mjs';
import { ENGINE, exec, openTransaction, query, waitsOn, webhookEvents } from './db_state.mjs';
import { expectOutcome, row, startWebhookServer } from './harness.mjs';

after(() => agent.destroy());

const T = (n) => T0 + n * 1000;

async function serve(t, opts) {
  const server = await startWebhookServer(opts);
  t.after(() => server.close());
  return server;
}

const metadataOf = (entry) => JSON.parse(entry.metadata);

// ---- the nine event types ----------------------------------------------------------------------

test('user.created, user.updated, user.deleted: each effect lands in users, with an audit row', async (t) => {
  const s = await serve(t);
  const ada = {
    name: 'ada',
    email: 'ada@example.com',
    extraEmails: ['ada.old@example.org'],
    firstName: 'Ada',
    lastName: 'Lovelace',
    createdAt: T(0),
    updatedAt: T(0),
    lastSignInAt: T(0),
    publicMetadata: { plan: 'pro', seats: 3 },
    privateMetadata: { stripe_customer: 'cus_private_never_stored' },
    unsafeMetadata: { theme: 'dark' },
    phone: '+15555550100',
    externalAccounts: [googleAccount('ada@gmail.com')],
    username: 'ada',
  };
  const created = userCreated(ada);
  const answer = expectOutcome(assert, await s.post('msg_user_created', created), 'applied');
  assert.deepEqual(answer, { ok: true, outcome: 'applied', type: 'user.created', svix_id: 'msg_user_created' });

  let dump = s.dump();
  assert.equal(dump.users.length, 1);
  let user = row(dump, 'users', userId('ada'));
  assert.equal(user.email, 'ada@example.com', 'the primary address, not the first one listed');
  assert.equal(user.first_name, 'Ada');
  assert.equal(user.last_name, 'Lovelace');
  assert.equal(user.image_url, `https://img.clerk.com/${userId('ada')}.png`);
  assert.deepEqual(metadataOf(user), { plan: 'pro', seats: 3 }, 'public_metadata only: private/unsafe are not kept');
  assert.equal(user.last_sign_in_at, T(0));
  assert.equal(user.clerk_updated_at, T(0));
  assert.equal(user.deleted_at, null);
  assert.deepEqual(dump.webhook_events, [{ status: 'processed', svix_id: 'msg_user_created', type: 'user.created' }]);
  // The raw body is kept byte for byte.
  assert.equal(webhookEvents(s.file)[0].payload, JSON.stringify(created));

  // A new primary address (the old one stays listed), a new last name, a later sign-in.
  const updated = { ...ada, email: 'ada@lovelace.dev', extraEmails: ['ada@example.com'], lastName: 'King', updatedAt: T(5), lastSignInAt: T(4), publicMetadata: { plan: 'team' } };
  expectOutcome(assert, await s.post('msg_user_updated', userUpdated(updated)), 'applied');
  dump = s.dump();
  user = row(dump, 'users', userId('ada'));
  assert.equal(user.email, 'ada@lovelace.dev');
  assert.equal(user.last_name, 'King');
  assert.deepEqual(metadataOf(user), { plan: 'team' });
  assert.equal(user.last_sign_in_at, T(4));
  assert.equal(user.clerk_updated_at, T(5));

  const deleted = userDeleted(userId('ada'), { timestamp: T(9) });
  assert.deepEqual(deleted.data, { deleted: true, id: userId('ada'), object: 'user' });
  expectOutcome(assert, await s.post('msg_user_deleted', deleted), 'applied');
  dump = s.dump();
  user = row(dump, 'users', userId('ada'));
  assert.equal(user.deleted_at, T(9), 'deleted_at is the deletion event\'s timestamp');
  assert.equal(user.email, 'ada@lovelace.dev', 'a soft delete keeps the data');

  const audit = s.audit();
  assert.deepEqual(audit.map((a) => [a.actor_type, a.actor_id, a.action, a.target_type]), [
    ['webhook', 'msg_user_created', 'user.created', 'user'],
    ['webhook', 'msg_user_updated', 'user.updated', 'user'],
    ['webhook', 'msg_user_deleted', 'user.deleted', 'user'],
  ]);
  assert.equal(audit[0].changes.before, null);
  assert.equal(audit[1].changes.before.email, 'ada@example.com');
  assert.equal(audit[1].changes.after.email, 'ada@lovelace.dev');
  assert.deepEqual(dump.webhook_events.map((e) => e.status), ['processed', 'processed', 'processed']);
});

test('organization.created, organization.updated, organization.deleted: each effect lands in organizations', async (t) => {
  const s = await serve(t);
  const acme = {
    name: 'acme', displayName: 'Acme Inc', slug: 'acme', createdAt: T(0), updatedAt: T(0), createdBy: userId('ada'),
    membersCount: 1, maxAllowedMemberships: 5, adminDeleteEnabled: true,
    publicMetadata: { tier: 'gold' }, privateMetadata: { billing: 'private' },
  };
  const created = organizationCreated(acme);
  for (const key of ['members_count', 'max_allowed_memberships', 'admin_delete_enabled', 'created_by']) {
    assert.ok(key in created.data, `payload has ${key}`);
  }
  expectOutcome(assert, await s.post('msg_org_created', created), 'applied');
  let org = row(s.dump(), 'organizations', orgId('acme'));
  assert.deepEqual({ ...org, metadata: metadataOf(org) }, {
    clerk_id: orgId('acme'), clerk_slug: 'acme', clerk_updated_at: T(0), deleted_at: null,
    image_url: `https://img.clerk.com/${orgId('acme')}.png`, metadata: { tier: 'gold' }, name: 'Acme Inc', slug: 'acme',
  });

  expectOutcome(assert, await s.post('msg_org_updated', organizationUpdated({
    ...acme, displayName: 'Acme Corporation', slug: 'acme-corp', imageUrl: 'https://img.clerk.com/new.png', updatedAt: T(3), membersCount: 4,
  })), 'applied');
  org = row(s.dump(), 'organizations', orgId('acme'));
  assert.equal(org.name, 'Acme Corporation');
  assert.equal(org.slug, 'acme-corp');
  assert.equal(org.clerk_slug, 'acme-corp');
  assert.equal(org.image_url, 'https://img.clerk.com/new.png');
  assert.equal(org.clerk_updated_at, T(3));

  const deleted = organizationDeleted(orgId('acme'), { timestamp: T(8) });
  assert.deepEqual(deleted.data, { deleted: true, id: orgId('acme'), object: 'organization' });
  expectOutcome(assert, await s.post('msg_org_deleted', deleted), 'applied');
  org = row(s.dump(), 'organizations', orgId('acme'));
  assert.equal(org.deleted_at, T(8));
  assert.equal(org.name, 'Acme Corporation');
  assert.equal(org.slug, 'acme-corp', 'a deleted organization keeps its slug (outside the live unique index)');

  assert.deepEqual(s.audit().map((a) => [a.actor_id, a.action, a.organization]), [
    ['msg_org_created', 'organization.created', orgId('acme')],
    ['msg_org_updated', 'organization.updated', orgId('acme')],
    ['msg_org_deleted', 'organization.deleted', orgId('acme')],
  ]);
});

test('organizationMembership.created, .updated, .deleted: each effect lands in organization_memberships', async (t) => {
  const s = await serve(t);
  expectOutcome(assert, await s.post('msg_u_ada', userCreated({ name: 'ada', createdAt: T(0) })), 'applied');
  expectOutcome(assert, await s.post('msg_o_acme', organizationCreated({ name: 'acme', createdAt: T(1), createdBy: userId('ada') })), 'applied');
  const m = { name: 'ada@acme', role: 'org:admin', org: { name: 'acme', createdAt: T(1) }, user: { name: 'ada' }, createdAt: T(2) };
  const created = membershipCreated(m);
  assert.ok(Array.isArray(created.data.permissions) && created.data.permissions.includes('org:sys_memberships:manage'));
  assert.equal(created.data.public_user_data.user_id, userId('ada'));
  assert.equal(created.data.organization.id, orgId('acme'));
  expectOutcome(assert, await s.post('msg_m_created', created), 'applied');

  let dump = s.dump();
  assert.deepEqual(dump.organization_memberships, [{
    clerk_created_at: T(2), clerk_id: membershipId('ada@acme'), clerk_role: 'org:admin', clerk_updated_at: T(2),
    deleted_at: null, organization: orgId('acme'), role: 'ADMIN', user: userId('ada'),
  }]);

  expectOutcome(assert, await s.post('msg_m_updated', membershipUpdated({ ...m, role: 'org:member', updatedAt: T(4) })), 'applied');
  dump = s.dump();
  assert.equal(dump.organization_memberships[0].role, 'MEMBER');
  assert.equal(dump.organization_memberships[0].clerk_role, 'org:member');
  assert.equal(dump.organization_memberships[0].clerk_updated_at, T(4));

  expectOutcome(assert, await s.post('msg_m_deleted', membershipDeleted({ ...m, role: 'org:member', updatedAt: T(4) }, { timestamp: T(6) })), 'applied');
  dump = s.dump();
  assert.equal(dump.organization_memberships[0].deleted_at, T(6));
  assert.equal(row(dump, 'organizations', orgId('acme')).deleted_at, null, 'the organization stays');
  assert.equal(row(dump, 'users', userId('ada')).deleted_at, null, 'the user stays');
  assert.deepEqual(s.audit().slice(2).map((a) => [a.actor_id, a.action, a.organization]), [
    ['msg_m_created', 'organization_membership.created', orgId('acme')],
    ['msg_m_updated', 'organization_membership.updated', orgId('acme')],
    ['msg_m_deleted', 'organization_membership.deleted', orgId('acme')],
  ]);
});

// ---- other event types -------------------------------------------------------------------------

test('event types the sync does not handle are answered 200 "ignored" and kept as ignored', async (t) => {
  const s = await serve(t);
  const invitation = envelope('organizationInvitation.created', {
    created_at: T(1), email_address: 'new@example.com', id: 'orginv_2g7np9Xq4Pdw0TWo4J1d8mFvZ3K', object: 'organization_invitation',
    organization_id: orgId('acme'), public_metadata: {}, role: 'org:member', status: 'pending', updated_at: T(1),
  });
  const cases = [
    ['msg_sms', envelope('sms.created', { delivered_by_clerk: true, from_phone_number: '+15555550000', id: 'sms_2g7np9Xq4Pdw0TWo4J1d8mFvZ3K',
      message: 'Your code is 123456', object: 'sms_message', status: 'queued', to_phone_number: '+15555550100' }), 'sms.created'],
    ['msg_email', emailCreated({ to: 'ada@example.com', createdAt: T(1) }), 'email.created'],
    ['msg_invitation', invitation, 'organizationInvitation.created'],
    ['msg_role', envelope('role.created', { id: 'role_1', key: 'org:billing', object: 'role', updated_at: T(1) }), 'role.created'],
  ];
  for (const [svixId, payload, type] of cases) {
    const answer = expectOutcome(assert, await s.post(svixId, payload), 'ignored', type);
    assert.equal(answer.type, type);
  }
  const dump = s.dump();
  assert.deepEqual(dump.webhook_events, cases.map(([svixId, , type]) => ({ status: 'ignored', svix_id: svixId, type }))
    .sort((a, b) => (a.svix_id < b.svix_id ? -1 : 1)));
  assert.deepEqual([dump.users, dump.organizations, dump.organization_memberships], [[], [], []]);
  assert.deepEqual(s.audit(), [], 'ignoring changes nothing, so no audit row');
  // Svix redelivers: still answered 2xx, as a duplicate.
  expectOutcome(assert, await s.post('msg_sms', cases[0][1]), 'duplicate');
  assert.deepEqual(s.dump(), dump);
});

// ---- deleted shapes before anything else -------------------------------------------------------

test('deletions that arrive first leave tombstones that later creations fill but never revive', async (t) => {
  const s = await serve(t);
  expectOutcome(assert, await s.post('msg_ud', userDeleted(userId('ada'), { timestamp: T(9) })), 'applied');
  expectOutcome(assert, await s.post('msg_od', organizationDeleted(orgId('acme'), { timestamp: T(8) })), 'applied');
  let dump = s.dump();
  assert.equal(row(dump, 'users', userId('ada')).deleted_at, T(9));
  assert.equal(row(dump, 'users', userId('ada')).email, null);
  assert.equal(row(dump, 'organizations', orgId('acme')).deleted_at, T(8));

  expectOutcome(assert, await s.post('msg_uc', userCreated({ name: 'ada', createdAt: T(0) })), 'applied');
  expectOutcome(assert, await s.post('msg_oc', organizationCreated({ name: 'acme', createdAt: T(1) })), 'applied');
  dump = s.dump();
  const ada = row(dump, 'users', userId('ada'));
  assert.equal(ada.email, 'ada@example.com', 'the late creation fills the data');
  assert.equal(ada.deleted_at, T(9), 'and the user stays deleted');
  const acme = row(dump, 'organizations', orgId('acme'));
  assert.equal(acme.name, 'Acme Inc');
  assert.equal(acme.deleted_at, T(8));
  assert.equal(acme.slug, 'acme');

  // A membership of the deleted organization and user, arriving after both deletions: deleted from
  // the start (at the earliest deletion).
  expectOutcome(assert, await s.post('msg_mc', membershipCreated({
    name: 'ada@acme', role: 'org:admin', org: { name: 'acme', createdAt: T(1) }, user: { name: 'ada' }, createdAt: T(2),
  })), 'applied');
  dump = s.dump();
  assert.equal(dump.organization_memberships.length, 1);
  assert.equal(dump.organization_memberships[0].deleted_at, T(8));
});

test('organizationMembership.deleted first (whole membership): organization and user come from its nested data', async (t) => {
  const s = await serve(t);
  const m = { name: 'bob@globex', role: 'org:member', org: { name: 'globex', createdAt: T(1) }, user: { name: 'bob' }, createdAt: T(2) };
  expectOutcome(assert, await s.post('msg_md', membershipDeleted(m, { timestamp: T(7) })), 'applied');
  const dump = s.dump();
  assert.equal(row(dump, 'organizations', orgId('globex')).deleted_at, null);
  assert.equal(row(dump, 'users', userId('bob')).deleted_at, null);
  assert.deepEqual(dump.organization_memberships.map((entry) => [entry.clerk_id, entry.role, entry.deleted_at]),
    [[membershipId('bob@globex'), 'MEMBER', T(7)]]);
  // The late creation of that membership does not revive it.
  expectOutcome(assert, await s.post('msg_mc', membershipCreated(m)), 'applied');
  assert.equal(s.dump().organization_memberships[0].deleted_at, T(7));
});

test('a membership before its organization and user creates both from nested data; later events complete them', async (t) => {
  const s = await serve(t);
  // The organization was renamed (T(5)) before bob joined (T(6)): the nested snapshot is the newer one.
  const nestedOrg = { name: 'acme', displayName: 'Acme Holdings', slug: 'acme', createdAt: T(1), updatedAt: T(5), publicMetadata: { tier: 'gold' } };
  const m = {
    name: 'bob@acme', role: 'org:member', org: nestedOrg,
    user: { name: 'bob', email: 'bob@work.example', firstName: 'Bob', lastName: 'Builder' }, createdAt: T(6),
  };
  expectOutcome(assert, await s.post('msg_m', membershipCreated(m)), 'applied');
  let dump = s.dump();
  let acme = row(dump, 'organizations', orgId('acme'));
  assert.equal(acme.name, 'Acme Holdings');
  assert.equal(acme.slug, 'acme');
  assert.equal(acme.clerk_updated_at, T(5), 'the nested organization\'s own updated_at');
  assert.deepEqual(metadataOf(acme), { tier: 'gold' });
  let bob = row(dump, 'users', userId('bob'));
  assert.deepEqual([bob.email, bob.first_name, bob.last_name, bob.clerk_updated_at],
    ['bob@work.example', 'Bob', 'Builder', null], 'the user from public_user_data (email from identifier)');
  assert.equal(dump.organization_memberships[0].user, userId('bob'));
  assert.equal(dump.organization_memberships[0].organization, orgId('acme'));
  assert.deepEqual(s.audit().map((a) => a.action), ['organization.created', 'user.created', 'organization_membership.created']);

  // organization.created (T(1), older than the nested snapshot) arrives late: stale, changes nothing.
  const before = s.dump();
  expectOutcome(assert, await s.post('msg_oc', organizationCreated({ name: 'acme', displayName: 'Acme', createdAt: T(1) })), 'applied');
  assert.deepEqual(s.dump(), { ...before, webhook_events: s.dump().webhook_events });
  assert.equal(row(s.dump(), 'organizations', orgId('acme')).name, 'Acme Holdings');
  // organization.updated of T(5) is the same data; one of T(9) completes it.
  expectOutcome(assert, await s.post('msg_ou5', organizationUpdated(nestedOrg)), 'applied');
  expectOutcome(assert, await s.post('msg_ou9', organizationUpdated({ ...nestedOrg, publicMetadata: { tier: 'platinum' }, updatedAt: T(9) })), 'applied');
  acme = row(s.dump(), 'organizations', orgId('acme'));
  assert.deepEqual(metadataOf(acme), { tier: 'platinum' });
  assert.equal(acme.clerk_updated_at, T(9));

  // user.created completes the user: Clerk's primary email, last sign-in, metadata.
  expectOutcome(assert, await s.post('msg_uc', userCreated({
    name: 'bob', email: 'bob@example.com', firstName: 'Robert', lastName: 'Builder', createdAt: T(0), lastSignInAt: T(0), publicMetadata: { team: 'a' },
  })), 'applied');
  dump = s.dump();
  bob = row(dump, 'users', userId('bob'));
  assert.deepEqual([bob.email, bob.first_name, bob.clerk_updated_at, bob.last_sign_in_at, metadataOf(bob)],
    ['bob@example.com', 'Robert', T(0), T(0), { team: 'a' }]);
  assert.equal(dump.organization_memberships.length, 1);
  assert.equal(dump.organization_memberships[0].deleted_at, null);
});

// ---- signatures: rotation and header names -----------------------------------------------------

test('secret rotation (--webhook-secret or CLERK_WEBHOOK_SECRET, space-separated): either secret is accepted', async (t) => {
  const s = await serve(t, { secret: `${SECRET} ${SECRET_2}` });
  const r1 = await s.post('msg_second', userCreated({ name: 'ada' }), { secrets: [SECRET_2] });
  expectOutcome(assert, r1, 'applied', 'signed by the second secret only');
  const r2 = await s.post('msg_both', userCreated({ name: 'bob' }), { secrets: [SECRET, SECRET_2] });
  expectOutcome(assert, r2, 'applied', 'signed by both (the header lists two v1 entries)');
  const r3 = await s.post('msg_foreign_then_ours', userCreated({ name: 'cyd' }), { secrets: [FOREIGN_SECRET, SECRET_2] });
  expectOutcome(assert, r3, 'applied', 'one matching v1 entry among others suffices');
  const r4 = await s.post('msg_foreign', userCreated({ name: 'dee' }), { secrets: [FOREIGN_SECRET] });
  assert.equal(r4.status, 401);
  assert.deepEqual(s.dump().users.map((u) => u.email).sort(), ['ada@example.com', 'bob@example.com', 'cyd@example.com']);

  // The same list from the environment, as an operator's .env.local would set it.
  const e = await serve(t, { secret: null, env: { CLERK_WEBHOOK_SECRET: `${SECRET} ${SECRET_2}` } });
  expectOutcome(assert, await e.post('msg_env_first', userCreated({ name: 'ada' }), { secrets: [SECRET] }), 'applied');
  expectOutcome(assert, await e.post('msg_env_second', userCreated({ name: 'bob' }), { secrets: [SECRET_2] }), 'applied');
  assert.equal((await e.post('msg_env_foreign', userCreated({ name: 'cyd' }), { secrets: [FOREIGN_SECRET] })).status, 401);
});

test('Standard Webhooks header names (webhook-*) and header names in any case', async (t) => {
  const s = await serve(t);
  const variants = [
    ['msg_standard', 'webhook'],
    ['msg_title_case', { id: 'Svix-Id', timestamp: 'Svix-Timestamp', signature: 'Svix-Signature' }],
    ['msg_upper', { id: 'SVIX-ID', timestamp: 'SVIX-TIMESTAMP', signature: 'SVIX-SIGNATURE' }],
    ['msg_mixed', { id: 'sViX-iD', timestamp: 'SvIx-TiMeStAmP', signature: 'svix-SIGNATURE' }],
    ['msg_standard_title', { id: 'Webhook-Id', timestamp: 'Webhook-Timestamp', signature: 'WEBHOOK-SIGNATURE' }],
  ];
  let n = 0;
  for (const [svixId, headerNames] of variants) {
    n += 1;
    const answer = expectOutcome(assert, await s.post(svixId, userCreated({ name: `user${n}` }), { headerNames }), 'applied', svixId);
    assert.equal(answer.svix_id, svixId);
  }
  assert.equal(s.dump().users.length, variants.length);
  assert.deepEqual(s.dump().webhook_events.map((e) => e.svix_id).sort(), variants.map(([id]) => id).sort());
});

// ---- ordering rules ----------------------------------------------------------------------------

test('stale updates (older data.updated_at than stored) change nothing: users, organizations, memberships', async (t) => {
  const s = await serve(t);
  const m = { name: 'ada@acme', org: { name: 'acme' }, user: { name: 'ada' }, createdAt: T(2) };
  expectOutcome(assert, await s.post('msg_1', userUpdated({ name: 'ada', firstName: 'Newest', updatedAt: T(20) })), 'applied');
  expectOutcome(assert, await s.post('msg_2', organizationUpdated({ name: 'acme', displayName: 'Newest Org', slug: 'acme-new', updatedAt: T(20) })), 'applied');
  expectOutcome(assert, await s.post('msg_3', membershipUpdated({ ...m, role: 'org:admin', updatedAt: T(20), org: { name: 'acme', displayName: 'Newest Org', slug: 'acme-new', updatedAt: T(20) } })), 'applied');
  const before = s.state();

  expectOutcome(assert, await s.post('msg_4', userUpdated({ name: 'ada', firstName: 'Older', updatedAt: T(10) })), 'applied');
  expectOutcome(assert, await s.post('msg_5', userCreated({ name: 'ada', firstName: 'Oldest', createdAt: T(0) })), 'applied');
  expectOutcome(assert, await s.post('msg_6', organizationUpdated({ name: 'acme', displayName: 'Older Org', slug: 'acme', updatedAt: T(10) })), 'applied');
  expectOutcome(assert, await s.post('msg_7', membershipUpdated({ ...m, role: 'org:member', updatedAt: T(10) })), 'applied');
  expectOutcome(assert, await s.post('msg_8', membershipCreated({ ...m, role: 'org:viewer' })), 'applied');

  const after = s.state();
  const { webhook_events: events, ...rest } = after.dump;
  const { webhook_events: eventsBefore, ...restBefore } = before.dump;
  assert.deepEqual(rest, restBefore, 'no row changed');
  assert.deepEqual(after.audit, before.audit, 'no audit row for a change not made');
  assert.equal(events.length, eventsBefore.length + 5);
  assert.ok(events.every((e) => e.status === 'processed'), 'stale deliveries are processed (and not retried)');
  assert.equal(row(after.dump, 'users', userId('ada')).first_name, 'Newest');
  assert.equal(after.dump.organization_memberships[0].role, 'ADMIN');
});

test('an update after a delete never revives: deleted_at unchanged, data still refreshed; the earliest deletion wins', async (t) => {
  const s = await serve(t);
  const m = { name: 'ada@acme', role: 'org:member', org: { name: 'acme', createdAt: T(0) }, user: { name: 'ada' }, createdAt: T(1) };
  expectOutcome(assert, await s.post('msg_uc', userCreated({ name: 'ada', createdAt: T(0) })), 'applied');
  expectOutcome(assert, await s.post('msg_oc', organizationCreated({ name: 'acme', createdAt: T(0) })), 'applied');
  expectOutcome(assert, await s.post('msg_mc', membershipCreated(m)), 'applied');
  expectOutcome(assert, await s.post('msg_md', membershipDeleted(m, { timestamp: T(12) })), 'applied');
  expectOutcome(assert, await s.post('msg_ud', userDeleted(userId('ada'), { timestamp: T(10) })), 'applied');
  expectOutcome(assert, await s.post('msg_od', organizationDeleted(orgId('acme'), { timestamp: T(11) })), 'applied');
  let dump = s.dump();
  assert.equal(row(dump, 'users', userId('ada')).deleted_at, T(10));
  assert.equal(row(dump, 'organizations', orgId('acme')).deleted_at, T(11));
  assert.equal(dump.organization_memberships[0].deleted_at, T(10), 'the user\'s deletion (T10) was earlier than the membership\'s own (T12)');

  // Late updates (made in Clerk before the deletions, delivered after).
  expectOutcome(assert, await s.post('msg_uu', userUpdated({ name: 'ada', lastName: 'Late', updatedAt: T(5) })), 'applied');
  expectOutcome(assert, await s.post('msg_ou', organizationUpdated({ name: 'acme', displayName: 'Late Org', updatedAt: T(5) })), 'applied');
  expectOutcome(assert, await s.post('msg_mu', membershipUpdated({ ...m, role: 'org:admin', updatedAt: T(5) })), 'applied');
  dump = s.dump();
  const ada = row(dump, 'users', userId('ada'));
  const acme = row(dump, 'organizations', orgId('acme'));
  assert.deepEqual([ada.last_name, ada.deleted_at], ['Late', T(10)]);
  assert.deepEqual([acme.name, acme.deleted_at], ['Late Org', T(11)]);
  assert.deepEqual([dump.organization_memberships[0].role, dump.organization_memberships[0].deleted_at], ['ADMIN', T(10)]);

  // A second, later deletion never moves deleted_at; an earlier one lowers it.
  expectOutcome(assert, await s.post('msg_ud_later', userDeleted(userId('ada'), { timestamp: T(30) })), 'applied');
  expectOutcome(assert, await s.post('msg_od_later', organizationDeleted(orgId('acme'), { timestamp: T(30) })), 'applied');
  dump = s.dump();
  assert.equal(row(dump, 'users', userId('ada')).deleted_at, T(10));
  assert.equal(row(dump, 'organizations', orgId('acme')).deleted_at, T(11));
  expectOutcome(assert, await s.post('msg_ud_earlier', userDeleted(userId('ada'), { timestamp: T(7) })), 'applied');
  dump = s.dump();
  assert.equal(row(dump, 'users', userId('ada')).deleted_at, T(7));
  assert.equal(dump.organization_memberships[0].deleted_at, T(7));
});

test('slugs: the live claimant with the newest Clerk data holds a slug; a rename or deletion frees it', async (t) => {
  const s = await serve(t);
  const slugs = () => Object.fromEntries(s.dump().organizations.map((o) => [o.clerk_id, [o.slug, o.clerk_slug]]));
  // globex takes "acme" (T(6)) before acme's rename away from it (T(5)) is delivered.
  expectOutcome(assert, await s.post('msg_a1', organizationCreated({ name: 'acme', slug: 'acme', createdAt: T(1) })), 'applied');
  expectOutcome(assert, await s.post('msg_g1', organizationCreated({ name: 'globex', slug: 'globex', createdAt: T(2) })), 'applied');
  expectOutcome(assert, await s.post('msg_g2', organizationUpdated({ name: 'globex', slug: 'acme', createdAt: T(2), updatedAt: T(6) })), 'applied');
  assert.deepEqual(slugs(), { [orgId('acme')]: [null, 'acme'], [orgId('globex')]: ['acme', 'acme'] });
  expectOutcome(assert, await s.post('msg_a2', organizationUpdated({ name: 'acme', slug: 'acme-corp', createdAt: T(1), updatedAt: T(5) })), 'applied');
  assert.deepEqual(slugs(), { [orgId('acme')]: ['acme-corp', 'acme-corp'], [orgId('globex')]: ['acme', 'acme'] });

  // Equal Clerk times: the smaller clerk id holds it; deleting the holder hands it to the other.
  const [first, second] = ['initech', 'hooli'].sort((a, b) => (orgId(a) < orgId(b) ? -1 : 1));
  expectOutcome(assert, await s.post('msg_x1', organizationCreated({ name: second, slug: 'shared', createdAt: T(7) })), 'applied');
  expectOutcome(assert, await s.post('msg_x2', organizationCreated({ name: first, slug: 'shared', createdAt: T(7) })), 'applied');
  let now = slugs();
  assert.deepEqual(now[orgId(first)], ['shared', 'shared']);
  assert.deepEqual(now[orgId(second)], [null, 'shared']);
  expectOutcome(assert, await s.post('msg_x3', organizationDeleted(orgId(first), { timestamp: T(8) })), 'applied');
  now = slugs();
  assert.deepEqual(now[orgId(second)], ['shared', 'shared'], 'the other live claimant gets it');
  assert.deepEqual(now[orgId(first)], ['shared', 'shared'], 'the deleted one keeps it');
  const live = s.dump().organizations.filter((o) => o.deleted_at === null && o.slug !== null).map((o) => o.slug);
  assert.equal(new Set(live).size, live.length, 'slugs are unique among live organizations');
});

// Found as a bug on PostgreSQL: two concurrent organization.updated deliveries, one renaming A away
// from slug "x", the other giving B "x", could leave A with slug NULL for good (B's release of A's
// old slug waited for A's transaction, then overwrote A's new slug). Releases and grants are now
// conditional on the row they find. SQLite serialises writes, so it always passed there.
test('concurrent slug hand-over: the organization that renamed away keeps its new slug',
  async (t) => {
    const s = await serve(t);
    const lost = [];
    for (let i = 0; i < 20; i += 1) {
      expectOutcome(assert, await s.post(`msg_a${i}`, organizationCreated({ name: `a${i}`, slug: `x${i}`, createdAt: T(1) })), 'applied');
      expectOutcome(assert, await s.post(`msg_b${i}`, organizationCreated({ name: `b${i}`, slug: `y${i}`, createdAt: T(2) })), 'applied');
      const answers = await Promise.all([
        s.post(`msg_a${i}_rename`, organizationUpdated({ name: `a${i}`, slug: `x${i}-new`, createdAt: T(1), updatedAt: T(5) })),
        s.post(`msg_b${i}_take`, organizationUpdated({ name: `b${i}`, slug: `x${i}`, createdAt: T(2), updatedAt: T(6) })),
      ]);
      for (const answer of answers) expectOutcome(assert, answer, 'applied');
    }
    for (const org of s.dump().organizations) {
      const expected = org.clerk_slug;
      if (org.slug !== expected) lost.push(`${org.name}: slug ${org.slug}, clerk_slug ${org.clerk_slug}`);
    }
    assert.deepEqual(lost, [], 'every organization holds the slug Clerk gave it');
  });

// Found in CI on PostgreSQL (a convergence run answered 503): the slug hand-over and the commit
// order of audited writes shared one advisory lock key, so a delivery that had handed over a slug
// held every other writer's commit until its own end; with a row lock between them, a deadlock,
// five times over. Each purpose has its own key now.
test('a slug hand-over waiting on a row does not hold up another delivery\'s commit', {
  skip: ENGINE !== 'postgres' && 'two writers in flight at once: PostgreSQL only (SQLite\'s write transactions exclude each other)',
}, async (t) => {
  const s = await serve(t);
  expectOutcome(assert, await s.post('msg_h1', organizationCreated({ name: 'holder', slug: 'prized', createdAt: T(1) })), 'applied');
  // Another writer (psql) holds the holder's row: the newer claimant's delivery takes the slug
  // hand-over lock, then waits to release the holder's slug.
  const writer = await openTransaction(s.file, `SELECT id FROM organizations WHERE clerk_id = '${orgId('holder')}' FOR UPDATE;`);
  t.after(() => writer.kill());
  const claim = s.post('msg_c1', organizationCreated({ name: 'claimant', slug: 'prized', createdAt: T(2) }));
  const deadline = Date.now() + 30000;
  while (!waitsOn(s.file, writer.pid) && Date.now() < deadline) await sleep(20);
  assert.ok(waitsOn(s.file, writer.pid), 'the claim waits on the held row');

  // Meanwhile an unrelated delivery, which writes an audit row, is applied and answered.
  const other = s.post('msg_u1', userCreated({ name: 'ursula', email: 'ursula@example.com' }));
  const answer = await Promise.race([other, sleep(15000).then(() => null)]);
  assert.notEqual(answer, null, 'user.created was not answered while the claim waited');
  expectOutcome(assert, answer, 'applied');

  writer.commit();
  expectOutcome(assert, await claim, 'applied');
  const slugs = Object.fromEntries(s.dump().organizations.map((o) => [o.clerk_id, o.slug]));
  assert.deepEqual(slugs, { [orgId('holder')]: null, [orgId('claimant')]: 'prized' });
});

// ---- roles -------------------------------------------------------------------------------------

test('roles: org:admin/admin → ADMIN, org:member/basic_member → MEMBER, org:viewer → VIEWER, unknown → VIEWER with a warning', async (t) => {
  const s = await serve(t);
  const m = { name: 'ada@acme', org: { name: 'acme' }, user: { name: 'ada' }, createdAt: T(1) };
  const steps = [
    ['org:member', 'MEMBER'], ['org:admin', 'ADMIN'], ['basic_member', 'MEMBER'], ['admin', 'ADMIN'],
    ['org:viewer', 'VIEWER'], ['org:billing_manager', 'VIEWER'], ['org:admin', 'ADMIN'],
  ];
  let n = 0;
  for (const [clerkRole, role] of steps) {
    n += 1;
    const event = n === 1 ? membershipCreated({ ...m, role: clerkRole }) : membershipUpdated({ ...m, role: clerkRole, updatedAt: T(1 + n) });
    expectOutcome(assert, await s.post(`msg_role_${n}`, event), 'applied', clerkRole);
    const membership = s.dump().organization_memberships[0];
    assert.equal(membership.role, role, `${clerkRole} → ${role}`);
    assert.equal(membership.clerk_role, clerkRole);
  }
  const warnings = logLines(s.stderr()).filter((line) => line.level === 'warn' && 'clerk_role' in line);
  assert.equal(warnings.length, 1, `one warning, for the unknown role only:\n${s.stderr()}`);
  assert.equal(warnings[0].clerk_role, 'org:billing_manager');
  assert.equal(warnings[0].svix_id, 'msg_role_6');
  assert.match(warnings[0].msg, /VIEWER/);
  assert.match(warnings[0].msg, /CLERK_ROLE_MAP/);
});

test('--role-map and CLERK_ROLE_MAP map custom roles (no warning)', async (t) => {
  const m = (name, role) => membershipCreated({ name, role, org: { name: 'acme' }, user: { name }, createdAt: T(1) });
  const s = await serve(t, { args: ['--role-map', 'org:owner=ADMIN, org:billing=VIEWER,org:contributor=MEMBER'] });
  expectOutcome(assert, await s.post('msg_1', m('ada', 'org:owner')), 'applied');
  expectOutcome(assert, await s.post('msg_2', m('bob', 'org:billing')), 'applied');
  expectOutcome(assert, await s.post('msg_3', m('cyd', 'org:contributor')), 'applied');
  expectOutcome(assert, await s.post('msg_4', m('dee', 'org:admin')), 'applied');
  const roles = Object.fromEntries(s.dump().organization_memberships.map((x) => [x.clerk_role, x.role]));
  assert.deepEqual(roles, { 'org:owner': 'ADMIN', 'org:billing': 'VIEWER', 'org:contributor': 'MEMBER', 'org:admin': 'ADMIN' });
  assert.equal(logLines(s.stderr()).filter((line) => 'clerk_role' in line).length, 0, s.stderr());

  const e = await serve(t, { env: { CLERK_ROLE_MAP: 'org:owner=MEMBER' } });
  expectOutcome(assert, await e.post('msg_1', m('ada', 'org:owner')), 'applied');
  assert.equal(e.dump().organization_memberships[0].role, 'MEMBER', 'from the environment');
});

// ---- cascades ----------------------------------------------------------------------------------

// No API creates api_keys or sessions yet, so these tests INSERT them with the sqlite3 CLI (while
// the server runs: WAL allows it) before delivering the deletion.
function insertKey(file, { key, org, revokedAt = null }) {
  exec(file, `INSERT INTO api_keys (id, organization_id, name, prefix, key_hash, role, revoked_at, created_at, updated_at)
    VALUES ('${key}', (SELECT id FROM organizations WHERE clerk_id = '${org}'), 'key ${key}', 'mcp_sk_${key}',
            '${'ab'.repeat(32)}', 'MEMBER', ${revokedAt ?? 'NULL'}, ${T0}, ${T0})`);
}
function insertSession(file, { session, user, org = null, revokedAt = null }) {
  exec(file, `INSERT INTO sessions (id, user_id, organization_id, clerk_session_id, expires_at, revoked_at, created_at, updated_at)
    VALUES ('${session}', (SELECT id FROM users WHERE clerk_id = '${user}'),
            ${org ? `(SELECT id FROM organizations WHERE clerk_id = '${org}')` : 'NULL'}, 'sess_${session}', ${T(1000)},
            ${revokedAt ?? 'NULL'}, ${T0}, ${T0})`);
}

async function twoOrgsThreeMembers(s) {
  expectOutcome(assert, await s.post('msg_seed_1', membershipCreated({ name: 'ada@acme', role: 'org:admin', org: { name: 'acme' }, user: { name: 'ada' }, createdAt: T(1) })), 'applied');
  expectOutcome(assert, await s.post('msg_seed_2', membershipCreated({ name: 'bob@acme', role: 'org:member', org: { name: 'acme' }, user: { name: 'bob' }, createdAt: T(2) })), 'applied');
  expectOutcome(assert, await s.post('msg_seed_3', membershipCreated({ name: 'bob@globex', role: 'org:admin', org: { name: 'globex' }, user: { name: 'bob' }, createdAt: T(3) })), 'applied');
  insertKey(s.file, { key: 'acme_live', org: orgId('acme') });
  insertKey(s.file, { key: 'acme_revoked', org: orgId('acme'), revokedAt: T(4) });
  insertKey(s.file, { key: 'globex_live', org: orgId('globex') });
  insertSession(s.file, { session: 'ada_acme', user: userId('ada'), org: orgId('acme') });
  insertSession(s.file, { session: 'bob_acme', user: userId('bob'), org: orgId('acme') });
  insertSession(s.file, { session: 'bob_globex', user: userId('bob'), org: orgId('globex') });
  insertSession(s.file, { session: 'bob_none', user: userId('bob') });
}

test('organization.deleted cascades: memberships soft-deleted, API keys revoked, sessions in its context ended', async (t) => {
  const s = await serve(t);
  await twoOrgsThreeMembers(s);
  const auditBefore = s.audit().length;
  expectOutcome(assert, await s.post('msg_del_acme', organizationDeleted(orgId('acme'), { timestamp: T(20) })), 'applied');
  const dump = s.dump();
  assert.equal(row(dump, 'organizations', orgId('acme')).deleted_at, T(20));
  assert.equal(row(dump, 'organizations', orgId('globex')).deleted_at, null);
  const memberships = Object.fromEntries(dump.organization_memberships.map((x) => [x.clerk_id, x.deleted_at]));
  assert.deepEqual(memberships, { [membershipId('ada@acme')]: T(20), [membershipId('bob@acme')]: T(20), [membershipId('bob@globex')]: null });
  const keys = Object.fromEntries(dump.api_keys.map((k) => [k.prefix, k.revoked_at]));
  assert.deepEqual(keys, { mcp_sk_acme_live: T(20), mcp_sk_acme_revoked: T(4), mcp_sk_globex_live: null });
  const sessions = Object.fromEntries(dump.sessions.map((x) => [x.clerk_session_id, x.revoked_at]));
  assert.deepEqual(sessions, { sess_ada_acme: T(20), sess_bob_acme: T(20), sess_bob_globex: null, sess_bob_none: null });
  assert.equal(row(dump, 'users', userId('ada')).deleted_at, null, 'users stay');

  const audit = s.audit().slice(auditBefore);
  assert.deepEqual(audit.map((a) => a.action).sort(), ['api_key.revoked', 'organization.deleted', 'organization_membership.deleted',
    'organization_membership.deleted', 'session.revoked', 'session.revoked']);
  assert.ok(audit.every((a) => a.actor_type === 'webhook' && a.actor_id === 'msg_del_acme' && a.organization === orgId('acme')));
});

test('user.deleted cascades: the user\'s memberships soft-deleted and sessions ended, nobody else\'s', async (t) => {
  const s = await serve(t);
  await twoOrgsThreeMembers(s);
  const auditBefore = s.audit().length;
  expectOutcome(assert, await s.post('msg_del_bob', userDeleted(userId('bob'), { timestamp: T(20) })), 'applied');
  const dump = s.dump();
  assert.equal(row(dump, 'users', userId('bob')).deleted_at, T(20));
  assert.equal(row(dump, 'users', userId('ada')).deleted_at, null);
  const memberships = Object.fromEntries(dump.organization_memberships.map((x) => [x.clerk_id, x.deleted_at]));
  assert.deepEqual(memberships, { [membershipId('ada@acme')]: null, [membershipId('bob@acme')]: T(20), [membershipId('bob@globex')]: T(20) });
  const sessions = Object.fromEntries(dump.sessions.map((x) => [x.clerk_session_id, x.revoked_at]));
  assert.deepEqual(sessions, { sess_ada_acme: null, sess_bob_acme: T(20), sess_bob_globex: T(20), sess_bob_none: T(20) });
  assert.deepEqual(dump.api_keys.map((k) => k.revoked_at).sort(), [T(4), null, null], 'API keys belong to organizations: untouched');
  assert.deepEqual(dump.organizations.map((o) => o.deleted_at), [null, null]);
  const audit = s.audit().slice(auditBefore);
  assert.deepEqual(audit.map((a) => a.action).sort(), ['organization_membership.deleted', 'organization_membership.deleted',
    'session.revoked', 'session.revoked', 'session.revoked', 'user.deleted']);
  assert.ok(audit.every((a) => a.actor_type === 'webhook' && a.actor_id === 'msg_del_bob'));
});

// Cascaded revocations are order-independent: a session of user U in the context of organization
// O is ended by U's deletion and by O's deletion; in story order (U deleted at T(10), O at T(20))
// its revoked_at is T(10), and so it must be when delivered the other way round (the cascades lower
// revoked_at to the earliest deletion, like memberships' deleted_at). Same for API keys under two
// organization.deleted deliveries. (This test found it; fixed in src by 49444aa.)
test('a session ended by both a user and an organization deletion ends at the earlier one, whatever the order', async (t) => {
  const endStates = [];
  for (const order of [['user', 'org'], ['org', 'user']]) {
    const s = await serve(t);
    expectOutcome(assert, await s.post('msg_m', membershipCreated({ name: 'ada@acme', role: 'org:admin', org: { name: 'acme' }, user: { name: 'ada' }, createdAt: T(1) })), 'applied');
    insertSession(s.file, { session: 'ada_acme', user: userId('ada'), org: orgId('acme') });
    insertKey(s.file, { key: 'acme_live', org: orgId('acme') });
    const deletions = {
      user: ['msg_del_ada', userDeleted(userId('ada'), { timestamp: T(10) })],
      org: ['msg_del_acme', organizationDeleted(orgId('acme'), { timestamp: T(20) })],
    };
    for (const which of order) expectOutcome(assert, await s.post(...deletions[which]), 'applied');
    // A second organization.deleted with an earlier time (another svix-id) lowers the org's deleted_at…
    expectOutcome(assert, await s.post('msg_del_acme_earlier', organizationDeleted(orgId('acme'), { timestamp: T(15) })), 'applied');
    const dump = s.dump();
    endStates.push({ order: order.join(' then '), session: dump.sessions[0].revoked_at, key: dump.api_keys[0].revoked_at, org: dump.organizations[0].deleted_at });
  }
  // …and should lower what it revoked with it; the session ends at the user's deletion either way.
  assert.deepEqual(endStates, [
    { order: 'user then org', session: T(10), key: T(15), org: T(15) },
    { order: 'org then user', session: T(10), key: T(15), org: T(15) },
  ]);
});

// Found as a bug: the audit rows of a cascade once named memberships by their Clerk id.
test('cascaded membership deletions are audited with the membership\'s own id as target_id, like the rest',
  async (t) => {
    const s = await serve(t);
    await twoOrgsThreeMembers(s);
    expectOutcome(assert, await s.post('msg_del_acme', organizationDeleted(orgId('acme'), { timestamp: T(20) })), 'applied');
    expectOutcome(assert, await s.post('msg_del_bob', userDeleted(userId('bob'), { timestamp: T(21) })), 'applied');
    const ours = new Set(query(s.file, 'SELECT id FROM organization_memberships').map((r) => r.id));
    const cascaded = s.audit().filter((a) => a.action === 'organization_membership.deleted')
      .map((a) => ({ actor: a.actor_id, target_is_our_id: ours.has(a.target_id), target_id: a.target_id }));
    assert.equal(cascaded.length, 3);
    assert.deepEqual(cascaded.filter((a) => !a.target_is_our_id), [], 'every target_id is an organization_memberships.id');
  });

// Found as a bug: a slug handed from one organization to another changed the other one without an
// audit row of its own ("every applied change writes its audit row").
test('a slug taken from another organization is audited for that organization too',
  async (t) => {
    const s = await serve(t);
    expectOutcome(assert, await s.post('msg_x1', organizationCreated({ name: 'x1', slug: 'same', createdAt: T(1) })), 'applied');
    expectOutcome(assert, await s.post('msg_x2', organizationCreated({ name: 'x2', slug: 'same', createdAt: T(2) })), 'applied');
    const [{ id: loser, slug }] = query(s.file, `SELECT id, slug FROM organizations WHERE clerk_id = '${orgId('x1')}'`);
    assert.equal(slug, null, 'x1 lost its slug to the newer x2');
    const rows = s.audit().filter((a) => a.actor_id === 'msg_x2').map((a) => [a.action, a.target_id === loser ? 'x1' : 'x2']);
    assert.ok(rows.some(([, target]) => target === 'x1'), `an audit row of msg_x2 for x1: ${JSON.stringify(rows)}`);
  });

// ---- re-added members --------------------------------------------------------------------------

test('a re-added member (new membership id) ends with exactly one live membership, whatever the order', async (t) => {
  const m1 = { name: 'eve@acme#1', role: 'org:member', org: { name: 'acme' }, user: { name: 'eve' }, createdAt: T(1) };
  const m2 = { name: 'eve@acme#2', role: 'org:admin', org: { name: 'acme' }, user: { name: 'eve' }, createdAt: T(10) };
  const events = {
    c1: ['msg_c1', membershipCreated(m1)],
    d1: ['msg_d1', membershipDeleted(m1, { timestamp: T(5) })],
    c2: ['msg_c2', membershipCreated(m2)],
  };
  const dumps = [];
  for (const order of [['c1', 'd1', 'c2'], ['c2', 'c1', 'd1'], ['c2', 'd1', 'c1'], ['d1', 'c2', 'c1']]) {
    const s = await serve(t);
    for (const key of order) {
      expectOutcome(assert, await s.post(...events[key]), 'applied', order.join(','));
      const live = s.dump().organization_memberships.filter((x) => x.deleted_at === null);
      assert.ok(live.length <= 1, `never two live memberships for one pair (${order.join(',')})`);
    }
    const dump = s.dump();
    dumps.push(dump);
    const live = dump.organization_memberships.filter((x) => x.deleted_at === null);
    assert.deepEqual(live.map((x) => [x.clerk_id, x.role]), [[membershipId('eve@acme#2'), 'ADMIN']], order.join(','));
    assert.equal(row(dump, 'organization_memberships', membershipId('eve@acme#1')).deleted_at, T(5), order.join(','));
  }
  for (const dump of dumps.slice(1)) assert.deepEqual(dump, dumps[0]);

  // Before the old membership's deletion is delivered, the newer one is the member and the older
  // ended when the newer began.
  const s = await serve(t);
  expectOutcome(assert, await s.post(...events.c2), 'applied');
  expectOutcome(assert, await s.post(...events.c1), 'applied');
  const dump = s.dump();
  assert.equal(row(dump, 'organization_memberships', membershipId('eve@acme#1')).deleted_at, T(10));
  assert.equal(row(dump, 'organization_memberships', membershipId('eve@acme#2')).deleted_at, null);
});

// ---- idempotency -------------------------------------------------------------------------------

test('a svix-id already processed is answered "duplicate" and changes nothing (also concurrently)', async (t) => {
  const s = await serve(t);
  const event = userCreated({ name: 'ada', createdAt: T(0) });
  expectOutcome(assert, await s.post('msg_once', event), 'applied');
  const before = s.state();
  const again = expectOutcome(assert, await s.post('msg_once', event), 'duplicate');
  assert.deepEqual(again, { ok: true, outcome: 'duplicate', type: 'user.created', svix_id: 'msg_once' });
  // Same id, different (newer) content: still the same delivery to us.
  expectOutcome(assert, await s.post('msg_once', userUpdated({ name: 'ada', firstName: 'Changed', updatedAt: T(9) })), 'duplicate');
  assert.deepEqual(s.state(), before, 'dump and audit trail unchanged');

  // Ten concurrent deliveries of one new svix-id: exactly one applies.
  const concurrent = userCreated({ name: 'bob', createdAt: T(1) });
  const answers = await Promise.all(Array.from({ length: 10 }, () => s.post('msg_concurrent', concurrent)));
  const outcomes = answers.map((a) => (a.status === 200 ? a.json.outcome : a.status)).sort();
  assert.deepEqual(outcomes, ['applied', ...Array(9).fill('duplicate')]);
  assert.equal(s.audit().filter((a) => a.actor_id === 'msg_concurrent').length, 1);
  assert.equal(s.dump().users.length, 2);
});

test('every applied change has one audit row: actor webhook, actor_id the svix-id, request_id the X-Request-Id', async (t) => {
  const s = await serve(t);
  const answer = await s.post('msg_m', membershipCreated({ name: 'ada@acme', role: 'org:admin', org: { name: 'acme' }, user: { name: 'ada' }, createdAt: T(1) }),
    { headers: { 'X-Request-Id': 'req-interop-1' } });
  expectOutcome(assert, answer, 'applied');
  assert.equal(answer.headers['x-request-id'], 'req-interop-1');
  const audit = s.audit();
  assert.deepEqual(audit.map((a) => [a.actor_type, a.actor_id, a.action, a.target_type, a.request_id]), [
    ['webhook', 'msg_m', 'organization.created', 'organization', 'req-interop-1'],
    ['webhook', 'msg_m', 'user.created', 'user', 'req-interop-1'],
    ['webhook', 'msg_m', 'organization_membership.created', 'organization_membership', 'req-interop-1'],
  ]);
  // Each audit row names the row it changed (our id).
  const ids = query(s.file, "SELECT (SELECT id FROM organizations) AS org, (SELECT id FROM users) AS usr, (SELECT id FROM organization_memberships) AS mem")[0];
  assert.deepEqual(audit.map((a) => a.target_id), [ids.org, ids.usr, ids.mem]);
  // The same data again under a new svix-id is applied and changes nothing: no audit row.
  expectOutcome(assert, await s.post('msg_m_again', membershipCreated({ name: 'ada@acme', role: 'org:admin', org: { name: 'acme' }, user: { name: 'ada' }, createdAt: T(1) })), 'applied');
  assert.equal(s.audit().length, 3);
});

// ---- failures while applying, and replay -------------------------------------------------------

test('a delivery that fails to apply answers 500, is kept as failed, and `webhooks replay` applies it later', async (t) => {
  const s = await serve(t);
  // Make the user insert fail inside the transaction (a trigger stands in for an unexpected
  // constraint); the membership delivery must then roll back whole: no organization either.
  const poison = ENGINE === 'postgres'
    ? {
      create: `CREATE FUNCTION interop_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          IF NEW.clerk_id = '${userId('poison')}' THEN RAISE EXCEPTION 'interop test poison'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER interop_poison BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION interop_poison();`,
      drop: 'DROP TRIGGER interop_poison ON users; DROP FUNCTION interop_poison();',
    }
    : {
      create: `CREATE TRIGGER interop_poison BEFORE INSERT ON users WHEN NEW.clerk_id = '${userId('poison')}'
        BEGIN SELECT RAISE(ABORT, 'interop test poison'); END;`,
      drop: 'DROP TRIGGER interop_poison',
    };
  exec(s.file, poison.create);
  const event = membershipCreated({ name: 'poison@acme', role: 'org:admin', org: { name: 'acme' }, user: { name: 'poison' }, createdAt: T(1) });
  const answer = await s.post('msg_poison', event);
  assert.equal(answer.status, 500, answer.text);
  assert.match(answer.headers['content-type'], /problem\+json/);
  assert.match(answer.json.detail, /replay/);
  let dump = s.dump();
  assert.deepEqual(dump.webhook_events, [{ status: 'failed', svix_id: 'msg_poison', type: 'organizationMembership.created' }]);
  assert.deepEqual([dump.organizations, dump.users, dump.organization_memberships], [[], [], []], 'rolled back whole');
  assert.deepEqual(s.audit(), []);
  assert.match(webhookEvents(s.file)[0].error, /interop test poison/);
  // Svix retries with the same id while the cause is still there: still failed, still 500.
  assert.equal((await s.post('msg_poison', event)).status, 500);
  await s.stop();

  const replayStillFailing = run(['webhooks', 'replay', '--failed', '--database', `file:${s.file}`]);
  assert.equal(replayStillFailing.status, 1, replayStillFailing.stderr);
  assert.match(replayStillFailing.stdout, /replayed 1, applied 0, still failed 1/);
  exec(s.file, poison.drop);
  const unknown = run(['webhooks', 'replay', '--id', 'msg_nope', '--database', `file:${s.file}`]);
  assert.equal(unknown.status, 1);
  const replay = run(['webhooks', 'replay', '--id', 'msg_poison', '--database', `file:${s.file}`]);
  assert.equal(replay.status, 0, replay.stderr);
  assert.match(replay.stdout, /replayed 1, applied 1, still failed 0/);
  dump = s.dump();
  assert.deepEqual(dump.webhook_events, [{ status: 'processed', svix_id: 'msg_poison', type: 'organizationMembership.created' }]);
  assert.equal(dump.organization_memberships.length, 1);
  assert.equal(webhookEvents(s.file)[0].error, null);
  assert.ok(s.audit().every((a) => a.actor_id === 'msg_poison'));
  // And nothing is left to replay.
  const none = run(['webhooks', 'replay', '--failed', '--database', `file:${s.file}`]);
  assert.equal(none.status, 0);
  assert.match(none.stdout, /replayed 0/);
});

test('an envelope without timestamp: a deletion takes the signed svix-timestamp as its time', async (t) => {
  const s = await serve(t);
  const event = userDeleted(userId('ada'), { timestamp: T(3) });
  delete event.timestamp;
  const signedAt = Math.floor(Date.now() / 1000) - 2;
  expectOutcome(assert, await s.post('msg_no_ts', event, { timestamp: signedAt }), 'applied');
  assert.equal(row(s.dump(), 'users', userId('ada')).deleted_at, signedAt * 1000);
});

test('signing is the real svix package\'s: a header it builds verifies, one byte off does not', async (t) => {
  const s = await serve(t);
  const body = JSON.stringify(userCreated({ name: 'ada' }));
  const now = new Date();
  const header = sign(SECRET, 'msg_manual', now, body);
  assert.match(header, /^v1,[A-Za-z0-9+/]{43}=$/);
  const bad = `v1,${header.slice(3, -2)}${header.at(-2) === 'A' ? 'B' : 'A'}=`;
  assert.equal((await s.post('msg_manual', body, { timestamp: now, signature: bad })).status, 401);
  expectOutcome(assert, await s.post('msg_manual', body, { timestamp: now, signature: header }), 'applied');
});
