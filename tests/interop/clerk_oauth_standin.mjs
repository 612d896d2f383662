// A stand-in for Clerk's OAuth authorization server: the Frontend API
// (https://<app>.clerk.accounts.dev) is the authorization server MCP clients discover from
// mcp-admin's protected-resource metadata, and the OpenID Connect provider of an OAuth application
// made in Clerk's dashboard (a confidential client: id and secret), which the admin page's "Sign in
// with Clerk" uses. Plain HTTP on 127.0.0.1, and the standards Clerk follows there:
//   GET  /.well-known/oauth-authorization-server  RFC 8414 metadata (also /.well-known/openid-configuration)
//   GET  /.well-known/jwks.json                   the public half of the signing key
//   POST /oauth/register                          RFC 7591 dynamic client registration
//   GET  /oauth/authorize                         authorization code + PKCE (S256) + RFC 8707 resource;
//                                                 the configured user is "signed in" and approves at once
//                                                 (unless denyNext() was called: access_denied)
//   POST /oauth/token                             authorization_code (PKCE checked) and refresh_token grants;
//                                                 with scope openid also an OIDC id_token
//   GET  /oauth/userinfo                          OIDC UserInfo for a Bearer access token
// Access tokens are RFC 9068 JWTs (header typ at+jwt) signed with the key given, the one mcp-admin
// verifies with: iss is this server's base URL, sub the Clerk user id, aud the resource the client
// asked for (the client_id when it named none). id_tokens (OIDC Core §2) are RS256 JWTs with the
// same key: iss, sub, aud = azp = client_id, iat, exp, the authorize request's nonce, and email /
// given_name / family_name as the granted scopes allow. Errors are RFC 6749 §5.2 / RFC 7591 §3.2.2
// JSON ({error, error_description}). `requests` records {method, path, status} of every request,
// and client_auth ('none' | 'client_secret_basic' | 'client_secret_post') of a token request whose
// client authenticated.
import http from 'node:http';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { SignJWT, exportJWK } from 'jose';

// What a dynamically registered (MCP) client gets when it names no scope: Clerk's default.
export const SCOPES = ['profile', 'email'];
// Every scope the stand-in grants: `openid` on top makes the token response carry an id_token.
export const OIDC_SCOPES = ['openid', ...SCOPES];
const knownScopes = (scope) => scope.split(' ').every((s) => OIDC_SCOPES.includes(s));
const CODE_TTL_MS = 60_000;

const opaque = (prefix) => `${prefix}_${randomBytes(24).toString('base64url')}`;
const sha256url = (text) => createHash('sha256').update(text).digest('base64url');
const sameSecret = (a, b) => typeof a === 'string' && typeof b === 'string' && a.length === b.length
  && timingSafeEqual(Buffer.from(a), Buffer.from(b));
