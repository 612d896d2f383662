// The authorization matrix: every route served (taken from GET /api/openapi.json) × every kind of
// credential, each cell asserting the exact status the ROLE MODEL gives (src/domain/authorization.h,
// README "Roles and tenancy"), not what the code happens to do:
//
//   platform  the bootstrap key (an API key with no organization): manages the platform
//   admin     an ADMIN API key of organization A: manages A (org, members, services, keys, audit, sessions)
//   member    a MEMBER API key of A: reads A and uses its services (gateway)
//   viewer    a VIEWER API key of A: reads A
//   none      no Authorization header: 401 with WWW-Authenticate: Bearer on every authenticated route
//   foreign   an ADMIN API key of organization B: A's resources do not exist for it (404, never 403)
//
// and the same rows with Clerk session tokens (signed by jose, v1 org claims) of ada (ADMIN of A),
// bob (MEMBER), cyd (VIEWER) and gus (ADMIN of B): the status of the key of the same role, except
// where a user differs by design (sessions are a user's own) — those cells are written out with the
// route file that documents the rule. Then again with OAuth access tokens (at+jwt, v2 org claims)
// of the same four users, as Clerk issues them to MCP clients: oada, obob, ocyd, ogus answer as
// that user's session token unless a row says otherwise (audience: the platform, <public>, on the
// admin API; <public>/mcp/{server} on the gateway rows). A revoked ADMIN key and an expired ADMIN
// token must answer every row exactly as no credential does.
//
// Mutating cells get fresh targets (a fresh user, member, MCP server, service, key, session or
// organization per cell), so one cell's success never changes another's expected status. Every
// non-2xx answer must be problem JSON. All mismatches are printed at once, as a table.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { startApiServer } from './api_harness.mjs';
import { orgId, userCreated, userId } from './clerk_payloads.mjs';
import { ENGINE } from './db_state.mjs';

const KEY_COLUMNS = ['platform', 'admin', 'member', 'viewer', 'none', 'foreign'];
const TOKEN_COLUMNS = ['ada', 'bob', 'cyd', 'gus'];
const OAUTH_COLUMNS = ['oada', 'obob', 'ocyd', 'ogus'];
// The user behind an OAuth column.
const OAUTH_USER = { oada: 'ada', obob: 'bob', ocyd: 'cyd', ogus: 'gus' };
const PUBLIC = 'https://mcp.example.com';
const ISSUER = 'https://clerk.example.test';
const GATEWAY_ROUTE = 'GET /api/v1/gateway/authorize';
// Credentials that are no credential at all: they answer as `none` on every row.
const DEAD_COLUMNS = ['revoked', 'expired'];
// A user's column answers as the key column of the same role unless the row says otherwise.
const SAME_ROLE = { ada: 'admin', bob: 'member', cyd: 'viewer', gus: 'foreign', oada: 'admin', obob: 'member', ocyd: 'viewer', ogus: 'foreign' };
const ROLE_OF = {
  admin: 'ADMIN', member: 'MEMBER', viewer: 'VIEWER', ada: 'ADMIN', bob: 'MEMBER', cyd: 'VIEWER', gus: 'ADMIN',
  oada: 'ADMIN', obob: 'MEMBER', ocyd: 'VIEWER', ogus: 'ADMIN',
};
const CONCURRENCY = 8;

const SESSIONS_FILE = 'src/http/routes_sessions.cpp';
const AUDIT_FILE = 'src/http/routes_audit_logs.cpp';
const GATEWAY_FILE = 'src/http/routes_gateway.cpp';

