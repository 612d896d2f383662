// Sessions and active-organization switching through the real binary (README "Sessions and the active organization"):
// POST /api/v1/sessions upserts a Clerk user's session by the token's sid, and a token
// without organization claims then acts in the session's organization, with the role of the user's
// live membership there. API keys create sessions for others (a platform key for anyone, an ADMIN
// key for its members), listings are scoped to what the credential may see, revocation ends the
// context, and every change writes its audit row. One server for the file; each test its own tenants.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ISO_MS } from '../integration/fixture.mjs';
import { agent, expectProblem, startApiServer } from './api_harness.mjs';
import { membershipDeleted, membershipUpdated, userId } from './clerk_payloads.mjs';

after(() => agent.destroy());

let api;
before(async () => { api = await startApiServer(); });
after(async () => { await api.close(); });

const orgPath = (tenant) => `/api/v1/organizations/${tenant.orgClerkId}`;
const postSession = (token, body, headers) => api.call('POST', '/api/v1/sessions', { token, body, headers });
// Every page of a listing, following next_cursor; asserts the pages' sizes.
async function allPages(path, token, limit) {
  const rows = [];
  let cursor = null;
  for (let pages = 0; pages < 100; pages += 1) {
    const sep = path.includes('?') ? '&' : '?';
    const answer = await api.call('GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { token });
    assert.equal(answer.status, 200, answer.text);
    assert.ok(answer.json.data.length <= limit);
    rows.push(...answer.json.data);
    cursor = answer.json.next_cursor;
    if (cursor === null) return rows;
    assert.equal(answer.json.data.length, limit, 'a page before the last one is full');
  }
  throw new Error('too many pages');
}
const ids = (rows) => rows.map((row) => row.id);
const sorted = (list) => [...list].sort();

test('a Clerk user switches the active organization; a token without org claims then acts there', async () => {
  const acme = await api.tenant('acme', [{ name: 'ada', role: 'org:admin' }]);
  const globex = await api.tenant('globex', [{ name: 'ada', role: 'org:member' }]);
  const initech = await api.tenant('initech', [{ name: 'ivan', role: 'org:admin' }]);
  const token = await api.token('ada', { sid: 'sess_ada_switch' });

  // No organization claim, no session yet: no organization at all.
  expectProblem(assert, await api.call('GET', orgPath(acme), { token }), 404, 'before any switch');
  expectProblem(assert, await api.call('GET', '/api/v1/audit-logs', { token }), 403, 'before any switch');

  const created = await postSession(token, { organization_id: globex.orgClerkId, metadata: { device: 'laptop' } });
  assert.equal(created.status, 201, created.text);
  const session = created.json;
  assert.equal(session.organization_id, globex.id, 'the internal id of the organization');
  assert.equal(session.clerk_session_id, 'sess_ada_switch');
  assert.deepEqual(session.metadata, { device: 'laptop' });
  assert.equal(session.expires_at, null);
  assert.equal(session.revoked_at, null);
  for (const field of ['created_at', 'updated_at', 'last_active_at']) assert.match(session[field], ISO_MS, field);
  assert.equal(typeof session.user_id, 'string');
  assert.deepEqual(sorted(Object.keys(session)), sorted(['id', 'user_id', 'organization_id', 'clerk_session_id', 'metadata',
    'expires_at', 'last_active_at', 'revoked_at', 'created_at', 'updated_at']));

  assert.equal((await api.call('GET', orgPath(globex), { token })).status, 200, 'acts in globex');
  expectProblem(assert, await api.call('GET', orgPath(acme), { token }), 404, 'not in acme');
  expectProblem(assert, await api.call('GET', '/api/v1/audit-logs', { token }), 403, 'a MEMBER in globex');

  // Switching again (by internal id this time) updates the same session: 200.
  const switched = await postSession(token, { organization_id: acme.id });
  assert.equal(switched.status, 200, switched.text);
  assert.equal(switched.json.id, session.id);
  assert.equal(switched.json.organization_id, acme.id);
  assert.deepEqual(switched.json.metadata, { device: 'laptop' }, 'metadata kept when absent');
  assert.equal((await api.call('GET', orgPath(acme), { token })).status, 200, 'acts in acme');
  expectProblem(assert, await api.call('GET', orgPath(globex), { token }), 404, 'no longer in globex');
  const audit = await api.call('GET', '/api/v1/audit-logs', { token });
  assert.equal(audit.status, 200, `ADMIN in acme: ${audit.text}`);
  for (const row of audit.json.data) assert.equal(row.organization_id, acme.id);
  // The switch names both organizations: a platform-level row, so that acme's ADMINs never read
  // globex's id (nor the session's metadata there) in their trail.
  assert.ok(!audit.text.includes(globex.id), 'globex\'s id in acme\'s audit trail');
  const switchRows = (await api.call('GET', `/api/v1/audit-logs?target_id=${session.id}&action=session.updated`)).json.data;
  assert.equal(switchRows.length, 1, JSON.stringify(switchRows));
  assert.equal(switchRows[0].organization_id, null);
  assert.equal(switchRows[0].changes.before.organization_id, globex.id);
  assert.equal(switchRows[0].changes.after.organization_id, acme.id);

  // An organization the user is not a member of, an unknown one, a malformed id: 404, nothing changes.
  for (const id of [initech.orgClerkId, initech.id, 'org_2doesnotexist000000000000', '../../etc', 'x'.repeat(300)]) {
    expectProblem(assert, await postSession(token, { organization_id: id }), id.length > 128 ? 400 : 404, id.slice(0, 40));
  }
  assert.equal((await api.call('GET', orgPath(acme), { token })).status, 200, 'still in acme');

  // The token's own organization claim wins over the session's context.
  const claimed = await api.token('ada', { sid: 'sess_ada_switch', org: { id: globex.orgClerkId, role: 'org:member' } });
  assert.equal((await api.call('GET', orgPath(globex), { token: claimed })).status, 200);
  expectProblem(assert, await api.call('GET', orgPath(acme), { token: claimed }), 404);

  // null leaves no active organization.
  const cleared = await postSession(token, { organization_id: null });
  assert.equal(cleared.status, 200, cleared.text);
  assert.equal(cleared.json.organization_id, null);
  expectProblem(assert, await api.call('GET', orgPath(acme), { token }), 404, 'after clearing');
});

test('the session grants nothing by itself: the role is the live membership, read on every request', async () => {
  const hooli = await api.tenant('hooli', [{ name: 'gavin', role: 'org:admin' }]);
  const token = await api.token('gavin', { sid: 'sess_gavin' });
  assert.equal((await postSession(token, { organization_id: hooli.orgClerkId })).status, 201);
  assert.equal((await api.call('GET', '/api/v1/audit-logs?limit=1', { token })).status, 200, 'ADMIN');

  const membership = { name: 'hooli_gavin', org: { name: 'hooli' }, user: { name: 'gavin' }, updatedAt: Date.now() };
  let answer = await api.post(api.nextSvixId(), membershipUpdated({ ...membership, role: 'org:member' }));
  assert.equal(answer.status, 200, answer.text);
  expectProblem(assert, await api.call('GET', '/api/v1/audit-logs?limit=1', { token }), 403, 'demoted to MEMBER');
  assert.equal((await api.call('GET', orgPath(hooli), { token })).status, 200, 'still a member');

  answer = await api.post(api.nextSvixId(), membershipDeleted({ ...membership, role: 'org:member', updatedAt: Date.now() + 1 }, { timestamp: Date.now() }));
  assert.equal(answer.status, 200, answer.text);
  expectProblem(assert, await api.call('GET', orgPath(hooli), { token }), 404, 'removed from the organization');
  // And switching back into it is refused.
  expectProblem(assert, await postSession(token, { organization_id: hooli.orgClerkId }), 404, 'no live membership');
});

test('revoking a session ends its context; a revoked session is not revived; revoking twice is fine', async () => {
  const pied = await api.tenant('pied', [{ name: 'richard', role: 'org:admin' }]);
  const token = await api.token('richard', { sid: 'sess_richard' });
  const created = await postSession(token, { organization_id: pied.orgClerkId });
  assert.equal(created.status, 201, created.text);
  assert.equal((await api.call('GET', orgPath(pied), { token })).status, 200);

  const revoked = await api.call('DELETE', `/api/v1/sessions/${created.json.id}`, { token });
  assert.equal(revoked.status, 204, revoked.text);
  assert.equal(revoked.text, '');
  expectProblem(assert, await api.call('GET', orgPath(pied), { token }), 404, 'context gone');
  expectProblem(assert, await postSession(token, { organization_id: pied.orgClerkId }), 409, 'not revived');
  assert.equal((await api.call('DELETE', `/api/v1/sessions/${created.json.id}`, { token })).status, 204, 'idempotent');

  const listed = await api.call('GET', '/api/v1/sessions', { token });
  const row = listed.json.data.find((entry) => entry.id === created.json.id);
  assert.match(row.revoked_at, ISO_MS);

  const audit = await api.call('GET', `/api/v1/audit-logs?target_id=${created.json.id}&action=session.revoked`);
  assert.equal(audit.json.data.length, 1, 'one session.revoked row, not one per DELETE');

  // A new Clerk session starts a new row.
  const fresh = await postSession(await api.token('richard', { sid: 'sess_richard_2' }), { organization_id: pied.id });
  assert.equal(fresh.status, 201, fresh.text);
  assert.notEqual(fresh.json.id, created.json.id);
});

test('concurrent first POSTs of one Clerk session: one creates (201), the others update (200), one row', async () => {
  const race = await api.tenant('race', [{ name: 'rita', role: 'org:admin' }]);
  const token = await api.token('rita', { sid: 'sess_rita_race' });
  const answers = await Promise.all(Array.from({ length: 12 }, (_, n) => postSession(token, { organization_id: race.orgClerkId, metadata: { n } })));
  assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201], answers.map((a) => a.text).join('\n'));
  assert.equal(new Set(answers.map((a) => a.json.id)).size, 1, 'one session');
  const trail = await api.call('GET', `/api/v1/audit-logs?target_id=${answers[0].json.id}&limit=50`);
  assert.deepEqual(trail.json.data.map((row) => row.action).sort(), ['session.created', ...Array(11).fill('session.updated')]);
  // Both answers are in the contract, with the same body.
  const responses = (await api.call('GET', '/api/openapi.json', { token: null })).json.paths['/api/v1/sessions'].post.responses;
  assert.ok(responses['200'] && responses['201'], `documented: ${Object.keys(responses)}`);
  assert.deepEqual(responses['200'].content, responses['201'].content);
});

