/**
 * Writes SEEK's schema (introspected) to an SDL file for SEEK_SCHEMA_FILE:
 *   npm run schema:pull -- seek-schema.graphql
 *
 * Uses SEEK_API_URL. If SEEK refuses introspection without a token and SEEK_CLIENT_ID and
 * SEEK_CLIENT_SECRET (or SEEK_CLIENT_SECRET_FILE) are set, it asks again with a partner token
 * from SEEK_AUTH_URL (client credentials, audience SEEK_AUDIENCE). Introspection is retried as at
 * the gateway's start-up (5 attempts, backoff from 250 ms); when it still fails, one line on
 * stderr says what to check, and the exit code is 1. Logs go to stderr, the result to stdout.
 */
import { writeFileSync } from 'node:fs';

import { printSchema } from 'graphql';

import { keepAliveUntil } from '../src/clock';
import type { Config } from '../src/config';
import type { Logger } from '../src/observability/logger';
import { failureMessage, introspectSeek, ScriptError } from './lib/seekSchema';
import { startScript } from './lib/scriptStart';

const pull = async (config: Config, output: string, logger: Logger) => {
  const schema = await introspectSeek(config, logger);
  const sdl = printSchema(schema);
  try {
    writeFileSync(output, sdl);
  } catch (error) {
    throw new ScriptError(
      `cannot write ${output} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  return { bytes: sdl.length, types: Object.keys(schema.getTypeMap()).length };
};

const main = async () => {
  const output = process.argv[2] ?? 'seek-schema.graphql';
  const { config, logger } = startScript('schema:pull');
  try {
    // Keeps Node up through every retry backoff: a failure ends with a message and exit 1.
    const { bytes, types } = await keepAliveUntil(pull(config, output, logger));
    process.stdout.write(`wrote ${output}: ${bytes} bytes, ${types} types\n`);
  } catch (error) {
    process.stderr.write(`schema:pull failed: ${failureMessage(error, config)}\n`);
    process.exit(1);
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`schema:pull failed: ${String((error as Error).message ?? error)}\n`);
  process.exit(1);
});
