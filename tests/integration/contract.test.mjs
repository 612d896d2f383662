// Contracts that cannot drift: GET /api/openapi.json describes exactly the routes served (every
// documented operation answers, every answering method is documented), and GET /metrics speaks
// the Prometheus text format with route patterns, never raw paths, as labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE, startServer, tempDir } from './fixture.mjs';

const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
// The paths of the product contract, whether or not this build serves them yet.
const CONTRACT_PATHS = [
  '/', '/api/health', '/api/webhooks/test', '/api/webhooks/clerk', '/api/openapi.json', '/metrics',
  '/api/v1/organizations', '/api/v1/organizations/{id}', '/api/v1/organizations/{id}/members',
  '/api/v1/organizations/{id}/members/{user_id}', '/api/v1/users', '/api/v1/users/{id}', '/api/v1/mcp-servers',
  '/api/v1/mcp-servers/{id}', '/api/v1/organizations/{id}/services', '/api/v1/organizations/{id}/services/{server_id}',
  '/api/v1/organizations/{id}/api-keys', '/api/v1/organizations/{id}/api-keys/{key_id}', '/api/v1/sessions',
  '/api/v1/sessions/{id}', '/api/v1/audit-logs', '/api/v1/gateway/authorize',
];
const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const sqliteOnly = { skip: ENGINE !== 'sqlite' && 'SQLite file checks' };

async function openapi(url) {
  const res = await fetch(`${url}/api/openapi.json`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  return res.json();
}

// [{ path, method, op }] for every operation of the document.
function operations(doc) {
  const out = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const method of OPERATION_METHODS) if (item[method]) out.push({ path: p, method: method.toUpperCase(), op: item[method] });
  }
  return out;
}

// The pattern with every {name} segment replaced by "x".
const concrete = (pattern) => pattern.replace(/\{[^}/]+\}/g, 'x');

// Whether a concrete path is one the pattern serves (as the router matches: segment by segment).
function matches(pattern, concretePath) {
  const want = pattern.split('/');
  const got = concretePath.split('/');
  return want.length === got.length && want.every((seg, idx) => /^\{.+\}$/.test(seg) ? got[idx] !== '' : seg === got[idx]);
}

function resolveRef(doc, ref) {
  assert.match(ref, /^#\//, `only local references: ${ref}`);
  let node = doc;
  for (const key of ref.slice(2).split('/')) {
    node = node?.[key];
    assert.ok(node !== undefined, `${ref} does not resolve`);
  }
  return node;
}

function* refsIn(node) {
  if (Array.isArray(node)) {
    for (const item of node) yield* refsIn(item);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') yield value;
      else yield* refsIn(value);
    }
  }
}

async function send(url, method, p) {
  const res = await fetch(`${url}${p}`, {
    method,
    headers: BODY_METHODS.has(method) ? { 'content-type': 'application/json' } : {},
    body: BODY_METHODS.has(method) ? '{}' : undefined,
  });
  const text = await res.text();
  let body = null;
  try { body = JSON.parse(text); } catch { /* not JSON: not the router's problem */ }
  return { res, body };
}

