// Every column of users, organizations and organization_memberships is carried end to end: a Clerk
// event with every field filled fills every column (the event mapping and the store's insert), and
// the admin API shows each column with the stored value (the store's read, src/storage/identity_columns.h,
// and the JSON view, src/http/identity_json.cpp), except the sync's own bookkeeping listed below.
// Adding a Clerk field (say users.locale) to the schema but forgetting one of those places fails here.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../integration/fixture.mjs';
import { agent, startApiServer } from './api_harness.mjs';
import { T0, agent as webhookAgent, membershipCreated, organizationCreated, orgId, userCreated, userId } from './clerk_payloads.mjs';
import { ENGINE, query } from './db_state.mjs';

after(() => {
  agent.destroy();
  webhookAgent.destroy();
});

// Columns the sync keeps for itself (staleness and slug hand-over), never shown by the API.
const BOOKKEEPING = {
  users: ['clerk_updated_at'],
  organizations: ['clerk_slug', 'clerk_updated_at'],
  organization_memberships: ['clerk_created_at', 'clerk_updated_at'],
};
// Columns a live row leaves empty.
const EMPTY_WHILE_LIVE = ['deleted_at'];

function columnsOf(file, table) {
  const sql = ENGINE === 'postgres'
    ? `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${table}'`
    : `SELECT name FROM pragma_table_info('${table}')`;
  return query(file, sql).map((row) => row.name).sort();
}

// The stored value as the API shows it: times (epoch ms) as ISO-8601, JSON text parsed.
function shown(column, value) {
  if (value === null) return null;
  if (column.endsWith('_at')) return new Date(Number(value)).toISOString();
  if (column === 'metadata') return typeof value === 'string' ? JSON.parse(value) : value;
  return value;
}

function checkTable(file, table, row, view) {
  const columns = columnsOf(file, table);
  assert.ok(columns.length > 5, `${table}: the schema's columns were read (${columns})`);
  for (const column of columns) {
    if (!EMPTY_WHILE_LIVE.includes(column)) {
      assert.notEqual(row[column], null, `${table}.${column}: a Clerk event with every field filled left it empty`);
    }
    if (BOOKKEEPING[table].includes(column)) continue;
    assert.ok(column in view, `${table}.${column}: the API's JSON does not show it (and it is not listed as bookkeeping)`);
    assert.deepEqual(view[column], shown(column, row[column]), `${table}.${column}: the API shows another value than the stored one`);
  }
}

test('every identity column goes from a Clerk event to the database to the API', async (t) => {
  const tmp = tempDir('mcp-admin-identity-columns-');
  t.after(() => tmp.cleanup());
  const file = path.join(tmp.dir, 'columns.db');
  const api = await startApiServer({ file });
  t.after(() => api.close());

  const events = [
    organizationCreated({ name: 'acme', publicMetadata: { tier: 'gold' }, createdAt: T0, updatedAt: T0 + 1000 }),
    userCreated({ name: 'ada', lastSignInAt: T0 + 500, publicMetadata: { team: 'core' }, createdAt: T0, updatedAt: T0 + 2000 }),
    membershipCreated({ name: 'acme_ada', role: 'org:admin', org: { name: 'acme' }, user: { name: 'ada' }, createdAt: T0 + 100, updatedAt: T0 + 3000 }),
  ];
  for (const payload of events) {
    const delivered = await api.post(api.nextSvixId(), payload);
    assert.equal(delivered.status, 200, delivered.text);
  }

  const [user] = query(file, `SELECT * FROM users WHERE clerk_id = '${userId('ada')}'`);
  const [organization] = query(file, `SELECT * FROM organizations WHERE clerk_id = '${orgId('acme')}'`);
  const [membership] = query(file, `SELECT * FROM organization_memberships WHERE organization_id = '${organization.id}'`);

  const userView = await api.call('GET', `/api/v1/users/${user.id}`);
  assert.equal(userView.status, 200, userView.text);
  checkTable(file, 'users', user, userView.json);

  const organizationView = await api.call('GET', `/api/v1/organizations/${organization.id}`);
  assert.equal(organizationView.status, 200, organizationView.text);
  checkTable(file, 'organizations', organization, organizationView.json);

  // The member listing reads the membership's columns and the user's from one row.
  const members = await api.call('GET', `/api/v1/organizations/${organization.id}/members`);
  assert.equal(members.status, 200, members.text);
  assert.equal(members.json.data.length, 1, members.text);
  checkTable(file, 'organization_memberships', membership, members.json.data[0]);
  checkTable(file, 'users', user, members.json.data[0].user);
});
