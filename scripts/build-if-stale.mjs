// Runs `npm run build` only when the build is missing or older than what it is built from, so
// `npm start` on a tree already built is ready in about a second instead of rebuilding
// (about 10 s) every time. Used by prestart and by the scripts that run dist/.
//
//   node scripts/build-if-stale.mjs           build when stale, else say it is up to date
//   node scripts/build-if-stale.mjs --check   exit 0 when up to date, 1 when a build is due
//
// Stale means: one of the outputs below is missing, or a file under the inputs was modified
// after the oldest output. Modification times are what git checkout, editors and npm ci set,
// so a pull, an edit or a new lockfile all rebuild; a build interrupted half-way leaves an
// output older than its inputs (or none), so the next start rebuilds too.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import process from 'node:process';

const root = process.cwd();

/** What the build writes and the npm scripts run (one list, which the tests read too). */
const OUTPUTS = JSON.parse(readFileSync(new URL('./build-outputs.json', import.meta.url), 'utf8'));
/** What the build reads: directories (walked) and files. */
const INPUTS = [
  'src',
  'schema',
  'scripts',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];

/** The newest file under `path` (a file or a directory), as [mtimeMs, path]. */
const newest = (path) => {
  if (!existsSync(path)) return [0, path];
  const stat = statSync(path);
  if (!stat.isDirectory()) return [stat.mtimeMs, path];
  let best = [0, path];
  for (const name of readdirSync(path)) {
    const found = newest(join(path, name));
    if (found[0] > best[0]) best = found;
  }
  return best;
};

/** Why a build is due, or undefined when the build is up to date. */
const staleness = () => {
  const missing = OUTPUTS.find((output) => !existsSync(join(root, output)));
  if (missing) return `${missing} is missing`;
  const [builtAt, oldest] = OUTPUTS.map((output) => [
    statSync(join(root, output)).mtimeMs,
    output,
  ]).reduce((a, b) => (b[0] < a[0] ? b : a));
  for (const input of INPUTS) {
    const [changedAt, file] = newest(join(root, input));
    if (changedAt > builtAt) return `${relative(root, file)} changed after ${oldest} was built`;
  }
  return undefined;
};

const reason = staleness();
if (process.argv.includes('--check')) {
  process.stdout.write(reason ? `build is stale: ${reason}\n` : 'build is up to date\n');
  process.exit(reason ? 1 : 0);
}
if (!reason) {
  process.stderr.write('build is up to date (npm run build to force one)\n');
  process.exit(0);
}
process.stderr.write(`building: ${reason}\n`);
// The npm that runs this script (npm_execpath), or the one on the PATH.
const npmCli = process.env.npm_execpath;
const result = npmCli
  ? spawnSync(process.execPath, [npmCli, 'run', 'build'], { stdio: 'inherit' })
  : spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(result.status ?? 1);
