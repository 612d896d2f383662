// Writes the generated seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/, from the
// test payloads: Clerk webhook bodies built by tests/interop/clerk_payloads.mjs and signed by the
// real `svix` package, session tokens signed by `jose` with tests/fuzz/jwt_fuzz_key.pem, and the
// strings of the unit tests (DATABASE_URL forms, dotenv files). Deterministic except the tokens'
// signatures' inputs, which are fixed too: run it again after changing a payload builder.
//   cd tests/interop && npm ci && node ../fuzz/make_seeds.mjs
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const requireInterop = createRequire(path.join(here, '../interop/package.json'));
const { Webhook } = requireInterop('svix');
const jose = await import(requireInterop.resolve('jose'));
const P = await import('../interop/clerk_payloads.mjs');

const SEP = '\n--\n';
const corpus = (target) => {
  const dir = path.join(here, 'corpus', target);
  mkdirSync(dir, { recursive: true });
  return (bytes) => {
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
    writeFileSync(path.join(dir, `seed-${createHash('sha1').update(buffer).digest('hex').slice(0, 16)}`), buffer);
  };
};

// Clerk webhook bodies: one story's every event type, plus events the sync keeps but ignores.
const t = P.T0;
const bodies = [
  P.userCreated({ name: 'ada', createdAt: t, updatedAt: t }),
  P.userUpdated({ name: 'ada', firstName: 'Ada', createdAt: t, updatedAt: t + 1000 }),
  P.userDeleted(P.userId('ada'), { timestamp: t + 9000 }),
  P.organizationCreated({ name: 'acme', createdAt: t, updatedAt: t }),
  P.organizationUpdated({ name: 'acme', createdAt: t, updatedAt: t + 2000 }),
  P.organizationDeleted(P.orgId('acme'), { timestamp: t + 9000 }),
  P.membershipCreated({ name: 'acme-ada', org: { name: 'acme' }, user: { name: 'ada' }, role: 'org:admin', createdAt: t }),
  P.membershipUpdated({ name: 'acme-ada', org: { name: 'acme' }, user: { name: 'ada' }, role: 'basic_member', createdAt: t, updatedAt: t + 3000 }),
  P.membershipDeleted({ name: 'acme-ada', org: { name: 'acme' }, user: { name: 'ada' }, createdAt: t, updatedAt: t + 4000 }),
  P.sessionCreated({ userName: 'ada', createdAt: t }),
  P.emailCreated({ createdAt: t }),
].map((payload) => JSON.stringify(payload));

const clerk = corpus('clerk_event');
for (const body of bodies) clerk(body);

// Signature seeds: the headers exactly as svix sends them, then the body.
const signature = corpus('webhook_signature');
const svix = new Webhook(P.SECRET);
const fuzzNow = new Date(1716883200 * 1000);  // the target's clock
bodies.forEach((body, idx) => {
  const id = `msg_2g7np9Xq4Pdw0TWo4J1d8mFv${idx.toString().padStart(3, '0')}`;
  const sig = svix.sign(id, fuzzNow, body);
  signature([id, String(Math.floor(fuzzNow.getTime() / 1000)), sig, body].join(SEP));
  signature([id, String(Math.floor(fuzzNow.getTime() / 1000)), `v1a,xyz ${sig} v2,abc`, body].join(SEP));
});

// API bodies: a route byte (the target picks route byte % routes) and a body each route reads.
const apiBodies = [
  '{"name":"Acme","slug":"acme","metadata":{"plan":"pro"},"image_url":"https://img.example.com/a.png"}',
  '{"name":"Globex","clerk_id":"org_2g7np7Hrk0SN6kj5rDMLmVsz1nM"}',
  '{"user_id":"user_2g7np7Hrk0SN6kj5rDMLmVsz1nM","role":"MEMBER"}',
  '{"role":"ADMIN"}',
  '{"slug":"github","name":"GitHub","description":"Repos","url":"https://mcp.example.com/github","transport":"streamable-http","capabilities":{"tools":true},"is_active":true}',
  '{"config":{"token_ref":"vault:gh"},"enabled":true}',
  '{"name":"ci key","role":"MEMBER","expires_in":3600}',
  '{"name":"old","role":"VIEWER","expires_at":"2030-01-01T00:00:00.000Z"}',
  '{"user_id":"user_2g7np7Hrk0SN6kj5rDMLmVsz1nM","organization_id":"org_2g7np7Hrk0SN6kj5rDMLmVsz1nM","clerk_session_id":"sess_2g7np7Hrk0SN6kj5rDMLmVsz1nM","metadata":{"ua":"x"},"expires_in":600}',
  '{}',
  ...bodies,
];
const api = corpus('api_bodies');
for (let route = 0; route < 16; route += 1) {
  for (const body of apiBodies) api(Buffer.concat([Buffer.from([route]), Buffer.from(body)]));
}

