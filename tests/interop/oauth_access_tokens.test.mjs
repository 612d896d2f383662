// OAuth access tokens (RFC 9068, typ at+jwt) that Clerk issues to MCP clients, through the binary:
// the gateway takes them when their audience names <public>/mcp/{server} and finds the organization
// as the README says (the token's claim, else the user's only organization with the server
// enabled); the admin API takes them only for the platform's own resource (<public>). Signed with
// jose by the test's key, as Clerk signs them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { membershipCreated, membershipDeleted, userId } from './clerk_payloads.mjs';
import { expectProblem, request, startApiServer } from './api_harness.mjs';

const PUBLIC = 'https://mcp.example.com';
const ISSUER = 'https://clerk.example.test';
const AUTHORIZE = '/api/v1/gateway/authorize';

function accessToken(api, name, { aud = `${PUBLIC}/mcp/github`, iss = ISSUER, exp, claims = {}, typ = 'at+jwt' } = {}) {
  const now = Math.floor(Date.now() / 1000);
  // jti: each token its own string, so that no answer comes from the gateway's decision cache.
  const payload = { client_id: 'mcp_client_test', scope: 'profile email', jti: randomUUID(), ...claims };
  if (aud !== null) payload.aud = aud;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: api.keys.kid, typ })
    .setSubject(userId(name)).setIssuer(iss).setIssuedAt(now).setExpirationTime(exp ?? now + 60)
    .sign(api.keys.privateKey);
}

const authorize = (api, token, server = 'github') =>
  request(api.baseUrl, 'GET', `${AUTHORIZE}?server=${server}`, { token });

