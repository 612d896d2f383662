// MCP authorization's discovery side (README "MCP clients: OAuth discovery"): RFC 9728 protected-resource metadata built
// from MCP_ADMIN_PUBLIC_URL and CLERK_ISSUER (or the issuer a Clerk publishable key names), the
// settings' validation, and the issuer check on session tokens once the issuer is known.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { run } from '../integration/fixture.mjs';
import { userId } from './clerk_payloads.mjs';
import { expectProblem, request, startApiServer } from './api_harness.mjs';

const PUBLIC = 'http://127.0.0.1:8443';
const ISSUER = 'https://clerk.example.test';
const publishableKey = (host) => `pk_test_${Buffer.from(`${host}$`).toString('base64')}`;

describe('protected-resource metadata', () => {
  let api;
  before(async () => { api = await startApiServer({ args: ['--public-url', `${PUBLIC}/`, '--clerk-issuer', ISSUER] }); });
  after(async () => { await api?.close(); });

  test('an MCP server\'s metadata names its resource URL and Clerk', async () => {
    const response = await request(api.baseUrl, 'GET', '/.well-known/oauth-protected-resource/mcp/github');
    assert.equal(response.status, 200, response.text);
    assert.match(response.headers['content-type'], /^application\/json/);
    assert.equal(response.headers['access-control-allow-origin'], '*');
    assert.deepEqual(response.json, {
      resource: `${PUBLIC}/mcp/github`,
      authorization_servers: [ISSUER],
      bearer_methods_supported: ['header'],
      scopes_supported: ['profile', 'email'],
      resource_name: 'GitHub',
    });
  });

  test('the organization-scoped URI has its own resource; the bare path is the platform', async () => {
    const scoped = await request(api.baseUrl, 'GET', '/.well-known/oauth-protected-resource/orgs/acme/mcp/git');
    assert.equal(scoped.status, 200, scoped.text);
    assert.equal(scoped.json.resource, `${PUBLIC}/orgs/acme/mcp/git`);
    const bare = await request(api.baseUrl, 'GET', '/.well-known/oauth-protected-resource');
    assert.equal(bare.status, 200, bare.text);
    assert.equal(bare.json.resource, PUBLIC);
    assert.deepEqual(bare.json.authorization_servers, [ISSUER]);
  });

  test('the gateway\'s 401 names the server\'s metadata, and invalid_token when a credential was refused', async () => {
    const none = await request(api.baseUrl, 'GET', '/api/v1/gateway/authorize', { headers: { 'X-Forwarded-Uri': '/mcp/github/mcp' } });
    expectProblem(assert, none, 401);
    const metadataUrl = `${PUBLIC}/.well-known/oauth-protected-resource/mcp/github`;
    assert.equal(none.headers['www-authenticate'], `Bearer resource_metadata="${metadataUrl}"`);
    // The URL it names is served here, under the configured public origin.
    const metadata = await request(api.baseUrl, 'GET', new URL(metadataUrl).pathname);
    assert.equal(metadata.status, 200, metadata.text);
    assert.equal(metadata.json.resource, `${PUBLIC}/mcp/github`);

    const refused = await request(api.baseUrl, 'GET', '/api/v1/gateway/authorize?server=github',
      { headers: { Authorization: 'Bearer mcp_sk_not_a_key_that_exists_here_0000000000' } });
    expectProblem(assert, refused, 401);
    assert.equal(refused.headers['www-authenticate'], `Bearer resource_metadata="${metadataUrl}", error="invalid_token"`);
  });

  test('unknown and inactive servers are 404 problems', async () => {
    expectProblem(assert, await request(api.baseUrl, 'GET', '/.well-known/oauth-protected-resource/mcp/nope'), 404);
    const deactivated = await api.call('PATCH', '/api/v1/mcp-servers/time', { body: { is_active: false } });
    assert.equal(deactivated.status, 200, deactivated.text);
    expectProblem(assert, await request(api.baseUrl, 'GET', '/.well-known/oauth-protected-resource/mcp/time'), 404);
  });

  test('a session token from another issuer is refused once the issuer is known', async () => {
    await api.tenant('metaorg', [{ name: 'mia', role: 'org:member' }]);
    // api_harness signs tokens with iss https://clerk.example.test, the configured issuer.
    const good = await api.call('GET', '/api/v1/me', { token: await api.token('mia') });
    assert.equal(good.status, 200, good.text);
    const now = Math.floor(Date.now() / 1000);
    const foreignToken = await new SignJWT({ sid: 'sess_mia', azp: 'http://localhost:3000' })
      .setProtectedHeader({ alg: 'RS256', kid: api.keys.kid, typ: 'JWT' })
      .setSubject(userId('mia')).setIssuer('https://other.clerk.accounts.dev').setIssuedAt(now).setExpirationTime(now + 60)
      .sign(api.keys.privateKey);
    const foreign = await api.call('GET', '/api/v1/me', { token: foreignToken });
    const problem = expectProblem(assert, foreign, 401);
    assert.match(problem.detail, /not issued by https:\/\/clerk\.example\.test/);
  });
});

describe('metadata settings', () => {
  test('without MCP_ADMIN_PUBLIC_URL there is no metadata, and the 404 says what to set', async () => {
    const api = await startApiServer();
    try {
      const problem = expectProblem(assert, await request(api.baseUrl, 'GET', '/.well-known/oauth-protected-resource/mcp/github'), 404);
      assert.match(problem.detail, /MCP_ADMIN_PUBLIC_URL/);
      // The gateway's 401 then names no metadata: a plain Bearer challenge.
      const denied = await request(api.baseUrl, 'GET', '/api/v1/gateway/authorize?server=github');
      expectProblem(assert, denied, 401);
      assert.equal(denied.headers['www-authenticate'], 'Bearer');
    } finally {
      await api.close();
    }
  });

  test('the issuer comes from NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY when CLERK_ISSUER is not set', async () => {
    const api = await startApiServer({ args: ['--public-url', PUBLIC], env: { NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: publishableKey('clerk.derived.test') } });
    try {
      const response = await request(api.baseUrl, 'GET', '/.well-known/oauth-protected-resource/mcp/github');
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json.authorization_servers, ['https://clerk.derived.test']);
    } finally {
      await api.close();
    }
  });

  test('the seed template\'s placeholder publishable key is ignored, not an error', async () => {
    const api = await startApiServer({ args: ['--public-url', PUBLIC], env: { NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: 'pk_test_...' } });
    try {
      const problem = expectProblem(assert, await request(api.baseUrl, 'GET', '/.well-known/oauth-protected-resource/mcp/github'), 404);
      assert.match(problem.detail, /CLERK_ISSUER/);
    } finally {
      await api.close();
    }
  });

  for (const [flag, value, message] of [
    ['--public-url', 'ftp://mcp.example.com', /MCP_ADMIN_PUBLIC_URL .* is not an http\(s\) URL/],
    ['--public-url', 'http://mcp.example.com', /MCP_ADMIN_PUBLIC_URL .* must use https/],
    ['--public-url', 'https://mcp.example.com/gateway', /must be an origin without a path/],
    ['--public-url', 'https://mcp.example.com?x=1', /must not have a query/],
    ['--clerk-issuer', 'clerk.example.com', /CLERK_ISSUER .* is not an http\(s\) URL/],
    ['--oauth-allow-missing-audience', 'maybe', /MCP_ADMIN_OAUTH_ALLOW_MISSING_AUDIENCE 'maybe'/],
  ]) {
    test(`${flag} ${value} is refused with exit 2`, () => {
      const result = run(['serve', '--port', '0', '--database', ':memory:', flag, value]);
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    });
  }
});