// Session tokens (v1 and v2 claim shapes), signed by jose with the fuzz key.
const privateKey = await jose.importPKCS8(readFileSync(path.join(here, 'jwt_fuzz_key.pem'), 'utf8'), 'RS256');
const now = 1716883200;
const claimSets = [
  { sub: 'user_2g7np7Hrk0SN6kj5rDMLmVsz1nM', sid: 'sess_1', azp: 'https://app.example.com', iat: now - 10, nbf: now - 10, exp: now + 60, org_id: 'org_1', org_role: 'admin', org_slug: 'acme' },
  { sub: 'user_2g7np7Hrk0SN6kj5rDMLmVsz1nM', sid: 'sess_2', azp: 'https://app.example.com', iat: now - 10, exp: now + 60, v: 2, o: { id: 'org_1', rol: 'member', slg: 'acme' } },
  { sub: 'user_x', azp: 'https://app.example.com', exp: now - 3600 },
  { sub: 'user_x', azp: 'https://evil.example.com', exp: now + 60 },
  { sub: '', azp: 'https://app.example.com', exp: now + 60.5, o: null },
];
const headers = [{ alg: 'RS256', typ: 'JWT', kid: 'fuzz-1' }, { alg: 'RS256' }, { alg: 'RS256', kid: 'unknown' }];
const shapes = corpus('jwt_shapes');
const claims = corpus('jwt_claims');
for (const header of headers) {
  for (const payload of claimSets) {
    shapes(await new jose.SignJWT(payload).setProtectedHeader(header).sign(privateKey));
    claims(JSON.stringify(header) + SEP + JSON.stringify(payload));
  }
}
shapes('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.');
claims(JSON.stringify({ alg: 'RS256', crit: ['b64'], b64: false }) + SEP + JSON.stringify(claimSets[0]));

// DATABASE_URL: every string literal of the unit test that looks like one.
const urls = corpus('database_url');
const urlTest = readFileSync(path.join(here, '../unit/database_url_test.cpp'), 'utf8');
for (const [, literal] of urlTest.matchAll(/"((?:file|sqlite|postgres|postgresql|mysql|FILE|SQLite|:memory)[^"]*)"/g)) urls(literal);

// dotenv: the unit tests' raw-string files, plus a few written out here.
const envs = corpus('dotenv');
const dotenvTest = readFileSync(path.join(here, '../unit/dotenv_test.cpp'), 'utf8');
for (const [, text] of dotenvTest.matchAll(/R"\(([\s\S]*?)\)"/g)) envs(text);
for (const [, literal] of dotenvTest.matchAll(/"((?:[^"\\\n]|\\.)*=(?:[^"\\\n]|\\.)*)"/g)) {
  try { envs(JSON.parse(`"${literal}"`)); } catch { /* a C escape JSON does not know (\x): skipped */ }
}
envs('# comment\nexport DATABASE_URL=file:./x.db\nPORT=3000 # trailing\nKEY="multi\nline \\"quoted\\""\nRAW=\'lit $X\'\n');
envs('A=1\r\nB= spaced value \r\n\uFEFFC=bom\n');

// Cursors: limit, then the cursor as a client sends it back.
const cursors = corpus('cursor');
for (const id of ['0191c7de-3b0a-7c1e-8f00-000000000001', 'user_2g7np7Hrk0SN6kj5rDMLmVsz1nM', 'a']) {
  cursors(['50', Buffer.from(id).toString('base64url')].join(SEP));
}
cursors(['200', '%%%'].join(SEP));
cursors(['0', ''].join(SEP));

// Forwarded URIs and X-Forwarded-For: uri, X-Forwarded-For, peer.
const forwarded = corpus('forwarded_uri');
for (const uri of ['/mcp/github/v1/messages?x=1', 'https://gw.example.com/mcp/github/', '/mcp/../admin/', '/mcp/%2e%2e/x',
  '/mcp//github', '/mcp/git%2Fhub/', '/mcp/github\\x']) {
  forwarded([uri, '203.0.113.9, 10.0.0.1', '127.0.0.1'].join(SEP));
}
forwarded(['/mcp/a', '2001:db8::1,::1 , garbage', '::1'].join(SEP));