test('expires_in / expires_at: an expired context no longer applies until renewed', async () => {
  const umbra = await api.tenant('umbra', [{ name: 'uma', role: 'org:admin' }]);
  const token = await api.token('uma', { sid: 'sess_uma' });
  const before = Date.now();
  const created = await postSession(token, { organization_id: umbra.orgClerkId, expires_in: '1s' });
  assert.equal(created.status, 201, created.text);
  const expiresAt = Date.parse(created.json.expires_at);
  assert.ok(expiresAt >= before + 1000 && expiresAt <= Date.now() + 1000, created.json.expires_at);
  assert.equal((await api.call('GET', orgPath(umbra), { token })).status, 200);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 150));
  expectProblem(assert, await api.call('GET', orgPath(umbra), { token }), 404, 'expired');

  const renewed = await postSession(token, { expires_in: null });
  assert.equal(renewed.status, 200, renewed.text);
  assert.equal(renewed.json.expires_at, null);
  assert.equal(renewed.json.organization_id, umbra.id, 'the organization was kept');
  assert.equal((await api.call('GET', orgPath(umbra), { token })).status, 200, 'renewed');

  const at = new Date(Date.now() + 3600_000).toISOString();
  const dated = await postSession(token, { expires_at: at });
  assert.equal(dated.status, 200);
  assert.equal(dated.json.expires_at, at);
  for (const body of [{ expires_in: 'soon' }, { expires_in: '0s' }, { expires_in: 3600 }, { expires_in: '99999d' },
    { expires_at: '2001-01-01T00:00:00Z' }, { expires_at: 'tomorrow' }, { expires_in: '1h', expires_at: at }]) {
    expectProblem(assert, await postSession(token, body), 400, JSON.stringify(body));
  }
});

