/**
 * Checks a manifest of trusted documents the way the gateway will at start-up: every document
 * parsed and validated against the schema the gateway serves and its query limits
 * (GRAPHQL_MAX_*), for a frontend's CI:
 *
 *   npm run documents:check -- <manifest>      (default: PERSISTED_DOCUMENTS_FILE)
 *
 * SEEK's schema comes from where the gateway would take it with the same environment
 * (SEEK_SCHEMA_FILE, SEEK, or the embedded simulator without credentials, as schema:print).
 * Prints one line per document (`ok` or `FAIL` with why) and a summary; exit code 1 when any
 * document fails or the manifest cannot be read.
 */
import { keepAliveUntil } from '../src/clock';
import type { Config } from '../src/config';
import { ManifestError, readManifestFile } from '../src/documents/manifest';
import { checkManifest } from '../src/documents/trustedDocuments';
import { buildGatewaySchema } from '../src/graphql/gatewaySchema';
import type { Logger } from '../src/observability/logger';
import { createGatewayDocuments } from '../src/pipeline/gatewayDocuments';
import { readGatewayTypeDefs } from '../src/seek/schemaSource';
import { seekSchemaFor } from './schema-print';
import { failureMessage } from './lib/seekSchema';
import { startScript } from './lib/scriptStart';

/** The report's lines and whether every document passed. */
export const checkManifestFile = async (file: string, config: Config, logger: Logger) => {
  // The manifest first: a wrong path needs no trip to SEEK.
  const read = readManifestFile(file);
  const { schema, source } = await seekSchemaFor(config, logger);
  const { api } = buildGatewaySchema({
    seekSchema: schema,
    gatewayTypeDefs: readGatewayTypeDefs(),
    browserToken: () => {
      throw new Error('not executed: documents are only validated');
    },
  });
  // The CI's reader wants every hint the schema can give.
  const documents = createGatewayDocuments(config.graphql, { hideSuggestions: false });
  const checked = checkManifest(read, api, documents.prepareUncached);
  const failed = new Set(checked.failures);
  const lines = [`${file}: ${read.length} documents, against ${source}`];
  for (const document of checked.byId.values()) {
    const label = `${document.id}${document.name ? ` ${document.name}` : ''}`;
    if (document.prepared.valid) lines.push(`ok   ${label}`);
  }
  for (const failure of failed) lines.push(`FAIL ${failure}`);
  lines.push(
    failed.size === 0
      ? `all ${read.length} documents validate`
      : `${failed.size} of ${read.length} documents do not validate`,
  );
  return { lines, ok: failed.size === 0 };
};

const main = async () => {
  const { config, logger } = startScript('documents:check');
  const file = process.argv[2] ?? config.documents.file;
  if (!file) {
    process.stderr.write(
      'documents:check: name a manifest (npm run documents:check -- <file>) or set PERSISTED_DOCUMENTS_FILE\n',
    );
    process.exit(1);
  }
  try {
    const { lines, ok } = await keepAliveUntil(checkManifestFile(file, config, logger));
    process.stdout.write(`${lines.join('\n')}\n`);
    process.exit(ok ? 0 : 1);
  } catch (error) {
    const message = error instanceof ManifestError ? error.message : failureMessage(error, config);
    process.stderr.write(`documents:check failed: ${message}\n`);
    process.exit(1);
  }
};

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`documents:check failed: ${String((error as Error).message ?? error)}\n`);
    process.exit(1);
  });
}
