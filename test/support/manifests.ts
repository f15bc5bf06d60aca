// Manifests of trusted documents as a frontend's build would emit them: the kind of operations
// a hirer-facing posting form runs (job categories, location suggestions, currencies, the
// hirer's name), written for the simulator's schema. Both formats the gateway reads.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

export const TRUSTED = {
  jobCategories: {
    name: 'JobCategories',
    body: 'query JobCategories($schemeId: String!) { jobCategories(schemeId: $schemeId) { id { value } name children { id { value } name } } }',
  },
  locationSuggest: {
    name: 'LocationSuggest',
    body: 'query LocationSuggest($schemeId: String!, $text: String!, $usage: String!, $hirerId: String) { locationSuggestions(schemeId: $schemeId, text: $text, usageTypeCode: $usage, hirerId: $hirerId, first: 5) { location { id { value } name contextualName } } }',
  },
  currencies: {
    name: 'Currencies',
    body: 'query Currencies($usage: String!) { currencies(usageTypeCode: $usage) { code } }',
  },
  hirerName: {
    name: 'HirerName',
    body: 'query HirerName { self { partner { name } hirer { name } } }',
  },
  version: { name: 'Version', body: 'query Version { version }' },
} as const;

export type TrustedName = keyof typeof TRUSTED;
export const idOf = (name: TrustedName) => sha256Hex(TRUSTED[name].body);

/** Apollo's persisted query list format (what @apollo/generate-persisted-query-manifest writes). */
export const apolloManifest = (
  documents: ReadonlyArray<{ name?: string; body: string; id?: string }>,
) =>
  JSON.stringify({
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations: documents.map((document) => ({
      id: document.id ?? sha256Hex(document.body),
      name: document.name,
      type: 'query',
      body: document.body,
    })),
  });

/** A flat `{hash: document}` map (GraphQL Codegen's client preset, Relay). */
export const flatManifest = (documents: ReadonlyArray<{ body: string; id?: string }>) =>
  JSON.stringify(
    Object.fromEntries(
      documents.map((document) => [document.id ?? sha256Hex(document.body), document.body]),
    ),
  );

/** Writes `text` to a fresh temporary directory; returns the file's path. */
export const writeManifest = (text: string, name = 'persisted-documents.json') => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'seek-gateway-manifest-')), name);
  writeFileSync(file, text);
  return file;
};

export const TRUSTED_MANIFEST = () => apolloManifest(Object.values(TRUSTED));
