// Forward auth through real proxies with the shipped configurations (packaging/proxy/), a real MCP
// server and the real MCP client of @modelcontextprotocol/sdk: the README's "Gateway authorization"
// set-up, end to end. Each proxy runs the same cases.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../integration/fixture.mjs';
import { startApiServer } from './api_harness.mjs';
import { startCaddy, startMcpServer, startNginx, useMcpServer } from './proxy_support.mjs';

const proxies = { nginx: startNginx, caddy: startCaddy };
const PUBLIC = 'https://mcp.example.com';
const ISSUER = 'https://clerk.example.test';

for (const [proxyName, startProxy] of Object.entries(proxies)) {
  describe(`forward auth through ${proxyName}`, () => {
    let api, proxy, github, git, tmp, acme, beta, acmeKey, betaKey;

    before(async () => {
      tmp = tempDir(`mcp-admin-${proxyName}-`);
      // The public origin only names URLs in the metadata and the 401; the test reaches the proxy by its port.
      api = await startApiServer({ args: ['--public-url', PUBLIC, '--clerk-issuer', ISSUER] });
      github = await startMcpServer('github');
      git = await startMcpServer('git');
      acme = await api.tenant(`${proxyName}acme`, []);
      beta = await api.tenant(`${proxyName}beta`, []);
      // acme may use github only; beta may use git only.
      let enabled = await api.call('PUT', `/api/v1/organizations/${acme.id}/services/github`, { body: { config: { repo: 'acme/app' } } });
      assert.equal(enabled.status, 200, enabled.text);
      enabled = await api.call('PUT', `/api/v1/organizations/${beta.id}/services/git`, { body: { config: {} } });
      assert.equal(enabled.status, 200, enabled.text);
      acmeKey = (await api.apiKey(acme.id, 'MEMBER')).key;
      betaKey = (await api.apiKey(beta.id, 'MEMBER')).key;
      const adminPort = new URL(api.baseUrl).port;
      proxy = await startProxy({ dir: tmp.dir, adminPort, upstreams: { github: github.port, git: git.port } });
    });

    after(async () => {
      await proxy?.stop();
      await github?.close();
      await git?.close();
      await api?.close();
      tmp?.cleanup();
    });

    test('an enabled organization\'s key reaches the MCP server, which sees the identity and not the key', async () => {
      const seenBefore = github.requests.length;
      const { tools, identity } = await useMcpServer(`${proxy.url}/mcp/github/`, { Authorization: `Bearer ${acmeKey}` });
      assert.deepEqual(tools, ['whoami']);
      assert.deepEqual(identity, { server: 'github', note: 'hello', organization: acme.id, role: 'MEMBER', user: null });
      const seen = github.requests.slice(seenBefore);
      assert.ok(seen.length >= 3, `initialize, tools/list and tools/call reached the server: ${seen.length}`);
      for (const { headers } of seen) {
        assert.equal(headers.authorization, undefined, 'the credential stays at the edge');
        assert.equal(headers['x-mcp-server'], 'github');
      }
    });

    test('an organization-scoped URI (/orgs/ORG/mcp/SLUG/) reaches the same server for that organization\'s key, and no other\'s', async () => {
      const slugOf = async (org) => (await api.call('GET', `/api/v1/organizations/${org.id}`)).json.slug;
      const [acmeSlug, betaSlug] = [await slugOf(acme), await slugOf(beta)];
      const seenBefore = github.requests.length;
      const { tools, identity } = await useMcpServer(`${proxy.url}/orgs/${acmeSlug}/mcp/github/`, { Authorization: `Bearer ${acmeKey}` });
      assert.deepEqual(tools, ['whoami']);
      assert.equal(identity.organization, acme.id);
      assert.ok(github.requests.length > seenBefore, 'the requests reached the github server');
      // acme's key under beta's URI (beta has not enabled github either way): refused; so is beta's
      // key under acme's, although acme has github.
      await assert.rejects(useMcpServer(`${proxy.url}/orgs/${betaSlug}/mcp/github/`, { Authorization: `Bearer ${acmeKey}` }), /403/);
      await assert.rejects(useMcpServer(`${proxy.url}/orgs/${acmeSlug}/mcp/github/`, { Authorization: `Bearer ${betaKey}` }), /403/);
      const raw = await fetch(`${proxy.url}/orgs/${acmeSlug}/mcp/github/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      assert.equal(raw.status, 401);
      assert.equal(raw.headers.get('www-authenticate'),
        `Bearer resource_metadata="${PUBLIC}/.well-known/oauth-protected-resource/orgs/${acmeSlug}/mcp/github"`);
      const metadata = await fetch(`${proxy.url}/.well-known/oauth-protected-resource/orgs/${acmeSlug}/mcp/github`);
      assert.equal(metadata.status, 200);
      assert.equal((await metadata.json()).resource, `${PUBLIC}/orgs/${acmeSlug}/mcp/github`);
    });

    test('per-tool decisions: Mcp-Method / Mcp-Name reach mcp-admin through the proxy; a denied tool is 403 before the server', async () => {
      const path = `/api/v1/organizations/${acme.id}/services/github`;
      let put = await api.call('PUT', path, { body: { tool_policy: { deny: ['whoami'] } } });
      assert.equal(put.status, 200, put.text);
      try {
        const seenBefore = github.requests.length;
        // Listing is not a call: it goes through; the call of a denied tool does not.
        await assert.rejects(useMcpServer(`${proxy.url}/mcp/github/`, { Authorization: `Bearer ${acmeKey}` }, { methodHeaders: true }), /403/);
        const reached = github.requests.slice(seenBefore).map((r) => r.headers['mcp-method']);
        assert.ok(reached.includes('tools/list'), `tools/list reached the server: ${reached}`);
        assert.ok(!reached.includes('tools/call'), 'the denied call never reached the server');
        put = await api.call('PUT', path, { body: { tool_policy: { allow: ['who*'], require_method_headers: true } } });
        assert.equal(put.status, 200, put.text);
        const { identity } = await useMcpServer(`${proxy.url}/mcp/github/`, { Authorization: `Bearer ${acmeKey}` }, { methodHeaders: true });
        assert.equal(identity.organization, acme.id);
        // require_method_headers: a client without them is refused.
        await assert.rejects(useMcpServer(`${proxy.url}/mcp/github/`, { Authorization: `Bearer ${acmeKey}` }), /403/);
      } finally {
        put = await api.call('PUT', path, { body: { tool_policy: null } });
        assert.equal(put.status, 200, put.text);
      }
    });

    test('X-API-Key works as well as Authorization', async () => {
      const { identity } = await useMcpServer(`${proxy.url}/mcp/git/`, { 'X-API-Key': betaKey });
      assert.equal(identity.organization, beta.id);
      assert.equal(identity.server, 'git');
    });

    test('without a credential the client gets 401 with WWW-Authenticate: Bearer, and nothing reaches the server', async () => {
      const seenBefore = github.requests.length;
      await assert.rejects(useMcpServer(`${proxy.url}/mcp/github/`), /401/);
      const raw = await fetch(`${proxy.url}/mcp/github/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      assert.equal(raw.status, 401);
      assert.equal(raw.headers.get('www-authenticate'),
        `Bearer resource_metadata="${PUBLIC}/.well-known/oauth-protected-resource/mcp/github"`);
      assert.equal(github.requests.length, seenBefore);
    });

    test('the metadata the 401 names is served through the proxy (OAuth discovery)', async () => {
      const metadata = await fetch(`${proxy.url}/.well-known/oauth-protected-resource/mcp/github`);
      assert.equal(metadata.status, 200);
      const document = await metadata.json();
      assert.equal(document.resource, `${PUBLIC}/mcp/github`);
      assert.deepEqual(document.authorization_servers, [ISSUER]);
      const refused = await fetch(`${proxy.url}/mcp/github/`, { method: 'POST', headers: { Authorization: 'Bearer mcp_sk_unknown' }, body: '{}' });
      assert.equal(refused.status, 401);
      assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    });

    test('a server the organization has not enabled is 403', async () => {
      await assert.rejects(useMcpServer(`${proxy.url}/mcp/git/`, { Authorization: `Bearer ${acmeKey}` }), /403/);
      await assert.rejects(useMcpServer(`${proxy.url}/mcp/github/`, { Authorization: `Bearer ${betaKey}` }), /403/);
    });

    test('identity headers a client sends itself never reach the MCP server', async () => {
      const { identity } = await useMcpServer(`${proxy.url}/mcp/github/`, {
        Authorization: `Bearer ${acmeKey}`, 'X-MCP-Organization': beta.id, 'X-MCP-Role': 'ADMIN', 'X-MCP-User': 'user_evil',
      });
      assert.equal(identity.organization, acme.id);
      assert.equal(identity.role, 'MEMBER');
      assert.equal(identity.user, null);
    });

    // Caddy's forward_auth keeps the client's query string on the authorize call: the forwarded URI
    // decides, and a ?server= naming another server is refused (400), never believed.
    test('a ?server= in the client\'s own query string cannot authorize another server than the path\'s', async () => {
      // beta may use git, not github: naming git in the query of a github URL must not get it through.
      const seenBefore = github.requests.length;
      const raw = await fetch(`${proxy.url}/mcp/github/?server=git`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${betaKey}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      assert.notEqual(raw.status, 200, `answered ${raw.status}: ${await raw.text()}`);
      assert.equal(github.requests.length, seenBefore, 'the request must not reach the github MCP server');
    });
  });
}
