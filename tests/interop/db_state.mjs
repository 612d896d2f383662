// A canonical dump of the database an mcp-admin server writes, read from outside the server:
// with the sqlite3 CLI (`sqlite3 -json FILE`; packaging/install-deps.sh --test installs it) on the
// SQLite file a test gave the server; with psql when the suites run on PostgreSQL
// (MCP_ADMIN_TEST_ENGINE=postgres: the fixture maps each `file:PATH` to a schema, and so does this
// file, with the fixture's own mapping). The database may be in use: in WAL mode (SQLite) or under
// MVCC (PostgreSQL) a reader sees the last committed state, and the dump is ONE statement, so one
// consistent snapshot.
//
// What the dump holds: every row of every table, with every column except
//   - our generated ids (`id`; a foreign key appears as the referenced row's Clerk id or slug),
//   - our wall-clock times (`created_at`, `updated_at`, `processed_at`, `received_at`),
// and, for webhook_events, only (svix_id, type, status). Clerk's own times (clerk_updated_at,
// clerk_created_at, deleted_at = the deletion event's timestamp, revoked_at) are kept: they are
// functions of the delivered events, so every delivery order must end with the same values.
// audit_logs and schema_migrations are left out: the audit trail records what each delivery
// changed, which legitimately depends on the order deliveries arrived in (a user first seen in a
// membership gets a created row and then an updated row); auditRows() reads it for the tests that
// look at it. A table this file does not know yet is dumped whole, less id and the times above.
//
// Every function takes the database as the SQLite file path the test gave the server.
import { spawn, spawnSync } from 'node:child_process';
import { ENGINE as FIXTURE_ENGINE, mapDatabaseUrl } from '../integration/fixture.mjs';

export const ENGINE = FIXTURE_ENGINE ?? 'sqlite';
export const SQLITE3 = process.env.SQLITE3 ?? 'sqlite3';
export const PSQL = process.env.PSQL ?? 'psql';

// Where `file` really is: the SQLite file, or the PostgreSQL URL and schema the fixture maps it to.
function locate(file) {
  if (ENGINE !== 'postgres') return { file };
  const url = new URL(mapDatabaseUrl(`file:${file}`));
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  return { url: url.toString(), schema };
}

function runClient(file, sql, { json }) {
  const where = locate(file);
  let result;
  if (ENGINE === 'postgres') {
    result = spawnSync(PSQL, [where.url, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      encoding: 'utf8', timeout: 30000, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, PGOPTIONS: `-c search_path=${where.schema}` },
    });
  } else {
    result = spawnSync(SQLITE3, [...(json ? ['-json'] : []), '-cmd', '.timeout 10000', where.file, sql], { encoding: 'utf8', timeout: 30000, maxBuffer: 256 * 1024 * 1024 });
  }
  if (result.error) {
    if (result.error.code === 'ENOENT') {
      throw new Error(`${ENGINE === 'postgres' ? PSQL : SQLITE3} not found: run packaging/install-deps.sh --test`);
    }
    throw result.error;
  }
  if (result.status !== 0) throw new Error(`${ENGINE} client failed (${result.status}): ${result.stderr}\nSQL: ${sql}`);
  return result.stdout;
}

// A psql session holding a transaction open (PostgreSQL only): `statements` run in it at once,
// `commit()` ends it. `pid` is its backend, as pg_blocking_pids() names it.
export async function openTransaction(file, statements) {
  const where = locate(file);
  const child = spawn(PSQL, [where.url, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'],
    { env: { ...process.env, PGOPTIONS: `-c search_path=${where.schema}` }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => { err += chunk; });
  const ready = new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      const pid = out.match(/ready:(\d+)/);
      if (pid) resolve(Number(pid[1]));
    });
    child.on('exit', (status) => reject(new Error(`psql exited (${status}): ${err}`)));
  });
  child.stdin.write(`BEGIN;\n${statements}\nSELECT 'ready:' || pg_backend_pid();\n`);
  const pid = await ready;
  return {
    pid,
    commit: () => child.stdin.end('COMMIT;\n'),
    kill: () => child.kill('SIGKILL'),
  };
}

