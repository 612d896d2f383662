// Schema parity (README "Storage"): the schema is written once, in the SQL that SQLite and PostgreSQL
// share; after `mcp-admin migrate` both engines must hold the same tables, columns (normalised type,
// nullability, primary key, default), unique keys, foreign keys (with their ON DELETE / ON UPDATE
// actions), CHECK constraints and indexes (name, columns in order, unique, partial predicate).
//
// Each engine is introspected with its own CLI (sqlite3 -json, psql -At with json_agg) into a flat
// map `key → description`; the two maps are diffed and every difference printed, one per line.
// A self-check proves the comparison is not blind: a deliberately altered SQLite copy and a
// deliberately altered PostgreSQL schema must each be reported with exactly the expected differences.
//
// Needs MCP_ADMIN_TEST_PG_URL (a base URL such as the one `tests/support/pg-cluster.sh start DIR`
// prints); skipped without it. The sqlite3 and psql CLIs must be installed
// (`packaging/install-deps.sh --test`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BIN, cleanEnv, noteSanitizerReport, tempDir } from './fixture.mjs';

const PG_URL = process.env.MCP_ADMIN_TEST_PG_URL;
const SKIP = PG_URL
  ? false
  : 'MCP_ADMIN_TEST_PG_URL is not set: schema parity needs a PostgreSQL base URL '
    + '(bash tests/support/pg-cluster.sh start DIR prints one)';

// ---- running the tools ---------------------------------------------------------------------------

