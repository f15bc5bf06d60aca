import { Session } from 'node:inspector';

/**
 * Gives back what start-up left behind, once, before the gateway listens (issue 15 item 4: idle
 * RSS ≤ 90 MB with the SEEK-size schema).
 *
 * Building the gateway allocates ~25 MB on the V8 heap that is garbage by the time it listens,
 * and grows the young generation (8 MB committed under `--max-semi-space-size=4`, more under
 * `npm start`'s 16, chosen for the hot path's GC cost). V8's memory reducer gives both back,
 * but only ~8-10 s after start and not in every start; a plain
 * `gc()` (`--expose-gc`) is a full GC without the reduce-memory flag: it keeps the young
 * generation at its size and the old generation's emptied pages committed (measured: no change
 * to RSS). What does both at once is V8's low-memory notification (`CollectAllAvailableGarbage`:
 * full GCs with the reduce-memory flag until nothing more is freed, the young generation shrunk,
 * pooled pages unmapped). Node exposes it only through the inspector protocol's
 * `HeapProfiler.collectGarbage`, which an in-process session can send (no port is opened, no
 * debugger enabled). V8 11.3 (Node 20) has no `gc({flavor: 'last-resort'})` to reach it otherwise.
 *
 * Measured (`BENCH_MEMORY_LOAD_S=0 npm run bench:memory`, median of 5): idle RSS 107.9 → 91.0 MB
 * (V8 heap committed ~41 → ~28 MB: old space 27-32 → 20.5 MB, young 8 → 1-2 MB). It takes
 * 110-190 ms of the main thread, which is why it runs before the gateway listens: no request waits
 * for it. It also flushes the bytecode of functions only start-up ran, as the memory reducer would
 * do a few seconds later anyway; a request path that needs one compiles it again once.
 */
export const releaseStartupMemory = (): Promise<void> =>
  new Promise((resolve) => {
    let session: Session;
    try {
      session = new Session();
      session.connect();
    } catch {
      // A Node built without the inspector (or one already refusing sessions): V8's memory
      // reducer still does the same, later.
      resolve();
      return;
    }
    session.post('HeapProfiler.collectGarbage', () => {
      // Disconnected from within its own callback, the session kept the process alive (Node
      // 20.20); one turn later it does not.
      setImmediate(() => {
        session.disconnect();
        resolve();
      });
    });
  });