test('API keys: a platform key creates sessions for anyone, an ADMIN key for its members in its organization', async () => {
  const umbrella = await api.tenant('umbrella', [{ name: 'una', role: 'org:admin' }, { name: 'ulf', role: 'org:member' }]);
  const wayne = await api.tenant('wayne', [{ name: 'walt', role: 'org:admin' }]);

  const platform = await postSession(undefined, { user_id: userId('una'), organization_id: umbrella.orgClerkId });
  assert.equal(platform.status, 201, platform.text);
  assert.equal(platform.json.organization_id, umbrella.id);
  assert.equal(platform.json.clerk_session_id, null);
  const noOrganization = await postSession(undefined, { user_id: userId('walt') });
  assert.equal(noOrganization.status, 201, noOrganization.text);
  assert.equal(noOrganization.json.organization_id, null);
  expectProblem(assert, await postSession(undefined, { user_id: userId('una'), organization_id: wayne.orgClerkId }), 404, 'not a member');
  expectProblem(assert, await postSession(undefined, { user_id: userId('nobody') }), 404, 'unknown user');
  expectProblem(assert, await postSession(undefined, { user_id: 'bad id!' }), 404, 'malformed user id');
  expectProblem(assert, await postSession(undefined, { organization_id: umbrella.orgClerkId }), 400, 'user_id is required');

  const admin = (await api.apiKey(umbrella.orgClerkId, 'ADMIN')).key;
  const forUlf = await postSession(admin, { user_id: userId('ulf') });
  assert.equal(forUlf.status, 201, forUlf.text);
  assert.equal(forUlf.json.organization_id, umbrella.id, "an ADMIN key's sessions are in its organization");
  expectProblem(assert, await postSession(admin, { user_id: userId('walt') }), 404, 'a user of another organization');
  expectProblem(assert, await postSession(admin, { user_id: userId('ulf'), organization_id: wayne.orgClerkId }), 404, 'another organization');
  expectProblem(assert, await postSession(admin, { user_id: userId('ulf'), organization_id: null }), 403, 'outside its organization');
  for (const role of ['MEMBER', 'VIEWER']) {
    const key = (await api.apiKey(umbrella.orgClerkId, role)).key;
    expectProblem(assert, await postSession(key, { user_id: userId('ulf') }), 403, role);
  }

  // An ADMIN key may not bind a Clerk session id: only its own token (its sid) or the platform may.
  // Else it could bind another tenant's user's session to its own member, and that user's own
  // session would answer 409 for ever.
  const bindByAdmin = await postSession(admin, { user_id: userId('una'), clerk_session_id: 'sess_una_backend', metadata: { by: 'backend' } });
  expectProblem(assert, bindByAdmin, 403, 'an ADMIN key binding a clerk_session_id');
  assert.match(bindByAdmin.json.detail, /clerk_session_id/);
  expectProblem(assert, await postSession(admin, { user_id: userId('ulf'), clerk_session_id: 'sess_walt_elsewhere' }), 403,
    "an ADMIN key binding another tenant's user's session to its own member");
  const walt = await postSession(await api.token('walt', { sid: 'sess_walt_elsewhere' }), {});
  assert.equal(walt.status, 201, `walt's own session is still his to create: ${walt.text}`);
  // The user binds it with their own token, in their organization; a backend (ADMIN key of that
  // organization) then updates it on their behalf, and the user's token acts there. (A session in
  // no organization is not an ADMIN's to touch: 404, below.)
  const unaToken = await api.token('una', { sid: 'sess_una_backend' });
  const unbound = await postSession(unaToken, { metadata: { by: 'una, no organization' } });
  assert.equal(unbound.status, 201, unbound.text);
  expectProblem(assert, await postSession(admin, { user_id: userId('una'), clerk_session_id: 'sess_una_backend', organization_id: umbrella.orgClerkId }),
    404, "a session in no organization is not an ADMIN key's");
  const onBehalf = await postSession(unaToken, { organization_id: umbrella.orgClerkId, metadata: { by: 'una first' } });
  assert.equal(onBehalf.status, 200, onBehalf.text);
  assert.equal(onBehalf.json.id, unbound.json.id);
  const switched = await postSession(admin, { user_id: userId('una'), clerk_session_id: 'sess_una_backend', organization_id: umbrella.orgClerkId });
  assert.equal(switched.status, 200, switched.text);
  assert.equal((await api.call('GET', orgPath(umbrella), { token: unaToken })).status, 200);
  const again = await postSession(admin, { user_id: userId('una'), clerk_session_id: 'sess_una_backend', metadata: { by: 'again' } });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.id, onBehalf.json.id);
  assert.deepEqual(again.json.metadata, { by: 'again' });
  // The user themselves updates the same row (their token's sid).
  const own = await postSession(unaToken, { metadata: { by: 'una' } });
  assert.equal(own.status, 200, own.text);
  assert.equal(own.json.id, onBehalf.json.id);
  // That Clerk session is una's: not for another user, nor visible to another organization's key.
  expectProblem(assert, await postSession(undefined, { user_id: userId('ulf'), clerk_session_id: 'sess_una_backend' }), 409);
  const wayneAdmin = (await api.apiKey(wayne.orgClerkId, 'ADMIN')).key;
  expectProblem(assert, await postSession(wayneAdmin, { user_id: userId('walt'), clerk_session_id: 'sess_una_backend' }), 409);

  // A Clerk user cannot act for someone else.
  expectProblem(assert, await postSession(unaToken, { user_id: userId('ulf') }), 403, 'a user for another member of their organization');
  expectProblem(assert, await postSession(unaToken, { user_id: userId('walt') }), 404, 'a user of another organization does not exist for them');
  expectProblem(assert, await postSession(unaToken, { clerk_session_id: 'sess_other' }), 403, "another sid than the token's");
  assert.equal((await postSession(unaToken, { user_id: userId('una'), clerk_session_id: 'sess_una_backend' })).status, 200, 'their own, spelled out');
});

