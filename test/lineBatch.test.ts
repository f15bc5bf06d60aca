import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';

import { LATER_LINE_BYTES, LineBatch, type BatchTarget } from '../src/observability/lineBatch';

/** A sonic-boom stand-in that records what it was handed. */
class RecordingTarget extends EventEmitter implements BatchTarget {
  readonly writes: string[] = [];
  flushes = 0;
  syncFlushes = 0;
  write(text: string) {
    this.writes.push(text);
    return true;
  }
  flush(callback?: () => void) {
    this.flushes += 1;
    callback?.();
  }
  flushSync() {
    this.syncFlushes += 1;
  }
}

describe('LineBatch', () => {
  it('hands lines on joined, once a batch is full, and the rest on flush', () => {
    const target = new RecordingTarget();
    const batch = new LineBatch(target, 30, 60_000);
    batch.write('{"a":1}\n');
    batch.write('{"b":2}\n');
    batch.write('{"c":3}\n');
    expect(target.writes).toEqual([]);
    batch.write('{"d":4}\n'); // 32 bytes waiting: one write
    expect(target.writes).toEqual(['{"a":1}\n{"b":2}\n{"c":3}\n{"d":4}\n']);
    batch.write('{"e":5}\n');
    batch.flush();
    expect(target.writes).toEqual(['{"a":1}\n{"b":2}\n{"c":3}\n{"d":4}\n', '{"e":5}\n']);
    expect(target.flushes).toBe(1);
    batch.flushSync();
    expect(target.writes).toHaveLength(2); // nothing left to hand on
    expect(target.syncFlushes).toBe(1);
  });

  it('hands a partial batch on within its flush interval', async () => {
    const target = new RecordingTarget();
    const batch = new LineBatch(target, 8 * 1024, 20);
    batch.write('{"a":1}\n');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(target.writes).toEqual(['{"a":1}\n']);
  });

  it('counts the lines of each batch the target dropped', () => {
    const target = new RecordingTarget();
    const dropped: number[] = [];
    new LineBatch(target, 8 * 1024, 60_000, (lines) => dropped.push(lines));
    target.emit('drop', '{"a":1}\n{"b":2}\n{"c":3}\n');
    target.emit('drop', '{"d":4}\n');
    expect(dropped).toEqual([3, 1]);
  });

  it('renders a later line only when its batch is handed on, in its place', () => {
    const target = new RecordingTarget();
    const batch = new LineBatch(target, 64 * 1024, 60_000);
    let renders = 0;
    batch.write('{"a":1}\n');
    batch.writeLater({ render: () => `{"later":${(renders += 1)}}\n` });
    batch.write('{"b":2}\n');
    expect(renders).toBe(0);
    batch.flush();
    expect(renders).toBe(1);
    expect(target.writes).toEqual(['{"a":1}\n{"later":1}\n{"b":2}\n']);
  });

  it('counts each later line for LATER_LINE_BYTES against the batch', () => {
    const target = new RecordingTarget();
    const perBatch = 4;
    const batch = new LineBatch(target, perBatch * LATER_LINE_BYTES, 60_000);
    for (let index = 0; index < perBatch - 1; index += 1)
      batch.writeLater({ render: () => `{"i":${index}}\n` });
    expect(target.writes).toEqual([]);
    batch.writeLater({ render: () => '{"i":3}\n' });
    expect(target.writes).toEqual(['{"i":0}\n{"i":1}\n{"i":2}\n{"i":3}\n']);
  });

  it('writes what waits when the process exits without a flush', () => {
    const logger = JSON.stringify(path.resolve(__dirname, '../src/observability/logger.ts'));
    const stdout = execFileSync(
      process.execPath,
      [
        '--require',
        'tsx/cjs',
        '-e',
        `const { createLogger } = require(${logger});
         const log = createLogger({ level: 'info' });
         for (let i = 0; i < 3; i += 1) log.info({ i }, 'line');
         setTimeout(() => process.exit(0), 50);`,
      ],
      { encoding: 'utf8' },
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { i: number });
    expect(lines.map((line) => line.i)).toEqual([0, 1, 2]);
  });
});
