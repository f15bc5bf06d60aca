import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * The gateway's stdout logger holds lines while a write is in flight. Here stdout is a pipe
 * nobody reads: the lines waiting must stay within LOG_BUFFER_MAX_BYTES, the rest dropped and
 * counted, and the process must carry on.
 */
const CHILD = `
const { createLogger, LOG_BUFFER_MAX_BYTES } = require(${JSON.stringify(path.resolve(__dirname, '../src/observability/logger.ts'))});
let dropped = 0;
const logger = createLogger({ level: 'info', onDropped: (lines) => { dropped += lines; } });
const line = 'x'.repeat(1000);
const before = process.memoryUsage().rss;
let written = 0;
const step = () => {
  for (let index = 0; index < 2000; index += 1) logger.info({ line }, 'filler');
  written += 2000;
  if (written < 60000) return setImmediate(step);
  const grown = process.memoryUsage().rss - before;
  process.stderr.write(JSON.stringify({ dropped, written, grown, bound: LOG_BUFFER_MAX_BYTES }) + '\\n');
};
step();
`;

describe('the stdout log buffer', () => {
  it('drops and counts lines past its bound when stdout stops draining', async () => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', CHILD], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Nobody reads stdout: the pipe fills and stays full.
    child.stdout.pause();
    let stderr = '';
    // The child keeps running (still trying to write its backlog): its report is what counts.
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('\n')) resolve();
      });
    });
    child.kill('SIGKILL');
    const report = JSON.parse(stderr.trim().split('\n').pop() ?? '{}') as {
      dropped: number;
      written: number;
      grown: number;
      bound: number;
    };
    expect(report.written).toBe(60_000);
    // ~60 MB of lines against a 16 MiB bound: most were dropped, and counted.
    expect(report.dropped).toBeGreaterThan(30_000);
    expect(report.grown).toBeLessThan(report.bound + 48 * 1024 * 1024);
  }, 60_000);
});