test('GET /api/v1/sessions: users see their own, ADMINs their organization, the platform everything; pages by id', async () => {
  const stark = await api.tenant('stark', [{ name: 'tony', role: 'org:admin' }, { name: 'pepper', role: 'org:member' }]);
  const tony = await api.token('tony', { sid: 'sess_tony' });
  const pepper = await api.token('pepper', { sid: 'sess_pepper' });
  const pepper2 = await api.token('pepper', { sid: 'sess_pepper_2' });
  const tonySession = (await postSession(tony, { organization_id: stark.orgClerkId })).json;
  const pepperSession = (await postSession(pepper, { organization_id: stark.orgClerkId })).json;
  const pepperLoose = (await postSession(pepper2, {})).json;
  assert.equal(pepperLoose.organization_id, null);

  // pepper (MEMBER): exactly her two sessions.
  const pepperSees = await allPages('/api/v1/sessions', pepper, 1);
  assert.deepEqual(ids(pepperSees), sorted([pepperSession.id, pepperLoose.id]));
  // tony (ADMIN, acting in stark through his session): stark's sessions, and his own.
  const tonySees = await allPages('/api/v1/sessions', tony, 50);
  assert.deepEqual(ids(tonySees), sorted([tonySession.id, pepperSession.id]));
  // stark's ADMIN key: stark's sessions; MEMBER and VIEWER keys may not list sessions.
  const starkAdmin = (await api.apiKey(stark.orgClerkId, 'ADMIN')).key;
  const keySees = await allPages('/api/v1/sessions', starkAdmin, 50);
  assert.deepEqual(ids(keySees), sorted([tonySession.id, pepperSession.id]));
  expectProblem(assert, await api.call('GET', '/api/v1/sessions', { token: (await api.apiKey(stark.orgClerkId, 'MEMBER')).key }), 403);
  expectProblem(assert, await api.call('GET', '/api/v1/sessions', { token: (await api.apiKey(stark.orgClerkId, 'VIEWER')).key }), 403);

  // The platform: every session of every test so far, by id, the same across page sizes.
  const everything = await allPages('/api/v1/sessions', undefined, 200);
  assert.deepEqual(ids(everything), sorted(ids(everything)), 'ordered by id');
  assert.equal(new Set(ids(everything)).size, everything.length);
  for (const id of [tonySession.id, pepperSession.id, pepperLoose.id]) assert.ok(ids(everything).includes(id));
  for (const limit of [1, 2, 3, 7]) assert.deepEqual(ids(await allPages('/api/v1/sessions', undefined, limit)), ids(everything), `limit ${limit}`);

  // Filters.
  assert.deepEqual(ids(await allPages(`/api/v1/sessions?user_id=${userId('pepper')}`, undefined, 1)), sorted([pepperSession.id, pepperLoose.id]));
  assert.deepEqual(ids(await allPages(`/api/v1/sessions?user_id=${pepperSession.user_id}&organization_id=${stark.id}`, undefined, 1)), [pepperSession.id]);
  assert.deepEqual(ids(await allPages(`/api/v1/sessions?organization_id=${stark.orgClerkId}`, undefined, 1)), sorted([tonySession.id, pepperSession.id]));
  assert.deepEqual(ids(await allPages(`/api/v1/sessions?user_id=${userId('pepper')}`, starkAdmin, 1)), [pepperSession.id], "ADMIN key: only its organization's");
  assert.deepEqual(ids(await allPages(`/api/v1/sessions?user_id=${userId('tony')}`, pepper, 5)), [], "a user: never another's");
  assert.deepEqual(ids(await allPages(`/api/v1/sessions?organization_id=${stark.id}`, pepper, 5)), [pepperSession.id], 'a user: own, in that organization');
  assert.deepEqual((await api.call('GET', `/api/v1/sessions?user_id=${userId('nobody')}`)).json, { data: [], next_cursor: null });
  expectProblem(assert, await api.call('GET', '/api/v1/sessions?organization_id=org_2doesnotexist000000000000'), 404);
  const wayne = await api.tenant('wayne2', [{ name: 'bruce', role: 'org:admin' }]);
  expectProblem(assert, await api.call('GET', `/api/v1/sessions?organization_id=${wayne.orgClerkId}`, { token: starkAdmin }), 404, "another organization's");

  for (const query of ['limit=0', 'limit=201', 'limit=abc', 'limit=-1', 'limit=99999999999999999999', 'cursor=%%%', 'cursor=bm90IGFuIGlk!']) {
    expectProblem(assert, await api.call('GET', `/api/v1/sessions?${query}`), 400, query);
  }
});

