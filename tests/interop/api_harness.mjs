// One mcp-admin server set up for admin-API tests: a platform-admin bootstrap key, an RS256 key
// pair whose public half is CLERK_JWT_KEY (tokens are signed with the real `jose`, as Clerk would),
// the Clerk webhook secret (tenants are created the way production creates them: signed
// webhooks), and the seed's MCP servers.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { startWebhookServer } from './harness.mjs';
import { membershipCreated, organizationCreated, orgId, userCreated, userId } from './clerk_payloads.mjs';

export const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

// A fresh API key in mcp-admin's format (for the bootstrap key and for "unknown key" cases).
export const randomApiKey = () => `mcp_sk_${randomBytes(32).toString('base64url')}`;

let svixCounter = 0;
const nextSvixId = () => `msg_api_${process.pid}_${Date.now()}_${++svixCounter}`;

// An RS256 key pair with its PEM public key (what Clerk's dashboard shows as the JWT public key).
export async function rsaKeys(kid = 'ins_test_key') {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { publicKey, privateKey, pem: await exportSPKI(publicKey), kid };
}

// Sends one request; resolves to { status, headers, text, json }. `token` goes in Authorization:
// Bearer; `body` (object → JSON, string → as is).
export function request(baseUrl, method, path, { token, body, headers = {}, timeoutMs = 15000 } = {}) {
  const payload = body === undefined ? null : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const sent = { ...headers };
  if (token) sent.Authorization = `Bearer ${token}`;
  if (payload) {
    sent['Content-Type'] ??= 'application/json';
    sent['Content-Length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(`${baseUrl}${path}`, { method, agent, headers: sent, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload ?? undefined);
  });
}

// Starts the server. opts: args (more serve flags), env, keys (from rsaKeys; made when absent),
// authorizedParties, file/dir (as startWebhookServer).
export async function startApiServer({ args = [], env = {}, keys, authorizedParties, file, dir } = {}) {
  keys ??= await rsaKeys();
  const bootstrapKey = randomApiKey();
  const extra = ['--seed', '--bootstrap-key', bootstrapKey, '--jwt-key', keys.pem];
  if (authorizedParties) extra.push('--authorized-parties', authorizedParties);
  const base = await startWebhookServer({ args: [...extra, ...args], env, file, dir });
  const baseUrl = base.server.url;
  const api = {
    ...base,
    baseUrl,
    keys,
    bootstrapKey,
    // request() against this server; the token defaults to the bootstrap key (null: none).
    call: (method, path, opts = {}) =>
      request(baseUrl, method, path, { ...opts, token: opts.token === undefined ? bootstrapKey : opts.token }),
    // A Clerk-style session token for the Clerk user `name` (claims override/extend the defaults).
    // opts: org ({ id, role, slug }) in v1 claims, or v2: true for the v2 `o` claim; exp/nbf/iat in
    // seconds; azp; key (another private key); kid.
    token: (name, opts = {}) => signToken(keys, name, opts),
    // Creates (through signed webhooks) the organization `org` with users [{ name, role }]
    // ('org:admin' | 'org:member' | 'org:viewer'); returns { orgClerkId, orgIdInternal, users: {name: clerkId} }.
    async tenant(org, members = []) {
      const sent = [organizationCreated({ name: org })];
      for (const { name } of members) sent.push(userCreated({ name }));
      for (const { name, role } of members) {
        sent.push(membershipCreated({ name: `${org}_${name}`, role, org: { name: org }, user: { name } }));
      }
      for (const payload of sent) {
        const response = await base.post(nextSvixId(), payload);
        if (response.status !== 200) throw new Error(`webhook for ${org} answered ${response.status}: ${response.text}`);
      }
      const found = await api.call('GET', `/api/v1/organizations/${orgId(org)}`);
      if (found.status !== 200) throw new Error(`GET organization ${org}: ${found.status} ${found.text}`);
      return { orgClerkId: orgId(org), id: found.json.id, users: Object.fromEntries(members.map(({ name }) => [name, userId(name)])) };
    },
    // Creates an API key of the organization with the role (as the bootstrap platform admin); returns
    // the created key's JSON (with its one-time `key`).
    async apiKey(organization, role = 'MEMBER', opts = {}) {
      const response = await api.call('POST', `/api/v1/organizations/${organization}/api-keys`, {
        body: { name: opts.name ?? `${role.toLowerCase()} key`, role, ...(opts.expires_in ? { expires_in: opts.expires_in } : {}) },
      });
      if (response.status !== 201) throw new Error(`create API key: ${response.status} ${response.text}`);
      return response.json;
    },
    nextSvixId,
  };
  return api;
}

export async function signToken(keys, name, { org, v2 = false, exp, nbf, iat, azp = 'http://localhost:3000', key, kid, sid, claims = {} } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { sid: sid ?? `sess_${name}`, azp, ...claims };
  if (azp === null) delete payload.azp;
  if (org) {
    if (v2) {
      payload.v = 2;
      payload.o = { id: org.id, rol: (org.role ?? 'org:member').replace(/^org:/, ''), slg: org.slug ?? 'slug' };
    } else {
      payload.org_id = org.id;
      payload.org_role = org.role ?? 'org:member';
      payload.org_slug = org.slug ?? 'slug';
    }
  }
  const jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: kid ?? keys.kid, typ: 'JWT' })
    .setSubject(userId(name))
    .setIssuer('https://clerk.example.test')
    .setIssuedAt(iat ?? now)
    .setExpirationTime(exp ?? now + 60);
  if (nbf !== undefined) jwt.setNotBefore(nbf);
  return jwt.sign(key ?? keys.privateKey);
}

// Asserts an RFC 9457 problem with this status; returns it.
export function expectProblem(assert, response, status, message = '') {
  assert.equal(response.status, status, `${message} expected ${status}, got ${response.status}: ${response.text}`);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/, `${message} content-type`);
  assert.equal(response.json?.status, status, `${message} ${response.text}`);
  assert.equal(typeof response.json?.detail, 'string', `${message} ${response.text}`);
  return response.json;
}