// expect: statuses for KEY_COLUMNS in order (null: the cell does not apply). users: overrides of the
// token columns. notes: where an edge cell's rule is documented. prepare(cell) → { path, body,
// headers, token } (token: the cell's credential unless given). check(response, cell) → a complaint
// about a 2xx answer's content, or nothing.
function rows(ctx) {
  const { A, B, users } = ctx;
  const n = () => ctx.next();
  const freshServer = async () => {
    const slug = `matrix-srv-${n()}`;
    const res = await ctx.platform('POST', '/api/v1/mcp-servers', { slug, name: slug, transport: 'streamable-http', url: 'https://mcp.example.test/x' }, 201);
    return res.json;
  };
  const freshUser = async () => {
    const name = `matrix_user_${n()}`;
    const res = await ctx.post(ctx.api.nextSvixId(), userCreated({ name }));
    if (res.status !== 200) throw new Error(`user.created webhook: ${res.status} ${res.text}`);
    return userId(name);
  };
  const freshMember = async () => {
    const clerk = await freshUser();
    await ctx.platform('POST', `/api/v1/organizations/${A.id}/members`, { user_id: clerk, role: 'MEMBER' }, 201);
    return clerk;
  };
  // A user Clerk once put in A whose membership was removed since: A's ADMIN may add them back.
  const freshRemovedMember = async () => {
    const clerk = await freshMember();
    await ctx.platform('DELETE', `/api/v1/organizations/${A.id}/members/${clerk}`, undefined, 204);
    return clerk;
  };
  const freshSession = async (user, organizationId) => (await ctx.platform('POST', '/api/v1/sessions', { user_id: user, organization_id: organizationId }, 201)).json.id;
  const onlyOrganizations = (field) => (res, cell) => {
    if (cell.column === 'platform') return undefined;
    const wrong = res.json.data.filter((row) => row[field] !== cell.organization);
    return wrong.length ? `${wrong.length} rows of another organization (${field} ${wrong[0][field]})` : undefined;
  };

  return [
    // ---- public endpoints: a credential changes nothing -------------------------------------------
    { route: 'GET /', public: true, expect: [200, 200, 200, 200, 200, 200] },
    { route: 'GET /assets/{file}', public: true, expect: [200, 200, 200, 200, 200, 200], path: () => '/assets/app.js' },
    { route: 'GET /assets/{file}', label: 'no such asset', public: true, expect: [404, 404, 404, 404, 404, 404], path: () => '/assets/nope.js' },
    { route: 'GET /api/health', public: true, expect: [200, 200, 200, 200, 200, 200] },
    { route: 'GET /api/webhooks/test', public: true, expect: [200, 200, 200, 200, 200, 200] },
    // OAuth metadata is public (this server has a public URL and an issuer: access tokens are one of
    // the columns); the same for every credential. Its settings: tests/interop/oauth_metadata.test.mjs.
    { route: 'GET /.well-known/oauth-protected-resource', public: true, expect: [200, 200, 200, 200, 200, 200] },
    { route: 'GET /.well-known/oauth-protected-resource/mcp/{server}', public: true, expect: [200, 200, 200, 200, 200, 200], path: () => '/.well-known/oauth-protected-resource/mcp/github' },
    { route: 'GET /.well-known/oauth-protected-resource/orgs/{org}/mcp/{server}', public: true, expect: [200, 200, 200, 200, 200, 200], path: () => '/.well-known/oauth-protected-resource/orgs/acme/mcp/github' },
    { route: 'GET /api/openapi.json', public: true, expect: [200, 200, 200, 200, 200, 200] },
    // The admin page's sign-in with Clerk (off on this server: no OAuth client): a bearer credential
    // neither signs in nor stands in for the session cookie. Its behaviour: admin_sign_in.test.mjs.
    { route: 'GET /auth/session', public: true, expect: [200, 200, 200, 200, 200, 200], check: (res) => (res.json.signed_in ? 'signed in by a bearer credential' : undefined) },
    { route: 'GET /auth/sign-in', public: true, expect: [503, 503, 503, 503, 503, 503] },
    { route: 'GET /auth/callback', public: true, expect: [503, 503, 503, 503, 503, 503], path: () => '/auth/callback?code=x&state=y' },
    { route: 'POST /auth/organization', public: true, expect: [401, 401, 401, 401, 401, 401], prepare: () => ({ body: { organization_id: A.id } }) },
    { route: 'POST /auth/sign-out', public: true, expect: [401, 401, 401, 401, 401, 401] },
    { route: 'GET /metrics', public: true, expect: [200, 200, 200, 200, 200, 200] },
    {
      route: 'POST /api/webhooks/clerk', label: 'wrong Svix signature: no credential stands in for it', public: true,
      expect: [401, 401, 401, 401, 401, 401],
      prepare: () => ({
        body: { type: 'user.created', object: 'event', data: { id: userId(`never_${n()}`) } },
        headers: { 'svix-id': `msg_matrix_${n()}`, 'svix-timestamp': String(Math.floor(Date.now() / 1000)), 'svix-signature': 'v1,bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==' },
      }),
    },

    // ---- organizations -----------------------------------------------------------------------------
    {
      route: 'GET /api/v1/organizations', expect: [200, 200, 200, 200, 401, 200],
      check: (res, cell) => {
        const ids = res.json.data.map((row) => row.id);
        const hidden = cell.organization === A.id ? B.id : A.id;
        if (cell.column !== 'platform' && ids.includes(hidden)) return 'lists the other organization';
        if (cell.column !== 'platform' && !ids.includes(cell.organization)) return 'does not list its own organization';
        if (cell.column === 'platform' && !(ids.includes(A.id) && ids.includes(B.id))) return 'platform does not see every organization';
        return undefined;
      },
    },
    {
      route: 'POST /api/v1/organizations', expect: [201, 403, 403, 403, 401, 403],
      prepare: () => { const id = n(); return { body: { name: `Matrix ${id}`, slug: `matrix-org-${id}` } }; },
    },
    { route: 'GET /api/v1/organizations/{id}', expect: [200, 200, 200, 200, 401, 404], path: () => `/api/v1/organizations/${A.id}` },
    {
      route: 'GET /api/v1/organizations/{id}', label: 'by Clerk id', expect: [200, 200, 200, 200, 401, 404],
      path: () => `/api/v1/organizations/${A.orgClerkId}`,
    },
    {
      route: 'PATCH /api/v1/organizations/{id}', expect: [200, 200, 403, 403, 401, 404],
      prepare: () => ({ path: `/api/v1/organizations/${A.id}`, body: { metadata: { matrix: n() } } }),
    },
    {
      // A fresh organization per cell, and the cell's credential made in it (a key of that role, or
      // the user added with that role and a token naming it): only a platform admin deletes.
      route: 'DELETE /api/v1/organizations/{id}', label: 'a fresh organization, credential of it',
      expect: [204, 403, 403, 403, 401, 404],
      prepare: async (cell) => {
        const id = n();
        const org = (await ctx.platform('POST', '/api/v1/organizations', { name: `Doomed ${id}`, slug: `doomed-${id}`, clerk_id: orgId(`doomed_${id}`) }, 201)).json;
        return { path: `/api/v1/organizations/${org.id}`, token: await ctx.credentialIn(cell, org) };
      },
    },

    // ---- members -----------------------------------------------------------------------------------
    { route: 'GET /api/v1/organizations/{id}/members', expect: [200, 200, 200, 200, 401, 404], path: () => `/api/v1/organizations/${A.id}/members` },
    {
      // Memberships come from Clerk: an ADMIN adds back only users Clerk put in A (src/http/routes_organizations.cpp, add_member).
      route: 'POST /api/v1/organizations/{id}/members', label: 'a fresh user', expect: [201, 404, 403, 403, 401, 404],
      prepare: async () => ({ path: `/api/v1/organizations/${A.id}/members`, body: { user_id: await freshUser(), role: 'MEMBER' } }),
    },
    {
      route: 'POST /api/v1/organizations/{id}/members', label: 'a removed member', expect: [201, 201, 403, 403, 401, 404],
      prepare: async () => ({ path: `/api/v1/organizations/${A.id}/members`, body: { user_id: await freshRemovedMember(), role: 'MEMBER' } }),
    },
    {
      route: 'PATCH /api/v1/organizations/{id}/members/{user_id}', label: 'a fresh member', expect: [200, 200, 403, 403, 401, 404],
      prepare: async () => ({ path: `/api/v1/organizations/${A.id}/members/${await freshMember()}`, body: { role: 'VIEWER' } }),
    },
    {
      route: 'DELETE /api/v1/organizations/{id}/members/{user_id}', label: 'a fresh member', expect: [204, 204, 403, 403, 401, 404],
      prepare: async () => ({ path: `/api/v1/organizations/${A.id}/members/${await freshMember()}` }),
    },

    // ---- users -------------------------------------------------------------------------------------
    {
      route: 'GET /api/v1/users', expect: [200, 200, 200, 200, 401, 200],
      check: (res, cell) => {
        const clerkIds = res.json.data.map((row) => row.clerk_id);
        if (cell.column === 'platform') return undefined;
        const hidden = cell.organization === A.id ? users.gus.clerk : users.ada.clerk;
        return clerkIds.includes(hidden) ? 'lists a user of the other organization' : undefined;
      },
    },
    {
      // Any credential may ask who it is; the answer is its own organization (none for the platform admin).
      route: 'GET /api/v1/me', expect: [200, 200, 200, 200, 401, 200],
      check: (res, cell) => {
        const got = res.json.organization?.id ?? null;
        if (got !== (cell.organization ?? null)) return `organization ${got}, expected ${cell.organization}`;
        if (res.json.platform_admin !== (cell.column === 'platform')) return `platform_admin ${res.json.platform_admin}`;
        return undefined;
      },
    },
    { route: 'GET /api/v1/users/{id}', label: 'ada, a member of A', expect: [200, 200, 200, 200, 401, 404], path: () => `/api/v1/users/${users.ada.clerk}` },
    { route: 'GET /api/v1/users/{id}', label: 'ada by internal id', expect: [200, 200, 200, 200, 401, 404], path: () => `/api/v1/users/${users.ada.id}` },

    // ---- MCP server registry: platform-wide, read by any organization, written by the platform ----
    { route: 'GET /api/v1/mcp-servers', expect: [200, 200, 200, 200, 401, 200] },
    {
      route: 'POST /api/v1/mcp-servers', expect: [201, 403, 403, 403, 401, 403],
      prepare: () => { const slug = `matrix-new-${n()}`; return { body: { slug, name: slug } }; },
    },
    { route: 'GET /api/v1/mcp-servers/{id}', label: 'by slug', expect: [200, 200, 200, 200, 401, 200], path: () => `/api/v1/mcp-servers/${ctx.gatewaySlug}` },
    {
      route: 'PATCH /api/v1/mcp-servers/{id}', label: 'a fresh server', expect: [200, 403, 403, 403, 401, 403],
      prepare: async () => ({ path: `/api/v1/mcp-servers/${(await freshServer()).id}`, body: { description: `changed ${n()}` } }),
    },
    {
      route: 'DELETE /api/v1/mcp-servers/{id}', label: 'a fresh server', expect: [204, 403, 403, 403, 401, 403],
      prepare: async () => ({ path: `/api/v1/mcp-servers/${(await freshServer()).id}` }),
    },

    // ---- organization services -------------------------------------------------------------------
    { route: 'GET /api/v1/organizations/{id}/services', expect: [200, 200, 200, 200, 401, 404], path: () => `/api/v1/organizations/${A.id}/services` },
    {
      route: 'PUT /api/v1/organizations/{id}/services/{server_id}', label: 'a fresh server', expect: [200, 200, 403, 403, 401, 404],
      prepare: async () => ({ path: `/api/v1/organizations/${A.id}/services/${(await freshServer()).slug}`, body: { config: { region: 'eu' } } }),
    },
    {
      route: 'DELETE /api/v1/organizations/{id}/services/{server_id}', label: 'a fresh enabled service', expect: [204, 204, 403, 403, 401, 404],
      prepare: async () => {
        const server = await freshServer();
        await ctx.platform('PUT', `/api/v1/organizations/${A.id}/services/${server.id}`, { config: {} }, 200);
        return { path: `/api/v1/organizations/${A.id}/services/${server.id}` };
      },
    },

    // ---- API keys ----------------------------------------------------------------------------------
    {
      route: 'GET /api/v1/organizations/{id}/api-keys', expect: [200, 200, 403, 403, 401, 404], path: () => `/api/v1/organizations/${A.id}/api-keys`,
      check: (res) => (res.json.data.some((row) => 'key_hash' in row || 'key' in row) ? 'a listed key carries its secret or hash' : undefined),
    },
    {
      route: 'POST /api/v1/organizations/{id}/api-keys', label: 'a VIEWER key', expect: [201, 201, 403, 403, 401, 404],
      prepare: () => ({ path: `/api/v1/organizations/${A.id}/api-keys`, body: { name: `matrix ${n()}`, role: 'VIEWER' } }),
    },
    {
      route: 'DELETE /api/v1/organizations/{id}/api-keys/{key_id}', label: 'a fresh key', expect: [204, 204, 403, 403, 401, 404],
      prepare: async () => ({ path: `/api/v1/organizations/${A.id}/api-keys/${(await ctx.api.apiKey(A.id, 'VIEWER')).id}` }),
    },

    // ---- sessions: a user's own (SESSIONS_FILE's documented rules for the edge cells) ---------------
    {
      route: 'GET /api/v1/sessions', expect: [200, 200, 403, 403, 401, 200],
      users: { bob: 200, cyd: 200 },
      notes: { member: `MEMBER key: only an ADMIN lists its organization's sessions (${SESSIONS_FILE}, list summary)`, bob: `a user lists their own sessions (${SESSIONS_FILE})`, cyd: `a user lists their own sessions (${SESSIONS_FILE})` },
      check: (res, cell) => {
        if (cell.column === 'platform') return undefined;
        const data = res.json.data;
        if (cell.user && ROLE_OF[cell.column] !== 'ADMIN') {
          const other = data.find((row) => row.user_id !== users[cell.user].id);
          return other ? `lists a session of another user (${other.user_id})` : undefined;
        }
        const other = data.find((row) => row.organization_id !== cell.organization && !(cell.user && row.user_id === users[cell.user].id));
        return other ? `lists a session of another organization (${other.organization_id})` : undefined;
      },
    },
    {
      route: 'GET /api/v1/sessions', label: '?organization_id=A', expect: [200, 200, 403, 403, 401, 404],
      users: { bob: 200, cyd: 200, gus: 404 },
      notes: { bob: `a user lists their own sessions in an organization they belong to (${SESSIONS_FILE}, list_sessions)` },
      path: () => `/api/v1/sessions?organization_id=${A.id}`,
      check: (res, cell) => {
        // A user sees other users' sessions only as an ADMIN of the organization they are in.
        const seesOthers = !cell.user || (ROLE_OF[cell.column] === 'ADMIN' && cell.organization === A.id);
        const other = res.json.data.find((row) => row.organization_id !== A.id || (!seesOthers && row.user_id !== users[cell.user].id));
        return other ? `lists a session it may not see (${JSON.stringify(other)})` : undefined;
      },
    },
    {
      route: 'POST /api/v1/sessions', label: 'for dan, a member of A', expect: [201, 201, 403, 403, 401, 404],
      users: { ada: 403, bob: 403, cyd: 403, oada: 400, obob: 400, ocyd: 400, ogus: 400 },
      notes: {
        ada: `a Clerk user creates or updates only their own session (${SESSIONS_FILE})`, bob: 'idem', cyd: 'idem', gus: 'dan is a user of A: for B he does not exist (model: 404)',
        oada: `an access token has no sid: no session of its own to create or update (${SESSIONS_FILE}, create_or_update_session)`, obob: 'idem', ocyd: 'idem', ogus: 'idem',
      },
      prepare: () => ({ body: { user_id: users.dan.clerk } }),
    },
    {
      route: 'POST /api/v1/sessions', label: "the token's own (fresh sid)", expect: [null, null, null, null, 401, null],
      users: { ada: 201, bob: 201, cyd: 201, gus: 201, oada: null, obob: null, ocyd: null, ogus: null },
      notes: { ada: `Clerk users upsert their own session by the token's sid (${SESSIONS_FILE})` },
      prepare: async (cell) => ({ body: {}, token: cell.user ? await ctx.tokenFor(cell.user, { sid: `sess_matrix_${cell.user}_${n()}` }) : undefined }),
    },
    {
      route: 'DELETE /api/v1/sessions/{id}', label: "a fresh session of dan in A", expect: [204, 204, 404, 404, 401, 404],
      users: { bob: 404, cyd: 404 },
      notes: {
        member: `documented: another user's session does not exist for a MEMBER, also of the same organization (${SESSIONS_FILE}, authorize_session)`,
        viewer: 'idem', bob: 'idem', cyd: 'idem',
      },
      prepare: async () => ({ path: `/api/v1/sessions/${await freshSession(users.dan.clerk, A.id)}` }),
    },
    {
      route: 'DELETE /api/v1/sessions/{id}', label: "the user's own fresh session", expect: [null, null, null, null, 401, null],
      users: { ada: 204, bob: 204, cyd: 204, gus: 204 },
      notes: { bob: `a user revokes their own session (${SESSIONS_FILE}, authorize_session)`, cyd: 'idem' },
      prepare: async (cell) => {
        const who = cell.user ?? 'dan';
        return { path: `/api/v1/sessions/${await freshSession(users[who].clerk, cell.user ? cell.organization : A.id)}` };
      },
    },

    // ---- audit trail: ADMIN reads its organization's (AUDIT_FILE) -----------------------------------
    {
      route: 'GET /api/v1/audit-logs', expect: [200, 200, 403, 403, 401, 200],
      notes: { foreign: `its own organization's rows (${AUDIT_FILE})` },
      check: onlyOrganizations('organization_id'),
    },
    {
      route: 'GET /api/v1/audit-logs', label: '?organization_id=A', expect: [200, 200, 403, 403, 401, 404],
      path: () => `/api/v1/audit-logs?organization_id=${A.id}`, check: onlyOrganizations('organization_id'),
    },
    {
      route: 'GET /api/v1/audit-logs', label: '?organization_id=<A\'s Clerk id>', expect: [200, 200, 403, 403, 401, 404],
      path: () => `/api/v1/audit-logs?organization_id=${A.orgClerkId}`,
    },

    // ---- gateway (forward auth): MEMBER and up use A's enabled service (GATEWAY_FILE) ---------------
    {
      route: 'GET /api/v1/gateway/authorize', label: '?server= of a service A enabled', expect: [200, 200, 200, 403, 401, 403],
      notes: { platform: `a platform-admin key may use every active server (${GATEWAY_FILE}, src/domain/gateway_decision.h)`, foreign: 'B has no service for that server' },
      path: () => `/api/v1/gateway/authorize?server=${ctx.gatewaySlug}`,
      check: (res, cell) => (res.headers['x-mcp-server'] !== ctx.gatewaySlug ? 'no X-MCP-Server header' : (cell.organization && res.headers['x-mcp-organization'] !== cell.organization ? 'X-MCP-Organization is not the credential\'s organization' : undefined)),
    },
    {
      route: 'GET /api/v1/gateway/authorize', label: 'X-Forwarded-Uri /mcp/SLUG/…', expect: [200, 200, 200, 403, 401, 403],
      prepare: () => ({ path: '/api/v1/gateway/authorize', headers: { 'X-Forwarded-Uri': `/mcp/${ctx.gatewaySlug}/sse` } }),
    },
    {
      route: 'GET /api/v1/gateway/authorize', label: 'key in X-API-Key', expect: [200, 200, 200, 403, 401, 403],
      users: { ada: null, bob: null, cyd: null, gus: null },
      prepare: (cell) => ({
        path: `/api/v1/gateway/authorize?server=${ctx.gatewaySlug}`,
        token: null,
        headers: cell.credential ? { 'X-API-Key': cell.credential } : {},
      }),
    },
  ];
}