// RFC 6749 §2.3.1: the Basic user and password are form-urlencoded first ('+' is a space); null if malformed.
function formDecode(text) {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

// An absolute URI without a fragment: a resource indicator (RFC 8707 §2) or a redirect URI (RFC 6749 §3.1.2).
function isAbsoluteUri(value) {
  if (typeof value !== 'string' || value.includes('#')) return false;
  try {
    return Boolean(new URL(value).protocol);
  } catch {
    return false;
  }
}

// RFC 7636 §4.1: 43 to 128 unreserved characters.
const isCodeVerifier = (value) => typeof value === 'string' && /^[A-Za-z0-9._~-]{43,128}$/.test(value);

class OAuthFailure extends Error {
  constructor(status, error, description, headers) {
    super(description);
    this.status = status;
    this.error = error;
    this.headers = headers;
  }
}

// An OAuth application made in Clerk's dashboard: confidential, both secret methods accepted, and
// (unlike an MCP client) no resource indicator needed.
function preregisteredClient({ client_id: id, client_secret: secret, redirect_uris: redirectUris }) {
  if (typeof id !== 'string' || !id || typeof secret !== 'string' || !secret) {
    throw new Error('a pre-registered client needs client_id and client_secret');
  }
  if (!Array.isArray(redirectUris) || redirectUris.length === 0 || !redirectUris.every(isAbsoluteUri)) {
    throw new Error(`client ${id}: redirect_uris must list absolute URIs without fragments`);
  }
  return {
    client_id: id,
    client_secret: secret,
    redirect_uris: [...redirectUris],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: OIDC_SCOPES.join(' '),
    preregistered: true,
  };
}

const authMethodsOf = (client) => (client.preregistered ? ['client_secret_basic', 'client_secret_post'] : [client.token_endpoint_auth_method]);

// OIDC standard claims of the user as far as the granted scopes allow (Clerk's id_token and
// userinfo carry the same names); a value the profile lacks is left out.
function profileClaims(profile = {}, scopes) {
  const claims = {};
  const put = (name, value) => { if (value !== undefined && value !== null) claims[name] = value; };
  if (scopes.includes('email')) {
    put('email', profile.email);
    if (profile.email) claims.email_verified = profile.email_verified ?? true;
  }
  if (scopes.includes('profile')) {
    put('given_name', profile.first_name);
    put('family_name', profile.last_name);
    const name = [profile.first_name, profile.last_name].filter(Boolean).join(' ');
    put('name', name || undefined);
    put('picture', profile.image_url);
    put('preferred_username', profile.username);
  }
  return claims;
}

// keys: { privateKey, publicKey, kid } (api_harness's rsaKeys); userId: the Clerk user id the
// authorization endpoint signs in (signIn() changes it); accessTokenTtl: seconds, 60..3600 (the
// id_token's lifetime too); clients: pre-registered confidential clients [{ client_id,
// client_secret, redirect_uris }]; users: { [Clerk user id]: { email, first_name, last_name,
// image_url, username } }, the profiles behind the id_token's and userinfo's claims.
export async function startClerkOAuthStandin({ keys, userId, accessTokenTtl = 600, clients: preregistered = [], users = {} }) {
  if (!keys?.privateKey || !keys?.kid) throw new Error('the stand-in needs the signing keys');
  const ttl = Math.min(3600, Math.max(60, accessTokenTtl));
  const requests = [];
  const clients = new Map();        // client_id → registered client
  const codes = new Map();          // code → grant waiting for the token request
  const refreshTokens = new Map();  // refresh token → grant
  const accessTokens = new Map();   // access token → { grant, expiresAt }, for userinfo
  const profiles = new Map(Object.entries(users));
  for (const client of preregistered.map(preregisteredClient)) clients.set(client.client_id, client);
  let signedIn = userId;
  let denials = 0;  // authorize requests still to refuse with access_denied
  const forgeries = [];  // changes to the next id_tokens, in order
  let base = '';

  const metadata = () => ({
    issuer: base,
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    registration_endpoint: `${base}/oauth/register`,
    userinfo_endpoint: `${base}/oauth/userinfo`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    scopes_supported: OIDC_SCOPES,
    // OIDC Discovery 1.0 §3 requires these two of an OpenID provider.
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: ['sub', 'iss', 'aud', 'azp', 'exp', 'iat', 'nonce', 'email', 'email_verified', 'given_name',
      'family_name', 'name', 'picture', 'preferred_username'],
  });
  const jwks = { keys: [{ ...(await exportJWK(keys.publicKey)), kid: keys.kid, alg: 'RS256', use: 'sig' }] };

  function register(body) {
    let input;
    try {
      input = JSON.parse(body);
    } catch {
      throw new OAuthFailure(400, 'invalid_client_metadata', 'the body is not JSON');
    }
    const redirectUris = input?.redirect_uris;
    if (!Array.isArray(redirectUris) || redirectUris.length === 0
      || !redirectUris.every((uri) => typeof uri === 'string' && isAbsoluteUri(uri))) {
      throw new OAuthFailure(400, 'invalid_redirect_uri', 'redirect_uris must list absolute URIs without fragments');
    }
    // RFC 7591 §2: the default method is client_secret_basic; only "none" makes a public client.
    const method = input.token_endpoint_auth_method ?? 'client_secret_basic';
    if (!metadata().token_endpoint_auth_methods_supported.includes(method)) {
      throw new OAuthFailure(400, 'invalid_client_metadata', `token_endpoint_auth_method ${method} is not supported`);
    }
    const grantTypes = input.grant_types ?? ['authorization_code'];
    if (!grantTypes.every((grant) => metadata().grant_types_supported.includes(grant))) {
      throw new OAuthFailure(400, 'invalid_client_metadata', 'grant_types holds an unsupported grant');
    }
    const scope = input.scope ?? SCOPES.join(' ');
    if (!knownScopes(scope)) throw new OAuthFailure(400, 'invalid_client_metadata', 'unknown scope');
    const client = {
      ...input,
      client_id: opaque('client'),
      client_id_issued_at: Math.floor(Date.now() / 1000),
      redirect_uris: redirectUris,
      grant_types: grantTypes,
      response_types: input.response_types ?? ['code'],
      token_endpoint_auth_method: method,
      scope,
    };
    if (method !== 'none') {
      client.client_secret = opaque('secret');
      client.client_secret_expires_at = 0;
    }
    clients.set(client.client_id, client);
    return { status: 201, body: client };
  }

  // Answers 302 to the client's redirect_uri, with a code or (once the redirect_uri is known to be
  // the client's) an error; a request whose client or redirect_uri is wrong is a 400 here (RFC 6749 §4.1.2.1).
  function authorize(query) {
    const client = clients.get(query.get('client_id'));
    if (!client) throw new OAuthFailure(400, 'invalid_client', 'unknown client_id');
    const redirectUri = query.get('redirect_uri');
    if (!client.redirect_uris.includes(redirectUri)) throw new OAuthFailure(400, 'invalid_request', 'redirect_uri is not registered');
    const back = new URL(redirectUri);
    const state = query.get('state');
    const reply = (params) => {
      for (const [name, value] of Object.entries(params)) back.searchParams.set(name, value);
      if (state !== null) back.searchParams.set('state', state);
      return { status: 302, headers: { Location: back.href, 'Cache-Control': 'no-store' } };
    };
    const refuse = (error, description) => reply({ error, error_description: description });
    if (query.get('response_type') !== 'code') return refuse('unsupported_response_type', 'only response_type=code');
    const challenge = query.get('code_challenge');
    if (!challenge || !/^[A-Za-z0-9_-]{43}$/.test(challenge) || query.get('code_challenge_method') !== 'S256') {
      return refuse('invalid_request', 'PKCE is required: code_challenge with code_challenge_method=S256');
    }
    // Every MCP client must name the resource it wants a token for (MCP authorization, RFC 8707);
    // a dashboard OAuth application signing a user in to its own site names none.
    const resource = query.getAll('resource');
    const resourceRequired = !client.preregistered;
    if (resource.length > 1 || (resourceRequired && resource.length !== 1) || (resource.length === 1 && !isAbsoluteUri(resource[0]))) {
      return refuse('invalid_target', resourceRequired ? 'one resource is required' : 'at most one absolute resource');
    }
    const scope = query.get('scope') ?? client.scope;
    if (!knownScopes(scope)) return refuse('invalid_scope', 'unknown scope');
    if (denials > 0) {
      denials -= 1;
      return refuse('access_denied', 'the user denied the request');
    }
    if (!signedIn) return refuse('access_denied', 'nobody is signed in');
    const code = opaque('code');
    codes.set(code, {
      clientId: client.client_id, redirectUri, challenge, resource: resource[0] ?? null, scope, userId: signedIn,
      nonce: query.get('nonce'), expiresAt: Date.now() + CODE_TTL_MS,
    });
    return reply({ code });
  }

  // RFC 6749 §2.3.1: Basic or client_secret_post for confidential clients, client_id alone for public ones.
  function authenticateClient(headers, form) {
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic (.+)$/i.exec(headers.authorization ?? '');
    if (basic) {
      // §2.3: a client uses one authentication method per request.
      if (secret !== null) throw new OAuthFailure(400, 'invalid_request', 'client_secret in both the Authorization header and the body');
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const [user, password] = colon < 0 ? [null, null] : [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
      if (user === null || password === null) throw new OAuthFailure(401, 'invalid_client', 'malformed Basic credentials');
      if (id !== null && id !== user) throw new OAuthFailure(401, 'invalid_client', 'client_id differs from the Basic user');
      [id, secret] = [user, password];
    }
    const client = clients.get(id);
    if (!client) throw new OAuthFailure(401, 'invalid_client', 'unknown client');
    const method = basic ? 'client_secret_basic' : secret !== null ? 'client_secret_post' : 'none';
    const allowed = authMethodsOf(client);
    if (!allowed.includes(method)) {
      throw new OAuthFailure(401, 'invalid_client', `the client authenticates with ${allowed.join(' or ')}, not ${method}`);
    }
    if (method !== 'none' && !sameSecret(secret, client.client_secret)) throw new OAuthFailure(401, 'invalid_client', 'wrong client secret');
    return { client, method };
  }

  // OIDC Core §3.1.3.6: the id_token of an authorization_code grant whose scope holds openid; a
  // forgery queued by forgeNextIdToken changes its claims or its signing key.
  function idToken(grant, now) {
    const scopes = grant.scope.split(' ');
    const claims = {
      iss: base, sub: grant.userId, aud: grant.clientId, azp: grant.clientId, iat: now, exp: now + ttl,
      ...profileClaims(profiles.get(grant.userId), scopes),
    };
    if (grant.nonce) claims.nonce = grant.nonce;
    const forged = forgeries.shift() ?? {};
    for (const [name, value] of Object.entries(forged.claims ?? {})) {
      if (value === undefined) delete claims[name];
      else claims[name] = value;
    }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: forged.kid ?? keys.kid, typ: 'JWT' })
      .sign(forged.key ?? keys.privateKey);
  }

  // withIdToken: an authorization_code grant (a refresh returns no new id_token here).
  async function issue(grant, { withIdToken = false } = {}) {
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({ client_id: grant.clientId, scope: grant.scope })
      .setProtectedHeader({ alg: 'RS256', kid: keys.kid, typ: 'at+jwt' })
      .setIssuer(base)
      .setSubject(grant.userId)
      .setAudience(grant.resource ?? grant.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(keys.privateKey);
    const refreshToken = opaque('rt');
    refreshTokens.set(refreshToken, { clientId: grant.clientId, resource: grant.resource, scope: grant.scope, userId: grant.userId });
    accessTokens.set(accessToken, { grant, expiresAt: (now + ttl) * 1000 });
    const body = { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, refresh_token: refreshToken, scope: grant.scope };
    if (withIdToken && grant.scope.split(' ').includes('openid')) body.id_token = await idToken(grant, now);
    return { status: 200, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' }, body };
  }

  // OIDC Core §5.3: the signed-in user's claims for a Bearer access token this stand-in issued.
  function userinfo(headers) {
    const bearer = /^Bearer (\S+)$/i.exec(headers.authorization ?? '');
    const issued = bearer && accessTokens.get(bearer[1]);
    if (!issued || issued.expiresAt < Date.now()) {
      throw new OAuthFailure(401, 'invalid_token', 'no valid access token', { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    }
    const { userId: sub, scope } = issued.grant;
    return { status: 200, headers: { 'Cache-Control': 'no-store' }, body: { sub, ...profileClaims(profiles.get(sub), scope.split(' ')) } };
  }

  async function token(headers, body, record) {
    if (!/^application\/x-www-form-urlencoded/i.test(headers['content-type'] ?? '')) {
      throw new OAuthFailure(400, 'invalid_request', 'the token request is form-encoded');
    }
    const form = new URLSearchParams(body);
    const { client, method } = authenticateClient(headers, form);
    record.client_auth = method;
    // RFC 8707 §2.2: a resource on the token request must be one the grant covers.
    const resource = form.get('resource');
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      const code = form.get('code');
      const grant = codes.get(code);
      codes.delete(code);  // single use, whatever happens next
      if (!grant || grant.expiresAt < Date.now() || grant.clientId !== client.client_id) {
        throw new OAuthFailure(400, 'invalid_grant', 'unknown, expired or foreign code');
      }
      if (form.get('redirect_uri') !== grant.redirectUri) throw new OAuthFailure(400, 'invalid_grant', 'redirect_uri differs');
      const verifier = form.get('code_verifier');
      if (!isCodeVerifier(verifier) || sha256url(verifier) !== grant.challenge) {
        throw new OAuthFailure(400, 'invalid_grant', 'code_verifier does not match code_challenge');
      }
      if (resource !== null && resource !== grant.resource) throw new OAuthFailure(400, 'invalid_target', 'resource differs from the authorization request');
      return issue(grant, { withIdToken: true });
    }
    if (grantType === 'refresh_token') {
      const presented = form.get('refresh_token');
      const grant = refreshTokens.get(presented);
      if (!grant || grant.clientId !== client.client_id) throw new OAuthFailure(400, 'invalid_grant', 'unknown refresh token');
      if (resource !== null && resource !== grant.resource) throw new OAuthFailure(400, 'invalid_target', 'resource differs from the grant');
      refreshTokens.delete(presented);  // rotated (OAuth 2.1 §4.3.1)
      return issue(grant);
    }
    throw new OAuthFailure(400, 'unsupported_grant_type', `grant_type ${grantType}`);
  }

  async function answer(req, url, body, record) {
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /.well-known/oauth-authorization-server':
      case 'GET /.well-known/openid-configuration':
        return { status: 200, body: metadata() };
      case 'GET /.well-known/jwks.json':
        return { status: 200, body: jwks };
      case 'POST /oauth/register':
        return register(body);
      case 'GET /oauth/authorize':
        return authorize(url.searchParams);
      case 'POST /oauth/token':
        return token(req.headers, body, record);
      case 'GET /oauth/userinfo':
      case 'POST /oauth/userinfo':
        return userinfo(req.headers);
      default:
        return { status: 404, body: { error: 'not_found', error_description: `no route ${route} in this stand-in` } };
    }
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, base);
    const record = { method: req.method, path: url.pathname, status: 0 };
    requests.push(record);
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    let result;
    try {
      result = await answer(req, url, Buffer.concat(chunks).toString('utf8'), record);
    } catch (error) {
      // A bug of the stand-in is a 500 the test sees, never an unhandled rejection.
      const failure = error instanceof OAuthFailure ? error : new OAuthFailure(500, 'server_error', String(error?.stack ?? error));
      result = { status: failure.status, body: { error: failure.error, error_description: failure.message } };
      if (failure.status === 401) result.headers = failure.headers ?? { 'WWW-Authenticate': 'Basic realm="clerk"' };
    }
    record.status = result.status;
    const text = result.body === undefined ? '' : JSON.stringify(result.body);
    res.writeHead(result.status, {
      ...(text ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } : { 'Content-Length': 0 }),
      ...result.headers,
    });
    res.end(text);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: base,
    requests,
    // The user the authorization endpoint signs in from now on; `profile` ({ email, first_name,
    // last_name, image_url, username }) replaces the one given in `users`, if passed.
    signIn(id, profile) {
      signedIn = id;
      if (profile) profiles.set(id, profile);
    },
    // The next `times` authorization requests that would otherwise succeed end in access_denied
    // (RFC 6749 §4.1.2.1), as when the user clicks "Deny".
    denyNext(times = 1) { denials += times; },
    // The next id_token issued is forged: `claims` override the real ones (undefined removes one),
    // `key` (a private key) and `kid` replace the instance's. For testing a client's verification.
    forgeNextIdToken({ claims = {}, key, kid } = {}) { forgeries.push({ claims, key, kid }); },
    // The secret of a pre-registered client changes, as when the operator rotates it in Clerk's
    // dashboard: the old one is refused (invalid_client) from now on.
    rotateClientSecret(clientId, secret) {
      const client = clients.get(clientId);
      if (!client?.preregistered) throw new Error(`${clientId} is not a pre-registered client`);
      client.client_secret = secret;
    },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
