// The MCP SDK's own OAuth discovery, end to end: the real client of @modelcontextprotocol/sdk, given
// no credential at all, connects to an MCP server through real nginx (the shipped configuration),
// reads resource_metadata from the gateway's 401, fetches mcp-admin's protected-resource metadata,
// finds Clerk there, registers itself, has the user approve, gets an access token for the resource
// and lists and calls tools as that user. Clerk's authorization server is the stand-in of
// clerk_oauth_standin.mjs, signing with the key mcp-admin verifies with. README: "MCP clients:
// OAuth discovery" and "Gateway authorization".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  UnauthorizedError, auth, discoverAuthorizationServerMetadata, exchangeAuthorization, registerClient, startAuthorization,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { logLines, tempDir } from '../integration/fixture.mjs';
import { rsaKeys, startApiServer } from './api_harness.mjs';
import { membershipCreated, userId } from './clerk_payloads.mjs';
import { startClerkOAuthStandin } from './clerk_oauth_standin.mjs';
import { startMcpServer, startNginx, useMcpServer } from './proxy_support.mjs';

// The client's loopback callback (RFC 8252). Nothing listens there: the "browser" of the test reads
// the code from the authorization server's redirect instead of following it.
const REDIRECT_URL = 'http://127.0.0.1:8976/oauth/callback';
const STEP_MS = 5000;

// Every request the SDK makes (the MCP transport's and its OAuth discovery's), in order.
const fetched = [];
async function recordingFetch(input, init) {
  const response = await fetch(input, init);
  fetched.push({ method: init?.method ?? 'GET', url: String(input), status: response.status, challenge: response.headers.get('www-authenticate') });
  return response;
}

// An MCP client's OAuth state, kept in memory as the SDK's OAuthClientProvider asks. The user's
// approval happens in redirectToAuthorization: the stand-in signs its user in and redirects back
// with the code at once.
class DiscoveringProvider {
  constructor({ authMethod = 'none' } = {}) {
    this.authMethod = authMethod;  // 'none': a public client, as desktop MCP clients register
    this.client = undefined;
    this.saved = undefined;
    this.verifier = undefined;
    this.sentState = undefined;
    this.authorizationUrl = undefined;
    this.code = undefined;
  }

  get redirectUrl() { return REDIRECT_URL; }

  get clientMetadata() {
    return {
      client_name: 'mcp-admin discovery test',
      redirect_uris: [REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: this.authMethod,
    };
  }

  state() {
    this.sentState = randomBytes(16).toString('base64url');
    return this.sentState;
  }

  clientInformation() { return this.client; }
  saveClientInformation(information) { this.client = information; }
  tokens() { return this.saved; }
  saveTokens(tokens) { this.saved = tokens; }
  saveCodeVerifier(verifier) { this.verifier = verifier; }
  codeVerifier() { return this.verifier; }

  async redirectToAuthorization(url) {
    this.authorizationUrl = url;
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(STEP_MS) });
    assert.equal(response.status, 302, `the authorization endpoint answered ${response.status}: ${await response.text()}`);
    const back = new URL(response.headers.get('location'));
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT_URL, 'redirected to the registered callback');
    assert.equal(back.searchParams.get('error'), null, `the authorization was refused: ${back.search}`);
    assert.equal(back.searchParams.get('state'), this.sentState, 'the state comes back unchanged');
    this.code = back.searchParams.get('code');
  }
}

const newClient = () => new Client({ name: 'mcp-admin-discovery-test', version: '1.0.0' });
const transportTo = (url, provider) => new StreamableHTTPClientTransport(new URL(url), { authProvider: provider, fetch: recordingFetch });

// What an MCP client does with no credential: the first connect ends in the SDK's
// UnauthorizedError once the user was sent to authorize; the code is exchanged (finishAuth) and a
// fresh client connects with the token. Resolves to the connected client.
async function connectByDiscovery(url, provider) {
  const transport = transportTo(url, provider);
  await assert.rejects(newClient().connect(transport), UnauthorizedError);
  assert.ok(provider.code, 'the user approved and the client holds a code');
  await transport.finishAuth(provider.code);
  const client = newClient();
  await client.connect(transportTo(url, provider));
  return client;
}

