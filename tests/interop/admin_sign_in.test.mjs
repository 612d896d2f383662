// The admin page's "Sign in with Clerk": mcp-admin as the confidential OpenID Connect client of an
// OAuth application made in Clerk's dashboard (MCP_ADMIN_OAUTH_CLIENT_ID / _SECRET). Clerk is the
// stand-in of clerk_oauth_standin.mjs, signing id_tokens with the key mcp-admin verifies with; the
// users and organizations come from signed webhooks, as in production. Driven in Debian's headless
// Chromium (cookie flags, the organization switcher, sign-out) and over plain HTTP with a cookie
// jar kept by hand (state, nonce, PKCE, refusals, CSRF on the API, the audit actor). README: "Sign
// in with Clerk".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { expectProblem, randomApiKey, request, rsaKeys } from './api_harness.mjs';
import {
  SECRET, membershipCreated, organizationCreated, orgId, signedPost, userCreated, userDeleted, userId,
} from './clerk_payloads.mjs';
import { startClerkOAuthStandin } from './clerk_oauth_standin.mjs';
import { run, startServer, tempDir } from '../integration/fixture.mjs';

const CHROMIUM = process.env.MCP_ADMIN_CHROMIUM ?? '/usr/bin/chromium';
// The HTTP half of the suite needs no browser; only the page tests are skipped without one.
const NO_CHROMIUM = existsSync(CHROMIUM) ? false
  : `Chromium is missing at ${CHROMIUM}: run packaging/install-deps.sh --test (it installs Debian's chromium)`;
const CLIENT_ID = 'mLkV3aQ9xT2bR7cW';
const CLIENT_SECRET = 'mcp_admin_test_secret_8f2d6c1e9b7a';
const SESSION_COOKIE = 'mcp_admin_session';
const SIGN_IN_COOKIE = 'mcp_admin_sign_in';
const SESSION_SECONDS = 28800;
const ADA = { email: 'ada@example.com', first_name: 'Ada', last_name: 'Tester' };  // clerk_payloads' userData for 'ada'

// The public URL must be known before serve starts (it names the redirect URI), so the port is
// picked first; another process taking it in between is possible but unlikely on loopback.
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let svixCounter = 0;
const nextSvixId = () => `msg_signin_${process.pid}_${Date.now()}_${++svixCounter}`;

// As api_harness's startApiServer (seed, bootstrap key, JWT key, webhook secret), but on the port
// given: startApiServer always passes --port 0, and serve takes --port once.
async function startSignInServer({ port, keys, issuer, oauthClient }) {
  const publicUrl = `http://127.0.0.1:${port}`;
  const tmp = tempDir('mcp-admin-sign-in-');
  const bootstrapKey = randomApiKey();
  const args = ['--port', String(port), '--database', `file:${path.join(tmp.dir, 'admin.db')}`, '--webhook-secret', SECRET,
    '--seed', '--bootstrap-key', bootstrapKey, '--jwt-key', keys.pem, '--public-url', publicUrl, '--clerk-issuer', issuer];
  if (oauthClient) args.push('--oauth-client-id', oauthClient.id, '--oauth-client-secret', oauthClient.secret);
  const server = await startServer({ args });
  assert.equal(server.url, publicUrl, 'serve listens where its public URL says');
  return {
    url: publicUrl,
    stderr: () => server.stderr(),
    // The admin API as the bootstrap platform admin.
    admin: (method, target, opts = {}) => request(publicUrl, method, target, { ...opts, token: bootstrapKey }),
    async deliver(payload) {
      const response = await signedPost(`${publicUrl}/api/webhooks/clerk`, SECRET, nextSvixId(), payload);
      assert.equal(response.status, 200, `webhook ${payload.type}: ${response.text}`);
    },
    async close() {
      await server.stop();
      tmp.cleanup();
    },
  };
}