function sh(cmd, args, { env = {}, input, timeoutMs = 30000 } = {}) {
  const result = spawnSync(cmd, args, { env: { ...process.env, ...env }, input, encoding: 'utf8', timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${cmd} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${cmd} exited ${result.status ?? result.signal}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return result.stdout;
}

// `mcp-admin migrate` on an explicit database URL. Not the fixture's run(): under
// MCP_ADMIN_TEST_ENGINE=postgres it maps file: URLs onto PostgreSQL, and here SQLite must stay SQLite.
function migrate(databaseUrl) {
  const result = spawnSync(BIN, ['migrate', '--database', databaseUrl], { env: cleanEnv(), encoding: 'utf8', timeout: 60000 });
  if (result.error) throw result.error;
  noteSanitizerReport(result.stderr, 'mcp-admin migrate');
  assert.equal(result.status, 0, `migrate ${databaseUrl} failed:\n${result.stdout}\n${result.stderr}`);
}

function pgSchemaUrl(schema) {
  return `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
}

// One SQL statement through psql on the base URL (libpq does not know ?schema=), unaligned and
// tuples-only; NOTICEs silenced.
function psql(sql) {
  return sh('psql', [PG_URL, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql],
    { env: { PGOPTIONS: '-c client_min_messages=warning' } }).trim();
}

function sqliteJson(file, sql) {
  const out = sh('sqlite3', ['-json', '-bail', file, sql]).trim();
  return out ? JSON.parse(out) : [];
}

// ---- normalisation -----------------------------------------------------------------------------

// Applies fn to the parts of an SQL text outside single-quoted literals.
function outsideLiterals(text, fn) {
  return text.split(/('(?:[^']|'')*')/).map((part, idx) => (idx % 2 === 1 ? part : fn(part))).join('');
}

const TYPE_SYNONYMS = new Map([
  ['int8', 'bigint'], ['int4', 'integer'], ['int', 'integer'], ['int2', 'smallint'], ['bool', 'boolean'],
  ['character varying', 'varchar'], ['float8', 'double precision'], ['float4', 'real'],
]);

function normType(type) {
  const t = String(type ?? '').trim().toLowerCase().replace(/\s+/g, ' ').replace(/\s*\(.*\)$/, '');
  return TYPE_SYNONYMS.get(t) ?? t;
}

// An SQL expression (default, CHECK, partial-index predicate) in a comparable form: PostgreSQL's
// casts ('x'::text) removed, `= ANY (ARRAY[…])` and `IN (…)` both as `in […]`, parentheses dropped (PostgreSQL
// adds its own), keywords and identifiers lower-cased, whitespace collapsed. Literals stay as they are.
function normExpr(expr) {
  if (expr === null || expr === undefined) return null;
  let text = String(expr);
  text = text.replace(/\s*=\s*ANY\s*\(\s*ARRAY\s*\[([^\]]*)\]\s*\)/gi, ' IN [$1]');
  text = text.replace(/\s+IN\s*\(([^()]*)\)/gi, ' IN [$1]');  // brackets survive the parentheses' removal
  text = outsideLiterals(text, (part) => part
    .replace(/::\s*"?(?:character varying|double precision|timestamp with(?:out)? time zone|[a-z_][a-z0-9_]*)"?(?:\[\])?/gi, '')
    .replace(/[()]/g, ' ')
    .replace(/"/g, '')
    .toLowerCase());
  return text.replace(/\s*,\s*/g, ',').replace(/\s+/g, ' ').trim();
}

const ACTIONS = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };
const normAction = (action) => (ACTIONS[action] ?? String(action ?? 'no action').toLowerCase());

// The text of each CHECK (…) in a CREATE TABLE statement (SQLite keeps only the SQL text of checks).
function checksOf(createSql) {
  const checks = [];
  const re = /\bCHECK\s*\(/gi;
  const masked = createSql.replace(/'(?:[^']|'')*'/g, (lit) => '#'.repeat(lit.length));  // same offsets
  for (let match = re.exec(masked); match; match = re.exec(masked)) {
    let depth = 1;
    let idx = match.index + match[0].length;
    for (; idx < masked.length && depth > 0; idx += 1) {
      if (masked[idx] === '(') depth += 1;
      else if (masked[idx] === ')') depth -= 1;
    }
    checks.push(createSql.slice(match.index + match[0].length, idx - 1));
  }
  return checks;
}

// ---- the model both sides are reduced to ----------------------------------------------------------
// A flat map: key → description string. Keys:
//   table T | column T.C | column-order T | primary-key T | unique T (cols) | foreign-key T (cols) -> R (cols)
//   check T: expr | index NAME | view V

function describeColumn({ type, notnull, pk, dflt }) {
  return `${normType(type)} ${notnull ? 'not null' : 'null'}${pk ? ` pk#${pk}` : ''} default=${normExpr(dflt) ?? 'none'}`;
}

function describeIndex({ table, columns, unique, predicate }) {
  return `on ${table} (${columns.join(', ')})${unique ? ' unique' : ''}${predicate ? ` where ${normExpr(predicate)}` : ''}`;
}

function introspectSqlite(file) {
  const model = new Map();
  const q = (sql) => sqliteJson(file, sql);
  const tables = q("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  for (const { name } of q("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")) model.set(`view ${name}`, 'present');
  for (const { name: table, sql } of tables) {
    model.set(`table ${table}`, 'present');
    const columns = q(`SELECT cid, name, type, "notnull", dflt_value, pk FROM pragma_table_info('${table}') ORDER BY cid`);
    model.set(`column-order ${table}`, columns.map((c) => c.name).join(', '));
    const pk = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    if (pk.length) model.set(`primary-key ${table}`, pk.map((c) => c.name).join(', '));
    for (const c of columns) {
      // SQLite lets a non-INTEGER PRIMARY KEY column hold NULL (a legacy quirk); PostgreSQL cannot.
      // The application always sets ids, so a key column counts as NOT NULL on both sides.
      model.set(`column ${table}.${c.name}`, describeColumn({ type: c.type, notnull: c.notnull === 1 || c.pk > 0, pk: c.pk, dflt: c.dflt_value }));
    }
    for (const check of checksOf(sql ?? '')) model.set(`check ${table}: ${normExpr(check)}`, 'present');

    const indexes = q(`SELECT l.name, l."unique", l.origin, l.partial, m.sql FROM pragma_index_list('${table}') l `
      + `LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name ORDER BY l.name`);
    for (const index of indexes) {
      const cols = q(`SELECT seqno, cid, name, "desc", "key" FROM pragma_index_xinfo('${index.name}') WHERE "key" = 1 ORDER BY seqno`)
        .map((c) => `${c.name ?? '<expression>'}${c.desc ? ' desc' : ''}`);
      const predicate = index.partial ? (index.sql ?? '').match(/\)\s*WHERE\s+([\s\S]+)$/i)?.[1] ?? '<unparsed>' : null;
      if (index.origin === 'pk') continue;  // the primary key, compared above
      if (index.unique && !index.partial) model.set(`unique ${table} (${cols.join(', ')})`, 'present');
      // Named (CREATE INDEX) ones by name; the automatic ones of UNIQUE constraints are unique keys.
      if (index.origin === 'c') model.set(`index ${index.name}`, describeIndex({ table, columns: cols, unique: index.unique === 1, predicate }));
    }

    const fks = q(`SELECT id, seq, "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list('${table}') ORDER BY id, seq`);
    const byId = new Map();
    for (const fk of fks) {
      if (!byId.has(fk.id)) byId.set(fk.id, { ref: fk.table, from: [], to: [], onUpdate: fk.on_update, onDelete: fk.on_delete });
      byId.get(fk.id).from.push(fk.from);
      byId.get(fk.id).to.push(fk.to);
    }
    for (const fk of byId.values()) {
      // REFERENCES t without columns means t's primary key.
      let to = fk.to;
      if (to.some((c) => c === null)) {
        to = q(`SELECT name FROM pragma_table_info('${fk.ref}') WHERE pk > 0 ORDER BY pk`).map((c) => c.name);
      }
      model.set(`foreign-key ${table} (${fk.from.join(', ')}) -> ${fk.ref} (${to.join(', ')})`,
        `on delete ${normAction(fk.onDelete)}, on update ${normAction(fk.onUpdate)}`);
    }
  }
  return model;
}

function introspectPostgres(schema) {
  const lit = `'${schema.replace(/'/g, "''")}'`;
  const sql = `
WITH tables AS (
  SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ${lit} AND c.relkind IN ('r', 'p')
)
SELECT json_build_object(
  'tables', (SELECT coalesce(json_agg(relname ORDER BY relname), '[]') FROM tables),
  'views', (SELECT coalesce(json_agg(table_name ORDER BY table_name), '[]') FROM information_schema.views WHERE table_schema = ${lit}),
  'columns', (SELECT coalesce(json_agg(json_build_object('table', table_name, 'name', column_name, 'position', ordinal_position,
                'type', data_type, 'nullable', is_nullable, 'default', column_default) ORDER BY table_name, ordinal_position), '[]')
              FROM information_schema.columns WHERE table_schema = ${lit} AND table_name IN (SELECT relname FROM tables)),
  'constraints', (SELECT coalesce(json_agg(json_build_object('table', t.relname, 'name', con.conname, 'type', con.contype,
                'columns', (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                            JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum),
                'ref_table', rt.relname,
                'ref_columns', (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                                JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum),
                'on_delete', con.confdeltype, 'on_update', con.confupdtype,
                'definition', pg_get_constraintdef(con.oid)) ORDER BY t.relname, con.conname), '[]')
              FROM pg_constraint con JOIN tables t ON t.oid = con.conrelid LEFT JOIN pg_class rt ON rt.oid = con.confrelid),
  'indexes', (SELECT coalesce(json_agg(json_build_object('table', t.relname, 'name', ic.relname, 'unique', i.indisunique,
                'primary', i.indisprimary,
                'constraint', EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid
                                      AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')),
                'columns', (SELECT json_agg(json_build_object('name', a.attname, 'desc', (i.indoption[k.ord - 1] & 1) = 1) ORDER BY k.ord)
                            FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                            LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                            WHERE k.ord <= i.indnkeyatts),
                'predicate', pg_get_expr(i.indpred, i.indrelid)) ORDER BY ic.relname), '[]')
              FROM pg_index i JOIN tables t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid)
)`;
  const info = JSON.parse(psql(sql));
  const model = new Map();
  for (const view of info.views) model.set(`view ${view}`, 'present');
  for (const table of info.tables) {
    model.set(`table ${table}`, 'present');
    const columns = info.columns.filter((c) => c.table === table);
    model.set(`column-order ${table}`, columns.map((c) => c.name).join(', '));
    const pk = info.constraints.find((c) => c.table === table && c.type === 'p');
    if (pk) model.set(`primary-key ${table}`, pk.columns.join(', '));
    for (const c of columns) {
      const pkPos = pk ? pk.columns.indexOf(c.name) + 1 : 0;
      model.set(`column ${table}.${c.name}`, describeColumn({ type: c.type, notnull: c.nullable === 'NO', pk: pkPos, dflt: c.default }));
    }
    for (const con of info.constraints.filter((c) => c.table === table)) {
      if (con.type === 'c') {
        model.set(`check ${table}: ${normExpr(con.definition.replace(/^CHECK\s*/i, '').replace(/\s+NOT VALID$/i, ''))}`, 'present');
      } else if (con.type === 'f') {
        model.set(`foreign-key ${table} (${con.columns.join(', ')}) -> ${con.ref_table} (${con.ref_columns.join(', ')})`,
          `on delete ${normAction(con.on_delete)}, on update ${normAction(con.on_update)}`);
      }
    }
    for (const index of info.indexes.filter((i) => i.table === table)) {
      if (index.primary) continue;
      const cols = index.columns.map((c) => `${c.name ?? '<expression>'}${c.desc ? ' desc' : ''}`);
      if (index.unique && !index.predicate) model.set(`unique ${table} (${cols.join(', ')})`, 'present');
      if (!index.constraint) {
        model.set(`index ${index.name}`, describeIndex({ table, columns: cols, unique: index.unique, predicate: index.predicate }));
      }
    }
  }
  return model;
}

// ---- the comparison ----------------------------------------------------------------------------

// Differences between two models: [{ key, left, right }] (a side is null where the key is missing).
function compareModels(left, right) {
  const keys = [...new Set([...left.keys(), ...right.keys()])].sort();
  const diffs = [];
  for (const key of keys) {
    const a = left.get(key) ?? null;
    const b = right.get(key) ?? null;
    if (a !== b) diffs.push({ key, left: a, right: b });
  }
  return diffs;
}

function formatDiff(diffs, leftName, rightName) {
  if (!diffs.length) return '(no differences)';
  const width = Math.max(...diffs.map((d) => d.key.length));
  return diffs.map(({ key, left, right }) => {
    if (left === null) return `+ ${key.padEnd(width)}  only in ${rightName}: ${right}`;
    if (right === null) return `- ${key.padEnd(width)}  only in ${leftName}: ${left}`;
    return `~ ${key.padEnd(width)}  ${leftName}: ${left}\n  ${' '.repeat(width)}  ${rightName}: ${right}`;
  }).join('\n');
}

// Index names the migrations create (and do not drop again), read from schema/*.sql.
function declaredIndexes() {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schema');
  const names = new Set();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    const text = readFileSync(path.join(dir, file), 'utf8').replace(/--[^\n]*/g, '');
    for (const m of text.matchAll(/\b(CREATE(?:\s+UNIQUE)?\s+INDEX(?:\s+IF\s+NOT\s+EXISTS)?|DROP\s+INDEX(?:\s+IF\s+EXISTS)?)\s+"?(\w+)"?/gi)) {
      if (/^DROP/i.test(m[1])) names.delete(m[2]);
      else names.add(m[2]);
    }
  }
  return [...names].sort();
}

