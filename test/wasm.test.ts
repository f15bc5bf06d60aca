// The gateway's WebAssembly is committed twice: its source (src/seek/wasm/*.c, *.wat) and the
// binary the gateway loads (src/seek/wasm/*.wasm.ts). The two must not drift apart: a .wat is
// assembled again (wabt); a .c module must name its source's sha256, and where clang and lld are
// installed (CI installs them) it is compiled again and compared byte for byte.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

describe('WebAssembly modules', () => {
  it('are what their sources build to (node scripts/build-wasm.mjs)', () => {
    expect(() =>
      execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], {
        cwd: path.join(__dirname, '..'),
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });
});