// ada is ADMIN of acme and MEMBER of beta; her beta membership is older, so "first by name"
// (Acme) and "first joined" (Beta) differ. bea alone is in gamma; cy was deleted in Clerk.
async function makeWorld(server) {
  for (const payload of [
    organizationCreated({ name: 'beta' }), organizationCreated({ name: 'acme' }), organizationCreated({ name: 'gamma' }),
    userCreated({ name: 'ada' }), userCreated({ name: 'bea' }), userCreated({ name: 'cy' }),
    membershipCreated({ name: 'beta_ada', role: 'org:member', org: { name: 'beta' }, user: { name: 'ada' } }),
    membershipCreated({ name: 'acme_ada', role: 'org:admin', org: { name: 'acme' }, user: { name: 'ada' } }),
    membershipCreated({ name: 'gamma_bea', role: 'org:admin', org: { name: 'gamma' }, user: { name: 'bea' } }),
    userDeleted(userId('cy')),
  ]) await server.deliver(payload);
  const organization = async (name) => {
    const found = await server.admin('GET', `/api/v1/organizations/${orgId(name)}`);
    assert.equal(found.status, 200, found.text);
    return { id: found.json.id, clerk_id: orgId(name), name: found.json.name, slug: found.json.slug };
  };
  const ada = await server.admin('GET', `/api/v1/users/${userId('ada')}`);
  assert.equal(ada.status, 200, ada.text);
  return { acme: await organization('acme'), beta: await organization('beta'), gamma: await organization('gamma'), adaId: ada.json.id };
}

// One Set-Cookie header: { name, value, attributes } with attribute names lower-cased.
function parseSetCookie(line) {
  const [pair, ...rest] = line.split(';').map((part) => part.trim());
  const equals = pair.indexOf('=');
  const attributes = {};
  for (const part of rest) {
    const at = part.indexOf('=');
    attributes[(at < 0 ? part : part.slice(0, at)).toLowerCase()] = at < 0 ? true : part.slice(at + 1);
  }
  return { name: pair.slice(0, equals), value: pair.slice(equals + 1), attributes };
}

const setCookies = (response) => [].concat(response.headers['set-cookie'] ?? []).map(parseSetCookie);
const setCookie = (response, name) => setCookies(response).find((cookie) => cookie.name === name);

// A cookie that tells the browser to drop it (RFC 6265 §5.3: Max-Age ≤ 0 or an Expires past).
function isRemoval({ attributes }) {
  if (attributes['max-age'] !== undefined) return Number(attributes['max-age']) <= 0;
  return attributes.expires !== undefined && Date.parse(attributes.expires) <= Date.now();
}

// What a browser keeps for one host: cookies by name and path, sent where their path matches, so
// that a cookie cleared with another Path than it was set with stays, as in a browser.
class CookieJar {
  constructor() { this.cookies = new Map(); }

  take(response, requestPath) {
    for (const cookie of setCookies(response)) {
      // RFC 6265 §5.1.4: no Path attribute → the request path up to its last '/'.
      const cookiePath = typeof cookie.attributes.path === 'string' ? cookie.attributes.path
        : requestPath.slice(0, Math.max(1, requestPath.lastIndexOf('/')));
      const key = `${cookie.name} ${cookiePath}`;
      if (isRemoval(cookie)) this.cookies.delete(key);
      else this.cookies.set(key, { name: cookie.name, value: cookie.value, path: cookiePath });
    }
  }

  header(requestPath) {
    const matches = (cookiePath) => cookiePath === '/' || requestPath === cookiePath || requestPath.startsWith(`${cookiePath}/`);
    return [...this.cookies.values()].filter((cookie) => matches(cookie.path)).map(({ name, value }) => `${name}=${value}`).join('; ');
  }

  has(name) { return [...this.cookies.values()].some((cookie) => cookie.name === name); }
}

// A request as the page's own fetch would make it: the jar's cookies, no Authorization unless
// given; csrf (null or absent: none) goes in X-CSRF-Token.
async function send(base, method, target, { jar, csrf = null, body, headers = {} } = {}) {
  const requestPath = new URL(target, base).pathname;
  const sent = { ...headers };
  const cookie = jar?.header(requestPath);
  if (cookie) sent.Cookie = cookie;
  if (csrf !== null) sent['X-CSRF-Token'] = csrf;
  const response = await request(base, method, target, { headers: sent, body });
  jar?.take(response, requestPath);
  return response;
}