test('DELETE /api/v1/sessions/{id}: own, an ADMIN of its organization, the platform; anyone else 404', async () => {
  const oscorp = await api.tenant('oscorp', [{ name: 'norman', role: 'org:admin' }, { name: 'harry', role: 'org:member' }, { name: 'otto', role: 'org:member' }]);
  const daily = await api.tenant('daily', [{ name: 'jonah', role: 'org:admin' }]);
  const session = async (name) => (await postSession(await api.token(name, { sid: `sess_${name}_del` }), { organization_id: oscorp.orgClerkId })).json;
  const harry = await session('harry');
  const otto = await session('otto');
  const norman = await session('norman');
  const del = (id, token) => api.call('DELETE', `/api/v1/sessions/${id}`, { token });

  const ottoToken = await api.token('otto', { sid: 'sess_otto_del' });
  expectProblem(assert, await del(harry.id, ottoToken), 404, "a MEMBER, another member's session");
  expectProblem(assert, await del(harry.id, (await api.apiKey(daily.orgClerkId, 'ADMIN')).key), 404, "another organization's ADMIN key");
  expectProblem(assert, await del(harry.id, (await api.apiKey(oscorp.orgClerkId, 'MEMBER')).key), 404, 'a MEMBER key');
  expectProblem(assert, await del(harry.id, await api.token('jonah', { org: { id: daily.orgClerkId, role: 'org:admin' } })), 404, "another organization's ADMIN");
  for (const id of ['nope', '01900000-0000-7000-8000-000000000000', 'a'.repeat(500), '%2e%2e']) expectProblem(assert, await del(id), 404, id.slice(0, 20));

  assert.equal((await del(harry.id, (await api.apiKey(oscorp.orgClerkId, 'ADMIN')).key)).status, 204, 'the ADMIN key');
  assert.equal((await del(otto.id, await api.token('norman', { sid: 'sess_norman_del' }))).status, 204, 'the ADMIN user');
  assert.equal((await del(norman.id)).status, 204, 'the platform');
  expectProblem(assert, await api.call('GET', orgPath(oscorp), { token: ottoToken }), 404, "otto's context ended");
});

