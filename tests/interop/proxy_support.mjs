// Real reverse proxies (nginx, Caddy) started with the configurations shipped in packaging/proxy/,
// and a real MCP server and client from @modelcontextprotocol/sdk: what the README tells an
// operator to deploy is what these tests run. Only addresses are replaced in the shipped files.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { z } from 'zod';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PROXY_DIR = path.resolve(here, '../../packaging/proxy');

// A TCP port that was free a moment ago (the proxies need a port number in their configuration).
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port, child, output, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`proxy exited with ${child.exitCode}: ${output()}`);
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`proxy did not listen on ${port}: ${output()}`);
}

function startProcess(command, args, port, env = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let text = '';
  child.stdout.on('data', (chunk) => { text += chunk; });
  child.stderr.on('data', (chunk) => { text += chunk; });
  const output = () => text;
  return {
    child,
    output,
    ready: () => waitForPort(port, child, output),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// nginx with packaging/proxy/nginx/mcp-site.conf and snippets/mcp-auth.conf, in a prefix of its
// own under `dir`. upstreams: { github: port, git: port } of the MCP servers.
export async function startNginx({ dir, adminPort, upstreams }) {
  const port = await freePort();
  const conf = path.join(dir, 'conf');
  mkdirSync(path.join(conf, 'snippets'), { recursive: true });
  copyFileSync(path.join(PROXY_DIR, 'nginx/mcp-auth.conf'), path.join(conf, 'snippets/mcp-auth.conf'));
  let site = readFileSync(path.join(PROXY_DIR, 'nginx/mcp-site.conf'), 'utf8');
  const replace = (from, to) => {
    if (!site.includes(from)) throw new Error(`packaging/proxy/nginx/mcp-site.conf no longer contains '${from}'`);
    site = site.replaceAll(from, to);
  };
  replace('server 127.0.0.1:3000;', `server 127.0.0.1:${adminPort};`);
  replace('listen 80;', `listen 127.0.0.1:${port};`);
  replace('127.0.0.1:9101', `127.0.0.1:${upstreams.github}`);
  replace('127.0.0.1:9102', `127.0.0.1:${upstreams.git}`);
  writeFileSync(path.join(conf, 'mcp-site.conf'), site);
  for (const temp of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, temp), { recursive: true });
  // Only the process set-up is the test's own: one process, in the foreground, files in `dir`.
  writeFileSync(path.join(conf, 'nginx.conf'), `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include mcp-site.conf;
}
`);
  const proc = startProcess('nginx', ['-p', dir, '-c', path.join(conf, 'nginx.conf'), '-e', path.join(dir, 'error.log')], port);
  await proc.ready();
  return { ...proc, url: `http://127.0.0.1:${port}`, log: () => readFileSync(path.join(dir, 'error.log'), 'utf8') };
}

// Caddy with packaging/proxy/caddy/Caddyfile; the site address becomes http://127.0.0.1:PORT.
export async function startCaddy({ dir, adminPort, upstreams }) {
  const port = await freePort();
  let file = readFileSync(path.join(PROXY_DIR, 'caddy/Caddyfile'), 'utf8');
  const replace = (from, to) => {
    if (!file.includes(from)) throw new Error(`packaging/proxy/caddy/Caddyfile no longer contains '${from}'`);
    file = file.replaceAll(from, to);
  };
  replace('mcp.example.com {', `http://127.0.0.1:${port} {`);
  replace('forward_auth 127.0.0.1:3000', `forward_auth 127.0.0.1:${adminPort}`);
  replace('reverse_proxy 127.0.0.1:3000', `reverse_proxy 127.0.0.1:${adminPort}`);
  replace('127.0.0.1:9101', `127.0.0.1:${upstreams.github}`);
  replace('127.0.0.1:9102', `127.0.0.1:${upstreams.git}`);
  // Test process set-up only: no admin endpoint, no certificates, state under `dir`.
  writeFileSync(path.join(dir, 'Caddyfile'), `{\n\tadmin off\n\tauto_https off\n}\n\n${file}`);
  const proc = startProcess('caddy', ['run', '--config', path.join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], port,
    { HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir });
  await proc.ready();
  return { ...proc, url: `http://127.0.0.1:${port}` };
}

// A stateless MCP server from the SDK with one tool, `whoami`, that answers with the identity
// headers the proxy set. `requests` records each request's headers as the MCP server saw them.
export async function startMcpServer(name) {
  const requests = [];
  const httpServer = http.createServer(async (req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const server = new McpServer({ name, version: '1.0.0' });
    server.registerTool('whoami', { description: 'Says which identity the gateway passed', inputSchema: { note: z.string() } },
      async ({ note }) => ({
        content: [{ type: 'text', text: JSON.stringify({ server: name, note, organization: req.headers['x-mcp-organization'] ?? null, role: req.headers['x-mcp-role'] ?? null, user: req.headers['x-mcp-user'] ?? null }) }],
      }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => { transport.close(); server.close(); });
    await server.connect(transport);
    await transport.handleRequest(req, res, JSON.parse(Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return {
    port: httpServer.address().port,
    requests,
    close: () => new Promise((resolve) => { httpServer.closeAllConnections?.(); httpServer.close(resolve); }),
  };
}

// Connects the SDK's client to `url` with these request headers, lists the tools and calls
// `whoami`. Resolves to { tools, identity }; rejects with the SDK's error (e.g. HTTP 401).
// methodHeaders: send Mcp-Method / Mcp-Name on each POST, read from its JSON-RPC body, as clients of
// MCP 2026-07-28 do (the pinned SDK predates them; its transport takes a fetch to wrap).
function withMethodHeaders(init) {
  if (init.method !== 'POST' || typeof init.body !== 'string') return init;
  const message = JSON.parse(init.body);
  if (Array.isArray(message) || typeof message.method !== 'string') return init;
  const headers = new Headers(init.headers);
  headers.set('Mcp-Method', message.method);
  const name = message.params?.name ?? message.params?.uri;
  if (typeof name === 'string') headers.set('Mcp-Name', /^[\x20-\x7e]*$/.test(name) ? name : `=?base64?${Buffer.from(name).toString('base64')}?=`);
  return { ...init, headers };
}

export async function useMcpServer(url, headers = {}, { methodHeaders = false } = {}) {
  const client = new Client({ name: 'mcp-admin-proxy-test', version: '1.0.0' });
  const options = { requestInit: { headers } };
  if (methodHeaders) options.fetch = (input, init = {}) => fetch(input, withMethodHeaders(init));
  const transport = new StreamableHTTPClientTransport(new URL(url), options);
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    const result = await client.callTool({ name: 'whoami', arguments: { note: 'hello' } });
    return { tools: tools.map((tool) => tool.name), identity: JSON.parse(result.content[0].text) };
  } finally {
    await client.close();
  }
}