describe('OAuth access tokens', () => {
  let api, acme, beta;
  before(async () => {
    api = await startApiServer({ args: ['--public-url', PUBLIC, '--clerk-issuer', ISSUER] });
    acme = await api.tenant('oauthacme', [{ name: 'olga', role: 'org:member' }, { name: 'omar', role: 'org:member' }]);
    beta = await api.tenant('oauthbeta', []);
    for (const org of [acme, beta]) {
      const enabled = await api.call('PUT', `/api/v1/organizations/${org.id}/services/github`, { body: { config: { org: org.orgClerkId } } });
      assert.equal(enabled.status, 200, enabled.text);
    }
  });
  after(async () => { await api?.close(); });

  test('a token whose audience names the server acts for its user in their only organization with it', async () => {
    const response = await authorize(api, await accessToken(api, 'olga'));
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json.organization_id, acme.id);
    assert.equal(response.json.role, 'MEMBER');
    assert.ok(response.json.user_id);
    assert.deepEqual(response.json.config, { org: acme.orgClerkId });
    // An array audience counts when one of its entries names the resource.
    const listed = await authorize(api, await accessToken(api, 'olga', { aud: ['https://other.example', `${PUBLIC}/mcp/github`] }));
    assert.equal(listed.status, 200, listed.text);
  });

  test('wrong audience, no audience, wrong issuer, expired: 401 with invalid_token', async () => {
    const cases = [
      [{ aud: `${PUBLIC}/mcp/git` }, /does not name https:\/\/mcp\.example\.com\/mcp\/github/],
      [{ aud: 'https://another-service.example' }, /does not name/],
      [{ aud: null }, /no audience/],
      [{ iss: 'https://other.clerk.accounts.dev' }, /not issued by/],
      [{ exp: Math.floor(Date.now() / 1000) - 120 }, /expired/],
    ];
    for (const [options, message] of cases) {
      const response = await authorize(api, await accessToken(api, 'olga', options));
      const problem = expectProblem(assert, response, 401, JSON.stringify(options));
      assert.match(problem.detail, message);
      assert.match(response.headers['www-authenticate'], /error="invalid_token"/);
      assert.match(response.headers['www-authenticate'], /resource_metadata="https:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource\/mcp\/github"/);
    }
  });

  test('a user in two organizations with the server needs a token that names one', async () => {
    const joined = await api.post(api.nextSvixId(), membershipCreated({ name: 'oauthbeta_olga', role: 'org:admin', org: { name: 'oauthbeta' }, user: { name: 'olga' } }));
    assert.equal(joined.status, 200, joined.text);
    const ambiguous = await authorize(api, await accessToken(api, 'olga'));
    assert.match(expectProblem(assert, ambiguous, 403).detail, /several/);
    const named = await authorize(api, await accessToken(api, 'olga', { claims: { o: { id: beta.orgClerkId, rol: 'admin', slg: 'oauthbeta' }, v: 2 } }));
    assert.equal(named.status, 200, named.text);
    assert.equal(named.json.organization_id, beta.id);
    assert.equal(named.json.role, 'ADMIN');

    // Or the organization-scoped URI: a client that discovered <public>/orgs/{org}/mcp/github asks
    // Clerk for a token of that resource, and the URI names the organization.
    const betaSlug = (await api.call('GET', `/api/v1/organizations/${beta.id}`)).json.slug;
    const scopedResource = `${PUBLIC}/orgs/${betaSlug}/mcp/github`;
    const atScoped = async (token) => request(api.baseUrl, 'GET', AUTHORIZE,
      { token, headers: { 'X-Forwarded-Uri': `/orgs/${betaSlug}/mcp/github/mcp` } });
    const scoped = await atScoped(await accessToken(api, 'olga', { aud: scopedResource }));
    assert.equal(scoped.status, 200, scoped.text);
    assert.equal(scoped.json.organization_id, beta.id);
    assert.equal(scoped.json.role, 'ADMIN');
    // Each token for its own resource: the plain one's token under the scoped URI, and back, are 401.
    const plainToken = await atScoped(await accessToken(api, 'olga'));
    assert.match(expectProblem(assert, plainToken, 401).detail, new RegExp(`does not name ${scopedResource.replaceAll('.', '\\.')}`));
    assert.match(plainToken.headers['www-authenticate'],
      new RegExp(`resource_metadata="${PUBLIC.replaceAll('.', '\\.')}/\\.well-known/oauth-protected-resource/orgs/${betaSlug}/mcp/github"`));
    expectProblem(assert, await authorize(api, await accessToken(api, 'olga', { aud: scopedResource })), 401);

    const left = await api.post(api.nextSvixId(), membershipDeleted({ name: 'oauthbeta_olga', role: 'org:admin', org: { name: 'oauthbeta' }, user: { name: 'olga' }, updatedAt: Date.now() + 1 }, { timestamp: Date.now() }));
    assert.equal(left.status, 200, left.text);
  });

  test('removed from the organization, or unknown here: refused', async () => {
    const removed = await api.post(api.nextSvixId(), membershipDeleted({ name: 'oauthacme_omar', role: 'org:member', org: { name: 'oauthacme' }, user: { name: 'omar' }, updatedAt: Date.now() + 1 }, { timestamp: Date.now() }));
    assert.equal(removed.status, 200, removed.text);
    expectProblem(assert, await authorize(api, await accessToken(api, 'omar')), 403);
    expectProblem(assert, await authorize(api, await accessToken(api, 'nobody_here')), 401);
  });

  test('the admin API takes an access token only for the platform itself', async () => {
    const forServer = await request(api.baseUrl, 'GET', '/api/v1/me', { token: await accessToken(api, 'olga') });
    assert.match(expectProblem(assert, forServer, 401).detail, /does not name https:\/\/mcp\.example\.com\./);
    const forPlatform = await request(api.baseUrl, 'GET', '/api/v1/me', { token: await accessToken(api, 'olga', { aud: PUBLIC }) });
    assert.equal(forPlatform.status, 200, forPlatform.text);
  });

  test('a change made through the admin API with an access token records its client_id in the audit trail', async () => {
    const gamma = await api.tenant('oauthgamma', [{ name: 'olga', role: 'org:admin' }]);
    const token = await accessToken(api, 'olga', { aud: PUBLIC, claims: { client_id: 'cursor_desktop', o: { id: gamma.orgClerkId, rol: 'admin', slg: 'oauthgamma' }, v: 2 } });
    const enabled = await request(api.baseUrl, 'PUT', `/api/v1/organizations/${gamma.id}/services/github`, { token, body: { config: { via: 'oauth' } } });
    assert.equal(enabled.status, 200, enabled.text);
    const rows = (await api.call('GET', `/api/v1/audit-logs?target_id=${enabled.json.id}`)).json.data;
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.equal(rows[0].action, 'organization_service.enabled');
    assert.equal(rows[0].actor_type, 'user');
    assert.equal(rows[0].client_id, 'cursor_desktop');
    // A key's or a session token's change has none.
    const keyed = (await api.call('GET', '/api/v1/audit-logs?limit=5')).json.data.filter((row) => row.actor_type === 'api_key');
    for (const row of keyed) assert.equal(row.client_id, null);
  });

  test('a session token is still a session token: no audience needed, its session decides', async () => {
    const session = await api.token('olga', { org: { id: acme.orgClerkId, role: 'org:member' } });
    const response = await authorize(api, session);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json.organization_id, acme.id);
  });
});

describe('OAuth access token settings', () => {
  test('without MCP_ADMIN_PUBLIC_URL no access token is accepted, saying what to set', async () => {
    const api = await startApiServer({ args: ['--clerk-issuer', ISSUER] });
    try {
      await api.tenant('oauthgamma', [{ name: 'gus', role: 'org:member' }]);
      const problem = expectProblem(assert, await authorize(api, await accessToken(api, 'gus')), 401);
      assert.match(problem.detail, /MCP_ADMIN_PUBLIC_URL/);
    } finally {
      await api.close();
    }
  });

  test('--oauth-allow-missing-audience lets a token without aud in, never one naming another resource', async () => {
    const api = await startApiServer({ args: ['--public-url', PUBLIC, '--clerk-issuer', ISSUER, '--oauth-allow-missing-audience', 'true'] });
    try {
      const org = await api.tenant('oauthdelta', [{ name: 'dina', role: 'org:member' }]);
      const enabled = await api.call('PUT', `/api/v1/organizations/${org.id}/services/github`, { body: { config: {} } });
      assert.equal(enabled.status, 200, enabled.text);
      const none = await authorize(api, await accessToken(api, 'dina', { aud: null }));
      assert.equal(none.status, 200, none.text);
      expectProblem(assert, await authorize(api, await accessToken(api, 'dina', { aud: 'https://another-service.example' })), 401);
    } finally {
      await api.close();
    }
  });
});
