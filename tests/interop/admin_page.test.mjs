// The admin page at `/` and `mcp-admin studio`, driven in a real headless Chromium (Debian's, through
// playwright-core): security headers and CSP, no console errors or CSP violations, sign-in with an
// API key (kept in sessionStorage only), data made by signed Clerk webhooks, cursor paging, creating
// and revoking a key, enabling and disabling a service, registering an MCP server, an
// attacker-controlled organization name rendered as text, and studio's signed-in URL.
// Chromium is required (CI installs it with packaging/install-deps.sh --test): no silent skip.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { randomApiKey, startApiServer } from './api_harness.mjs';
import { organizationCreated, orgId } from './clerk_payloads.mjs';
import { BIN, ENGINE, cleanEnv, mapDatabaseUrl, run, tempDir, watchSanitizers } from '../integration/fixture.mjs';

const CHROMIUM = process.env.MCP_ADMIN_CHROMIUM ?? '/usr/bin/chromium';
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const PAGE_SIZE = 20;  // web/app.js
const XSS_NAME = '<img src=x onerror="window.__xss=1">';
const EXTRA_ORGS = PAGE_SIZE + 2;  // so that the organizations list needs "More"

// Security headers every page response carries.
function assertSecurityHeaders(headers, where) {
  assert.equal(headers.get('content-security-policy'), CSP, `${where}: CSP`);
  assert.equal(headers.get('x-content-type-options'), 'nosniff', where);
  assert.equal(headers.get('referrer-policy'), 'no-referrer', where);
  assert.equal(headers.get('x-frame-options'), 'DENY', where);
}

// Polls `check` (async → truthy when done) every 50 ms for at most `ms`; resolves to its last value.
async function within(ms, check) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Starts `mcp-admin studio` with `args`; resolves to { child, lines: [first, second], stderr(), stop() }.
function startStudio(args, env = {}) {
  const mapped = args.map((arg, idx) => (args[idx - 1] === '--database' ? mapDatabaseUrl(arg) : arg));
  const child = spawn(BIN, ['studio', ...mapped], { env: cleanEnv({ LOG_FORMAT: 'json', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  watchSanitizers(child, 'mcp-admin studio');
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`studio printed no two lines within 10 s; stderr:\n${stderr}`)), 10000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const lines = stdout.split('\n');
      if (lines.length < 3) return;
      clearTimeout(timer);
      resolve({
        child, lines: lines.slice(0, 2).map((line) => JSON.parse(line)), stdout: () => stdout, stderr: () => stderr,
        async stop() {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 10000);
          const result = await exited;
          clearTimeout(killer);
          return result;
        },
      });
    });
    exited.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`studio exited (${code ?? signal}); stderr:\n${stderr}`)); });
  });
}