test('the audit vocabulary: the audit row schema enumerates the actions, and the README\'s table lists exactly those', async () => {
  const server = await startServer();
  try {
    const doc = await openapi(server.url);
    const list = doc.paths['/api/v1/audit-logs'].get.responses['200'].content['application/json'].schema;
    const actions = list.properties.data.items.properties.action.enum;
    assert.ok(Array.isArray(actions) && actions.length > 10, 'the action enum');
    assert.equal(new Set(actions).size, actions.length, 'no action twice');
    for (const action of actions) assert.match(action, /^[a-z_]+\.[a-z_]+$/, 'an action is <thing>.<verb>');
    const section = README.split('\n### Audit logs')[1].split('\n## ')[0];
    const documented = [...section.matchAll(/^\| `([a-z_]+\.[a-z_]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual([...documented].sort(), [...actions].sort(), 'README "Audit logs" lists every action, and only those');
  } finally {
    await server.stop();
  }
});

test('GET /api/openapi.json is an OpenAPI 3.1 document, generated from the routes', async () => {
  const server = await startServer();
  try {
    const doc = await openapi(server.url);
    const health = await (await fetch(`${server.url}/api/health`)).json();
    assert.match(doc.openapi, /^3\.1\.\d+$/);
    assert.equal(doc.info.title, 'mcp-admin');
    assert.equal(doc.info.version, health.version);
    assert.ok(Object.keys(doc.paths).length > 0, 'no paths');
    // The document describes itself and the other meta route.
    assert.ok(doc.paths['/api/openapi.json']?.get, 'GET /api/openapi.json is not documented');
    assert.ok(doc.paths['/metrics']?.get, 'GET /metrics is not documented');
    assert.ok(doc.paths['/api/health']?.get, 'GET /api/health is not documented');

    const problem = doc.components.schemas.Problem;
    assert.equal(problem.type, 'object');
    for (const member of ['type', 'title', 'status', 'detail']) assert.ok(problem.properties[member], `Problem.${member}`);
    const schemes = doc.components.securitySchemes;
    assert.deepEqual({ type: schemes.bearer.type, scheme: schemes.bearer.scheme }, { type: 'http', scheme: 'bearer' });

    const ids = new Set();
    for (const { path: p, method, op } of operations(doc)) {
      const where = `${method} ${p}`;
      assert.notEqual(method, 'HEAD', 'HEAD is served by GET and not listed');
      assert.equal(typeof op.operationId, 'string', `${where}: operationId`);
      assert.ok(!ids.has(op.operationId), `${where}: operationId ${op.operationId} is not unique`);
      ids.add(op.operationId);
      assert.ok(op.responses && Object.keys(op.responses).length > 0, `${where}: no responses`);
      // A success is a 2xx, or the redirect a browser flow answers with (sign-in: 302, its callback: 303).
      assert.ok(Object.keys(op.responses).some((s) => /^(2\d\d|30[23])$/.test(s)), `${where}: no success response`);
      for (const [status, response] of Object.entries(op.responses)) {
        assert.equal(typeof response.description, 'string', `${where} ${status}: description`);
        if (Number(status) >= 400) {
          assert.equal(response.content?.['application/problem+json']?.schema?.$ref, '#/components/schemas/Problem',
            `${where} ${status}: errors are problem+json`);
        }
        if (status === '204') assert.equal(response.content, undefined, `${where}: 204 has no content`);
      }
      // Path parameters: exactly the {name} segments, required strings.
      const names = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const pathParams = (op.parameters ?? []).filter((param) => param.in === 'path');
      assert.deepEqual(pathParams.map((param) => param.name), names, `${where}: path parameters`);
      for (const param of pathParams) {
        assert.equal(param.required, true);
        assert.equal(param.schema.type, 'string');
      }
      if (op.security && op.security.length > 0) {
        for (const requirement of op.security) {
          for (const name of Object.keys(requirement)) assert.ok(schemes[name], `${where}: unknown scheme ${name}`);
        }
        for (const status of ['401', '403']) assert.ok(op.responses[status], `${where}: authenticated, no ${status}`);
      }
      if (op.requestBody) assert.ok(op.requestBody.content['application/json'], `${where}: JSON body`);
    }
    for (const ref of refsIn(doc)) resolveRef(doc, ref);
    // Cached once, identical every time.
    assert.deepEqual(await openapi(server.url), doc);
  } finally {
    await server.stop();
  }
});

test('every documented operation is served', async () => {
  const server = await startServer();
  try {
    const doc = await openapi(server.url);
    for (const { path: p, method } of operations(doc)) {
      const { res, body } = await send(server.url, method, concrete(p));
      const where = `${method} ${concrete(p)} (documented as ${p}) answered ${res.status}`;
      assert.notEqual(res.status, 405, where);
      assert.ok(!(res.status === 404 && body?.code === 'no_route'), `${where}: the router knows no such path`);
    }
  } finally {
    await server.stop();
  }
});

test('every served method is documented; undocumented paths are the router\'s 404', async () => {
  const server = await startServer();
  try {
    const doc = await openapi(server.url);
    const ops = operations(doc);
    for (const p of Object.keys(doc.paths)) {
      const target = concrete(p);
      // The methods documented for every pattern that serves this concrete path.
      const documented = [...new Set(ops.filter((o) => matches(o.path, target)).map((o) => o.method))].sort();
      const { res, body } = await send(server.url, 'OPTIONS', target);
      assert.equal(res.status, 405, `OPTIONS ${target}`);
      assert.equal(body.code, 'method_not_allowed');
      const allow = res.headers.get('allow').split(',').map((m) => m.trim());
      assert.deepEqual(allow.filter((m) => m !== 'HEAD').sort(), documented, `Allow of ${target} vs documented methods`);
      assert.equal(allow.includes('HEAD'), allow.includes('GET'), `${target}: HEAD goes with GET`);
    }
    // Independently of the document: every path of the product contract (CONTRACT_PATHS) that the
    // server answers (405 to OPTIONS rather than the router's 404) must be documented, all methods.
    for (const target of CONTRACT_PATHS.map(concrete)) {
      const { res, body } = await send(server.url, 'OPTIONS', target);
      if (res.status === 404 && body?.code === 'no_route') continue;  // not served (yet)
      assert.equal(res.status, 405, `OPTIONS ${target}`);
      const documented = new Set(ops.filter((o) => matches(o.path, target)).map((o) => o.method));
      for (const method of res.headers.get('allow').split(',').map((m) => m.trim())) {
        if (method !== 'HEAD') assert.ok(documented.has(method), `${method} ${target} is served but not documented`);
      }
    }
    for (const target of ['/api/v1/nope', '/api/nope/deeper', '/api/health/extra', '/metrics/x', '/api/openapi.json/x']) {
      const { res, body } = await send(server.url, 'OPTIONS', target);
      assert.equal(res.status, 404, `OPTIONS ${target}`);
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      assert.equal(body.code, 'no_route', `${target}: the router's own 404`);
      assert.equal(body.type, 'about:blank');
    }
  } finally {
    await server.stop();
  }
});

// Parses the exposition text: { samples: [{ name, labels, value }], types: Map(name -> type) },
// asserting each line's syntax on the way.
function parseExposition(text) {
  assert.ok(text.endsWith('\n'), 'the text ends with a line feed');
  const types = new Map();
  const samples = [];
  const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/g;
  for (const line of text.slice(0, -1).split('\n')) {
    let m;
    if ((m = line.match(/^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$/))) continue;
    if ((m = line.match(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/))) {
      assert.ok(!types.has(m[1]), `TYPE ${m[1]} given twice`);
      types.set(m[1], m[2]);
      continue;
    }
    m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const labels = {};
    const rest = (m[2] ?? '').replace(labelRe, (_, key, value) => { labels[key] = value.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1'); return ''; });
    assert.match(rest, /^,*$/, `labels of ${JSON.stringify(line)}`);
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    assert.ok(!Number.isNaN(value), `value of ${JSON.stringify(line)}`);
    const family = m[1].replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(m[1]) || types.get(family) === 'histogram', `${m[1]} has no TYPE line before it`);
    samples.push({ name: m[1], labels, value });
  }
  return { samples, types };
}

const find = (samples, name, labels) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

async function scrape(url) {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  return { text, ...parseExposition(text) };
}

// A request's metrics are recorded once its response is written: wait until they show.
async function scrapeUntil(url, ready) {
  for (let attempt = 0; ; attempt++) {
    const result = await scrape(url);
    if (ready(result) || attempt >= 40) return result;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('GET /metrics: Prometheus text with route patterns, histograms, webhook outcomes, database', async () => {
  const server = await startServer();
  try {
    const secret = 'mcp_sk_FAKEsecretLOOKINGsegment0123456789';
    const health = await (await fetch(`${server.url}/api/health`)).json();
    assert.equal((await fetch(`${server.url}/api/v1/nope/${secret}?token=${secret}q`)).status, 404);
    // No CLERK_WEBHOOK_SECRET: the delivery is answered 503 and counted as unavailable.
    assert.equal((await send(server.url, 'POST', '/api/webhooks/clerk')).res.status, 503);
    // A documented path with a parameter, given a secret-looking value, is counted under its pattern.
    const doc = await openapi(server.url);
    const parametrised = operations(doc).find((o) => o.method === 'GET' && o.path.includes('{'));
    const secretPath = parametrised && parametrised.path.replace(/\{[^}/]+\}/g, `${secret}p`);
    if (parametrised) await fetch(`${server.url}${secretPath}`);

    const requests = 'mcp_admin_http_requests_total';
    const { text, samples, types } = await scrapeUntil(server.url, ({ samples: s }) =>
      find(s, requests, { route: 'unmatched' }).length > 0 && find(s, requests, { route: '/api/health' }).length > 0 &&
      (!parametrised || find(s, requests, { route: parametrised.path }).length > 0));

    assert.equal(types.get(requests), 'counter');
    assert.equal(types.get('mcp_admin_http_request_duration_seconds'), 'histogram');
    assert.deepEqual(find(samples, requests, { method: 'GET', route: '/api/health', status: '200' }).map((s) => s.value), [1]);
    assert.deepEqual(find(samples, requests, { method: 'GET', route: 'unmatched', status: '404' }).map((s) => s.value), [1]);
    assert.deepEqual(find(samples, requests, { method: 'POST', route: '/api/webhooks/clerk', status: '503' }).map((s) => s.value), [1]);
    if (parametrised) assert.equal(find(samples, requests, { method: 'GET', route: parametrised.path }).length, 1);

    // Labels are patterns of the document (or "unmatched"), never raw paths.
    const documented = new Set(Object.keys(doc.paths));
    for (const s of samples.filter((x) => x.labels.route !== undefined)) {
      assert.ok(documented.has(s.labels.route) || s.labels.route === 'unmatched', `route label ${s.labels.route}`);
    }
    assert.ok(!text.includes(secret), 'a raw path (with its secret-looking segment) leaked into the metrics');
    assert.ok(!text.includes('/api/v1/nope'), 'a raw unmatched path leaked into the metrics');

    // Histograms: cumulative buckets ending in +Inf, which equals _count.
    const histogram = 'mcp_admin_http_request_duration_seconds';
    for (const route of ['/api/health', 'unmatched']) {
      const buckets = find(samples, `${histogram}_bucket`, { route });
      assert.ok(buckets.length >= 2, `${route}: buckets`);
      assert.equal(buckets.at(-1).labels.le, '+Inf');
      for (let idx = 1; idx < buckets.length; idx++) {
        const le = (b) => (b.labels.le === '+Inf' ? Infinity : Number(b.labels.le));
        assert.ok(le(buckets[idx]) > le(buckets[idx - 1]), 'le ascending');
        assert.ok(buckets[idx].value >= buckets[idx - 1].value, 'buckets cumulative');
      }
      const [count] = find(samples, `${histogram}_count`, { route });
      const [sum] = find(samples, `${histogram}_sum`, { route });
      assert.equal(count.value, 1);
      assert.equal(buckets.at(-1).value, count.value);
      assert.ok(sum.value >= 0 && sum.value < 10);
    }

    assert.equal(types.get('mcp_admin_webhook_deliveries_total'), 'counter');
    const outcomes = Object.fromEntries(find(samples, 'mcp_admin_webhook_deliveries_total', {}).map((s) => [s.labels.outcome, s.value]));
    assert.deepEqual(Object.keys(outcomes).sort(), ['applied', 'duplicate', 'failed', 'ignored', 'invalid', 'rejected', 'unavailable']);
    assert.equal(outcomes.unavailable, 1);
    assert.equal(outcomes.applied, 0);

    assert.deepEqual(find(samples, 'mcp_admin_database_up', {}).map((s) => s.value), [1]);
    const [ping] = find(samples, 'mcp_admin_database_ping_seconds', {});
    assert.ok(ping.value >= 0 && ping.value < 5);
    assert.deepEqual(find(samples, 'mcp_admin_build_info', {}).map((s) => [s.labels, s.value]),
      [[{ version: health.version, engine: health.database.backend }, 1]]);
    const [uptime] = find(samples, 'mcp_admin_uptime_seconds', {});
    assert.ok(uptime.value > 0 && uptime.value < 600);
    for (const name of types.keys()) assert.match(name, /^mcp_admin_/);

    // Counters only grow: the first scrape is now counted too.
    const again = await scrapeUntil(server.url, ({ samples: s }) => find(s, requests, { route: '/metrics' }).length > 0);
    assert.ok(find(again.samples, requests, { method: 'GET', route: '/metrics', status: '200' })[0].value >= 1);
  } finally {
    await server.stop();
  }
});

test('GET /metrics measures the database at each scrape: a removed file is database_up 0', sqliteOnly, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = path.join(dir, 'm.db');
    const server = await startServer({ args: ['--port', '0', '--database', `file:${db}`] });
    try {
      assert.deepEqual(find((await scrape(server.url)).samples, 'mcp_admin_database_up', {}).map((s) => s.value), [1]);
      rmSync(db);
      assert.deepEqual(find((await scrape(server.url)).samples, 'mcp_admin_database_up', {}).map((s) => s.value), [0]);
    } finally {
      await server.stop();
    }
  } finally {
    cleanup();
  }
});

// ---- the document tells the whole truth: every status and media type answered is documented ----

// The operation documenting a concrete path and method (HEAD: the GET), or undefined.
function operationFor(doc, method, concretePath) {
  const wanted = (method === 'HEAD' ? 'GET' : method).toLowerCase();
  // A literal segment beats a parameter (the router prefers /api/v1/users over /api/v1/{x}).
  const candidates = Object.keys(doc.paths).filter((p) => matches(p, concretePath) && doc.paths[p][wanted]);
  candidates.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  return candidates.length ? { pattern: candidates[0], op: doc.paths[candidates[0]][wanted] } : undefined;
}

// Sends one request and records what came back: { method, target, status, type, hasBody } (or
// { error } when the server closed the connection early, as it may for a body over the limit).
async function answer(url, method, target, { token, body, contentType, headers = {} } = {}) {
  const sent = { ...headers };
  if (token) sent.authorization = `Bearer ${token}`;
  if (body !== undefined) sent['content-type'] = contentType ?? 'application/json';
  try {
    const res = await fetch(`${url}${target}`, { method, headers: sent, body });
    const bytes = Buffer.from(await res.arrayBuffer());
    const type = res.headers.get('content-type');
    return { method, target, status: res.status, type: type ? type.split(';')[0].trim() : null, hasBody: bytes.length > 0, etag: res.headers.get('etag') };
  } catch (error) {
    return { method, target, error: String(error.cause?.code ?? error.message) };
  }
}

test('every status and media type the server answers on a route is in /api/openapi.json for that route and method', async () => {
  const bootstrap = `mcp_sk_${'C'.repeat(43)}`;
  const server = await startServer({
    args: ['--port', '0', '--database', ':memory:', '--seed', '--bootstrap-key', bootstrap, '--webhook-secret', `whsec_${Buffer.from('k'.repeat(24)).toString('base64')}`],
  });
  try {
    const doc = await openapi(server.url);
    const created = await fetch(`${server.url}/api/v1/organizations`, {
      method: 'POST', headers: { authorization: `Bearer ${bootstrap}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Contract', slug: 'contract' }),
    });
    assert.equal(created.status, 201);
    const orgIdentifier = (await created.json()).id;
    // Each pattern with placeholders filled twice: ids that name nothing, and ids that exist.
    const fill = (pattern, real) => pattern.replace(/\{([^}/]+)\}/g, (_, name) => {
      if (!real) return 'x';
      return { id: pattern.startsWith('/api/v1/mcp-servers') ? 'github' : orgIdentifier, server_id: 'github', file: 'app.css' }[name] ?? 'x';
    });
    const big = 'x'.repeat(1024 * 1024 + 100);
    const answers = [];
    for (const { path: p, method } of operations(doc)) {
      const hasBody = BODY_METHODS.has(method);
      for (const target of new Set([fill(p, false), fill(p, true)])) {
        answers.push(await answer(server.url, method, target));
        answers.push(await answer(server.url, method, target, { token: bootstrap, body: hasBody ? '{}' : undefined }));
        answers.push(await answer(server.url, method, target, { token: `mcp_sk_${'u'.repeat(43)}` }));
        answers.push(await answer(server.url, method, `${target}?limit=0&cursor=%FF&server=..&since=yesterday`, { token: bootstrap }));
        if (method === 'GET') {
          const first = await answer(server.url, 'HEAD', target, { token: bootstrap });
          answers.push(first);
          if (first.etag) answers.push(await answer(server.url, 'GET', target, { token: bootstrap, headers: { 'if-none-match': first.etag } }));
        }
        if (hasBody) {
          answers.push(await answer(server.url, method, target, { token: bootstrap, body: '{' }));
          answers.push(await answer(server.url, method, target, { token: bootstrap, body: '{"nope":1}' }));
          answers.push(await answer(server.url, method, target, { token: bootstrap, body: 'a=1', contentType: 'application/x-www-form-urlencoded' }));
          answers.push(await answer(server.url, method, target, { token: bootstrap, body: big }));
        }
      }
    }
    answers.push(await answer(server.url, 'GET', '/assets/app.js'));
    answers.push(await answer(server.url, 'GET', '/api/v1/gateway/authorize', { token: bootstrap, headers: { 'x-forwarded-uri': '/mcp/github/x' } }));
    answers.push(await answer(server.url, 'GET', '/api/v1/gateway/authorize?server=github', { token: bootstrap }));

    const undocumented = [];
    let checked = 0;
    for (const a of answers) {
      if (a.error) continue;  // the connection was closed under a body over the limit
      const found = operationFor(doc, a.method, a.target.split('?')[0]);
      assert.ok(found, `${a.method} ${a.target}: no operation documents it`);
      checked += 1;
      const response = found.op.responses[String(a.status)];
      const where = `${a.method} ${found.pattern} (${a.target})`;
      if (!response) {
        undocumented.push(`${where}: status ${a.status} is not documented (documented: ${Object.keys(found.op.responses).join(', ')})`);
        continue;
      }
      if (a.method === 'HEAD' || !a.hasBody) continue;
      const types = Object.keys(response.content ?? {});
      if (!types.includes(a.type)) undocumented.push(`${where}: ${a.status} answered ${a.type}; documented: ${types.join(', ') || 'no body'}`);
    }
    assert.ok(checked > 200, `${checked} answers checked`);
    const statuses = new Set(answers.filter((a) => !a.error).map((a) => a.status));
    for (const status of [200, 304, 400, 401, 404, 413, 415]) assert.ok(statuses.has(status), `the run answered some ${status}`);
    assert.deepEqual([...new Set(undocumented)], [], 'answers the document does not list');
  } finally {
    await server.stop();
  }
});
