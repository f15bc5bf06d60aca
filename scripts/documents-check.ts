/**
 * Checks a manifest of trusted documents the way the gateway will at start-up: every document
 * parsed and validated against the schema the gateway serves and its query limits
 * (GRAPHQL_MAX_*), for a frontend's CI:
 *
 *   npm run documents:check -- <manifest>      (default: PERSISTED_DOCUMENTS_FILE)
 *
 * SEEK's schema comes from where the gateway would take it with the same environment
 * (SEEK_SCHEMA_FILE, SEEK, or the embedded simulator without credentials, as schema:print).
 * Prints one line per document (`ok` with the browser-token scopes it needs, or `FAIL` with why)
 * and a summary; a document that uses a field no browser token may use is flagged `not for
 * browser tokens`. Exit code 1 when any document fails or the manifest cannot be read, and with
 * `--browser` (a manifest only browser tokens run) when any is flagged too:
 *
 *   npm run documents:check -- <manifest> --browser
 */
import { keepAliveUntil } from '../src/clock';
import type { Config } from '../src/config';
import { ManifestError, readManifestFile } from '../src/documents/manifest';
import { checkManifest, type TrustedDocument } from '../src/documents/trustedDocuments';
import { buildGatewaySchema } from '../src/graphql/gatewaySchema';
import type { Logger } from '../src/observability/logger';
import { createGatewayDocuments } from '../src/pipeline/gatewayDocuments';
import { readGatewayTypeDefs } from '../src/seek/schemaSource';
import { seekSchemaFor } from './schema-print';
import { failureMessage } from './lib/seekSchema';
import { startScript } from './lib/scriptStart';

/** What the check holds a manifest to, beyond validating. */
export interface CheckOptions {
  /** Every document must be runnable by a browser token (`--browser`). */
  browser?: boolean;
}

/** What a browser token needs for a valid document, as the report prints it. */
const accessNote = (document: TrustedDocument): string => {
  const access = document.access;
  if (!access) return '';
  if (access.unscopedFields.length > 0)
    return `  not for browser tokens: ${access.unscopedFields.join(', ')} (no browser-token scope)`;
  return `  scopes: ${access.scopes.length > 0 ? access.scopes.join(' ') : '(none)'}`;
};

/** The report's lines and whether every document passed. */
export const checkManifestFile = async (
  file: string,
  config: Config,
  logger: Logger,
  options: CheckOptions = {},
) => {
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
  let notForBrowsers = 0;
  for (const document of checked.byId.values()) {
    const label = `${document.id}${document.name ? ` ${document.name}` : ''}`;
    if (!document.prepared.valid) continue;
    if ((document.access?.unscopedFields.length ?? 0) > 0) notForBrowsers += 1;
    lines.push(`ok   ${label}${accessNote(document)}`);
  }
  for (const failure of failed) lines.push(`FAIL ${failure}`);
  lines.push(
    failed.size === 0
      ? `all ${read.length} documents validate`
      : `${failed.size} of ${read.length} documents do not validate`,
  );
  if (notForBrowsers > 0)
    lines.push(
      `${notForBrowsers} of ${read.length} documents no browser token may run${options.browser ? ' (--browser: a failure)' : ''}`,
    );
  return { lines, ok: failed.size === 0 && !(options.browser && notForBrowsers > 0) };
};

const main = async () => {
  const { config, logger } = startScript('documents:check');
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg.startsWith('--') && arg !== '--browser');
  if (unknown.length > 0) {
    process.stderr.write(`documents:check: unknown option ${unknown.join(' ')} (use --browser)\n`);
    process.exit(1);
  }
  const file = args.find((arg) => !arg.startsWith('--')) ?? config.documents.file;
  if (!file) {
    process.stderr.write(
      'documents:check: name a manifest (npm run documents:check -- <file>) or set PERSISTED_DOCUMENTS_FILE\n',
    );
    process.exit(1);
  }
  try {
    const { lines, ok } = await keepAliveUntil(
      checkManifestFile(file, config, logger, { browser: args.includes('--browser') }),
    );
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