// The browser's part of one sign-in, without a browser: GET /auth/sign-in (the jar keeps the
// sign-in cookie), then the stand-in's authorize endpoint, which answers at once. Resolves to the
// authorization request and the URL Clerk sends the browser back to (not yet followed).
async function startSignIn(base, clerk, jar) {
  const start = await send(base, 'GET', '/auth/sign-in', { jar });
  assert.equal(start.status, 302, `GET /auth/sign-in: ${start.text}`);
  const authorize = new URL(start.headers.location);
  assert.equal(`${authorize.origin}${authorize.pathname}`, `${clerk.url}/oauth/authorize`, 'redirected to Clerk');
  const answer = await request(clerk.url, 'GET', `${authorize.pathname}${authorize.search}`);
  assert.equal(answer.status, 302, `Clerk's authorize: ${answer.text}`);
  const back = new URL(answer.headers.location);
  assert.equal(`${back.origin}${back.pathname}`, `${base}/auth/callback`, 'Clerk sends the browser to the callback');
  return { start, authorize, back };
}

const pathOf = (url) => `${url.pathname}${url.search}`;
function withParam(url, name, value) {
  const changed = new URL(url);
  if (value === null) changed.searchParams.delete(name);
  else changed.searchParams.set(name, value);
  return changed;
}

// A callback that must not sign anybody in: the problem, and no session cookie set.
function expectRefusal(response, jar, status, what) {
  expectProblem(assert, response, status, what);
  const issued = setCookie(response, SESSION_COOKIE);
  assert.ok(!issued || isRemoval(issued), `${what}: a session cookie was set`);
  assert.equal(jar.has(SESSION_COOKIE), false, what);
}

const sortedBy = (items, key) => [...items].sort((a, b) => String(a[key]).localeCompare(String(b[key])));

// A fresh browser profile (its own cookies) at `url`, recording console errors, page errors and
// CSP violations; resolves once the page's script is ready and it has asked GET /auth/session.
async function openPage(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (event) => window.__csp.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  const asked = page.waitForResponse((response) => new URL(response.url()).pathname === '/auth/session', { timeout: 10_000 })
    .catch(() => assert.fail('the page never asked GET /auth/session'));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  await asked;
  return { context, page, problems, close: () => context.close() };
}

// The session as the page's own cookies make it (HttpOnly cookies go with same-origin fetches).
const sessionInPage = (page) => page.evaluate(() => fetch('/auth/session').then((response) => response.json()));
const organizationNames = (page) => page.locator('table[data-list="organizations"] button.open-org').allTextContents();

