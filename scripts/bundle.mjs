// Bundles the gateway into one file, dist/gateway.bundle.js, run by dist/gateway.js, the entry of
// `npm start` and the container. One file instead of ~1,200 modules cuts start-up by a few hundred
// milliseconds (module resolution and file reads dominate a cold start); the source map sits beside
// it. dist/gateway.js is a small loader (src/bundleLoader/) that compiles the bundle from a V8 code
// cache, dist/gateway.bundle.js.cache, which the build makes with `npm start`'s node flags: compiled
// from source, the bundle leaves ~11 MB of parser memory in the process (see compileBundle.ts).
//
// The embedded default (built-in SEEK simulator, development credentials) is a second bundle,
// dist/dev.js. The gateway's bundle loads it at run time, by a computed path esbuild does not follow,
// and only when the config says embedded default. The build fails if any simulator or
// embedded-default module ends up in dist/gateway.bundle.js.
//
// GraphiQL (GRAPHQL_IDE=graphiql) is bundled from the npm package into dist/ide/: one script, one
// stylesheet, and the fonts and images the stylesheet embedded, each a file of its own (the page
// allows only 'self'), all with content-hashed names. The gateway serves them under /graphql/ide/.
// The build definition is src/http/ide/assets.ts, taken from tsc's output (`npm run build` runs
// tsc first); running from source, the gateway builds the same in memory instead.
//
//   node scripts/bundle.mjs                        build dist/gateway.js (+ bundle, cache), dist/dev.js
//   node scripts/bundle.mjs --set-aside-dev <dir>  after a build, for the production image: move
//                                                  the embedded default out of dist/ into <dir>
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';

import { build } from 'esbuild';

// What holds the embedded default, relative to dist/: the dev bundle, and tsc's compiled copies of
// the simulator and dev sources (dist/scripts/dev-token.js, example.js and protection-sizing.js import
// src/dev, and dist/scripts/lib/embeddedSeekSchema.js the simulator, so they go with them).
const DEV_OUTPUTS = [
  'dev.js',
  'dev.js.map',
  'src/seek/simulator',
  'src/dev',
  'scripts/dev-token.js',
  'scripts/dev-token.js.map',
  'scripts/lib/embeddedSeekSchema.js',
  'scripts/lib/embeddedSeekSchema.js.map',
  'scripts/example.js',
  'scripts/example.js.map',
  'scripts/protection-sizing.js',
  'scripts/protection-sizing.js.map',
];
// A name only the simulator's code carries (keepNames keeps it in minified output).
const SIMULATOR_MARKER = 'startSeekSimulator';
// The secrets stores' SDKs stay in node_modules (the image has them): src/credentials requires
// each at its first read, so a gateway that does not use a store never loads its SDK, and the
// bundle does not carry ~4 MB of SDK code that most deployments never run.
// OpenTelemetry the same: src/observability/tracing requires it only when an OTLP endpoint is set.
const LAZY_SDKS = [
  '@aws-sdk/client-secrets-manager',
  '@azure/identity',
  '@azure/keyvault-secrets',
  '@opentelemetry/*',
];

const filesUnder = (directory) =>
  readdirSync(directory).flatMap((name) => {
    const file = join(directory, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });

const setAsideDev = (target) => {
  for (const output of DEV_OUTPUTS) {
    const from = join('dist', output);
    if (!existsSync(from)) continue;
    const to = join(target, output);
    mkdirSync(dirname(to), { recursive: true });
    renameSync(from, to);
  }
  const left = filesUnder('dist').filter(
    (file) => file.endsWith('.js') && readFileSync(file, 'utf8').includes(SIMULATOR_MARKER),
  );
  if (left.length > 0) {
    throw new Error(`dist/ still holds simulator code after setting it aside: ${left.join(', ')}`);
  }
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  // Minified (smaller source held in memory); keepNames keeps function and class names, so
  // stack traces and error names in logs still read, and the linked source map maps the rest.
  minify: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  external: LAZY_SDKS,
  // Bundled, Apollo's hash helper cannot find Node's crypto and hashes in JavaScript (sha.js):
  // the bundle gets one that uses Node's (src/graphql/nodeCreateHash.ts says why).
  alias: { '@apollo/utils.createhash': './src/graphql/nodeCreateHash.ts' },
};

const GATEWAY_BUNDLE = 'dist/gateway.bundle.js';

/**
 * `npm start`'s node flags (package.json), which V8 requires of the process that makes the code
 * cache: a cache made under other flags is rejected (bench/gateway.ts reads them the same way).
 */
const startFlags = () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  return (pkg.scripts?.start ?? '').split(/\s+/).filter((part) => part.startsWith('--'));
};

