// The gateway's WebAssembly is committed twice: its source (src/seek/wasm/*.c) and the binary the
// gateway loads (src/seek/wasm/*.wasm.ts). The two must not drift apart: a module must name its
// source's sha256, and where the clang it names is installed (CI installs Debian's) the source is
// compiled again and compared byte for byte.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REPO = path.join(__dirname, '..');
const SCRIPT = path.join(REPO, 'scripts', 'build-wasm.mjs');

describe('WebAssembly modules', () => {
  it('are what their sources build to (node scripts/build-wasm.mjs)', () => {
    expect(() =>
      execFileSync(process.execPath, [SCRIPT, '--check'], { cwd: REPO, stdio: 'pipe' }),
    ).not.toThrow();
  });

  it('without clang, a source edited but not rebuilt is still caught (by its sha256)', () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'wasm-check-'));
    try {
      cpSync(path.join(REPO, 'src', 'seek', 'wasm'), path.join(copy, 'src', 'seek', 'wasm'), {
        recursive: true,
      });
      mkdirSync(path.join(copy, 'empty-bin'));
      // A PATH with nothing on it: no clang, so only the digest can be compared.
      const noClang = { ...process.env, PATH: path.join(copy, 'empty-bin') };
      const check = () =>
        spawnSync(process.execPath, [SCRIPT, '--check'], {
          cwd: copy,
          env: noClang,
          encoding: 'utf8',
        });
      expect(check().status).toBe(0);
      appendFileSync(path.join(copy, 'src', 'seek', 'wasm', 'jsonNested.c'), '\n// edited\n');
      const stale = check();
      expect(stale.status).toBe(1);
      expect(stale.stderr).toContain('was not built from this src/seek/wasm/jsonNested.c');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
