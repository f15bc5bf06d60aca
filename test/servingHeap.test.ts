import { spawn } from 'node:child_process';
import path from 'node:path';

import { SERVING_HEAP_GROWING_PERCENT } from '../src/servingHeap';

/**
 * The heap growing factor set for serving (src/servingHeap.ts), read back from V8 itself: under
 * `--trace-gc-verbose` every full GC prints the factor it set the next limit with, as
 * "[HeapController] Limit: old size: … KB, new limit: … KB (factor)".
 */
const CHILD = `
const { growHeapForServing } = require(${JSON.stringify(path.resolve(__dirname, '../src/servingHeap.ts'))});
process.stdout.write('applied ' + growHeapForServing() + '\\n');
const kept = [];
for (let round = 0; round < 3; round += 1) {
  for (let index = 0; index < 100000; index += 1) kept.push({ index, text: 'item ' + index });
  globalThis.gc();
}
`;

const factorsAfterGrowing = async (nodeFlags: string[]) => {
  const child = spawn(
    process.execPath,
    [...nodeFlags, '--expose-gc', '--trace-gc-verbose', '--require', 'tsx/cjs', '-e', CHILD],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code).toBe(0);
  const afterCall = stdout.slice(stdout.indexOf('applied '));
  return {
    applied: /applied (true|false)/.exec(afterCall)?.[1],
    factors: [...afterCall.matchAll(/\[HeapController\] Limit: .*\((\d+\.\d)\)/g)].map(
      (match) => match[1],
    ),
  };
};

describe('the heap growing factor for serving', () => {
  it('sets every full GC limit from then on with its factor', async () => {
    const { applied, factors } = await factorsAfterGrowing([]);
    expect(applied).toBe('true');
    expect(factors.length).toBeGreaterThanOrEqual(3);
    const factor = (1 + SERVING_HEAP_GROWING_PERCENT / 100).toFixed(1);
    expect(new Set(factors)).toEqual(new Set([factor]));
  }, 30_000);

  it("leaves an operator's own --heap-growing-percent as it is", async () => {
    const { applied, factors } = await factorsAfterGrowing(['--heap-growing-percent=50']);
    expect(applied).toBe('false');
    expect(factors.length).toBeGreaterThanOrEqual(3);
    expect(new Set(factors)).toEqual(new Set(['1.5']));
  }, 30_000);
});