/** dist/gateway.bundle.js.cache, made by tsc's copy of src/bundleLoader/compileBundle.ts. */
const writeCodeCache = () => {
  const compiled = join(process.cwd(), 'dist/src/bundleLoader/compileBundle.js');
  if (!existsSync(compiled)) {
    throw new Error(`${compiled} is missing: run \`npm run build\` (tsc, then this script)`);
  }
  const code = `require(${JSON.stringify(compiled)}).writeCodeCache(${JSON.stringify(join(process.cwd(), 'dist'))})`;
  const result = spawnSync(process.execPath, [...startFlags(), '-e', code], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`making the code cache failed (exit ${result.status})`);
};

const bundle = async () => {
  const gateway = await build({
    ...common,
    entryPoints: ['src/main.ts'],
    outfile: GATEWAY_BUNDLE,
    metafile: true,
    // Only required to build GraphiQL's assets from source, never when dist/ide/ exists.
    external: [...LAZY_SDKS, 'esbuild'],
  });
  // Modules only the embedded default may hold (src/dev/devCredentials.ts included).
  const devOnly = /^src\/(seek\/simulator|dev)\//;
  const leaked = Object.keys(gateway.metafile.inputs).filter((input) => devOnly.test(input));
  if (leaked.length > 0) {
    throw new Error(
      `${GATEWAY_BUNDLE} must not hold the embedded default, but holds ${leaked.join(', ')}`,
    );
  }
  const bundled = Object.keys(gateway.metafile.inputs).filter((input) =>
    /node_modules\/(@aws-sdk|@azure|@smithy|@opentelemetry)\//.test(input),
  );
  if (bundled.length > 0) {
    throw new Error(
      `${GATEWAY_BUNDLE} must require the stores' and OpenTelemetry's SDKs lazily, but holds ${bundled[0]}`,
    );
  }
  asciiOnly(GATEWAY_BUNDLE);
  // The loader: node builtins and src/bundleLoader only.
  await build({
    ...common,
    entryPoints: ['src/bundleLoader/entry.ts'],
    outfile: 'dist/gateway.js',
  });
  // Last: the cache is of the bundle's final bytes.
  writeCodeCache();
  await build({ ...common, entryPoints: ['src/dev/embedded.ts'], outfile: 'dist/dev.js' });
  await bundleIde();
};

/**
 * esbuild escapes non-ASCII characters in strings but leaves them in regular expression literals
 * (one in @graphql-tools/utils). A single such character makes V8 hold the whole script as a
 * two-byte string: twice the bundle's size in memory for as long as the process runs (~3.5 MB).
 * Each is replaced by its \\u escape, which means the same in a regex, a string or a template.
 */
const asciiOnly = (file) => {
  const source = readFileSync(file, 'utf8');
  let replaced = 0;
  const ascii = source.replace(/[^\x00-\x7f]/g, (char) => {
    replaced += 1;
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  if (replaced === 0) return;
  // A handful at most; many would mean esbuild stopped escaping, which this should not hide.
  if (replaced > 64) throw new Error(`${file}: ${replaced} non-ASCII characters left by esbuild`);
  writeFileSync(file, ascii);
};

const bundleIde = async () => {
  const compiled = join(process.cwd(), 'dist/src/http/ide/assets.js');
  if (!existsSync(compiled)) {
    throw new Error(`${compiled} is missing: run \`npm run build\` (tsc, then this script)`);
  }
  const { buildIdeAssets, writeIdeAssets } = createRequire(import.meta.url)(compiled);
  writeIdeAssets(await buildIdeAssets('src/http/ide/browser/graphiql.ts'), 'dist/ide');
};

const [mode, target] = process.argv.slice(2);
if (mode === '--set-aside-dev') {
  if (!target) throw new Error('usage: node scripts/bundle.mjs --set-aside-dev <dir>');
  setAsideDev(target);
} else if (mode === undefined) {
  await bundle();
} else {
  throw new Error(`unknown option ${mode}`);
}