describe(`admin page in headless Chromium (${ENGINE})`, () => {
  let api;
  let browser;
  let acme;
  let memberKey;  // a MEMBER key of acme, for the gateway
  let slug;       // a seed MCP server's slug

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium is missing at ${CHROMIUM}: run packaging/install-deps.sh --test (it installs Debian's chromium)`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    api = await startApiServer();
    acme = await api.tenant('acme', [{ name: 'ada', role: 'org:admin' }]);
    const names = Array.from({ length: EXTRA_ORGS }, (_, idx) => `pagefill${idx}`);
    for (const name of names) {
      const res = await api.post(api.nextSvixId(), organizationCreated({ name }));
      assert.equal(res.status, 200, res.text);
    }
    const xss = await api.post(api.nextSvixId(), organizationCreated({ name: 'xss', displayName: XSS_NAME }));
    assert.equal(xss.status, 200, xss.text);
    memberKey = (await api.apiKey(acme.id, 'MEMBER')).key;
    slug = (await api.call('GET', '/api/v1/mcp-servers?limit=200')).json.data.find((server) => server.is_active).slug;
  });

  after(async () => {
    await browser?.close();
    await api?.close();
  });

  // A fresh tab (own sessionStorage) that records console errors, page errors, CSP violations and
  // dialogs; at the page with its script ready.
  async function openPage(url = `${api.baseUrl}/`) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = [];
    const dialogs = [];
    page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('dialog', (dialog) => { dialogs.push(dialog.message()); dialog.dismiss().catch(() => {}); });
    await page.addInitScript(() => {
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (event) => window.__csp.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
    return { page, problems, dialogs, close: () => context.close() };
  }

  async function signIn(page, key = api.bootstrapKey) {
    await page.fill('#credential', key);
    await page.press('#credential', 'Enter');
    await page.waitForSelector('#who:not([hidden])');
    await page.waitForSelector('table[data-list="organizations"] tbody tr');
  }

  async function openOrganization(page, displayName) {
    await page.click('nav button[data-view="organizations"]');
    await page.getByRole('button', { name: displayName, exact: true }).click();
    await page.waitForSelector('h2.org-title');
    await page.waitForSelector('table[data-list="api-keys"] tbody tr');
  }

  test('GET / and its assets: strict security headers, content types, ETag with 304', async () => {
    const index = await fetch(`${api.baseUrl}/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assertSecurityHeaders(index.headers, 'GET /');
    const html = await index.text();
    assert.match(html, /<script src="\/assets\/app\.js"/);
    assert.doesNotMatch(html, /<script>|<style|\son\w+=|style=|https?:\/\//i, 'no inline script, handlers or external URLs');
    const etag = index.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]{64}"$/);
    const again = await fetch(`${api.baseUrl}/`, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), etag);
    assertSecurityHeaders(again.headers, 'GET / (304)');
    assert.equal((await fetch(`${api.baseUrl}/`, { headers: { 'If-None-Match': '"other"' } })).status, 200);

    for (const [file, type] of [['app.js', 'text/javascript; charset=utf-8'], ['app.css', 'text/css; charset=utf-8']]) {
      const res = await fetch(`${api.baseUrl}/assets/${file}`);
      assert.equal(res.status, 200, file);
      assert.equal(res.headers.get('content-type'), type, file);
      assertSecurityHeaders(res.headers, file);
      assert.notEqual(res.headers.get('etag'), etag, `${file} has its own ETag`);
      assert.ok((await res.text()).length > 100);
    }
    for (const missing of ['/assets/nope.js', '/assets/index.html']) {
      const res = await fetch(`${api.baseUrl}${missing}`);
      assert.equal(res.status, 404, missing);
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
    }
    // Counted by the metrics under their route patterns.
    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    assert.match(metrics, /mcp_admin_http_requests_total\{method="GET",route="\/",status="200"\} [1-9]/);
    assert.match(metrics, /mcp_admin_http_requests_total\{method="GET",route="\/assets\/\{file\}",status="200"\} [1-9]/);
  });

  test('loads without console errors or CSP violations; a wrong key shows the problem and no data', async () => {
    const { page, problems, close } = await openPage();
    try {
      assert.match(await page.textContent('#health'), /^healthy · /);
      assert.deepEqual(problems, []);
      assert.deepEqual(await page.evaluate(() => window.__csp), []);

      await page.fill('#credential', randomApiKey());
      await page.press('#credential', 'Enter');
      await page.waitForSelector('#error:not([hidden])');
      const error = await page.textContent('#error');
      assert.match(error, /Unauthorized \(401\)/, error);
      assert.equal(await page.isHidden('#console'), true, 'the console stays hidden');
      assert.equal(await page.locator('table tbody tr').count(), 0, 'no data rows');
      assert.equal(await page.isVisible('#sign-in'), true);
      assert.deepEqual(await page.evaluate(() => [sessionStorage.length, localStorage.length]), [0, 0]);
    } finally {
      await close();
    }
  });

  test('the bootstrap key signs in: webhook organizations are listed, paged with More; a hostile name is text', async () => {
    const { page, problems, dialogs, close } = await openPage();
    try {
      await signIn(page);
      assert.match(await page.textContent('#who'), /Platform admin/);
      const rows = page.locator('table[data-list="organizations"] tbody tr');
      assert.equal(await rows.count(), PAGE_SIZE, 'one page first');
      const total = EXTRA_ORGS + 2;  // acme, the fillers, xss
      await page.click('button.more');
      await within(5000, async () => (await rows.count()) === total);
      assert.equal(await rows.count(), total, 'the rest after More');
      assert.equal(await page.isHidden('button.more'), true, 'no More after the last page');
      const names = await page.locator('table[data-list="organizations"] button.open-org').allTextContents();
      assert.ok(names.includes('Acme Inc'), names.join(', '));
      assert.ok(names.includes('Pagefill0 Inc'));

      // The hostile name is shown as its characters, never parsed as HTML.
      assert.ok(names.includes(XSS_NAME), 'the name is shown literally');
      assert.equal(await page.locator('#view img').count(), 0, 'no element was made from the name');
      await page.getByRole('button', { name: XSS_NAME, exact: true }).click();
      await page.waitForSelector('h2.org-title');
      assert.equal(await page.textContent('h2.org-title'), XSS_NAME);
      assert.equal(await page.evaluate(() => window.__xss), undefined);
      assert.deepEqual(dialogs, []);

      // The key is in this tab's sessionStorage, nowhere else; sign out forgets it.
      assert.deepEqual(await page.evaluate(() => Object.values(sessionStorage)), [api.bootstrapKey]);
      assert.equal(await page.evaluate(() => localStorage.length), 0);
      assert.ok(!page.url().includes(api.bootstrapKey));
      await page.click('#sign-out');
      assert.equal(await page.evaluate(() => sessionStorage.length), 0);
      assert.equal(await page.isHidden('#console'), true);
      assert.deepEqual(problems, []);
      assert.deepEqual(await page.evaluate(() => window.__csp), []);
    } finally {
      await close();
    }
  });

  test('a Clerk session token signs in too: its user, organization and role are shown, and only its data', async () => {
    const { page, close } = await openPage();
    try {
      const token = await api.token('ada', { org: { id: acme.orgClerkId, role: 'org:admin' }, exp: Math.floor(Date.now() / 1000) + 600 });
      await signIn(page, token);
      const who = await page.textContent('#who');
      assert.match(who, /Acme Inc/);
      assert.match(who, /ADMIN/);
      assert.ok(who.includes(acme.users.ada), who);
      const names = await page.locator('table[data-list="organizations"] button.open-org').allTextContents();
      assert.deepEqual(names, ['Acme Inc'], 'an organization\'s credential sees its own organization only');
    } finally {
      await close();
    }
  });

  test('an API key created in the page works; revoked in the page (after a confirm), it is refused within a second', async () => {
    const { page, close } = await openPage();
    try {
      await signIn(page);
      await openOrganization(page, 'Acme Inc');
      await page.fill('#key-name', 'made in the page');
      await page.selectOption('#key-role', 'MEMBER');
      await page.click('#create-key-form button[type="submit"]');
      await page.waitForSelector('#new-key-secret');
      const key = (await page.textContent('#new-key-secret')).trim();
      assert.match(key, /^mcp_sk_[A-Za-z0-9_-]{40,}$/);
      const me = await api.call('GET', '/api/v1/me', { token: key });
      assert.equal(me.status, 200, me.text);
      assert.equal(me.json.organization.id, acme.id);
      assert.equal(me.json.role, 'MEMBER');

      const row = page.locator('table[data-list="api-keys"] tbody tr', { hasText: 'made in the page' });
      await row.locator('button.revoke').click();
      assert.equal((await api.call('GET', '/api/v1/me', { token: key })).status, 200, 'the first click only asks');
      await row.locator('button.confirm-revoke').click();
      await page.waitForSelector('#notice:not([hidden])');
      assert.match(await page.textContent('#notice'), /revoked/);
      const refused = await within(1000, async () => (await api.call('GET', '/api/v1/me', { token: key })).status === 401);
      assert.ok(refused, 'the revoked key still works after a second');
      assert.match(await row.textContent(), /revoked/);
    } finally {
      await close();
    }
  });

  test('enabling and disabling a service in the page is what the API and the gateway then say', async () => {
    const { page, close } = await openPage();
    const gateway = () => api.call('GET', `/api/v1/gateway/authorize?server=${slug}`, { token: memberKey });
    try {
      assert.equal((await gateway()).status, 403, 'not enabled yet');
      await signIn(page);
      await openOrganization(page, 'Acme Inc');
      await page.fill('#enable-server', slug);
      await page.fill('#enable-config', '{"team":"page"}');
      await page.fill('#enable-tool-policy', '{"deny":["delete_*"]}');
      await page.click('#enable-service-form button[type="submit"]');
      await page.waitForSelector(`table[data-list="services"] tbody tr >> text=Disable ${slug}`);
      const services = (await api.call('GET', `/api/v1/organizations/${acme.id}/services`)).json.data;
      const service = services.find((entry) => entry.mcp_server.slug === slug);
      assert.equal(service.enabled, true);
      assert.deepEqual(service.config, { team: 'page' });
      assert.deepEqual(service.tool_policy, { allow: [], deny: ['delete_*'], require_method_headers: false });
      await page.waitForSelector(`table[data-list="services"] tbody tr >> text=deny delete_*`);
      const allowed = await gateway();
      assert.equal(allowed.status, 200, allowed.text);
      assert.deepEqual(allowed.json.config, { team: 'page' });
      const toolDenied = await api.call('GET', `/api/v1/gateway/authorize?server=${slug}`,
        { token: memberKey, headers: { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'delete_repo' } });
      assert.equal(toolDenied.status, 403, 'the policy set in the page holds at the gateway');
      await page.fill('#enable-tool-policy', '');

      await page.getByRole('button', { name: `Disable ${slug}` }).click();
      await page.waitForSelector(`table[data-list="services"] tbody tr >> text=Enable ${slug}`);
      const after = (await api.call('GET', `/api/v1/organizations/${acme.id}/services`)).json.data;
      assert.equal(after.find((entry) => entry.mcp_server.slug === slug).enabled, false);
      assert.equal((await gateway()).status, 403, 'disabled in the page: refused');

      // A server that does not exist: the problem is shown, nothing changes.
      await page.fill('#enable-server', 'no-such-server');
      await page.fill('#enable-config', '');
      await page.click('#enable-service-form button[type="submit"]');
      await page.waitForSelector('#error:not([hidden])');
      assert.match(await page.textContent('#error'), /Not Found \(404\).*no such MCP server/);
    } finally {
      await close();
    }
  });

  test('registering an MCP server in the page; a taken slug shows the conflict', async () => {
    const { page, close } = await openPage();
    try {
      await signIn(page);
      await page.click('nav button[data-view="servers"]');
      await page.waitForSelector('#create-server-form');
      await page.fill('#server-slug', 'from-the-page');
      await page.fill('#server-name', 'From the page');
      await page.fill('#server-url', 'https://mcp.example.test/page');
      await page.click('#create-server-form button[type="submit"]');
      await page.waitForSelector('#notice:not([hidden])');
      const created = await api.call('GET', '/api/v1/mcp-servers/from-the-page');
      assert.equal(created.status, 200, created.text);
      assert.equal(created.json.name, 'From the page');
      assert.equal(created.json.url, 'https://mcp.example.test/page');

      await page.fill('#server-slug', 'from-the-page');
      await page.fill('#server-name', 'Again');
      await page.click('#create-server-form button[type="submit"]');
      await page.waitForSelector('#error:not([hidden])');
      assert.match(await page.textContent('#error'), /Conflict \(409\).*already taken/);

      // The audit trail, filtered by action, shows that registration.
      await page.click('nav button[data-view="audit"]');
      await page.fill('#audit-action', 'mcp_server.created');
      await page.click('#audit-filter-form button[type="submit"]');
      await page.waitForSelector('table[data-list="audit-logs"] tbody tr');
      const actions = await page.locator('table[data-list="audit-logs"] tbody tr td:nth-child(2)').allTextContents();
      assert.ok(actions.length > 0 && actions.every((action) => action === 'mcp_server.created'), actions.join(', '));
    } finally {
      await close();
    }
  });

  test('studio on a fresh database prints a URL that signs the page in; the fragment leaves the address bar', async () => {
    const { dir, cleanup } = tempDir('mcp-admin-studio-');
    const database = `file:${path.join(dir, 'studio.db')}`;
    let studio;
    try {
      studio = await startStudio(['--port', '0', '--database', database]);
      const [listening, announced] = studio.lines;
      assert.equal(listening.event, 'listening');
      assert.equal(announced.event, 'studio');
      assert.ok(announced.url.startsWith(`${listening.url}/#key=mcp_sk_`), announced.url);
      const key = announced.url.split('#key=')[1];
      assert.ok(!studio.stderr().includes(key), 'the key is not logged');
      const expires = Date.parse(announced.expires_at) - Date.now();
      assert.ok(expires > 3.9 * 3600e3 && expires <= 4 * 3600e3, `expires in ${expires} ms`);

      const { page, problems, close } = await openPage(announced.url);
      try {
        await page.waitForSelector('#who:not([hidden])');
        assert.match(await page.textContent('#who'), /Platform admin/);
        assert.equal(await page.evaluate(() => location.hash), '');
        assert.equal(page.url(), `${listening.url}/`);
        assert.deepEqual(await page.evaluate(() => Object.values(sessionStorage)), [key]);
        assert.deepEqual(problems, []);
      } finally {
        await close();
      }
      assert.deepEqual(await studio.stop(), { code: 0, signal: null });
      assert.ok(!studio.stderr().includes(key), 'the key is not logged');
      // Stopped cleanly: the key it minted is revoked.
      const listed = run(['apikey', 'list', '--platform', '--json', '--database', database]);
      assert.equal(listed.status, 0, listed.stderr);
      const keys = JSON.parse(listed.stdout).data;
      assert.equal(keys.length, 1);
      assert.ok(key.startsWith(keys[0].prefix));
      assert.equal(keys[0].status, 'revoked');
    } finally {
      if (studio && studio.child.exitCode === null) await studio.stop();
      cleanup();
    }
  });

  test('studio is refused in production and on a bad flag (exit 2, nothing served)', () => {
    for (const [args, env] of [[['--env', 'production'], {}], [[], { MCP_ADMIN_ENV: 'production' }], [[], { NODE_ENV: 'production' }]]) {
      const result = run(['studio', '--port', '0', '--database', ':memory:', ...args], { env });
      assert.equal(result.status, 2, `${JSON.stringify(args)} ${JSON.stringify(env)}: ${result.stderr}`);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /production.*mcp-admin serve.*apikey create/);
    }
    const bogus = run(['studio', '--bogus']);
    assert.equal(bogus.status, 2);
    assert.match(bogus.stderr, /studio: .*bogus/);
    assert.equal(bogus.stdout, '');
  });
});