describe('Sign in with Clerk: mcp-admin as the OpenID Connect client of a Clerk OAuth application', () => {
  let keys, clerk, server, world, browser, base;

  before(async () => {
    keys = await rsaKeys();
    // The stand-in must know the redirect URI and the server the issuer: the server's port comes first.
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    clerk = await startClerkOAuthStandin({
      keys, userId: userId('ada'), users: { [userId('ada')]: ADA },
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${base}/auth/callback`] }],
    });
    server = await startSignInServer({ port, keys, issuer: clerk.url, oauthClient: { id: CLIENT_ID, secret: CLIENT_SECRET } });
    world = await makeWorld(server);
    if (!NO_CHROMIUM) browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  }, { timeout: 60_000 });

  after(async () => {
    await browser?.close();
    await server?.close();
    await clerk?.close();
  });

  // A jar holding ada's session (active organization: Acme) and her CSRF token.
  async function signedInJar() {
    clerk.signIn(userId('ada'));
    const jar = new CookieJar();
    const { back } = await startSignIn(base, clerk, jar);
    const callback = await send(base, 'GET', pathOf(back), { jar });
    assert.equal(callback.status, 303, callback.text);
    const session = await send(base, 'GET', '/auth/session', { jar });
    assert.equal(session.json?.signed_in, true, session.text);
    return { jar, csrf: session.json.csrf_token };
  }

  test('in Chromium: the sign-in link, Clerk approves, ada and Acme are shown; HttpOnly cookie; the switcher; sign out', { skip: NO_CHROMIUM, timeout: 60_000 }, async () => {
    clerk.signIn(userId('ada'));
    const { context, page, problems, close } = await openPage(browser, `${base}/`);
    try {
      const link = page.locator('#sign-in-clerk');
      await link.waitFor({ state: 'visible', timeout: 5000 });
      assert.match(await link.textContent(), /Sign in with Clerk/);
      assert.equal(await page.isVisible('#credential'), true, 'pasting a key stays the fallback');
      assert.deepEqual(await page.evaluate(() => window.__csp), [], 'CSP violations before signing in');

      const seen = clerk.requests.length;
      await link.click();
      // Landing back on / signed in is the end of the redirects: sign-in, authorize, callback.
      await page.locator('#who', { hasText: ADA.email }).waitFor({ timeout: 10_000 });
      assert.equal(page.url(), `${base}/`);
      const who = await page.textContent('#who');
      assert.ok(who.includes('Acme Inc'), `the active organization is the first by name: ${who}`);
      assert.match(who, /ADMIN/, 'her role there');
      const atClerk = clerk.requests.slice(seen).filter((r) => r.path.startsWith('/oauth/'));
      assert.deepEqual(atClerk.map((r) => `${r.method} ${r.path} ${r.status}`), ['GET /oauth/authorize 302', 'POST /oauth/token 200']);
      assert.equal(atClerk[1].client_auth, 'client_secret_basic');

      // The session cookie is out of the page script's reach; its flags as the browser keeps them.
      assert.ok(!(await page.evaluate(() => document.cookie)).includes(SESSION_COOKIE), 'document.cookie shows the session');
      const cookies = await context.cookies();
      const session = cookies.find((cookie) => cookie.name === SESSION_COOKIE);
      assert.ok(session, `no ${SESSION_COOKIE} among ${cookies.map((cookie) => cookie.name).join(', ')}`);
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Lax');
      assert.equal(session.path, '/');
      assert.equal(session.secure, false, 'Secure only for an https public URL');
      const lifetime = session.expires - Date.now() / 1000;
      assert.ok(lifetime > SESSION_SECONDS - 120 && lifetime <= SESSION_SECONDS + 5, `the session cookie lives ${lifetime} s`);
      assert.equal(cookies.some((cookie) => cookie.name === SIGN_IN_COOKIE), false, 'the sign-in cookie was cleared');
      const state = await sessionInPage(page);
      assert.equal(state.user?.id, world.adaId);
      assert.equal(state.organization?.id, world.acme.id);

      // A user's credential lists the organizations she belongs to (not gamma), whichever is active.
      await page.waitForSelector('table[data-list="organizations"] tbody tr');
      assert.deepEqual((await organizationNames(page)).sort(), ['Acme Inc', 'Beta Inc']);

      // Her two organizations, Acme chosen; Beta chosen moves the page and the server to Beta.
      const switcher = page.locator('#organization-switcher');
      await switcher.waitFor({ state: 'visible', timeout: 5000 });
      const values = await page.$$eval('#organization-switcher option', (options) => options.map((option) => option.value));
      assert.deepEqual(values.sort(), [world.acme.id, world.beta.id].sort());
      assert.equal(await switcher.inputValue(), world.acme.id);
      await switcher.selectOption(world.beta.id);
      await page.locator('#who', { hasText: 'Beta Inc' }).waitFor({ timeout: 5000 });
      const switched = await page.textContent('#who');
      assert.ok(switched.includes(ADA.email) && !switched.includes('Acme Inc'), switched);
      assert.match(switched, /MEMBER/, 'her role follows the organization');
      assert.equal(await switcher.inputValue(), world.beta.id);
      assert.equal((await sessionInPage(page)).organization?.id, world.beta.id, 'the server switched too');

      await page.click('#sign-out');
      await link.waitFor({ state: 'visible', timeout: 5000 });
      assert.equal(await page.isHidden('#console'), true, 'no console once signed out');
      assert.equal((await sessionInPage(page)).signed_in, false);
      assert.equal((await context.cookies()).some((cookie) => cookie.name === SESSION_COOKIE), false, 'the session cookie was cleared');
      assert.deepEqual(problems, []);
      assert.deepEqual(await page.evaluate(() => window.__csp), []);
    } finally {
      await close();
    }
  });

  test('over HTTP: signed out, /auth/session says so; the authorization request carries PKCE S256, state, nonce and the callback', async () => {
    const jar = new CookieJar();
    const signedOut = await send(base, 'GET', '/auth/session', { jar });
    assert.equal(signedOut.status, 200, signedOut.text);
    assert.match(String(signedOut.headers['content-type']), /^application\/json/);
    assert.match(String(signedOut.headers['cache-control']), /no-store/);
    const { enabled, signed_in: signedIn, user, organization, organizations } = signedOut.json;
    assert.deepEqual({ enabled, signedIn, user, organization, organizations },
      { enabled: true, signedIn: false, user: null, organization: null, organizations: [] });

    const { start, authorize } = await startSignIn(base, clerk, jar);
    const sent = authorize.searchParams;
    assert.equal(sent.get('response_type'), 'code');
    assert.equal(sent.get('client_id'), CLIENT_ID);
    assert.equal(sent.get('redirect_uri'), `${base}/auth/callback`);
    assert.equal(sent.get('scope'), 'openid profile email');
    assert.equal(sent.get('code_challenge_method'), 'S256');
    assert.match(sent.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/, 'a base64url SHA-256');
    for (const name of ['state', 'nonce']) assert.ok((sent.get(name) ?? '').length >= 16, `${name} is long enough to be unguessable: ${sent.get(name)}`);

    const cookie = setCookie(start, SIGN_IN_COOKIE);
    assert.ok(cookie, `no ${SIGN_IN_COOKIE} cookie: ${JSON.stringify(start.headers['set-cookie'])}`);
    assert.equal(cookie.attributes.httponly, true);
    assert.match(String(cookie.attributes.samesite), /^lax$/i);
    assert.equal(cookie.attributes.path, '/auth');
    assert.equal(cookie.attributes['max-age'], '600');
    assert.equal(cookie.attributes.secure, undefined, 'Secure only for an https public URL');
    assert.equal(setCookie(start, SESSION_COOKIE), undefined, 'no session before the callback');

    // Every attempt has its own state, nonce and verifier.
    const other = (await startSignIn(base, clerk, new CookieJar())).authorize.searchParams;
    for (const name of ['state', 'nonce', 'code_challenge']) assert.notEqual(other.get(name), sent.get(name), name);
  });

  test('over HTTP: a wrong or missing state, a refusal at Clerk, an unknown or deleted user: no session', async () => {
    const exchanges = () => clerk.requests.filter((r) => r.path === '/oauth/token').length;
    clerk.signIn(userId('ada'));
    try {
      // A state the browser's sign-in cookie does not hold is someone else's sign-in: never exchanged.
      const before = exchanges();
      for (const [what, change] of [
        ['a wrong state', (back) => withParam(back, 'state', `${back.searchParams.get('state')}x`)],
        ['no state', (back) => withParam(back, 'state', null)],
      ]) {
        const jar = new CookieJar();
        const { back } = await startSignIn(base, clerk, jar);
        expectRefusal(await send(base, 'GET', pathOf(change(back)), { jar }), jar, 400, what);
      }
      const { back: foreign } = await startSignIn(base, clerk, new CookieJar());
      const stranger = new CookieJar();
      expectRefusal(await send(base, 'GET', pathOf(foreign), { jar: stranger }), stranger, 400, 'a callback without the sign-in cookie');
      assert.equal(exchanges(), before, 'a code with a bad state was exchanged');

      // RFC 6749 §4.1.2.1: the user said no at Clerk.
      clerk.denyNext();
      const deniedJar = new CookieJar();
      const { back: denied } = await startSignIn(base, clerk, deniedJar);
      assert.equal(denied.searchParams.get('error'), 'access_denied');
      expectRefusal(await send(base, 'GET', pathOf(denied), { jar: deniedJar }), deniedJar, 400, 'error=access_denied');

      // Clerk vouches for them, but mcp-admin never synced them, or synced their deletion.
      for (const [what, clerkUser] of [['a user never synced', userId('nobody')], ['a user deleted in Clerk', userId('cy')]]) {
        clerk.signIn(clerkUser);
        const jar = new CookieJar();
        const { back } = await startSignIn(base, clerk, jar);
        assert.ok(back.searchParams.get('code'), `${what}: Clerk approved`);
        expectRefusal(await send(base, 'GET', pathOf(back), { jar }), jar, 403, what);
      }
    } finally {
      clerk.signIn(userId('ada'));
    }
  });

  test('over HTTP: an id_token that fails verification, or an exchange Clerk refuses, signs nobody in (400)', async () => {
    clerk.signIn(userId('ada'));
    const now = Math.floor(Date.now() / 1000);
    const forgeries = [
      ['a nonce of another sign-in (a replayed id_token)', { claims: { nonce: 'n-of-another-sign-in-0123456789' } }],
      ['no nonce', { claims: { nonce: undefined } }],
      ['an audience of another client', { claims: { aud: 'another-client' } }],
      ['another issuer', { claims: { iss: 'https://clerk.attacker.example' } }],
      ['an expired id_token', { claims: { iat: now - 3600, exp: now - 1800 } }],
      ['a signature by another key under the instance kid', { key: (await rsaKeys()).privateKey }],
    ];
    for (const [what, forgery] of forgeries) {
      clerk.forgeNextIdToken(forgery);
      const jar = new CookieJar();
      const { back } = await startSignIn(base, clerk, jar);
      expectRefusal(await send(base, 'GET', pathOf(back), { jar }), jar, 400, what);
    }

    // The operator rotated the secret in Clerk's dashboard but not here: invalid_client at the exchange.
    clerk.rotateClientSecret(CLIENT_ID, `${CLIENT_SECRET}-rotated`);
    try {
      const jar = new CookieJar();
      const { back } = await startSignIn(base, clerk, jar);
      const seen = clerk.requests.length;
      expectRefusal(await send(base, 'GET', pathOf(back), { jar }), jar, 400, 'an exchange refused with invalid_client');
      assert.deepEqual(clerk.requests.slice(seen).filter((r) => r.path === '/oauth/token').map((r) => r.status), [401]);
    } finally {
      clerk.rotateClientSecret(CLIENT_ID, CLIENT_SECRET);
    }
  });

  test('over HTTP: the callback sets the session; it acts on the API as ada in Acme (ADMIN), writes need the CSRF token', async () => {
    clerk.signIn(userId('ada'));
    const jar = new CookieJar();
    const { back } = await startSignIn(base, clerk, jar);
    const seen = clerk.requests.length;
    const callback = await send(base, 'GET', pathOf(back), { jar });
    assert.equal(callback.status, 303, callback.text);
    assert.equal(new URL(callback.headers.location, base).href, `${base}/`);
    const exchange = clerk.requests.slice(seen).find((r) => r.path === '/oauth/token');
    assert.equal(exchange?.status, 200);
    assert.equal(exchange.client_auth, 'client_secret_basic');
    const cookie = setCookie(callback, SESSION_COOKIE);
    assert.ok(cookie && !isRemoval(cookie), `no session cookie: ${JSON.stringify(callback.headers['set-cookie'])}`);
    assert.equal(cookie.attributes.httponly, true);
    assert.match(String(cookie.attributes.samesite), /^lax$/i);
    assert.equal(cookie.attributes.path, '/');
    assert.equal(cookie.attributes['max-age'], String(SESSION_SECONDS));
    assert.equal(cookie.attributes.secure, undefined, 'Secure only for an https public URL');
    assert.equal(jar.has(SIGN_IN_COOKIE), false, 'the sign-in cookie was cleared (with its own Path)');

    const session = await send(base, 'GET', '/auth/session', { jar });
    assert.equal(session.status, 200, session.text);
    assert.match(String(session.headers['cache-control']), /no-store/);
    assert.deepEqual(Object.keys(session.json).sort(), ['csrf_token', 'enabled', 'organization', 'organizations', 'signed_in', 'user']);
    assert.equal(session.json.enabled, true);
    assert.equal(session.json.signed_in, true);
    assert.deepEqual(session.json.user, { id: world.adaId, clerk_id: userId('ada'), ...ADA });
    const acme = { ...world.acme, role: 'ADMIN' };
    const beta = { ...world.beta, role: 'MEMBER' };
    assert.deepEqual(session.json.organization, acme);
    assert.deepEqual(sortedBy(session.json.organizations, 'name'), [acme, beta]);
    const csrf = session.json.csrf_token;
    assert.ok(typeof csrf === 'string' && csrf.length >= 16, `csrf_token: ${csrf}`);

    const me = await send(base, 'GET', '/api/v1/me', { jar });
    assert.equal(me.status, 200, me.text);
    assert.deepEqual({ actor_type: me.json.actor_type, actor_id: me.json.actor_id, role: me.json.role, organization: me.json.organization?.id },
      { actor_type: 'user', actor_id: world.adaId, role: 'ADMIN', organization: world.acme.id });
    const keysPath = `/api/v1/organizations/${world.acme.id}/api-keys`;
    const listed = await send(base, 'GET', keysPath, { jar });
    assert.equal(listed.status, 200, listed.text);

    // A cross-site form could carry the cookie, never the header.
    const body = { name: 'made with the session', role: 'MEMBER' };
    expectProblem(assert, await send(base, 'POST', keysPath, { jar, body }), 403, 'POST without X-CSRF-Token');
    expectProblem(assert, await send(base, 'POST', keysPath, { jar, body, csrf: `${csrf}x` }), 403, 'POST with a wrong X-CSRF-Token');
    const created = await send(base, 'POST', keysPath, { jar, body, csrf });
    assert.equal(created.status, 201, created.text);
    const keysNow = await send(base, 'GET', `${keysPath}?limit=200`, { jar });
    assert.equal(keysNow.json.data.filter((key) => key.name === body.name).length, 1, 'the refused POSTs made nothing');
    const audit = await server.admin('GET', `/api/v1/audit-logs?action=api_key.created&target_id=${created.json.id}`);
    assert.equal(audit.status, 200, audit.text);
    assert.equal(audit.json.data.length, 1, audit.text);
    const [row] = audit.json.data;
    assert.deepEqual({ actor_type: row.actor_type, actor_id: row.actor_id, organization_id: row.organization_id },
      { actor_type: 'user', actor_id: world.adaId, organization_id: world.acme.id });

    // An Authorization header is the credential, whatever cookie comes with it.
    const bearer = await send(base, 'GET', '/api/v1/me', { jar, headers: { Authorization: `Bearer ${randomApiKey()}` } });
    assert.equal(bearer.status, 401, bearer.text);
  });

  test('over HTTP: switching to her other organization (by Clerk or internal id), not to a foreign one; sign out', async () => {
    const { jar, csrf } = await signedInJar();
    const switchTo = (organizationId, token = csrf) => send(base, 'POST', '/auth/organization', { jar, csrf: token, body: { organization_id: organizationId } });
    const activeNow = async () => (await send(base, 'GET', '/api/v1/me', { jar })).json;

    expectProblem(assert, await switchTo(world.gamma.id), 403, 'an organization she is not a member of');
    expectProblem(assert, await switchTo(world.gamma.clerk_id), 403, 'the same by its Clerk id');
    expectProblem(assert, await switchTo(world.beta.clerk_id, null), 403, 'no X-CSRF-Token');
    expectProblem(assert, await switchTo(world.beta.clerk_id, `${csrf}x`), 403, 'a wrong X-CSRF-Token');
    assert.equal((await activeNow()).organization?.id, world.acme.id, 'the refusals changed nothing');

    const toBeta = await switchTo(world.beta.clerk_id);
    assert.equal(toBeta.status, 200, toBeta.text);
    assert.deepEqual(toBeta.json.organization, { ...world.beta, role: 'MEMBER' });
    assert.equal(toBeta.json.signed_in, true);
    const reissued = setCookie(toBeta, SESSION_COOKIE);
    assert.ok(reissued && !isRemoval(reissued), 'the session cookie is re-issued');
    const inBeta = await activeNow();
    assert.deepEqual([inBeta.organization?.id, inBeta.role, inBeta.actor_id], [world.beta.id, 'MEMBER', world.adaId]);
    const session = await send(base, 'GET', '/auth/session', { jar });
    assert.deepEqual(session.json, toBeta.json, 'the answer is /auth/session\'s');

    const back = await switchTo(world.acme.id, toBeta.json.csrf_token);
    assert.equal(back.status, 200, back.text);
    assert.deepEqual(back.json.organization, { ...world.acme, role: 'ADMIN' });
    assert.equal((await activeNow()).role, 'ADMIN');

    const out = await send(base, 'POST', '/auth/sign-out', { jar, csrf: back.json.csrf_token });
    assert.equal(out.status, 204, out.text);
    const cleared = setCookie(out, SESSION_COOKIE);
    assert.ok(cleared && isRemoval(cleared), `the session cookie is cleared: ${JSON.stringify(out.headers['set-cookie'])}`);
    assert.equal((await send(base, 'GET', '/auth/session', { jar })).json.signed_in, false);
  });
});

describe('Sign in with Clerk not configured (no --oauth-client-id)', () => {
  let clerk, server, browser;

  before(async () => {
    const keys = await rsaKeys();
    clerk = await startClerkOAuthStandin({ keys, userId: userId('ada') });
    server = await startSignInServer({ port: await freePort(), keys, issuer: clerk.url });
    if (!NO_CHROMIUM) browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  }, { timeout: 60_000 });

  after(async () => {
    await browser?.close();
    await server?.close();
    await clerk?.close();
  });

  test('/auth/session says disabled; /auth/sign-in is a 503 problem, no redirect to Clerk', async () => {
    const session = await send(server.url, 'GET', '/auth/session');
    assert.equal(session.status, 200, session.text);
    assert.match(String(session.headers['cache-control']), /no-store/);
    const { enabled, signed_in: signedIn, user, organization, organizations } = session.json;
    assert.deepEqual({ enabled, signedIn, user, organization, organizations },
      { enabled: false, signedIn: false, user: null, organization: null, organizations: [] });
    const start = await send(server.url, 'GET', '/auth/sign-in');
    expectProblem(assert, start, 503, 'GET /auth/sign-in');
    assert.equal(start.headers.location, undefined);
    assert.equal(setCookie(start, SIGN_IN_COOKIE), undefined);
  });

  test('in Chromium: the page offers no "Sign in with Clerk", only the key', { skip: NO_CHROMIUM, timeout: 30_000 }, async () => {
    const { page, problems, close } = await openPage(browser, `${server.url}/`);
    try {
      await page.waitForLoadState('networkidle');
      assert.equal(await page.isVisible('#sign-in-clerk'), false, 'the sign-in link is shown although disabled');
      assert.equal(await page.isVisible('#credential'), true);
      assert.deepEqual(problems, []);
      assert.deepEqual(await page.evaluate(() => window.__csp), []);
    } finally {
      await close();
    }
  });
});

test('a half-configured sign-in is a usage error naming what is missing (exit 2), not a server without it', () => {
  const half = run(['serve', '--port', '0', '--database', ':memory:', '--oauth-client-id', CLIENT_ID,
    '--oauth-client-secret', CLIENT_SECRET]);
  assert.equal(half.status, 2, half.stderr);
  assert.match(half.stderr, /MCP_ADMIN_OAUTH_CLIENT_ID .*needs CLERK_ISSUER.*MCP_ADMIN_PUBLIC_URL.*CLERK_JWT_KEY or CLERK_JWKS_FILE/);
  const noSecret = run(['serve', '--port', '0', '--database', ':memory:', '--oauth-client-id', CLIENT_ID]);
  assert.equal(noSecret.status, 2, noSecret.stderr);
  assert.match(noSecret.stderr, /MCP_ADMIN_OAUTH_CLIENT_SECRET is not set/);
  assert.ok(!half.stderr.includes(CLIENT_SECRET) && !noSecret.stderr.includes(CLIENT_SECRET), 'the secret is never printed');
});
