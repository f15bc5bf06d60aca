import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileFunction, constants } from 'node:vm';

/**
 * The gateway's bundle and its V8 code cache, both written by `npm run build` into dist/, beside
 * dist/gateway.js (the loader, src/bundleLoader/entry.ts).
 *
 * Why a code cache (issue 15 item 4, idle RSS ≤ 90 MB): compiling the 3.7 MB bundle as a function
 * (what Node's CommonJS loader does) makes V8's parser take ~27 MB of malloc memory (measured: the
 * same as a block or an ES module; only a script's global scope is cheap, 1.6 MB, and that would
 * make the bundle's top-level names globals). It is freed once compiled, but glibc keeps most of
 * it in the process (`[heap]` 15 MB at idle). Compiled from the code cache, V8 parses nothing up
 * front (`[heap]` grows by 0.1 MB, 5 ms instead of ~90 ms); functions still compile lazily, one at
 * a time, as they first run. Measured (`BENCH_MEMORY_LOAD_S=0 npm run bench:memory`, median of 5,
 * with src/releaseStartupMemory.ts): idle RSS 91.0 → 81.0 MB (anonymous 46.2 → 36.1 MB).
 *
 * V8 accepts a cache only from the same V8 version, the same source and the same V8 flags, so
 * the build makes it with the flags of `npm start` (scripts/bundle.mjs) in the image that runs it.
 * A cache V8 rejects (another Node, other flags, `node dist/gateway.js` without the flags) is
 * ignored: the bundle is then compiled from source, as Node's loader would, at the old cost.
 */
export const BUNDLE_FILE = 'gateway.bundle.js';
export const CODE_CACHE_FILE = `${BUNDLE_FILE}.cache`;

/** Node's CommonJS wrapper's parameters: the bundle runs exactly as a module of its own. */
const WRAPPER_PARAMETERS = ['exports', 'require', 'module', '__filename', '__dirname'];

export type BundleFunction = (
  exports: unknown,
  require: NodeJS.Require,
  module: NodeJS.Module,
  filename: string,
  dirname: string,
) => void;

export interface CompiledBundle {
  run: BundleFunction;
  filename: string;
  /** No cache file, or one V8 refused (then the bundle was compiled from source). */
  cacheRejected: boolean;
}

const readCache = (file: string): Buffer | undefined => {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
};

const compile = (distDir: string, cachedData: Buffer | undefined, produceCachedData: boolean) => {
  const filename = join(distDir, BUNDLE_FILE);
  // The bundle is ASCII only (scripts/bundle.mjs): one byte per character in V8's heap.
  const source = readFileSync(filename, 'latin1');
  const fn = compileFunction(source, WRAPPER_PARAMETERS, {
    filename,
    cachedData,
    produceCachedData,
    // The bundle's `import()` (optional packages) resolves as it would in a CommonJS module.
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  return { fn, filename };
};

/** Compiles dist/gateway.bundle.js, from its code cache when V8 accepts it. */
export const compileBundle = (distDir: string): CompiledBundle => {
  const cachedData = readCache(join(distDir, CODE_CACHE_FILE));
  const { fn, filename } = compile(distDir, cachedData, false);
  return {
    run: fn as BundleFunction,
    filename,
    cacheRejected: cachedData === undefined || fn.cachedDataRejected === true,
  };
};

/** Writes dist/gateway.bundle.js.cache; run by the build under `npm start`'s node flags. */
export const writeCodeCache = (distDir: string): number => {
  const { fn } = compile(distDir, undefined, true);
  if (!fn.cachedData) throw new Error(`V8 produced no code cache for ${BUNDLE_FILE}`);
  writeFileSync(join(distDir, CODE_CACHE_FILE), fn.cachedData);
  return fn.cachedData.length;
};