test('every change writes its audit row: session.created, session.updated, session.revoked', async () => {
  const gringotts = await api.tenant('gringotts', [{ name: 'griphook', role: 'org:admin' }]);
  const vault = await api.tenant('vault', [{ name: 'griphook', role: 'org:member' }]);
  const token = await api.token('griphook', { sid: 'sess_griphook' });
  const userAgent = 'mcp-admin-tests/1.0';
  const created = await postSession(token, { organization_id: gringotts.orgClerkId, metadata: { n: 1 } }, { 'User-Agent': userAgent });
  const updated = await postSession(token, { organization_id: vault.orgClerkId }, { 'User-Agent': userAgent });
  const key = await api.apiKey(vault.orgClerkId, 'ADMIN');
  const revoked = await api.call('DELETE', `/api/v1/sessions/${created.json.id}`, { token: key.key });
  assert.equal(revoked.status, 204);

  const trail = await api.call('GET', `/api/v1/audit-logs?target_id=${created.json.id}`);
  assert.equal(trail.status, 200, trail.text);
  const [revokedRow, updatedRow, createdRow] = trail.json.data;
  assert.deepEqual(trail.json.data.map((row) => row.action), ['session.revoked', 'session.updated', 'session.created'], 'newest first');
  const userInternalId = created.json.user_id;

  assert.equal(createdRow.actor_type, 'user');
  assert.equal(createdRow.actor_id, userInternalId);
  assert.equal(createdRow.organization_id, gringotts.id);
  assert.equal(createdRow.target_type, 'session');
  assert.equal(createdRow.changes.before, null);
  assert.deepEqual(createdRow.changes.after, created.json);
  assert.equal(createdRow.user_agent, userAgent);
  assert.equal(createdRow.request_id, created.headers['x-request-id']);
  assert.ok(createdRow.ip === '127.0.0.1' || createdRow.ip === '::ffff:127.0.0.1', createdRow.ip);

  assert.equal(updatedRow.organization_id, null, 'a switch between two organizations is a platform-level row');
  assert.equal(updatedRow.changes.before.organization_id, gringotts.id);
  assert.equal(updatedRow.changes.after.organization_id, vault.id);
  assert.deepEqual(updatedRow.changes.after, updated.json);
  assert.equal(updatedRow.request_id, updated.headers['x-request-id']);

  assert.equal(revokedRow.actor_type, 'api_key');
  assert.equal(revokedRow.actor_id, key.id);
  assert.equal(revokedRow.organization_id, vault.id);
  assert.equal(revokedRow.changes.before.revoked_at, null);
  assert.match(revokedRow.changes.after.revoked_at, ISO_MS);
  assert.equal(revokedRow.request_id, revoked.headers['x-request-id']);

  // The organization's ADMIN finds them in its own trail.
  const vaultTrail = await api.call('GET', `/api/v1/audit-logs?action=session.revoked&target_id=${created.json.id}`, { token: key.key });
  assert.deepEqual(vaultTrail.json.data.map((row) => row.id), [revokedRow.id]);
});

