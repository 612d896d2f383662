// A stand-in for Clerk's Backend API (https://api.clerk.com/v1), for `mcp-admin clerk sync` tests
// and the benchmark: plain HTTP on 127.0.0.1, Clerk's shapes exactly as clerk/javascript's
// packages/backend reads them:
//   GET /v1/users                       → a bare JSON array of User objects
//   GET /v1/users/count                 → {"object":"total_count","total_count":N}
//   GET /v1/users/{id}                  → a User, or 404 resource_not_found
//   GET /v1/organizations               → {"data":[Organization…],"total_count":N}
//   GET /v1/organizations/{id}          → an Organization, or 404
//   GET /v1/organizations/{id}/memberships[?user_id=…] → {"data":[OrganizationMembership…],"total_count":N}
//   GET /v1/organization_memberships    → {"data":[OrganizationMembership…],"total_count":N} (every
//                                         membership of the instance; getInstanceOrganizationMembershipList)
// Listings take limit (1–500, default 10) and offset, and order_by (created_at, ±; default
// -created_at, newest first). Every request needs `Authorization: Bearer <secret>`; otherwise 401
// with errors[0].code "clerk_key_invalid", as Clerk answers.
//
// The objects are given as collections: an array, or {size, at(i)} built on demand (the benchmark's
// 100,000 users are never all held). `faults` injects failures by request number: each entry
// `delayMs` delays every answer. Each entry of `faults` is
// {path: '/v1/users' (a prefix of the path), nth: 2 (the nth matching request, from 1),
//  kind: '429' | '500' | 'drop', retryAfter: seconds} is used once.
import http from 'node:http';

const asCollection = (items) => (Array.isArray(items) ? { size: () => items.length, at: (i) => items[i], items } : items);

function problem(status, code, message) {
  return { status, body: { errors: [{ code, message, long_message: message, meta: {} }], clerk_trace_id: 'trace_standin' } };
}

export async function startClerkStandin({ secret, users = [], organizations = [], memberships = [], faults = [], delayMs = 0 } = {}) {
  const data = { users: asCollection(users), organizations: asCollection(organizations), memberships: asCollection(memberships) };
  const requests = [];  // {method, path, query, status}
  const counters = new Map();
  const pending = faults.map((fault) => ({ ...fault, used: false }));

  function page(collection, query) {
    const limit = query.has('limit') ? Number(query.get('limit')) : 10;
    const offset = query.has('offset') ? Number(query.get('offset')) : 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      return { error: problem(422, 'form_param_value_invalid', 'limit must be between 1 and 500') };
    }
    if (!Number.isInteger(offset) || offset < 0) {
      return { error: problem(422, 'form_param_value_invalid', 'offset must be 0 or more') };
    }
    const size = collection.size();
    // Collections are kept oldest first; order_by=-created_at (Clerk's default) reads them backwards.
    const ascending = (query.get('order_by') ?? '-created_at') === '+created_at' || query.get('order_by') === 'created_at';
    const items = [];
    for (let i = offset; i < Math.min(size, offset + limit); i += 1) {
      items.push(collection.at(ascending ? i : size - 1 - i));
    }
    return { items, total: size };
  }

  function find(collection, id) {
    if (collection.byId) return collection.byId(id);
    for (let i = 0; i < collection.size(); i += 1) if (collection.at(i).id === id) return collection.at(i);
    return undefined;
  }

  function answer(method, path, query) {
    if (method !== 'GET') return problem(405, 'method_not_allowed', 'only GET in this stand-in');
    let match;
    if (path === '/v1/users') {
      const listed = page(data.users, query);
      return listed.error ?? { status: 200, body: listed.items };
    }
    if (path === '/v1/users/count') return { status: 200, body: { object: 'total_count', total_count: data.users.size() } };
    if ((match = path.match(/^\/v1\/users\/([^/]+)$/))) {
      const user = find(data.users, decodeURIComponent(match[1]));
      return user ? { status: 200, body: user } : problem(404, 'resource_not_found', 'not found');
    }
    if (path === '/v1/organizations') {
      const listed = page(data.organizations, query);
      return listed.error ?? { status: 200, body: { data: listed.items, total_count: listed.total } };
    }
    if ((match = path.match(/^\/v1\/organizations\/([^/]+)$/))) {
      const organization = find(data.organizations, decodeURIComponent(match[1]));
      return organization ? { status: 200, body: organization } : problem(404, 'resource_not_found', 'not found');
    }
    if ((match = path.match(/^\/v1\/organizations\/([^/]+)\/memberships$/))) {
      const organizationId = decodeURIComponent(match[1]);
      if (!find(data.organizations, organizationId)) return problem(404, 'resource_not_found', 'not found');
      const userIds = query.getAll('user_id');
      const all = [];
      for (let i = 0; i < data.memberships.size(); i += 1) {
        const membership = data.memberships.at(i);
        if (membership.organization.id !== organizationId) continue;
        if (userIds.length && !userIds.includes(membership.public_user_data.user_id)) continue;
        all.push(membership);
      }
      const listed = page({ size: () => all.length, at: (i) => all[i] }, query);
      return listed.error ?? { status: 200, body: { data: listed.items, total_count: listed.total } };
    }
    if (path === '/v1/organization_memberships') {
      const listed = page(data.memberships, query);
      return listed.error ?? { status: 200, body: { data: listed.items, total_count: listed.total } };
    }
    return problem(404, 'resource_not_found', `no route ${path} in this stand-in`);
  }

  const server = http.createServer((req, res) => {
    if (delayMs > 0) {
      setTimeout(() => handle(req, res), delayMs);
      return;
    }
    handle(req, res);
  });
  function handle(req, res) {
    const url = new URL(req.url, 'http://standin');
    const record = { method: req.method, path: url.pathname, query: url.search, status: 0 };
    requests.push(record);
    const count = (counters.get(url.pathname) ?? 0) + 1;
    counters.set(url.pathname, count);
    const send = ({ status, body, headers = {} }) => {
      record.status = status;
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    if (req.headers.authorization !== `Bearer ${secret}`) {
      send(problem(401, 'clerk_key_invalid', 'The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.'));
      return;
    }
    // The nth request whose path starts with a fault's path (one counter per distinct prefix).
    for (const prefix of new Set(pending.map((f) => f.path))) {
      if (url.pathname.startsWith(prefix)) counters.set(`fault:${prefix}`, (counters.get(`fault:${prefix}`) ?? 0) + 1);
    }
    const fault = pending.find((f) => !f.used && url.pathname.startsWith(f.path) && counters.get(`fault:${f.path}`) === f.nth);
    if (fault) {
      fault.used = true;
      if (fault.kind === 'drop') {
        record.status = 'dropped';
        req.socket.destroy();
        return;
      }
      if (fault.kind === '429') {
        send({ ...problem(429, 'too_many_requests', 'Too many requests, retry later'),
          headers: { 'Retry-After': String(fault.retryAfter ?? 1) } });
        return;
      }
      send(problem(Number(fault.kind), 'internal_clerk_error', 'Oops, something went wrong'));
      return;
    }
    const result = answer(req.method, url.pathname, url.searchParams);
    const items = Array.isArray(result.body) ? result.body : result.body?.data;
    if (Array.isArray(items)) record.items = items.length;
    record.at = performance.now();
    send(result);
  }
  server.keepAliveTimeout = 30000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    data,
    requests,
    faultsUsed: () => pending.filter((f) => f.used).length,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
