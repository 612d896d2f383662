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
    'CLERK_ROLE_MAP', 'MCP_ADMIN_HTTP_THREADS', 'MCP_ADMIN_TLS_CERT', 'MCP_ADMIN_TLS_KEY', 'MCP_ADMIN_DB_POOL',
    'MCP_ADMIN_TRUSTED_PROXIES', 'MCP_ADMIN_PUBLIC_URL', 'CLERK_ISSUER', 'NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY',
    'MCP_ADMIN_OAUTH_ALLOW_MISSING_AUDIENCE']) delete env[key];
  return { ...env, ...extra };
}

// A fresh temporary directory, removed by the returned cleanup.
export function tempDir(prefix = 'mcp-admin-test-') {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Runs a command to completion: { status, stdout, stderr }.
export function run(args, { cwd, env = {}, timeoutMs = 20000 } = {}) {
  const result = spawnSync(BIN, mapArgs(args), { cwd, env: cleanEnv(mapEnv(env)), encoding: 'utf8', timeout: timeoutMs });
  if (result.error) throw result.error;
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
      return result;
    },
  };
}

// The JSON log lines the server wrote to stderr.
export function logLines(stderr) {
  return stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
