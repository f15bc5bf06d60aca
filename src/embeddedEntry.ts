import { join } from 'node:path';

type EmbeddedModule = typeof import('./dev/embedded');

/**
 * Where the embedded default lives: dist/dev.js beside the bundle dist/gateway.bundle.js, the compiled
 * dist/src/dev/embedded.js beside dist/src/embeddedEntry.js (what `npm run doctor` runs), or
 * src/dev/embedded.ts when run from source (`npm run dev`, tsx). The path is computed, so esbuild
 * does not follow it and dist/gateway.bundle.js holds none of the simulator's code; the production
 * image leaves both out.
 */
const DEV_ENTRIES = [join(__dirname, 'dev.js'), join(__dirname, 'dev', 'embedded')];

/** The embedded default's module, or undefined when this build has none (the production image). */
export const loadEmbeddedDefault = (): EmbeddedModule | undefined => {
  for (const candidate of DEV_ENTRIES) {
    let resolved: string;
    try {
      resolved = require.resolve(candidate);
    } catch {
      continue;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(resolved) as EmbeddedModule;
  }
  return undefined;
};

/** What to do when there is none: said by the gateway's start-up and by doctor. */
export const NO_EMBEDDED_DEFAULT =
  'no SEEK credentials are set and this build has no embedded SEEK simulator (dist/dev.js is not installed). ' +
  'Set SEEK_CLIENT_ID and SEEK_CLIENT_SECRET (or SEEK_CLIENT_SECRET_FILE, SEEK_CREDENTIALS_FILE, ' +
  'SEEK_CREDENTIALS_AWS_SECRET_ID, SEEK_CREDENTIALS_AZURE_VAULT_URL), or run the simulator image (Dockerfile target `simulator`).';