async function whoami(client) {
  const { tools } = await client.listTools();
  const result = await client.callTool({ name: 'whoami', arguments: { note: 'discovered' } });
  return { tools: tools.map((tool) => tool.name), identity: JSON.parse(result.content[0].text) };
}

// Asserts that `expected` ("METHOD URL STATUS" strings) occur in `seen` in this order, others between.
function assertInOrder(seen, expected) {
  let at = 0;
  for (const entry of seen) if (at < expected.length && entry === expected[at]) at += 1;
  assert.equal(at, expected.length, `missing ${expected[at]} (in order) among:\n${seen.join('\n')}`);
}

// serve picks its port as it starts (the harness passes --port 0) and must already know its public
// URL, nginx's origin; startNginx picks nginx's port and needs the admin port first. A loopback TCP
// relay breaks the circle: nginx is pointed at the relay, the relay at mcp-admin once it listens.
async function startRelay() {
  let target;
  const sockets = new Set();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(target, '127.0.0.1');
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => { inbound.destroy(); outbound.destroy(); });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    pointAt(port) { target = Number(port); },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('MCP SDK client: OAuth discovery through nginx against a Clerk authorization-server stand-in', () => {
  let tmp, keys, clerk, github, git, relay, proxy, api, PUBLIC, acme, beta, acmeSlug, betaSlug, adaId, beaId;

  before(async () => {
    tmp = tempDir('mcp-admin-oauth-discovery-');
    keys = await rsaKeys();
    clerk = await startClerkOAuthStandin({ keys, userId: userId('ada') });
    github = await startMcpServer('github');
    git = await startMcpServer('git');
    relay = await startRelay();
    proxy = await startNginx({ dir: tmp.dir, adminPort: relay.port, upstreams: { github: github.port, git: git.port } });
    PUBLIC = proxy.url;
    api = await startApiServer({ keys, dir: tmp.dir, args: ['--public-url', PUBLIC, '--clerk-issuer', clerk.url] });
    relay.pointAt(new URL(api.baseUrl).port);

    // ada is in acme only; bea is in acme and beta, and both organizations use github.
    acme = await api.tenant('discacme', [{ name: 'ada', role: 'org:member' }, { name: 'bea', role: 'org:member' }]);
    beta = await api.tenant('discbeta', []);
    const joined = await api.post(api.nextSvixId(), membershipCreated({ name: 'discbeta_bea', role: 'org:admin', org: { name: 'discbeta' }, user: { name: 'bea' } }));
    assert.equal(joined.status, 200, joined.text);
    for (const org of [acme, beta]) {
      const enabled = await api.call('PUT', `/api/v1/organizations/${org.id}/services/github`, { body: { config: {} } });
      assert.equal(enabled.status, 200, enabled.text);
    }
    acmeSlug = (await api.call('GET', `/api/v1/organizations/${acme.id}`)).json.slug;
    betaSlug = (await api.call('GET', `/api/v1/organizations/${beta.id}`)).json.slug;
    adaId = (await api.call('GET', `/api/v1/users/${userId('ada')}`)).json.id;
    beaId = (await api.call('GET', `/api/v1/users/${userId('bea')}`)).json.id;
    assert.ok(acmeSlug && betaSlug && adaId && beaId);
  }, { timeout: 60_000 });

  after(async () => {
    await proxy?.stop();
    await relay?.close();
    await api?.close();
    await github?.close();
    await git?.close();
    await clerk?.close();
    tmp?.cleanup();
  });

  test('with no credential, the client discovers Clerk from the 401, registers, is approved and acts as the user in their organization', { timeout: 30_000 }, async () => {
    clerk.signIn(userId('ada'));
    const url = `${PUBLIC}/mcp/github/`;
    const provider = new DiscoveringProvider();
    const before = { clerk: clerk.requests.length, fetched: fetched.length, github: github.requests.length };
    const client = await connectByDiscovery(url, provider);
    try {
      const { tools, identity } = await whoami(client);
      assert.deepEqual(tools, ['whoami']);
      assert.deepEqual(identity, { server: 'github', note: 'discovered', organization: acme.id, role: 'MEMBER', user: adaId });
    } finally {
      await client.close();
    }

    // The path the SDK took: the gateway's 401 through nginx named the metadata, which was read
    // through nginx, which named the stand-in; then registration, the token, and the MCP requests.
    const metadataUrl = `${PUBLIC}/.well-known/oauth-protected-resource/mcp/github`;
    const seen = fetched.slice(before.fetched);
    assert.equal(seen[0].status, 401);
    assert.equal(seen[0].challenge, `Bearer resource_metadata="${metadataUrl}"`);
    assertInOrder(seen.map((r) => `${r.method} ${r.url} ${r.status}`), [
      `POST ${url} 401`,
      `GET ${metadataUrl} 200`,
      `GET ${clerk.url}/.well-known/oauth-authorization-server 200`,
      `POST ${clerk.url}/oauth/register 201`,
      `POST ${clerk.url}/oauth/token 200`,
      `POST ${url} 200`,
    ]);
    assertInOrder(clerk.requests.slice(before.clerk).map((r) => `${r.method} ${r.path} ${r.status}`), [
      'GET /.well-known/oauth-authorization-server 200',
      'POST /oauth/register 201',
      'GET /oauth/authorize 302',
      'POST /oauth/token 200',
    ]);
    // mcp-admin itself served the metadata (reached only through nginx: the client knows no other address).
    const served = logLines(api.stderr()).filter((line) => line.msg === 'request' && line.path === '/.well-known/oauth-protected-resource/mcp/github');
    assert.ok(served.some((line) => line.status === 200), 'mcp-admin served the protected-resource metadata');

    // The client asked for, and got, a token for exactly the resource the metadata named.
    assert.equal(provider.authorizationUrl.searchParams.get('resource'), `${PUBLIC}/mcp/github`);
    assert.equal(provider.authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(decodeProtectedHeader(provider.saved.access_token).typ, 'at+jwt');
    const claims = decodeJwt(provider.saved.access_token);
    assert.equal(claims.aud, `${PUBLIC}/mcp/github`);
    assert.equal(claims.iss, clerk.url);
    assert.equal(claims.sub, userId('ada'));
    assert.equal(claims.client_id, provider.client.client_id);
    assert.equal(claims.scope, 'profile email');

    // The MCP server saw the identity and never the token.
    const reached = github.requests.slice(before.github);
    assert.ok(reached.length >= 3, `initialize, tools/list and tools/call reached the server: ${reached.length}`);
    for (const { headers } of reached) {
      assert.equal(headers.authorization, undefined, 'the token stays at the edge');
      assert.equal(headers['x-mcp-organization'], acme.id);
      assert.equal(headers['x-mcp-user'], adaId);
    }

    // Later on the SDK refreshes (refresh_token grant, same resource) instead of asking the user again.
    const first = claims.jti;
    const authorizeCalls = clerk.requests.filter((r) => r.path === '/oauth/authorize').length;
    assert.equal(await auth(provider, { serverUrl: url, fetchFn: recordingFetch }), 'AUTHORIZED');
    assert.equal(clerk.requests.filter((r) => r.path === '/oauth/authorize').length, authorizeCalls, 'no new approval');
    const refreshed = decodeJwt(provider.saved.access_token);
    assert.notEqual(refreshed.jti, first);
    assert.equal(refreshed.aud, `${PUBLIC}/mcp/github`);
    const again = newClient();
    await again.connect(transportTo(url, provider));
    try {
      assert.equal((await whoami(again)).identity.user, adaId);
    } finally {
      await again.close();
    }
  });

  test('a user in two organizations connects through the organization-scoped URI and acts for that organization', { timeout: 30_000 }, async () => {
    clerk.signIn(userId('bea'));
    const url = `${PUBLIC}/orgs/${betaSlug}/mcp/github/`;
    // A confidential client this time (client_secret_basic at the token endpoint).
    const provider = new DiscoveringProvider({ authMethod: 'client_secret_basic' });
    const before = fetched.length;
    const client = await connectByDiscovery(url, provider);
    try {
      const { identity } = await whoami(client);
      assert.deepEqual(identity, { server: 'github', note: 'discovered', organization: beta.id, role: 'ADMIN', user: beaId });
    } finally {
      await client.close();
    }
    assert.ok(provider.client.client_secret, 'the stand-in gave the confidential client a secret');
    const metadataUrl = `${PUBLIC}/.well-known/oauth-protected-resource/orgs/${betaSlug}/mcp/github`;
    assert.ok(fetched.slice(before).some((r) => r.url === metadataUrl && r.status === 200), 'the organization-scoped metadata was read');
    assert.equal(decodeJwt(provider.saved.access_token).aud, `${PUBLIC}/orgs/${betaSlug}/mcp/github`);

    // The same discovery on the plain URI gets her a token for <public>/mcp/github, and the gateway
    // cannot tell which of her two organizations she acts for: 403 (README: such a user's client
    // uses the organization-scoped URI).
    const plain = new DiscoveringProvider();
    const refused = await connectByDiscovery(`${PUBLIC}/mcp/github/`, plain).then(
      (connected) => connected.close().then(() => assert.fail('connected although the organization is ambiguous')),
      (error) => error);
    assert.equal(refused.code, 403, String(refused));
    assert.equal(decodeJwt(plain.saved.access_token).aud, `${PUBLIC}/mcp/github`);
  });

  test('a token the stand-in minted for another resource is refused 401 (invalid_token) by the gateway', { timeout: 30_000 }, async () => {
    clerk.signIn(userId('ada'));
    // Obtained through the stand-in's real endpoints with the SDK's own building blocks, asking
    // for the wrong resource, as a confused or malicious client would.
    const tokenFor = async (resource) => {
      const metadata = await discoverAuthorizationServerMetadata(clerk.url);
      const provider = new DiscoveringProvider();
      const clientInformation = await registerClient(clerk.url, { metadata, clientMetadata: provider.clientMetadata });
      const { authorizationUrl, codeVerifier } = await startAuthorization(clerk.url,
        { metadata, clientInformation, redirectUrl: REDIRECT_URL, scope: 'profile email', state: provider.state(), resource });
      await provider.redirectToAuthorization(authorizationUrl);
      const tokens = await exchangeAuthorization(clerk.url,
        { metadata, clientInformation, authorizationCode: provider.code, codeVerifier, redirectUri: REDIRECT_URL, resource });
      assert.equal(decodeJwt(tokens.access_token).aud, resource);
      return tokens.access_token;
    };
    const metadataUrl = `${PUBLIC}/.well-known/oauth-protected-resource/mcp/github`;
    for (const resource of [`${PUBLIC}/mcp/git`, `${PUBLIC}/orgs/${acmeSlug}/mcp/github`, 'https://api.example.com/']) {
      const token = await tokenFor(resource);
      const seenBefore = github.requests.length;
      const response = await fetch(`${PUBLIC}/mcp/github/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
        signal: AbortSignal.timeout(STEP_MS),
      });
      assert.equal(response.status, 401, `${resource}: ${await response.text()}`);
      const challenge = response.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /^Bearer /, resource);
      assert.ok(challenge.includes(`resource_metadata="${metadataUrl}"`), `${resource}: ${challenge}`);
      assert.match(challenge, /error="invalid_token"/, resource);
      // The SDK client holding it as a plain credential is refused the same way.
      await assert.rejects(useMcpServer(`${PUBLIC}/mcp/github/`, { Authorization: `Bearer ${token}` }), /401/);
      assert.equal(github.requests.length, seenBefore, `${resource}: nothing reached the MCP server`);
      if (resource.includes('/orgs/')) {
        // The same token is good where its audience points: only the audience was wrong.
        const { identity } = await useMcpServer(`${PUBLIC}/orgs/${acmeSlug}/mcp/github/`, { Authorization: `Bearer ${token}` });
        assert.equal(identity.organization, acme.id);
        assert.equal(identity.user, adaId);
      }
    }
  });
});
