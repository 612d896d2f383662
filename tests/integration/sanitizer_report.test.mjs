// The fixture's sanitizer watch (tests/sanitizers/README.md): the report lines the gcc runtimes
// print are recognised, and the server's own log lines, whatever they quote, are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sanitizerReport } from './fixture.mjs';

test('sanitizer reports are recognised in a child\'s stderr', () => {
  const reports = [
    '=================================================================\n==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010',
    '==77==ERROR: LeakSanitizer: detected memory leaks\n\nDirect leak of 24 byte(s)',
    '==================\nWARNING: ThreadSanitizer: data race (pid=8890)\n  Write of size 4',
    '../src/domain/jwt_verifier.cpp:383:7: runtime error: signed integer overflow: 9223372036854775807 + 5000',
    'SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior ../src/x.cpp:1:1 in',
  ];
  for (const text of reports) {
    const stderr = `{"level":"info","msg":"listening"}\n${text}\n`;
    assert.ok(sanitizerReport(stderr), `not recognised: ${text.split('\n')[0]}`);
  }
});

test('ordinary log lines are not reports, even when they quote the words', () => {
  const stderr = [
    '{"level":"error","msg":"unexpected exception","error":"ERROR: AddressSanitizer: in a message"}',
    '2026-12-02T18:00:00.000Z ERROR request failed: runtime error: something',
    '{"level":"warn","msg":"WARNING: ThreadSanitizer is not a thing here"}',
  ].join('\n');
  assert.equal(sanitizerReport(stderr), null);
});
