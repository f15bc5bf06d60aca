import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedDataVersionTag } from 'node:v8';
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
 * V8 accepts a cache only from the same V8 version, CPU features and V8 flags, so the build makes
 * it with the flags of `npm start` (scripts/bundle.mjs), in the image that runs it. The cache file
 * starts with `v8.cachedDataVersionTag()` of the process that made it: a process whose tag differs
 * (another Node, other flags, `node dist/gateway.js` without them) does not try it, and loads the
 * bundle with Node's own loader, exactly as before the cache (a cache V8 rejects after all is
 * compiled from source instead: measured worse, `[heap]` 29 MB, hence the tag).
 */
export const BUNDLE_FILE = 'gateway.bundle.js';
export const CODE_CACHE_FILE = `${BUNDLE_FILE}.cache`;

/** Node's CommonJS wrapper's parameters: the bundle runs exactly as a module of its own. */
const WRAPPER_PARAMETERS = ['exports', 'require', 'module', '__filename', '__dirname'];
/** The cache file: this many bytes of version tag (uint32, little-endian), then V8's data. */
const TAG_BYTES = 4;

export type BundleFunction = (
  exports: unknown,
  require: NodeJS.Require,
  module: NodeJS.Module,
  filename: string,
  dirname: string,
) => void;

export type LoadedBundle =
  /**
   * Compiled with the cache: run it as the module that loads it. `rejected`: V8 refused the data
   * after all (a damaged file) and compiled from source, which runs the same, at the old cost.
   */
  | { kind: 'cached'; run: BundleFunction; filename: string; rejected: boolean }
  /** No cache this process can use (none, or another tag): `require` it. */
  | { kind: 'uncached'; filename: string; reason: string };

const readCache = (file: string): Buffer | undefined => {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
};

const compile = (filename: string, cachedData: Buffer | undefined, produceCachedData: boolean) =>
  // The bundle is ASCII only (scripts/bundle.mjs): read as latin1, no UTF-8 decoding.
  compileFunction(readFileSync(filename, 'latin1'), WRAPPER_PARAMETERS, {
    filename,
    cachedData,
    produceCachedData,
    // The bundle's `import()` (optional packages) resolves as it would in a CommonJS module.
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });

/** Compiles dist/gateway.bundle.js from its code cache, when this process can use the cache. */
export const compileBundle = (distDir: string): LoadedBundle => {
  const filename = join(distDir, BUNDLE_FILE);
  const cache = readCache(join(distDir, CODE_CACHE_FILE));
  if (!cache || cache.length <= TAG_BYTES) return { kind: 'uncached', filename, reason: 'none' };
  if (cache.readUInt32LE(0) !== cachedDataVersionTag()) {
    return { kind: 'uncached', filename, reason: 'made by another Node or other flags' };
  }
  const fn = compile(filename, cache.subarray(TAG_BYTES), false);
  return {
    kind: 'cached',
    run: fn as BundleFunction,
    filename,
    rejected: fn.cachedDataRejected === true,
  };
};

/** Writes dist/gateway.bundle.js.cache; run by the build under `npm start`'s node flags. */
export const writeCodeCache = (distDir: string): number => {
  const fn = compile(join(distDir, BUNDLE_FILE), undefined, true);
  if (!fn.cachedData) throw new Error(`V8 produced no code cache for ${BUNDLE_FILE}`);
  const tag = Buffer.alloc(TAG_BYTES);
  tag.writeUInt32LE(cachedDataVersionTag());
  writeFileSync(join(distDir, CODE_CACHE_FILE), Buffer.concat([tag, fn.cachedData]));
  return fn.cachedData.length;
};
