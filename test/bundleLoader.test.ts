// dist/gateway.js compiles the bundle from a V8 code cache only when the cache was made by a
// process like this one (same V8, flags and CPU: v8.cachedDataVersionTag()); otherwise it leaves
// the bundle to Node's loader. Run on a scratch dist/ holding a tiny bundle.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  BUNDLE_FILE,
  CODE_CACHE_FILE,
  compileBundle,
  writeCodeCache,
} from '../src/bundleLoader/compileBundle';

describe('the bundle loader', () => {
  let dist: string;

  beforeEach(() => {
    dist = mkdtempSync(path.join(tmpdir(), 'bundle-loader-'));
    writeFileSync(
      path.join(dist, BUNDLE_FILE),
      '"use strict";module.exports.ran = { file: __filename, dir: __dirname, req: typeof require };\n',
    );
  });
  afterEach(() => rmSync(dist, { recursive: true, force: true }));

  it('compiles from a cache this process made, and runs as a CommonJS module', () => {
    writeCodeCache(dist);
    const bundle = compileBundle(dist);
    expect(bundle).toMatchObject({ kind: 'cached', rejected: false });
    if (bundle.kind !== 'cached') return;
    const mod = { exports: {} as { ran?: unknown } } as NodeJS.Module;
    bundle.run.call(mod.exports, mod.exports, require, mod, bundle.filename, dist);
    expect(mod.exports.ran).toEqual({
      file: path.join(dist, BUNDLE_FILE),
      dir: dist,
      req: 'function',
    });
  });

  it('leaves the bundle to Node when there is no cache', () => {
    expect(compileBundle(dist)).toMatchObject({ kind: 'uncached', reason: 'none' });
  });

  it('leaves the bundle to Node when another Node or other flags made the cache', () => {
    writeCodeCache(dist);
    const file = path.join(dist, CODE_CACHE_FILE);
    const cache = readFileSync(file);
    cache.writeUInt32LE((cache.readUInt32LE(0) + 1) >>> 0, 0);
    writeFileSync(file, cache);
    expect(compileBundle(dist)).toMatchObject({
      kind: 'uncached',
      reason: 'made by another Node or other flags',
    });
  });
});
