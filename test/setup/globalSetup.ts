import { randomBytes } from 'node:crypto';

import { TEST_RUN_VARIABLE } from './testRun';

/** Names this jest run, so its Redis keys can be told from every other run's (see testRun.ts). */
export default function globalSetup(): void {
  process.env[TEST_RUN_VARIABLE] ??= `r${randomBytes(3).toString('hex')}`;
}
