// Starts the real mcp-admin binary as a test fixture, the way a user's integration test would:
// `serve --port 0`, read the one ready line from stdout, talk HTTP, SIGTERM at the end.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.MCP_ADMIN_BIN
  ? path.resolve(process.env.MCP_ADMIN_BIN)
  : path.resolve(here, '../../build/mcp-admin');

// The engine the suites run against. With MCP_ADMIN_TEST_ENGINE=postgres (and
// MCP_ADMIN_TEST_PG_URL, a throwaway cluster from tests/support/pg-cluster.sh), every database a
// test names is mapped onto PostgreSQL: `:memory:` to a fresh schema, `file:PATH` to a schema named
// after PATH (so that several commands of one test share it). Tests stay written once.
export const ENGINE = process.env.MCP_ADMIN_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
const PG_URL = process.env.MCP_ADMIN_TEST_PG_URL;
if (ENGINE === 'postgres' && !PG_URL) throw new Error('MCP_ADMIN_TEST_ENGINE=postgres needs MCP_ADMIN_TEST_PG_URL');

export function mapDatabaseUrl(url) {
  if (ENGINE !== 'postgres' || typeof url !== 'string') return url;
  const join = (schema) => `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
  if (url === ':memory:') return join(`t_${randomBytes(8).toString('hex')}`);
  const file = url.match(/^(?:file|sqlite):(.+)$/);
  if (file) return join(`t_${createHash('sha256').update(file[1]).digest('hex').slice(0, 16)}`);
  return url;
}

function mapArgs(args) {
  return args.map((arg, idx) => (idx > 0 && args[idx - 1] === '--database' ? mapDatabaseUrl(arg) : arg));
}

function mapEnv(env) {
  return env.DATABASE_URL ? { ...env, DATABASE_URL: mapDatabaseUrl(env.DATABASE_URL) } : env;
}

// Environment without anything of ours leaking in from the developer's shell.
export function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const key of ['DATABASE_URL', 'HOST', 'PORT', 'CLERK_WEBHOOK_SECRET', 'CLERK_JWT_KEY', 'CLERK_JWKS_FILE',
    'CLERK_AUTHORIZED_PARTIES', 'NODE_ENV', 'MCP_ADMIN_ENV', 'MCP_ADMIN_BOOTSTRAP_KEY', 'LOG_LEVEL', 'LOG_FORMAT',
    'CLERK_ROLE_MAP', 'MCP_ADMIN_HTTP_THREADS', 'MCP_ADMIN_MAX_CONNECTIONS', 'MCP_ADMIN_TLS_CERT', 'MCP_ADMIN_TLS_KEY',
    'MCP_ADMIN_DB_POOL', 'MCP_ADMIN_TRUSTED_PROXIES', 'MCP_ADMIN_PUBLIC_URL', 'CLERK_ISSUER',
    'NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY', 'MCP_ADMIN_OAUTH_ALLOW_MISSING_AUDIENCE', 'CLERK_SECRET_KEY', 'CLERK_API_URL',
    'MCP_ADMIN_CLERK_SYNC_EVERY', 'MCP_ADMIN_FIXTURE', 'MCP_ADMIN_BACKUP_DIR', 'MCP_ADMIN_BACKUP_INTERVAL',
    'MCP_ADMIN_BACKUP_KEEP', 'MCP_ADMIN_OAUTH_CLIENT_ID', 'MCP_ADMIN_OAUTH_CLIENT_SECRET', 'NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID', 'LISTEN_FDS', 'LISTEN_PID']) delete env[key];
  return { ...env, ...extra };
}

// A fresh temporary directory, removed by the returned cleanup.
export function tempDir(prefix = 'mcp-admin-test-') {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Sanitizer builds (tests/sanitizers/): a report that a sanitizer printed to a child's stderr,
// or null. The binary never prints these words otherwise.
const SANITIZER_REPORT = /^(?:==\d+==ERROR: (?:AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|SUMMARY: (?:AddressSanitizer|UndefinedBehaviorSanitizer|ThreadSanitizer)|\S+:\d+:\d+: runtime error: )/m;
export function sanitizerReport(stderr) {
  const match = SANITIZER_REPORT.exec(stderr ?? '');
  return match ? stderr.slice(Math.max(0, match.index - 200), match.index + 4000) : null;
}

// Fails the test file when any binary it ran printed a sanitizer report, even one whose test did
// not look at its stderr (a report in a server that a test kills, a report after its last
// request): the test runner reports the file as failed on a non-zero exit status.
const reports = [];
export function noteSanitizerReport(stderr, what) {
  const report = sanitizerReport(stderr);
  if (!report) return null;
  reports.push(`${what}:\n${report}`);
  process.exitCode = 1;
  return report;
}
process.on('exit', () => {
  for (const report of reports) process.stderr.write(`\nSANITIZER REPORT in ${report}\n`);
});

// Watches a spawned binary's stderr for a sanitizer report until it exits.
export function watchSanitizers(child, what) {
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  child.on('exit', () => noteSanitizerReport(stderr, what));
}

// Runs a command to completion: { status, stdout, stderr }.
export function run(args, { cwd, env = {}, timeoutMs = 20000 } = {}) {
  const result = spawnSync(BIN, mapArgs(args), { cwd, env: cleanEnv(mapEnv(env)), encoding: 'utf8', timeout: timeoutMs });
  if (result.error) throw result.error;
  const report = noteSanitizerReport(result.stderr, `mcp-admin ${args[0]}`);
  if (report) throw new Error(`mcp-admin ${args[0]} printed a sanitizer report:\n${report}`);
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

// Starts `mcp-admin serve` and resolves once the ready line is read.
export async function startServer({ args = ['--port', '0', '--database', ':memory:'], cwd, env = {}, timeoutMs = 10000 } = {}) {
  const child = spawn(BIN, ['serve', ...mapArgs(args)], { cwd, env: cleanEnv(mapEnv({ LOG_FORMAT: 'json', ...env })), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  child.stdout.setEncoding('utf8');
  watchSanitizers(child, 'mcp-admin serve');
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, newline));
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? signal}) before it was ready; stderr:\n${stderr}`));
    });
  });
  const readyEvent = JSON.parse(ready);
  return {
    child,
    ready,
    url: readyEvent.url,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    // Stops with SIGTERM and resolves to { code, signal } (SIGKILL after a grace period).
    async stop(signal = 'SIGTERM', graceMs = 10000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      const report = sanitizerReport(stderr);
      if (report) throw new Error(`mcp-admin serve printed a sanitizer report:\n${report}`);
      return result;
    },
  };
}

// The JSON log lines the server wrote to stderr.
export function logLines(stderr) {
  return stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
