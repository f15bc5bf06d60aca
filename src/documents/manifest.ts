import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

import { z } from 'zod';

/** One trusted document of the manifest. */
export interface ManifestDocument {
  /** The id requests name it by (`documentId`, or `extensions.persistedQuery.sha256Hash`). */
  id: string;
  /** The operation name the manifest gives it (Apollo's format), for messages. */
  name: string | undefined;
  body: string;
}

/** A manifest that cannot be used: the message names the file and every document that failed. */
export class ManifestError extends Error {
  override name = 'ManifestError';
  constructor(
    /** What is wrong with the file as a whole. */
    readonly summary: string,
    /** One line per problem, each naming the document (id and name) it is about. */
    readonly problems: readonly string[] = [],
  ) {
    super(problems.length > 0 ? `${summary}: ${problems.join('; ')}` : summary);
  }
}

/**
 * Bounds of a manifest: a frontend's build emits hundreds of documents of a few KB; these leave
 * room for that many times over while keeping a wrong file (a bundle, a log) from being held.
 */
export const MAX_MANIFEST_BYTES = 16 * 1_048_576;
export const MAX_MANIFEST_DOCUMENTS = 20_000;
/** SHA-256 hex (Apollo, Codegen), SHA-1 or MD5 hex (Relay), or a name like `Jobs_1`. */
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The id as requests and manifests name it: GraphQL over HTTP's `sha256:<hex>` prefix and a bare
 * hex digest are the same document.
 */
export const normaliseDocumentId = (id: string): string =>
  id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

const apolloManifest = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z.array(
    z.object({
      id: z.string(),
      name: z.string().optional(),
      type: z.string().optional(),
      body: z.string(),
    }),
  ),
});
const flatManifest = z.record(z.string(), z.string());

const label = (document: { id: string; name: string | undefined }) =>
  document.name ? `${document.id} (${document.name})` : document.id;

/**
 * The documents of a manifest in Apollo's persisted query list format or a flat
 * `{"<hash>": "<document>"}` map (GraphQL Codegen's client preset, Relay). Every id is checked:
 * its shape, once only, and a SHA-256 id against its body (a request naming the hash of the
 * text it would send must get that text).
 */
export const parseManifest = (text: string): ManifestDocument[] => {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    throw new ManifestError('is not JSON');
  }
  let documents: ManifestDocument[];
  const isApollo =
    typeof json === 'object' && json !== null && 'format' in json && 'operations' in json;
  if (isApollo) {
    const parsed = apolloManifest.safeParse(json);
    if (!parsed.success)
      throw new ManifestError(
        'is not an apollo-persisted-query-manifest of version 1 with operations of {id, name, type, body}',
      );
    documents = parsed.data.operations.map(({ id, name, body }) => ({ id, name, body }));
  } else {
    const parsed = flatManifest.safeParse(json);
    if (!parsed.success)
      throw new ManifestError(
        'is neither an apollo-persisted-query-manifest nor a {"<id>": "<document>"} map',
      );
    documents = Object.entries(parsed.data).map(([id, body]) => ({ id, name: undefined, body }));
  }
  if (documents.length > MAX_MANIFEST_DOCUMENTS)
    throw new ManifestError(`holds more than ${MAX_MANIFEST_DOCUMENTS} documents`);
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const normalised = documents.map((document) => ({
    ...document,
    id: normaliseDocumentId(document.id),
  }));
  for (const document of normalised) {
    if (!ID.test(document.id)) {
      // Not quoted back in full: it could be anything.
      problems.push(`an id is not 1-128 characters of A-Z a-z 0-9 _ . : -`);
      continue;
    }
    if (SHA256_HEX.test(document.id) && sha256Hex(document.body) !== document.id)
      problems.push(`${label(document)}: the id is not the SHA-256 of the document`);
    const earlier = seen.get(document.id);
    if (earlier !== undefined && earlier !== document.body)
      problems.push(`${label(document)}: the id is given twice, for two documents`);
    seen.set(document.id, document.body);
  }
  if (problems.length > 0) throw new ManifestError('has bad ids', problems);
  return normalised;
};

/** Reads the manifest file, refusing one larger than MAX_MANIFEST_BYTES before reading it. */
export const readManifestFile = (file: string): ManifestDocument[] => {
  let text: string;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const { size } = fstatSync(fd);
    if (size > MAX_MANIFEST_BYTES)
      throw new ManifestError(`${file} is larger than ${MAX_MANIFEST_BYTES} bytes`);
    const buffer = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const got = readSync(fd, buffer, read, size - read, read);
      if (got === 0) break;
      read += got;
    }
    text = buffer.subarray(0, read).toString('utf8');
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ManifestError(`cannot read ${file} (${code})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  try {
    return parseManifest(text);
  } catch (error) {
    if (error instanceof ManifestError)
      throw new ManifestError(`${file} ${error.summary}`, error.problems);
    throw error;
  }
};
