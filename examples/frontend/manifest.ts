// The example frontend's build step: writes its trusted documents (src/operations.ts) as a
// manifest in Apollo's persisted query list format, each id the SHA-256 of its document, for the
// gateway's PERSISTED_DOCUMENTS_FILE. No dependency beyond Node; a real app would get the same
// file from its GraphQL client's tooling (@apollo/generate-persisted-query-manifest, GraphQL
// Codegen's persistedDocuments).
//
//   npm run example:manifest -- <file>     writes the manifest to <file>
//
// scripts/example.ts runs it before it starts the gateway; the page hashes the same texts, so the
// ids it sends are the manifest's.
import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';

import { OPERATIONS } from './src/operations';

const OPERATION_TYPE = /^\s*(query|mutation)\b/;

/** The manifest, as the gateway reads it. */
export const frontendManifest = () => ({
  format: 'apollo-persisted-query-manifest' as const,
  version: 1 as const,
  operations: Object.entries(OPERATIONS).map(([name, body]) => ({
    id: createHash('sha256').update(body).digest('hex'),
    name,
    type: OPERATION_TYPE.exec(body)?.[1] ?? 'query',
    body,
  })),
});

/** Writes the manifest to `file` (whole or not at all: a gateway watching it never reads half). */
export const writeFrontendManifest = (file: string): string => {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, `${JSON.stringify(frontendManifest(), null, 2)}\n`);
  renameSync(partial, file);
  return file;
};

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write(
      'example:manifest: name the file to write (npm run example:manifest -- <file>)\n',
    );
    process.exit(1);
  }
  writeFrontendManifest(file);
  process.stdout.write(`wrote ${file}: ${Object.keys(OPERATIONS).length} documents\n`);
}