// The cells of a row for these columns: { column, expected, note }.
function cellsOf(row, columns) {
  return columns.map((column) => {
    let expected;
    if (KEY_COLUMNS.includes(column)) expected = row.expect[KEY_COLUMNS.indexOf(column)];
    else if (DEAD_COLUMNS.includes(column)) expected = row.expect[KEY_COLUMNS.indexOf('none')];
    else if (row.users && column in row.users) expected = row.users[column];
    else if (row.users && OAUTH_USER[column] in row.users) expected = row.users[OAUTH_USER[column]];
    else expected = row.expect[KEY_COLUMNS.indexOf(SAME_ROLE[column])];
    return { column, expected, note: row.notes?.[column] };
  }).filter((cell) => cell.expected !== null);
}

const rowName = (row) => `${row.route}${row.label ? ` (${row.label})` : ''}`;
const isSuccess = (status) => status >= 200 && status < 300;

function table(headers, lines) {
  const widths = headers.map((header, idx) => Math.max(header.length, ...lines.map((line) => String(line[idx]).length)));
  const fmt = (line) => line.map((cell, idx) => String(cell).padEnd(widths[idx])).join('  ').trimEnd();
  return [fmt(headers), fmt(widths.map((width) => '-'.repeat(width))), ...lines.map(fmt)].join('\n');
}

