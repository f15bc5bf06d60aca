import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';

/** One file of GraphiQL's, served under /graphql/ide/. */
export interface IdeFile {
  contentType: string;
  body: Buffer;
}

/** GraphiQL's files: the script and the stylesheet the page links, and what the stylesheet loads. */
export interface IdeAssets {
  script: string;
  stylesheet: string;
  files: ReadonlyMap<string, IdeFile>;
}

/** The browser entry, when running from source (tsx, ts-jest): next to this file. */
export const IDE_SOURCE_ENTRY = join(__dirname, 'browser', 'graphiql.ts');
/** Where scripts/bundle.mjs writes the assets: dist/ide/, beside dist/gateway.js (its __dirname). */
export const IDE_BUILT_DIR = join(__dirname, 'ide');
const MANIFEST = 'manifest.json';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.gif': 'image/gif',
};
const EXTENSIONS = new Map(
  Object.entries(CONTENT_TYPES).map(([extension, type]) => [type.split(';')[0], extension]),
);

const contentTypeOf = (name: string) => CONTENT_TYPES[extname(name)] ?? 'application/octet-stream';

/** A name that changes with the content, so the files can be cached for good. */
const hashedName = (stem: string, extension: string, body: Buffer) =>
  `${stem}-${createHash('sha256').update(body).digest('hex').slice(0, 16)}${extension}`;

/**
 * GraphiQL's stylesheet embeds its fonts and a few images as data: URLs; the page's
 * content-security-policy allows only 'self', so each becomes a file of its own.
 */
const extractDataUrls = (css: string, files: Map<string, IdeFile>): string =>
  css.replace(
    /url\(\s*(["']?)data:([\w.+/-]+)((?:;[\w-]+=[^;,]*)*);base64,([A-Za-z0-9+/=]+)\1\s*\)/g,
    (match, _quote, type: string, _params, data: string) => {
      const extension = EXTENSIONS.get(type);
      if (!extension) return match;
      const body = Buffer.from(data, 'base64');
      const name = hashedName('inline', extension, body);
      files.set(name, { contentType: contentTypeOf(name), body });
      return `url(${name})`;
    },
  );

/** esbuild is a development dependency: required only when the assets are built. */
const loadEsbuild = (): typeof import('esbuild') => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('esbuild') as typeof import('esbuild');
  } catch {
    throw new Error(
      "GraphiQL's assets are not built (dist/ide/ is missing) and esbuild, which builds them, is not installed here: run `npm run build` (it writes dist/ide/), or set GRAPHQL_IDE=sandbox or off",
    );
  }
};

/** Bundles GraphiQL (React, the package's CSS) from `entry` with esbuild, in memory. */
export const buildIdeAssets = async (entry: string = IDE_SOURCE_ENTRY): Promise<IdeAssets> => {
  const esbuild = loadEsbuild();
  const result = await esbuild.build({
    entryPoints: { graphiql: entry },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.woff2': 'file', '.woff': 'file', '.ttf': 'file', '.png': 'file', '.svg': 'file' },
    outdir: 'ide',
    assetNames: '[name]-[hash]',
    write: false,
    logLevel: 'silent',
  });
  const files = new Map<string, IdeFile>();
  let script: string | undefined;
  let stylesheet: string | undefined;
  for (const output of result.outputFiles) {
    const extension = extname(output.path);
    const fileName = output.path.slice(output.path.lastIndexOf('/') + 1);
    if (fileName === 'graphiql.js') {
      const body = Buffer.from(output.contents);
      script = hashedName('graphiql', extension, body);
      files.set(script, { contentType: contentTypeOf(script), body });
    } else if (fileName === 'graphiql.css') {
      const body = Buffer.from(extractDataUrls(output.text, files));
      stylesheet = hashedName('graphiql', extension, body);
      files.set(stylesheet, { contentType: contentTypeOf(stylesheet), body });
    } else {
      files.set(fileName, {
        contentType: contentTypeOf(fileName),
        body: Buffer.from(output.contents),
      });
    }
  }
  if (!script || !stylesheet) throw new Error('esbuild made no graphiql.js and graphiql.css');
  return { script, stylesheet, files };
};

/** Writes the assets to `dir` (emptied first), with a manifest naming the script and stylesheet. */
export const writeIdeAssets = (assets: IdeAssets, dir: string): void => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, file] of assets.files) writeFileSync(join(dir, name), file.body);
  writeFileSync(
    join(dir, MANIFEST),
    `${JSON.stringify({ script: assets.script, stylesheet: assets.stylesheet, files: [...assets.files.keys()] }, null, 2)}\n`,
  );
};

interface Manifest {
  script: string;
  stylesheet: string;
  files: string[];
}

/** Reads what writeIdeAssets wrote; undefined when `dir` holds no manifest. */
export const readIdeAssets = (dir: string): IdeAssets | undefined => {
  const manifestPath = join(dir, MANIFEST);
  if (!existsSync(manifestPath)) return undefined;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const files = new Map<string, IdeFile>(
    manifest.files.map((name) => [
      name,
      { contentType: contentTypeOf(name), body: readFileSync(join(dir, name)) },
    ]),
  );
  return { script: manifest.script, stylesheet: manifest.stylesheet, files };
};

// One build per process and entry: every gateway of a test file shares it.
const builds = new Map<string, Promise<IdeAssets>>();

/**
 * Where the gateway gets GraphiQL's assets, on the first request for them:
 *  - running from source (the browser entry is beside this file: npm run dev, the tests): built
 *    in memory with esbuild, once per process, so they always match the source;
 *  - running the bundle (dist/gateway.js): read from dist/ide/, which `npm run build` writes.
 *    Without it the request fails with a message saying to run the build.
 */
export const ideAssetSource = (
  options: { sourceEntry?: string; builtDir?: string } = {},
): (() => Promise<IdeAssets>) => {
  const sourceEntry = options.sourceEntry ?? IDE_SOURCE_ENTRY;
  const builtDir = options.builtDir ?? IDE_BUILT_DIR;
  let built: IdeAssets | undefined;
  return async () => {
    if (existsSync(sourceEntry)) {
      let build = builds.get(sourceEntry);
      if (!build) {
        build = buildIdeAssets(sourceEntry);
        builds.set(sourceEntry, build);
        // A failed build is tried again on the next request.
        build.catch(() => builds.delete(sourceEntry));
      }
      return build;
    }
    built ??= readIdeAssets(builtDir);
    if (built) return built;
    throw new Error(
      `GraphiQL's assets are not built (${builtDir} has no ${MANIFEST}): run \`npm run build\`, or set GRAPHQL_IDE=sandbox or off`,
    );
  };
};
