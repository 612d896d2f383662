// libpq is loaded at the first PostgreSQL connection, not at start (src/storage/postgres/libpq_api.*):
// an SQLite server never maps it (nor its ~30 dependencies), a PostgreSQL one does and works. The
// static binary links its own libpq; there only the PostgreSQL half says something.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startServer, tempDir } from './fixture.mjs';

const PG_URL = process.env.MCP_ADMIN_TEST_PG_URL;
const mappedFiles = (pid) => readFileSync(`/proc/${pid}/maps`, 'utf8');
const isDynamic = (maps) => /\/ld-linux[^/\s]*\.so/.test(maps);

async function healthy(url) {
  const response = await fetch(`${url}/api/health`);
  assert.equal(response.status, 200, await response.text());
}

test('an SQLite server does not load libpq', async (t) => {
  const tmp = tempDir('mcp-admin-libpq-');
  t.after(() => tmp.cleanup());
  // One argument, which the fixture does not map to PostgreSQL: SQLite whatever the suite's engine.
  const server = await startServer({ args: ['--port', '0', `--database=file:${path.join(tmp.dir, 'lite.db')}`] });
  t.after(() => server.stop());
  await healthy(server.url);
  const maps = mappedFiles(server.child.pid);
  assert.doesNotMatch(maps, /libpq\.so/, 'libpq is mapped into an SQLite server');
  assert.doesNotMatch(maps, /libkrb5|libldap|libgssapi/, "libpq's dependencies are mapped into an SQLite server");
  t.diagnostic(isDynamic(maps) ? 'dynamic binary' : 'static binary: libpq is linked in');
});

test('a PostgreSQL server loads libpq when it connects, and works', { skip: !PG_URL && 'MCP_ADMIN_TEST_PG_URL is not set' }, async (t) => {
  const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=t_libpq_loading`;
  const server = await startServer({ args: ['--port', '0', '--database', url] });
  t.after(() => server.stop());
  await healthy(server.url);
  const maps = mappedFiles(server.child.pid);
  if (isDynamic(maps)) assert.match(maps, /libpq\.so\.5/, 'a dynamic PostgreSQL server maps libpq.so.5');
});