// Whether some backend waits on a lock that backend `pid` holds (PostgreSQL only).
export function waitsOn(file, pid) {
  return query(file, "SELECT pg_blocking_pids(pid) AS blockers FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
    .some((w) => w.blockers.includes(pid));
}

// Runs one SELECT; resolves to its rows, as objects.
export function query(file, sql) {
  if (ENGINE === 'postgres') {
    const text = runClient(file, `SELECT coalesce(json_agg(q), '[]'::json) FROM (${sql}) q`, { json: false }).trim();
    return JSON.parse(text);
  }
  const text = runClient(file, sql, { json: true }).trim();
  return text ? JSON.parse(text) : [];
}

// Runs statements that change the database (tests that need rows no API creates yet). The SQL
// must be what both engines accept (plain INSERT / UPDATE with subqueries do).
export function exec(file, sql) {
  return runClient(file, sql, { json: false });
}

// Per table: the row's fields as [key, SQL expression], and where they come from (foreign keys
// joined to the referenced rows' Clerk ids or slugs).
const KNOWN = {
  organizations: {
    fields: ['clerk_id', 'name', 'slug', 'clerk_slug', 'image_url', 'metadata', 'clerk_updated_at', 'deleted_at'],
    from: 'FROM organizations',
  },
  users: {
    fields: ['clerk_id', 'email', 'first_name', 'last_name', 'image_url', 'metadata', 'last_sign_in_at', 'clerk_updated_at',
      'deleted_at'],
    from: 'FROM users',
  },
  organization_memberships: {
    fields: [['clerk_id', 'm.clerk_id'], ['organization', 'o.clerk_id'], ['user', 'u.clerk_id'], ['role', 'm.role'],
      ['clerk_role', 'm.clerk_role'], ['clerk_created_at', 'm.clerk_created_at'], ['clerk_updated_at', 'm.clerk_updated_at'],
      ['deleted_at', 'm.deleted_at']],
    from: `FROM organization_memberships m LEFT JOIN organizations o ON o.id = m.organization_id
      LEFT JOIN users u ON u.id = m.user_id`,
  },
  api_keys: {
    fields: [['organization', 'o.clerk_id'], ['name', 'k.name'], ['prefix', 'k.prefix'], ['key_hash', 'k.key_hash'],
      ['role', 'k.role'], ['expires_at', 'k.expires_at'], ['last_used_at', 'k.last_used_at'], ['usage_count', 'k.usage_count'],
      ['revoked_at', 'k.revoked_at'], ['created_by', 'k.created_by']],
    from: 'FROM api_keys k LEFT JOIN organizations o ON o.id = k.organization_id',
  },
  sessions: {
    fields: [['user', 'u.clerk_id'], ['organization', 'o.clerk_id'], ['clerk_session_id', 's.clerk_session_id'],
      ['metadata', 's.metadata'], ['expires_at', 's.expires_at'], ['last_active_at', 's.last_active_at'],
      ['revoked_at', 's.revoked_at'], ['clerk_status', 's.clerk_status'], ['clerk_updated_at', 's.clerk_updated_at']],
    from: 'FROM sessions s LEFT JOIN users u ON u.id = s.user_id LEFT JOIN organizations o ON o.id = s.organization_id',
  },
  webhook_events: {
    fields: ['svix_id', 'type', 'status'],
    from: 'FROM webhook_events',
  },
  mcp_servers: {
    fields: ['slug', 'name', 'description', 'url', 'transport', 'capabilities', 'is_active'],
    from: 'FROM mcp_servers',
  },
  organization_services: {
    fields: [['organization', 'o.clerk_id'], ['mcp_server', 'm.slug'], ['enabled', 's.enabled'], ['config', 's.config']],
    from: `FROM organization_services s LEFT JOIN organizations o ON o.id = s.organization_id
      LEFT JOIN mcp_servers m ON m.id = s.mcp_server_id`,
  },
};
const LEFT_OUT = new Set(['audit_logs', 'schema_migrations']);
const WALL_CLOCK = new Set(['id', 'created_at', 'updated_at', 'processed_at', 'received_at']);

function jsonObject(fields) {
  const fn = ENGINE === 'postgres' ? 'json_build_object' : 'json_object';
  const args = fields.map((field) => {
    const [key, expr] = Array.isArray(field) ? field : [field, field];
    return `'${key}', ${expr}`;
  });
  return `${fn}(${args.join(', ')})`;
}

// Key order and row order that do not depend on how rows were written.
function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical(value[key])]));
  }
  return value;
}

function sortRows(rows) {
  return rows.map(canonical).map((row) => [JSON.stringify(row), row])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, row]) => row);
}

function tableNames(file) {
  const sql = ENGINE === 'postgres'
    ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
  return query(file, sql).map((row) => row.name);
}

// The whole database, canonical: { table: [row, …] } with tables, keys and rows in sorted order.
export function dumpDatabase(file) {
  const tables = tableNames(file);
  const known = tables.filter((name) => KNOWN[name]);
  const unknown = tables.filter((name) => !KNOWN[name] && !LEFT_OUT.has(name));
  const dump = {};
  for (const name of known) dump[name] = [];
  if (known.length) {
    const sql = known.map((name) => `SELECT '${name}' AS t, ${jsonObject(KNOWN[name].fields)} AS r ${KNOWN[name].from}`)
      .join('\nUNION ALL\n');
    for (const row of query(file, sql)) dump[row.t].push(typeof row.r === 'string' ? JSON.parse(row.r) : row.r);
  }
  for (const name of unknown) {
    dump[name] = query(file, `SELECT * FROM "${name}"`).map((row) =>
      Object.fromEntries(Object.entries(row).filter(([key]) => !WALL_CLOCK.has(key))));
  }
  return Object.fromEntries(Object.keys(dump).sort().map((name) => [name, sortRows(dump[name])]));
}

// The audit trail in the order it was written: UUIDv7 ids are not ordered within one millisecond,
// so by SQLite's rowid, or PostgreSQL's ctid (insertion order in a table only ever appended to).
export function auditRows(file) {
  const order = ENGINE === 'postgres' ? 'a.ctid' : 'a.rowid';
  return query(file, `SELECT a.actor_type, a.actor_id, a.action, a.target_type, a.target_id, a.changes,
      a.request_id, o.clerk_id AS organization
    FROM audit_logs a LEFT JOIN organizations o ON o.id = a.organization_id ORDER BY ${order}`)
    .map((row) => ({ ...row, changes: JSON.parse(row.changes) }));
}

// The rows written for deliveries (payload and error included), by svix-id.
export function webhookEvents(file) {
  return query(file, 'SELECT svix_id, type, status, error, payload, received_at, processed_at FROM webhook_events ORDER BY svix_id');
}

export function count(file, table) {
  return Number(query(file, `SELECT count(*) AS n FROM "${table}"`)[0].n);
}

// Everything written, audit trail included: what "nothing was written" compares.
export function fullState(file) {
  return { dump: dumpDatabase(file), audit: auditRows(file) };
}
