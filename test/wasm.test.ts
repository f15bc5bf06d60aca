// The gateway's WebAssembly is committed twice: its source (src/seek/wasm/*.wat) and the binary
// the gateway loads (src/seek/wasm/*.wasm.ts). The two must not drift apart.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

describe('WebAssembly modules', () => {
  it('are what their .wat sources assemble to (node scripts/build-wasm.mjs)', () => {
    expect(() =>
      execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], {
        cwd: path.join(__dirname, '..'),
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });
});
