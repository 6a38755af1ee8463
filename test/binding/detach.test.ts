import { runFixture } from '../helpers/dist.js';

// Getters the binding calls, and transfers between begin and end, that
// detach arrays and collect their memory while the binding works on them, and
// setters on the prototypes that dispose the handle while its result is built
// (each of these ended the process with SIGSEGV before the binding read every
// property before taking any array's memory, and before begin copied its
// arrays). Each runs in a child process: test/fixtures/binding-detach.js.
const liveRows = /^NormalEquations: 'pattern.rows' must be an Int32Array over a live ArrayBuffer, got one whose buffer was detached \(transferred\)$/;
const liveJ = (method: string) =>
  new RegExp(`^NormalEquations.${method}: 'jValues' must be a Float64Array over a live ArrayBuffer, got one whose buffer was detached \\(transferred\\)$`);

const cases: [string, RegExp | 'ok'][] = [
  ['pattern.colBlocks', liveRows],
  ['pattern.eliminate', liveRows],
  ['options.kind', liveRows],
  ['options.threads', liveRows],
  ['options.background', liveRows],
  ['linearize out.gradient', liveJ('linearize')],
  ['step out.jy', liveJ('step')],
  ['begin calls[1]', liveJ('linearize')],
  ['begin calls[1][1]', liveJ('linearize')],
  // begin copied its inputs: end succeeds; its out arrays are checked again at end.
  ['begin, then jValues transferred', 'ok'],
  ['begin, then residuals transferred', 'ok'],
  [
    'begin, then out.gradient transferred',
    /^NormalEquations.linearize: 'out.gradient' must be a Float64Array over a live ArrayBuffer, got one whose buffer was detached \(transferred\)$/,
  ],
  // info's result was built with setters (SIGSEGV before: a setter on Object.prototype disposed the handle it read).
  ['info with a setter on Object.prototype that disposes', 'ok'],
  ['factor with setters on the prototypes that dispose', 'ok'],
];

describe('the native binding with arrays detached and collected while it works', () => {
  test.each(cases)('%s: no crash; a TypeError or a result', (name, expected) => {
    const child = runFixture('binding-detach.js', [name]);
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    const outcome = JSON.parse(child.stdout) as { result?: string; error?: { name: string; code?: string; message: string } };
    if (expected === 'ok') {
      expect(outcome).toEqual({ result: 'ok' });
    } else {
      expect(outcome.error).toEqual({ name: 'TypeError', message: expect.stringMatching(expected) });
    }
  });
});
