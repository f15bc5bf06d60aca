// Bounds (contract, "Candidate attachments"): a download is streamed, never held whole. 20
// downloads of 10 MB at once (200 MB passing through) must leave the heap and the buffers
// outside it (external, array buffers) within a few tens of MB of where they started, and
// every file arrives byte for byte. The simulator, the gateway and the callers share this
// process, so its memory is theirs: sampled while the downloads run, against a baseline taken
// after a full GC. Bounds are loose on purpose; holding the files would take ten times more.
import { Agent } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import type { SeekSimulator } from '../src/seek/simulator';
import { attachmentsPath, download, generatedSha256 } from './support/downloads';
import {
  SERVICE_KEY,
  serveGateway,
  startGateway,
  startSimulator,
  uniqueClientId,
  type TestGateway,
} from './support/harness';

const FILE_BYTES = 10 * 1_048_576;
const DOWNLOADS = 20;
/** Growth of heap + external memory allowed at the peak (all files held would be 200 MB). */
const MAX_BUFFER_GROWTH = 80 * 1_048_576;
/** Growth of the resident set allowed (it includes sockets' kernel-side buffers, loosely). */
const MAX_RSS_GROWTH = 120 * 1_048_576;

/** global.gc when node runs with --expose-gc; otherwise the same function, exposed now. */
const gc: () => void = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

const buffers = () => {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
};

let simulator: SeekSimulator;
let gw: TestGateway;
let served: Awaited<ReturnType<typeof serveGateway>>;
const agent = new Agent({ keepAlive: true, maxSockets: DOWNLOADS });

beforeAll(async () => {
  simulator = await startSimulator({ clientId: uniqueClientId('attachment-memory') });
  // One service runs all the downloads: its own bound must let them all in at once.
  gw = await startGateway(simulator, {
    LOG_LEVEL: 'info',
    ATTACHMENT_MAX_CONCURRENCY_PER_CALLER: String(DOWNLOADS),
  });
  served = await serveGateway(gw);
});
afterAll(async () => {
  agent.destroy();
  await served.close();
  await gw.stop();
  await simulator.close();
});

it('streams 20 downloads of 10 MB at once with flat memory, each byte for byte', async () => {
  const origin = new URL(served.url).origin;
  const urls = Array.from({ length: DOWNLOADS }, () =>
    simulator.addAttachment({ sizeBytes: FILE_BYTES }),
  );
  const expected = generatedSha256(FILE_BYTES);
  // Warm up every part (partner token, connection pools) before the baseline.
  const warm = simulator.addAttachment({ sizeBytes: 1_024 });
  await download(origin, attachmentsPath(warm), {
    headers: { authorization: `Bearer ${SERVICE_KEY}` },
    agent,
  });
  simulator.clearRequests();
  gc();
  const baseline = { buffers: buffers(), rss: process.memoryUsage().rss };

  let peakBuffers = 0;
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakBuffers = Math.max(peakBuffers, buffers() - baseline.buffers);
    peakRss = Math.max(peakRss, process.memoryUsage().rss - baseline.rss);
  }, 20);
  let answers;
  try {
    answers = await Promise.all(
      urls.map((url) =>
        download(origin, attachmentsPath(url), {
          headers: { authorization: `Bearer ${SERVICE_KEY}` },
          agent,
        }),
      ),
    );
  } finally {
    clearInterval(sampler);
  }

  expect(answers.map((answer) => answer.status)).toEqual(Array(DOWNLOADS).fill(200));
  expect(answers.filter((answer) => answer.failed)).toHaveLength(0);
  expect(answers.map((answer) => answer.sha256)).toEqual(Array(DOWNLOADS).fill(expected));
  expect(simulator.count('attachment')).toBe(DOWNLOADS);
  expect(peakBuffers).toBeLessThan(MAX_BUFFER_GROWTH);
  expect(peakRss).toBeLessThan(MAX_RSS_GROWTH);
  const bytes = await gw.gateway.metrics.attachmentBytes.get();
  expect(bytes.values[0]?.value).toBe(DOWNLOADS * FILE_BYTES + 1_024);
}, 120_000);
