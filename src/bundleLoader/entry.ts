/**
 * dist/gateway.js, what `npm start` and the container run: compiles the gateway's bundle
 * (dist/gateway.bundle.js) from its V8 code cache and runs it as this module, with this module's
 * `require` (so it resolves from dist/, as before), `module` and `exports`; `__filename` is the
 * bundle's, so stack traces name it. Without a cache this process can use, the bundle is
 * required, as Node would load it. Why: src/bundleLoader/compileBundle.ts.
 */
import { compileBundle } from './compileBundle';

const bundle = compileBundle(__dirname);
if (bundle.kind === 'cached') {
  bundle.run.call(module.exports, module.exports, require, module, bundle.filename, __dirname);
} else {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- Node's loader, by a computed path
  require(bundle.filename);
}