test('bad input: 4xx problems, never 5xx', async () => {
  await api.tenant('bad', [{ name: 'mallory', role: 'org:admin' }]);
  const token = await api.token('mallory', { sid: 'sess_mallory' });
  const cases = [
    [{ surprise: 1 }, 400], [{ organization_id: 42 }, 400], [{ organization_id: '' }, 400], [{ organization_id: ['x'] }, 400],
    [{ metadata: [] }, 400], [{ metadata: 'x' }, 400], [{ metadata: { big: 'x'.repeat(70 * 1024) } }, 400],
    [{ user_id: 7 }, 400], [{ clerk_session_id: null }, 400], ['{"organization_id":', 400], ['[1,2]', 400], ['"text"', 400],
    ['null', 400], [`{"metadata":${'['.repeat(5000)}`, 400],
  ];
  for (const [body, status] of cases) {
    const answer = await postSession(token, body);
    expectProblem(assert, answer, status, typeof body === 'string' ? body.slice(0, 30) : JSON.stringify(body).slice(0, 60));
  }
  expectProblem(assert, await postSession(token, 'organization_id=x', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415);
  expectProblem(assert, await postSession(token, { metadata: { blob: 'x'.repeat(1024 * 1024 + 10) } }), 413);
  // A token without a sid has no session to create.
  const noSid = await api.token('mallory', { claims: { sid: undefined } });
  expectProblem(assert, await postSession(noSid, {}), 400, 'no sid');
  expectProblem(assert, await api.call('POST', '/api/v1/sessions', { token: null, body: {} }), 401);
  // Nothing was written by any of it.
  assert.deepEqual((await api.call('GET', '/api/v1/sessions', { token })).json.data, []);
});
