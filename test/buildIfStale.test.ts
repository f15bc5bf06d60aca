// `npm start` (prestart: scripts/build-if-stale.mjs) builds only when the build is missing or
// older than its sources. Run here on a scratch tree whose `npm run build` only counts its runs.
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SCRIPT = path.resolve(__dirname, '../scripts/build-if-stale.mjs');
const OUTPUTS = JSON.parse(
  readFileSync(path.resolve(__dirname, '../scripts/build-outputs.json'), 'utf8'),
) as string[];

// The scratch tree's build: writes every output and counts itself in builds.txt.
const FAKE_BUILD = `
const fs = require('node:fs');
const path = require('node:path');
for (const file of ${JSON.stringify(OUTPUTS)}) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '// built');
}
const count = fs.existsSync('builds.txt') ? Number(fs.readFileSync('builds.txt', 'utf8')) : 0;
fs.writeFileSync('builds.txt', String(count + 1));
`;

describe('scripts/build-if-stale.mjs', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'build-if-stale-'));
    for (const dir of ['src/seek', 'schema', 'scripts'])
      mkdirSync(path.join(root, dir), { recursive: true });
    writeFileSync(path.join(root, 'src/seek/a.ts'), 'export const a = 1;\n');
    writeFileSync(path.join(root, 'schema/gateway.graphql'), 'type Query { a: Int }\n');
    writeFileSync(path.join(root, 'scripts/bundle.mjs'), '// bundle\n');
    writeFileSync(path.join(root, 'build.js'), FAKE_BUILD);
    writeFileSync(
      path.join(root, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, scripts: { build: 'node build.js' } }),
    );
    writeFileSync(path.join(root, 'package-lock.json'), '{}\n');
    // Every input an hour old, so the outputs a build writes now are newer.
    setAge(
      [
        'src/seek/a.ts',
        'schema/gateway.graphql',
        'scripts/bundle.mjs',
        'package.json',
        'package-lock.json',
      ],
      3_600,
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const setAge = (files: string[], seconds: number) => {
    const when = Date.now() / 1_000 - seconds;
    for (const file of files) utimesSync(path.join(root, file), when, when);
  };
  const builds = () => {
    try {
      return Number(readFileSync(path.join(root, 'builds.txt'), 'utf8'));
    } catch {
      return 0;
    }
  };
  const run = () => {
    const result = spawnSync(process.execPath, [SCRIPT], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(0);
    return result.stderr;
  };

  it('builds when there is no build, then not again until an input changes', () => {
    expect(run()).toMatch(/building: dist\/gateway\.js is missing/);
    expect(builds()).toBe(1);
    expect(run()).toMatch(/build is up to date/);
    expect(run()).toMatch(/build is up to date/);
    expect(builds()).toBe(1);

    // A source edited after the build (the build made two minutes ago, the edit one minute ago).
    setAge(OUTPUTS, 120);
    setAge(['src/seek/a.ts'], 60);
    expect(run()).toMatch(/building: src\/seek\/a\.ts changed after/);
    expect(builds()).toBe(2);
    expect(run()).toMatch(/up to date/);
    expect(builds()).toBe(2);
  });

  it.each([['schema/gateway.graphql'], ['scripts/bundle.mjs'], ['package-lock.json']])(
    'rebuilds after %s changes',
    (file) => {
      run();
      setAge(OUTPUTS, 120);
      setAge([file], 60);
      expect(run()).toMatch(new RegExp(`building: ${file.replace('.', '\\.')} changed`));
      expect(builds()).toBe(2);
    },
  );

  it('rebuilds when one output is missing (a build interrupted, or dist/ partly removed)', () => {
    run();
    unlinkSync(path.join(root, 'dist/dev.js'));
    expect(run()).toMatch(/building: dist\/dev\.js is missing/);
    expect(builds()).toBe(2);
  });

  it('--check reports without building (exit 1 when stale)', () => {
    const stale = spawnSync(process.execPath, [SCRIPT, '--check'], { cwd: root, encoding: 'utf8' });
    expect(stale.status).toBe(1);
    expect(stale.stdout).toMatch(/build is stale: dist\/gateway\.js is missing/);
    expect(builds()).toBe(0);
    run();
    const fresh = spawnSync(process.execPath, [SCRIPT, '--check'], { cwd: root, encoding: 'utf8' });
    expect(fresh.status).toBe(0);
    expect(builds()).toBe(1);
  });

  it('fails (exit non-zero) when the build fails, so npm start does not run a stale bundle', () => {
    writeFileSync(path.join(root, 'build.js'), 'process.exit(3);\n');
    const result = spawnSync(process.execPath, [SCRIPT], { cwd: root, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
  });
});
