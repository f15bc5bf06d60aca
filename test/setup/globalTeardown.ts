import { createClient } from 'redis';

import { TEST_RUN_VARIABLE, testRunKeyPattern } from './testRun';

/**
 * Deletes the keys this run wrote in the developer's Redis (REDIS_URL), so `npm test` leaves
 * nothing behind. Suites that start their own redis-server use no persistence and stop it
 * themselves. A Redis that cannot be reached is not an error here: the suites said so already.
 */
export default async function globalTeardown(): Promise<void> {
  const run = process.env[TEST_RUN_VARIABLE];
  if (!run) return;
  const client = createClient({
    url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    socket: { connectTimeout: 2_000, reconnectStrategy: false },
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch {
    return;
  }
  try {
    let deleted = 0;
    let batch: string[] = [];
    for await (const keys of client.scanIterator({ MATCH: testRunKeyPattern(run), COUNT: 1_000 })) {
      batch.push(...keys);
      if (batch.length >= 500) {
        deleted += await client.unlink(batch);
        batch = [];
      }
    }
    if (batch.length > 0) deleted += await client.unlink(batch);
    if (process.env.GATEWAY_TEST_TEARDOWN_VERBOSE === '1')
      process.stderr.write(`test teardown: deleted ${deleted} Redis keys of run ${run}\n`);
  } finally {
    await client.quit().catch(() => undefined);
  }
}