async function pool(items, concurrency, worker) {
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const idx = next++;
      await worker(items[idx], idx);
    }
  });
  await Promise.all(runners);
}

describe(`authorization matrix (${ENGINE})`, () => {
  let api;
  let ctx;
  let served;  // Set of "METHOD /pattern" from GET /api/openapi.json
  let documented;  // "METHOD /pattern" → the OpenAPI operation

  before(async () => {
    api = await startApiServer({ args: ['--public-url', PUBLIC, '--clerk-issuer', ISSUER] });
    const A = await api.tenant('acme', [
      { name: 'ada', role: 'org:admin' }, { name: 'bob', role: 'org:member' }, { name: 'cyd', role: 'org:viewer' }, { name: 'dan', role: 'org:member' },
    ]);
    const B = await api.tenant('globex', [{ name: 'gus', role: 'org:admin' }]);
    let counter = 0;
    ctx = {
      api, A, B, post: api.post, next: () => ++counter,
      // A request as the bootstrap platform admin that must answer `status` (set-up, not under test).
      async platform(method, path, body, status) {
        const res = await api.call(method, path, { body });
        if (res.status !== status) throw new Error(`set-up ${method} ${path}: ${res.status} ${res.text}`);
        return res;
      },
    };
    const users = {};
    for (const [name, clerk] of Object.entries({ ...A.users, ...B.users })) {
      users[name] = { clerk, id: (await ctx.platform('GET', `/api/v1/users/${clerk}`, undefined, 200)).json.id };
    }
    ctx.users = users;
    const exp = Math.floor(Date.now() / 1000) + 900;
    const tenantOf = { ada: A, bob: A, cyd: A, gus: B };
    // A token of `name` acting in `org` (default: their tenant) with their role there.
    ctx.tokenFor = (name, { org, sid } = {}) => api.token(name, {
      org: { id: (org ?? tenantOf[name]).clerk_id ?? (org ?? tenantOf[name]).orgClerkId, role: `org:${ROLE_OF[name].toLowerCase()}`, slug: 'x' },
      exp, claims: { iss: ISSUER }, ...(sid ? { sid } : {}),
    });
    // An OAuth access token of `name` for `aud`, naming `org` (default: their tenant) as Clerk's
    // v2 claims do; no sid: an access token belongs to an MCP client, not to a browser session.
    ctx.accessFor = (name, { org, aud = PUBLIC } = {}) => {
      const organization = org ?? tenantOf[name];
      return new SignJWT({
        client_id: 'matrix_client', scope: 'profile email', jti: randomUUID(), v: 2,
        o: { id: organization.clerk_id ?? organization.orgClerkId, rol: ROLE_OF[name].toLowerCase(), slg: 'x' },
      }).setProtectedHeader({ alg: 'RS256', kid: api.keys.kid, typ: 'at+jwt' })
        .setSubject(userId(name)).setIssuer(ISSUER).setAudience(aud).setIssuedAt().setExpirationTime(exp)
        .sign(api.keys.privateKey);
    };
    ctx.credentials = {
      platform: api.bootstrapKey,
      admin: (await api.apiKey(A.id, 'ADMIN')).key,
      member: (await api.apiKey(A.id, 'MEMBER')).key,
      viewer: (await api.apiKey(A.id, 'VIEWER')).key,
      none: null,
      foreign: (await api.apiKey(B.id, 'ADMIN')).key,
    };
    for (const name of TOKEN_COLUMNS) ctx.credentials[name] = await ctx.tokenFor(name);
    for (const column of OAUTH_COLUMNS) ctx.credentials[column] = await ctx.accessFor(OAUTH_USER[column]);
    const revoked = await api.apiKey(A.id, 'ADMIN');
    await ctx.platform('DELETE', `/api/v1/organizations/${A.id}/api-keys/${revoked.id}`, undefined, 204);
    ctx.credentials.revoked = revoked.key;
    const now = Math.floor(Date.now() / 1000);
    ctx.credentials.expired = await api.token('ada', { org: { id: A.orgClerkId, role: 'org:admin' }, iat: now - 1200, exp: now - 600, claims: { iss: ISSUER } });
    ctx.organizationOf = {
      platform: null, admin: A.id, member: A.id, viewer: A.id, none: null, foreign: B.id, ada: A.id, bob: A.id, cyd: A.id, gus: B.id,
      oada: A.id, obob: A.id, ocyd: A.id, ogus: B.id,
    };
    // The cell's kind of credential, made in organization `org` (for cells whose target is a fresh
    // organization): a key of the column's role, or the column's user added with that role.
    ctx.credentialIn = async (cell, org) => {
      if (['platform', 'none', 'foreign', 'gus', 'ogus', ...DEAD_COLUMNS].includes(cell.column)) return cell.credential;
      if (!cell.user) return (await api.apiKey(org.id, ROLE_OF[cell.column])).key;
      await ctx.platform('POST', `/api/v1/organizations/${org.id}/members`, { user_id: users[cell.user].clerk, role: ROLE_OF[cell.column] }, 201);
      return OAUTH_USER[cell.column] ? ctx.accessFor(cell.user, { org }) : ctx.tokenFor(cell.user, { org });
    };
    // The MCP server the gateway rows ask about: the first active seed server, enabled for A only.
    const servers = (await ctx.platform('GET', '/api/v1/mcp-servers?limit=200', undefined, 200)).json.data;
    ctx.gatewaySlug = servers.find((server) => server.is_active).slug;
    await ctx.platform('PUT', `/api/v1/organizations/${A.id}/services/${ctx.gatewaySlug}`, { config: { matrix: true } }, 200);
    // The gateway rows: access tokens whose audience is that server's resource.
    ctx.gatewayAccess = {};
    for (const column of OAUTH_COLUMNS) ctx.gatewayAccess[column] = await ctx.accessFor(OAUTH_USER[column], { aud: `${PUBLIC}/mcp/${ctx.gatewaySlug}` });
    // Sessions in both organizations, so that a list that leaks has something to leak.
    for (const [who, org] of [['dan', A.id], ['bob', A.id], ['gus', B.id]]) {
      await ctx.platform('POST', '/api/v1/sessions', { user_id: users[who].clerk, organization_id: org }, 201);
    }

    const doc = (await ctx.platform('GET', '/api/openapi.json', undefined, 200)).json;
    documented = new Map();
    for (const [pattern, item] of Object.entries(doc.paths)) {
      for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']) {
        if (item[method]) documented.set(`${method.toUpperCase()} ${pattern}`, item[method]);
      }
    }
    served = new Set(documented.keys());
  });
  after(async () => { await api?.close(); });

  test('every documented route has a row, and each row agrees with its route\'s documentation', () => {
    const matrix = rows(ctx);
    const covered = new Set(matrix.map((row) => row.route));
    const missing = [...served].filter((route) => !covered.has(route));
    assert.deepEqual(missing, [], `documented routes without a matrix row (add one to ${import.meta.url.split('/').pop()}):\n  ${missing.join('\n  ')}`);
    const problems = [];
    for (const row of matrix) {
      const op = documented.get(row.route);
      if (!op) continue;  // not served by this build: reported by the matrix tests
      const authenticated = Array.isArray(op.security) && op.security.length > 0;
      if (authenticated === Boolean(row.public)) problems.push(`${rowName(row)}: documented ${authenticated ? 'authenticated' : 'public'}, row says ${row.public ? 'public' : 'authenticated'}`);
      const successes = new Set([...row.expect, ...Object.values(row.users ?? {})].filter((status) => status && isSuccess(status)));
      for (const status of successes) {
        if (!op.responses?.[String(status)]) problems.push(`${rowName(row)}: expects ${status}, documented ${Object.keys(op.responses ?? {}).join(',')}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  // Runs every cell of the rows for these columns; fails with one table of every mismatch.
  async function runMatrix(t, columns) {
    const matrix = rows(ctx);
    const notServed = matrix.filter((row) => !served.has(row.route));
    if (notServed.length) t.diagnostic(`rows not run (route not served by this build): ${notServed.map(rowName).join('; ')}`);
    const cells = [];
    for (const row of matrix.filter((entry) => served.has(entry.route))) {
      for (const cell of cellsOf(row, columns)) {
        cells.push({
          row, ...cell,
          credential: row.route === GATEWAY_ROUTE && OAUTH_USER[cell.column] ? ctx.gatewayAccess[cell.column] : ctx.credentials[cell.column],
          organization: ctx.organizationOf[cell.column],
          user: TOKEN_COLUMNS.includes(cell.column) ? cell.column : OAUTH_USER[cell.column],
        });
      }
    }
    const mismatches = [];
    const grid = new Map();  // rowName → column → shown status
    await pool(cells, CONCURRENCY, async (cell) => {
      const { row } = cell;
      const complain = (got, detail) => mismatches.push([rowName(row), cell.column, cell.expected, got, detail.replace(/\s+/g, ' ').slice(0, 160), cell.note ?? '']);
      let shown = '?';
      try {
        const prepared = row.prepare ? await row.prepare(cell) : {};
        const path = prepared.path ?? (row.path ? row.path() : row.route.split(' ')[1]);
        const token = prepared.token !== undefined ? prepared.token : cell.credential;
        const res = await api.call(row.route.split(' ')[0], path, { token: token ?? null, body: prepared.body, headers: prepared.headers });
        shown = String(res.status);
        if (res.status !== cell.expected) {
          shown = `${res.status}≠${cell.expected}`;
          complain(res.status, res.json?.detail ?? `${res.headers['content-type']}: ${res.text.slice(0, 60)}`);
        } else if (!isSuccess(res.status)) {
          const type = String(res.headers['content-type'] ?? '');
          if (!type.startsWith('application/problem+json') || res.json?.status !== res.status || typeof res.json?.detail !== 'string') {
            shown = `${res.status}!`;
            complain(res.status, `not problem JSON: ${type} ${res.text}`);
          } else if (res.status === 401 && !row.public && !/^Bearer\b/.test(String(res.headers['www-authenticate'] ?? ''))) {
            shown = `${res.status}!`;
            complain(res.status, `no WWW-Authenticate: Bearer (${res.headers['www-authenticate']})`);
          }
        } else if (row.check) {
          const complaint = row.check(res, cell);
          if (complaint) {
            shown = `${res.status}!`;
            complain(res.status, complaint);
          }
        }
      } catch (error) {
        shown = 'ERR';
        complain('error', String(error?.message ?? error));
      }
      if (!grid.has(rowName(row))) grid.set(rowName(row), {});
      grid.get(rowName(row))[cell.column] = shown;
    });

    const gridLines = matrix.map(rowName).filter((name) => grid.has(name)).map((name) => [name, ...columns.map((column) => grid.get(name)[column] ?? '-')]);
    const summary = `${cells.length} cells in ${grid.size} rows × ${columns.length} credentials, ${mismatches.length} mismatches`;
    if (process.env.MATRIX_PRINT) console.log(`\n${summary}\n${table(['route', ...columns], gridLines)}\n`);
    t.diagnostic(summary);
    if (mismatches.length) {
      mismatches.sort((a, b) => a[0].localeCompare(b[0]) || columns.indexOf(a[1]) - columns.indexOf(b[1]));
      const report = table(['route', 'credential', 'expected', 'got', 'detail', 'rule'], mismatches);
      assert.fail(`${mismatches.length} of ${cells.length} cells differ from the role model:\n${report}\n\n(≠: status differs; !: right status, wrong shape or content)\n${table(['route', ...columns], gridLines)}`);
    }
  }

  test('API keys (platform, ADMIN, MEMBER, VIEWER, foreign) and no credential', async (t) => {
    await runMatrix(t, KEY_COLUMNS);
  });

  test('Clerk session tokens: ada (ADMIN), bob (MEMBER), cyd (VIEWER) of A, gus (ADMIN of B)', async (t) => {
    await runMatrix(t, TOKEN_COLUMNS);
  });

  test('OAuth access tokens (at+jwt): oada (ADMIN), obob (MEMBER), ocyd (VIEWER) of A, ogus (ADMIN of B)', async (t) => {
    await runMatrix(t, OAUTH_COLUMNS);
  });

  test('a revoked ADMIN key and an expired ADMIN token answer as no credential', async (t) => {
    await runMatrix(t, DEAD_COLUMNS);
  });
});
