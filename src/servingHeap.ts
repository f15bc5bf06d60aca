import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what the last full GC kept before it marks again,
 * while the gateway serves: 200% over the live size (a factor of 3).
 */
export const SERVING_HEAP_GROWING_PERCENT = 200;

const GROWING_FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/**
 * Sets V8's heap growing factor for serving, once start-up's garbage is given back (issue 15: large
 * answers within 1.3x of a raw hop). Returns whether it did; an operator's own
 * `--heap-growing-percent` on the command line is left as it is.
 *
 * Why: the gateway's old generation holds ~22 MB live (the schema, Apollo Server). V8 sets the next
 * full GC's limit from a growing factor it derives from GC and mutator speed, which for this heap
 * came out near 1.5: a limit of ~34 MB, a slack of ~12 MB. V8 starts incremental marking as soon as
 * that slack is below the young generation's capacity (16 MB under `npm start`'s
 * `--max-semi-space-size=16`), so under streamed answers it marked without pause: a mark-compact
 * every ~50 ms, its concurrent marking on V8's helper threads costing more per 100 KB answer than
 * the main thread's whole request (`--trace-incremental-marking`: "Start (task)", slack 12-13 MB).
 * With a factor of 3 the slack is ~44 MB and the full GCs come seconds apart.
 *
 * Why here and not as a `node` flag in `npm start`: it then holds however the gateway is launched
 * (an operator's own `node dist/gateway.js`); a V8 flag given to `node` also changes the flag hash
 * the bundle's code cache is stamped with, so the gateway would start without it (idle RSS ~90
 * instead of ~81 MB); and start-up, whose garbage `releaseStartupMemory` gives back just before,
 * runs under V8's own policy. V8 reads the factor each time it sets a
 * limit, so it applies from the next GC on. Limits stay bounded by the heap's maximum
 * (`--max-old-space-size`), which V8 enforces as before. The cost is memory under load: ~30-40 MB
 * more RSS at 50 connections (`npm run bench:memory`), none at idle.
 */
export const growHeapForServing = (execArgv: readonly string[] = process.execArgv): boolean => {
  if (execArgv.some((arg) => GROWING_FLAG.test(arg))) return false;
  setFlagsFromString(`--heap-growing-percent=${SERVING_HEAP_GROWING_PERCENT}`);
  return true;
};
