// A canonical dump of a SQLite database file written by mcp-admin, read with the sqlite3 CLI
// (`sqlite3 -json`; packaging/install-deps.sh --test installs it). The database may be in use:
// in WAL mode a reader sees the last committed state, and the dump is ONE statement, so one
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
// look at it. A table this file does not know yet is dumped whole, less id/created_at/updated_at.
import { spawnSync } from 'node:child_process';

export const SQLITE3 = process.env.SQLITE3 ?? 'sqlite3';

// Runs one SQL text; resolves to the rows of its (last) result set, as objects.
export function query(file, sql) {
  const result = spawnSync(SQLITE3, ['-json', '-cmd', '.timeout 10000', file, sql], { encoding: 'utf8', timeout: 30000 });
  if (result.error) {
    if (result.error.code === 'ENOENT') {
      throw new Error(`${SQLITE3} not found: run packaging/install-deps.sh --test (it installs the sqlite3 CLI)`);
    }
    throw result.error;
  }
  if (result.status !== 0) throw new Error(`sqlite3 failed (${result.status}): ${result.stderr}\nSQL: ${sql}`);
  const text = result.stdout.trim();
  return text ? JSON.parse(text) : [];
}

// Runs statements that change the database (tests that need rows no API creates yet).
export function exec(file, sql) {
  const result = spawnSync(SQLITE3, ['-cmd', '.timeout 10000', file, sql], { encoding: 'utf8', timeout: 30000 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`sqlite3 failed (${result.status}): ${result.stderr}\nSQL: ${sql}`);
  return result.stdout;
}

// Per table: the row as a JSON object, and where it comes from (foreign keys joined to Clerk ids).
const KNOWN = {
  organizations: {
    row: `json_object('clerk_id', clerk_id, 'name', name, 'slug', slug, 'clerk_slug', clerk_slug,
      'image_url', image_url, 'metadata', metadata, 'clerk_updated_at', clerk_updated_at, 'deleted_at', deleted_at)`,
    from: 'FROM organizations',
  },
  users: {
    row: `json_object('clerk_id', clerk_id, 'email', email, 'first_name', first_name, 'last_name', last_name,
      'image_url', image_url, 'metadata', metadata, 'last_sign_in_at', last_sign_in_at,
      'clerk_updated_at', clerk_updated_at, 'deleted_at', deleted_at)`,
    from: 'FROM users',
  },
  organization_memberships: {
    row: `json_object('clerk_id', m.clerk_id, 'organization', o.clerk_id, 'user', u.clerk_id,
      'role', m.role, 'clerk_role', m.clerk_role, 'clerk_created_at', m.clerk_created_at,
      'clerk_updated_at', m.clerk_updated_at, 'deleted_at', m.deleted_at)`,
    from: `FROM organization_memberships m LEFT JOIN organizations o ON o.id = m.organization_id
      LEFT JOIN users u ON u.id = m.user_id`,
  },
  api_keys: {
    row: `json_object('organization', o.clerk_id, 'name', k.name, 'prefix', k.prefix, 'key_hash', k.key_hash,
      'role', k.role, 'expires_at', k.expires_at, 'last_used_at', k.last_used_at, 'usage_count', k.usage_count,
      'revoked_at', k.revoked_at, 'created_by', k.created_by)`,
    from: 'FROM api_keys k LEFT JOIN organizations o ON o.id = k.organization_id',
  },
  sessions: {
    row: `json_object('user', u.clerk_id, 'organization', o.clerk_id, 'clerk_session_id', s.clerk_session_id,
      'metadata', s.metadata, 'expires_at', s.expires_at, 'last_active_at', s.last_active_at, 'revoked_at', s.revoked_at)`,
    from: 'FROM sessions s LEFT JOIN users u ON u.id = s.user_id LEFT JOIN organizations o ON o.id = s.organization_id',
  },
  webhook_events: {
    row: "json_object('svix_id', svix_id, 'type', type, 'status', status)",
    from: 'FROM webhook_events',
  },
  mcp_servers: {
    row: `json_object('slug', slug, 'name', name, 'description', description, 'url', url,
      'transport', transport, 'capabilities', capabilities, 'is_active', is_active)`,
    from: 'FROM mcp_servers',
  },
  organization_services: {
    row: "json_object('organization', o.clerk_id, 'mcp_server', m.slug, 'enabled', s.enabled, 'config', s.config)",
    from: `FROM organization_services s LEFT JOIN organizations o ON o.id = s.organization_id
      LEFT JOIN mcp_servers m ON m.id = s.mcp_server_id`,
  },
};
const LEFT_OUT = new Set(['audit_logs', 'schema_migrations']);
const WALL_CLOCK = new Set(['id', 'created_at', 'updated_at', 'processed_at', 'received_at']);

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

// The whole database, canonical: { table: [row, …] } with tables and keys in sorted order.
export function dumpDatabase(file) {
  const tables = query(file, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .map((row) => row.name);
  const known = tables.filter((name) => KNOWN[name]);
  const unknown = tables.filter((name) => !KNOWN[name] && !LEFT_OUT.has(name));
  const dump = {};
  for (const name of known) dump[name] = [];
  if (known.length) {
    const sql = known.map((name) => `SELECT '${name}' AS t, ${KNOWN[name].row} AS r ${KNOWN[name].from}`)
      .join('\nUNION ALL\n');
    for (const row of query(file, sql)) dump[row.t].push(JSON.parse(row.r));
  }
  for (const name of unknown) {
    dump[name] = query(file, `SELECT * FROM "${name}"`).map((row) =>
      Object.fromEntries(Object.entries(row).filter(([key]) => !WALL_CLOCK.has(key))));
  }
  return Object.fromEntries(Object.keys(dump).sort().map((name) => [name, sortRows(dump[name])]));
}

// The audit trail in the order it was written (rowid: UUIDv7 ids are not ordered within one ms).
export function auditRows(file) {
  return query(file, `SELECT a.actor_type, a.actor_id, a.action, a.target_type, a.target_id, a.changes,
      a.request_id, o.clerk_id AS organization
    FROM audit_logs a LEFT JOIN organizations o ON o.id = a.organization_id ORDER BY a.rowid`)
    .map((row) => ({ ...row, changes: JSON.parse(row.changes) }));
}

// The rows written for deliveries (payload and error included), by svix-id.
export function webhookEvents(file) {
  return query(file, 'SELECT svix_id, type, status, error, payload, received_at, processed_at FROM webhook_events ORDER BY svix_id');
}

export function count(file, table) {
  return query(file, `SELECT count(*) AS n FROM "${table}"`)[0].n;
}

// Everything written, audit trail included: what "nothing was written" compares.
export function fullState(file) {
  return { dump: dumpDatabase(file), audit: auditRows(file) };
}