// ---- the tests ---------------------------------------------------------------------------------

describe('schema parity: SQLite and PostgreSQL end with the same schema', { skip: SKIP, timeout: 120000 }, () => {
  const suffix = randomBytes(6).toString('hex');
  const schemas = [`parity_${suffix}`, `parity_${suffix}_altered`];
  let tmp;
  let sqliteModel;
  let postgresModel;

  before(() => {
    for (const tool of ['sqlite3', 'psql']) {
      const probe = spawnSync(tool, ['--version'], { encoding: 'utf8' });
      if (probe.error) throw new Error(`${tool} CLI not found: bash packaging/install-deps.sh --test installs it`);
    }
    assert.ok(existsSync(BIN), `${BIN} is missing: build the project first`);
    tmp = tempDir('mcp-admin-parity-');
    const file = path.join(tmp.dir, 'parity.db');
    migrate(`file:${file}`);
    migrate(pgSchemaUrl(schemas[0]));
    sqliteModel = introspectSqlite(file);
    postgresModel = introspectPostgres(schemas[0]);
  });

  after(() => {
    if (PG_URL) {
      try {
        psql(schemas.map((s) => `DROP SCHEMA IF EXISTS "${s}" CASCADE;`).join(' '));
      } catch (e) {
        console.error(`could not drop the test schemas: ${e.message}`);
      }
    }
    tmp?.cleanup();
  });

  test('introspection sees the whole schema on both engines', () => {
    for (const [name, model] of [['sqlite', sqliteModel], ['postgres', postgresModel]]) {
      const tables = [...model.keys()].filter((k) => k.startsWith('table ')).map((k) => k.slice(6)).sort();
      assert.deepEqual(tables, ['api_keys', 'audit_logs', 'clerk_sync_state', 'mcp_servers', 'organization_memberships',
        'organization_services', 'organizations', 'schema_migrations', 'sessions', 'users', 'webhook_events'], `${name} tables`);
      // A few facts known from schema/0001_init.sql, so that a normalisation bug that blanks a
      // whole category on both sides (and so compares equal) does not go unnoticed.
      assert.equal(model.get('column users.metadata'), "text not null default='{}'", `${name} users.metadata`);
      assert.equal(model.get('column mcp_servers.is_active'), 'boolean not null default=true', `${name} mcp_servers.is_active`);
      assert.equal(model.get('column api_keys.usage_count'), 'bigint not null default=0', `${name} api_keys.usage_count`);
      assert.equal(model.get('column users.id'), 'text not null pk#1 default=none', `${name} users.id`);
      // From schema/0002_clerk.sql: columns added by ALTER TABLE land on both engines alike.
      assert.equal(model.get('column sessions.clerk_status'), 'text null default=none', `${name} sessions.clerk_status`);
      assert.equal(model.get('column organization_services.tool_policy'), 'text null default=none', `${name} tool_policy (0003)`);
      assert.equal(model.get('column audit_logs.client_id'), 'text null default=none', `${name} audit_logs.client_id (0003)`);
      assert.equal(model.get('unique organization_services (organization_id, mcp_server_id)'), 'present', `${name} composite unique`);
      assert.equal(model.get('unique webhook_events (svix_id)'), 'present', `${name} unique svix_id`);
      assert.equal(model.get('foreign-key sessions (organization_id) -> organizations (id)'),
        'on delete set null, on update no action', `${name} sessions FK`);
      assert.equal(model.get('index organization_memberships_live_key'),
        'on organization_memberships (organization_id, user_id) unique where deleted_at is null', `${name} partial unique`);
      assert.equal(model.get('index webhook_events_failed_idx'),
        "on webhook_events (received_at) where status = 'failed'", `${name} partial index`);
      assert.equal(model.get('index audit_logs_action_idx'), 'on audit_logs (action, id)', `${name} index column order`);
      assert.equal(model.get("check organization_memberships: role in ['ADMIN','MEMBER','VIEWER']"), 'present', `${name} check`);
      const count = (prefix) => [...model.keys()].filter((k) => k.startsWith(prefix)).length;
      assert.ok(count('foreign-key ') >= 7, `${name}: ${count('foreign-key ')} foreign keys`);
      const named = [...model.keys()].filter((k) => k.startsWith('index ')).map((k) => k.slice(6)).sort();
      assert.deepEqual(named, declaredIndexes(), `${name}: the named indexes are those the migrations create`);
      assert.ok(count('check ') >= 5, `${name}: ${count('check ')} checks`);
    }
  });

  test('tables, columns, keys, foreign keys, checks and indexes are the same', () => {
    const diffs = compareModels(sqliteModel, postgresModel);
    assert.equal(diffs.length, 0, `schemas differ (- only/as in SQLite, + only/as in PostgreSQL):\n${formatDiff(diffs, 'sqlite', 'postgres')}`);
  });

  test('self-check: an altered SQLite copy is reported, difference by difference', () => {
    const file = path.join(tmp.dir, 'altered.db');
    migrate(`file:${file}`);
    const sessionsSql = sqliteJson(file, "SELECT sql FROM sqlite_master WHERE name = 'sessions'")[0].sql;
    const rebuilt = sessionsSql
      .replace('ON DELETE SET NULL', 'ON DELETE CASCADE')
      .replace("metadata          TEXT NOT NULL DEFAULT '{}'", "metadata          TEXT DEFAULT '{}'");
    assert.notEqual(rebuilt, sessionsSql, 'the sessions table was rewritten');
    sh('sqlite3', ['-bail', file], { input: `
ALTER TABLE users ADD COLUMN x TEXT;
DROP INDEX users_email_idx;
DROP INDEX organizations_slug_live_key;
CREATE UNIQUE INDEX organizations_slug_live_key ON organizations (slug);
DROP INDEX audit_logs_action_idx;
CREATE INDEX audit_logs_action_idx ON audit_logs (id, action);
PRAGMA foreign_keys = OFF;
DROP TABLE sessions;
${rebuilt};
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_organization_idx ON sessions (organization_id);
` });
    const diffs = compareModels(introspectSqlite(file), postgresModel);
    const report = formatDiff(diffs, 'sqlite', 'postgres');
    console.log(`altered SQLite vs PostgreSQL (expected differences):\n${report}`);
    assert.deepEqual(diffs.map((d) => d.key).sort(), [
      'column users.x',
      'column-order users',
      'column sessions.metadata',
      'foreign-key sessions (organization_id) -> organizations (id)',
      'index audit_logs_action_idx',
      'index organizations_slug_live_key',
      'index users_email_idx',
      'unique organizations (slug)',
    ].sort(), report);
    const byKey = new Map(diffs.map((d) => [d.key, d]));
    assert.deepEqual(byKey.get('column users.x'), { key: 'column users.x', left: 'text null default=none', right: null });
    assert.equal(byKey.get('index users_email_idx').left, null);
    assert.equal(byKey.get('foreign-key sessions (organization_id) -> organizations (id)').left, 'on delete cascade, on update no action');
    assert.equal(byKey.get('index organizations_slug_live_key').left, 'on organizations (slug) unique');
    assert.equal(byKey.get('index audit_logs_action_idx').left, 'on audit_logs (id, action)');
    assert.equal(byKey.get('column sessions.metadata').left, "text null default='{}'");
    assert.match(report, /^- column users\.x +only in sqlite: text null default=none$/m);
  });

  test('self-check: an altered PostgreSQL schema is reported too', () => {
    const schema = schemas[1];
    migrate(pgSchemaUrl(schema));
    psql(`SET search_path TO "${schema}";
ALTER TABLE users ADD COLUMN y BIGINT DEFAULT 7;
ALTER TABLE users DROP CONSTRAINT users_clerk_id_key;
ALTER TABLE mcp_servers ALTER COLUMN is_active SET DEFAULT false;
ALTER TABLE organization_memberships DROP CONSTRAINT organization_memberships_role_check;
ALTER TABLE organization_memberships ADD CONSTRAINT organization_memberships_role_check CHECK (role IN ('ADMIN', 'MEMBER'));
DROP INDEX webhook_events_failed_idx;
CREATE INDEX webhook_events_failed_idx ON webhook_events (received_at) WHERE status = 'received';`);
    const diffs = compareModels(sqliteModel, introspectPostgres(schema));
    const report = formatDiff(diffs, 'sqlite', 'postgres');
    console.log(`SQLite vs altered PostgreSQL (expected differences):\n${report}`);
    assert.deepEqual(diffs.map((d) => d.key).sort(), [
      "check organization_memberships: role in ['ADMIN','MEMBER','VIEWER']",
      "check organization_memberships: role in ['ADMIN','MEMBER']",
      'column mcp_servers.is_active',
      'column users.y',
      'column-order users',
      'index webhook_events_failed_idx',
      'unique users (clerk_id)',
    ].sort(), report);
    const byKey = new Map(diffs.map((d) => [d.key, d]));
    assert.equal(byKey.get('column users.y').right, 'bigint null default=7');
    assert.equal(byKey.get('unique users (clerk_id)').right, null);
    assert.equal(byKey.get('column mcp_servers.is_active').right, 'boolean not null default=false');
    assert.equal(byKey.get('index webhook_events_failed_idx').right, "on webhook_events (received_at) where status = 'received'");
  });
});
