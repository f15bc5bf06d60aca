import { unwatchFile, watchFile, type Stats, type StatWatcher } from 'node:fs';

import { parse, type GraphQLSchema } from 'graphql';

import { describeError, type Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { PreparedDocument } from '../pipeline/documents';
import { ManifestError, readManifestFile, type ManifestDocument } from './manifest';
import { documentAccess, type DocumentAccess } from './scopes';

/** A manifest document with its verdict against the schema in force. */
export interface TrustedDocument extends ManifestDocument {
  prepared: PreparedDocument;
  /** What a browser token needs to run it (a valid document only), from the same schema. */
  access?: DocumentAccess;
}

export type Prepare = (schema: GraphQLSchema, body: string) => PreparedDocument;

/** What a manifest's documents come to against one schema: the verdicts, and what failed. */
export interface CheckedManifest {
  byId: ReadonlyMap<string, TrustedDocument>;
  /** One line per failing document: its id, name and the first errors' messages. */
  failures: string[];
}

const MAX_MESSAGES_PER_DOCUMENT = 3;

/**
 * Parses and validates every document once (GraphQL's rules and the gateway's limits: the same
 * `prepare` requests get), and works out the browser-token scopes each needs. The gateway at start-up and on reload, and `npm run documents:check`,
 * all judge a manifest with this.
 */
export const checkManifest = (
  documents: readonly ManifestDocument[],
  schema: GraphQLSchema,
  prepare: Prepare,
): CheckedManifest => {
  const byId = new Map<string, TrustedDocument>();
  const failures: string[] = [];
  for (const document of documents) {
    const prepared = prepare(schema, document.body);
    // Parsed once more, at load only: the verdict keeps no syntax tree (requests need none).
    const access = prepared.valid
      ? documentAccess(schema, parse(document.body, { noLocation: true }))
      : undefined;
    byId.set(document.id, { ...document, prepared, ...(access ? { access } : {}) });
    if (!prepared.valid) {
      const messages = prepared.errors
        .slice(0, MAX_MESSAGES_PER_DOCUMENT)
        .map((error) => `${error.code}: ${error.message}`);
      failures.push(
        `${document.id}${document.name ? ` (${document.name})` : ''}: ${messages.join(' | ')}`,
      );
    }
  }
  return { byId, failures };
};

export interface TrustedDocumentsOptions {
  /** PERSISTED_DOCUMENTS_FILE. */
  file: string;
  prepare: Prepare;
  /** The schema in force (read at every reload). */
  currentSchema: () => GraphQLSchema | undefined;
  logger: Logger;
  metrics: Metrics;
  /** How often the file is looked at for a change. @default 2000 */
  watchIntervalMs?: number;
}

/**
 * The manifest of trusted documents, each parsed and validated once: at start-up (a bad
 * document stops the start, named), on SIGHUP or a change of the file (a bad manifest keeps
 * the last good one, and the log says why), and when SEEK's schema changes. A request by id
 * reads one Map: no parse, no validation. A reload swaps the whole map at once, so a request
 * sees the old manifest or the new one, never half of each, and none is dropped.
 */
export const createTrustedDocuments = (options: TrustedDocumentsOptions) => {
  const { file, logger, metrics } = options;
  let documents: readonly ManifestDocument[] = [];
  let byId: ReadonlyMap<string, TrustedDocument> = new Map();
  let watcher: StatWatcher | undefined;

  const schemaOrThrow = () => {
    const schema = options.currentSchema();
    if (!schema)
      throw new ManifestError("SEEK's schema is not loaded: nothing to validate against");
    return schema;
  };

  /** Reads and judges the file; throws a ManifestError naming every document that failed. */
  const readChecked = () => {
    const read = readManifestFile(file);
    const checked = checkManifest(read, schemaOrThrow(), options.prepare);
    if (checked.failures.length > 0)
      throw new ManifestError(
        `${file}: ${checked.failures.length} of ${read.length} documents do not validate`,
        checked.failures,
      );
    return { read, checked };
  };

  const install = (read: readonly ManifestDocument[], checked: CheckedManifest) => {
    documents = read;
    byId = checked.byId;
  };

  /** SIGHUP or a changed file: the new manifest if it is good, else the last good one. */
  const reload = (reason: string): boolean => {
    try {
      const { read, checked } = readChecked();
      install(read, checked);
      metrics.persistedDocuments.inc({ event: 'manifest', result: 'loaded' });
      logger.info({ documents: read.length, reason }, 'persisted documents reloaded');
      return true;
    } catch (error) {
      metrics.persistedDocuments.inc({ event: 'manifest', result: 'kept_last_good' });
      logger.error(
        {
          reason,
          why: error instanceof ManifestError ? error.message : describeError(error),
          documents: documents.length,
        },
        'persisted documents not reloaded; keeping the last good manifest',
      );
      return false;
    }
  };

  const onFileChange = (current: Stats, previous: Stats) => {
    if (current.mtimeMs === previous.mtimeMs && current.size === previous.size) return;
    reload('file changed');
  };

  return {
    /** Start-up: the manifest must be good, or the gateway does not start. */
    load() {
      const { read, checked } = readChecked();
      install(read, checked);
      metrics.persistedDocuments.inc({ event: 'manifest', result: 'loaded' });
      logger.info({ documents: read.length }, 'persisted documents loaded');
    },
    reload,
    /**
     * A new schema: every document is judged again. One that no longer validates answers its
     * validation errors (as the same text would) until the manifest or the schema is fixed.
     */
    schemaChanged(schema: GraphQLSchema) {
      const checked = checkManifest(documents, schema, options.prepare);
      byId = checked.byId;
      if (checked.failures.length > 0)
        logger.error(
          { failures: checked.failures },
          "persisted documents that no longer validate against SEEK's new schema",
        );
    },
    get: (id: string): TrustedDocument | undefined => byId.get(id),
    get size() {
      return byId.size;
    },
    /** Reloads when the file changes (polled: a mounted ConfigMap is replaced by a rename). */
    watch() {
      watcher = watchFile(
        file,
        { interval: options.watchIntervalMs ?? 2_000, persistent: false },
        onFileChange,
      );
    },
    close() {
      if (watcher) unwatchFile(file, onFileChange);
      watcher = undefined;
    },
  };
};

export type TrustedDocuments = ReturnType<typeof createTrustedDocuments>;
