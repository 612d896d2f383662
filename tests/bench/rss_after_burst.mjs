// RSS of the server at idle, during a burst on 64 connections, and after it (issue 14: the server
// must not keep ten times its idle memory after a burst). Prints one JSON line.
//
//   node tests/bench/rss_after_burst.mjs [path/to/mcp-admin] [--burst-seconds 15] [--connections 64]
//   MALLOC_ARENA_MAX=2 node tests/bench/rss_after_burst.mjs …   (the environment reaches the server)
//
// The burst: each connection loops over a gateway read, an admin API list, a signed Clerk webhook
// of ~2 KiB (distinct ids) and a 768 KiB body with a bad signature (read whole, then refused), so
// every one of the server's threads allocates, large blocks included. RSS is VmRSS of
// /proc/PID/status: idle (3 s after ready, after the set-up requests), at the end of the burst,
// and 2 s and 15 s after it.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const argBin = process.argv[2] && !process.argv[2].startsWith('--') ? path.resolve(process.argv[2]) : null;
if (argBin) process.env.MCP_ADMIN_BIN = argBin;
const { startServer, tempDir } = await import('../integration/fixture.mjs');
const { SECRET, T0, signedPost, userCreated } = await import('../interop/clerk_payloads.mjs');

const option = (name, fallback) => {
  const idx = process.argv.indexOf(`--${name}`);
  return idx < 0 ? fallback : Number(process.argv[idx + 1]);
};
const BURST_S = option('burst-seconds', 15);
const CONNECTIONS = option('connections', 64);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const tmp = tempDir('mcp-admin-rss-');
const key = `mcp_sk_${randomBytes(32).toString('base64url')}`;
const server = await startServer({
  args: ['--port', '0', '--database', `file:${tmp.dir}/rss.db`, '--webhook-secret', SECRET, '--seed', '--bootstrap-key', key],
  env: { LOG_LEVEL: 'warn', ...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}) },
});
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))[1]);
const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
const big = Buffer.alloc(768 * 1024, 'x');
function postBig() {
  return new Promise((resolve) => {
    const req = http.request(`${server.url}/api/webhooks/clerk`, {
      method: 'POST', agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': big.length, 'svix-id': 'msg_big', 'svix-timestamp': '1', 'svix-signature': 'v1,AAAA' },
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', () => resolve(0));
    req.end(big);
  });
}
function get(urlPath, token = key) {
  return new Promise((resolve) => {
    http.get(`${server.url}${urlPath}`, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', () => resolve(0));
  });
}

await sleep(3000);
const idle = rss();
const deadline = Date.now() + BURST_S * 1000;
let requests = 0;
const errorStatuses = {};
await Promise.all(Array.from({ length: CONNECTIONS }, async (_, lane) => {
  for (let n = 0; Date.now() < deadline; n += 1) {
    const statuses = [
      await get('/api/v1/gateway/authorize?server=github'),
      await get('/api/v1/organizations?limit=50'),
      (await signedPost(`${server.url}/api/webhooks/clerk`, SECRET, `msg_rss_${lane}_${n}`,
        userCreated({ name: `rss${lane}x${n}`, createdAt: T0 + n, publicMetadata: { pad: 'x'.repeat(1200) } }))).status,
      await postBig(),
    ];
    requests += statuses.length;
    for (const status of statuses) if (status === 0 || status >= 500) errorStatuses[status] = (errorStatuses[status] ?? 0) + 1;
  }
}));
const during = rss();
await sleep(2000);
const after2 = rss();
await sleep(13000);
const after15 = rss();
// Where the resident memory is: the main heap, anonymous mappings (thread arenas, thread stacks,
// large allocations), files (the binary, libraries, SQLite through read()), by smaps.
const breakdown = { heap: 0, anonymous: 0, stack: 0, files: 0 };
let kind = 'anonymous';
for (const line of readFileSync(`/proc/${server.child.pid}/smaps`, 'utf8').split('\n')) {
  const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
  if (mapping) {
    const name = mapping[1];
    kind = name === '[heap]' ? 'heap' : name === '[stack]' ? 'stack' : name.startsWith('/') ? 'files' : 'anonymous';
    continue;
  }
  const resident = /^Rss:\s+(\d+) kB/.exec(line);
  if (resident) breakdown[kind] += Number(resident[1]);
}
agent.destroy();
await server.stop();
tmp.cleanup();
console.log(JSON.stringify({
  bin: process.env.MCP_ADMIN_BIN ?? 'build/mcp-admin', malloc_arena_max: process.env.MALLOC_ARENA_MAX ?? null,
  connections: CONNECTIONS, burst_s: BURST_S, requests, errors: errorStatuses,
  rss_kib: { idle, end_of_burst: during, after_2s: after2, after_15s: after15 }, after_15s_by_kind_kib: breakdown,
  after_15s_over_idle: Number((after15 / idle).toFixed(2)),
}));
