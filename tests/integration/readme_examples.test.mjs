// The README's "As a test fixture" examples, run as written: the world file, the node:test file and
// the pytest file are taken from the README (each block follows a `<!-- file: NAME -->` marker),
// written to a scratch directory, and run with `mcp-admin` on the PATH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, ENGINE, cleanEnv, tempDir } from './fixture.mjs';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const WORLD = readFileSync(fileURLToPath(new URL('../examples/world.json', import.meta.url)), 'utf8');
const skip = ENGINE !== 'sqlite' && 'the examples use :memory: (SQLite); run once, in the SQLite suite';

function readmeFiles() {
  const files = {};
  for (const match of README.matchAll(/<!-- file: ([\w.-]+) -->\n```\w+\n([\s\S]*?)```/g)) files[match[1]] = match[2];
  return files;
}

function scratchWithExamples(t) {
  const { dir, cleanup } = tempDir('mcp-admin-readme-');
  t.after(cleanup);
  for (const [name, text] of Object.entries(readmeFiles())) writeFileSync(path.join(dir, name), text);
  return dir;
}

// Without NODE_TEST_CONTEXT: under `node --test` a child node would report to this runner, not print TAP.
const env = () => {
  const vars = cleanEnv({ PATH: `${path.dirname(BIN)}:${process.env.PATH}`, LOG_LEVEL: 'warn' });
  delete vars.NODE_TEST_CONTEXT;
  return vars;
};

test('README: the world file is tests/examples/world.json', () => {
  const files = readmeFiles();
  assert.deepEqual(Object.keys(files).sort(), ['test_world.py', 'world.json', 'world.test.mjs']);
  assert.deepEqual(JSON.parse(files['world.json']), JSON.parse(WORLD));
});

test('README: the node:test example passes as written', { skip }, (t) => {
  const dir = scratchWithExamples(t);
  const result = spawnSync(process.execPath, ['--test', 'world.test.mjs'], { cwd: dir, env: env(), encoding: 'utf8', timeout: 60000 });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /# pass 1/);
  assert.match(result.stdout, /# fail 0/);
});

// Debian's python3-pytest is for /usr/bin/python3; a python3 earlier on the PATH (pyenv) may lack it.
const python = ['python3', '/usr/bin/python3'].find((exe) => spawnSync(exe, ['-c', 'import pytest']).status === 0);
const pytestSkip = skip || (!python && 'pytest is not installed (Debian: python3-pytest; packaging/install-deps.sh --test installs it)');

test('README: the pytest example passes as written', { skip: pytestSkip }, (t) => {
  const dir = scratchWithExamples(t);
  const result = spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'test_world.py'],
    { cwd: dir, env: env(), encoding: 'utf8', timeout: 60000 });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /1 passed/);
});
