/**
 * Writes SEEK's schema (introspected) to an SDL file for SEEK_SCHEMA_FILE:
 *   npm run schema:pull -- seek-schema.graphql
 * Uses SEEK_API_URL (and the SEEK credentials if SEEK refuses introspection without a token).
 */
import { writeFileSync } from 'node:fs';

import { printSchema } from 'graphql';

import { loadConfig } from '../src/config';
import { createLogger } from '../src/observability/logger';
import { createHttpClient } from '../src/seek/httpClient';
import { introspectSeekSchema, loadSeekSchemaWithRetry } from '../src/seek/schemaSource';

const main = async () => {
  const output = process.argv[2] ?? 'seek-schema.graphql';
  const config = loadConfig(process.env);
  const http = createHttpClient();
  const { schema } = await loadSeekSchemaWithRetry(
    () =>
      introspectSeekSchema({
        http,
        apiUrl: config.seek.apiUrl,
        userAgent: config.userAgent,
        timeoutMs: config.seek.timeoutMs,
        getPartnerToken: undefined,
      }),
    { attempts: 3, logger: createLogger({ level: config.logLevel }) },
  );
  const sdl = printSchema(schema);
  writeFileSync(output, sdl);
  process.stdout.write(
    `wrote ${output}: ${sdl.length} bytes, ${Object.keys(schema.getTypeMap()).length} types\n`,
  );
  await http.close();
};

main().catch((error: unknown) => {
  process.stderr.write(`schema:pull failed: ${(error as Error).message}\n`);
  process.exit(1);
});
