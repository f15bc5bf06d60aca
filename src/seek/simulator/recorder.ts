// Keeps the request log that tests inspect. Counters are kept apart from the bounded log so
// count() stays exact even after the log has dropped old entries.
import type { RecordedRequest, SimulatorRoute } from './types';

export const MAX_RECORDED_REQUESTS = 10_000;
/** Bodies kept in all; past it the oldest entries go (the embedded default may face anyone). */
export const MAX_RECORDED_BODY_CHARS = 32 * 1_048_576;

const sizeOf = (request: RecordedRequest) => {
  try {
    return JSON.stringify(request.body ?? null).length;
  } catch {
    return 0;
  }
};

export class RequestRecorder {
  /** Live list handed out as `SeekSimulator.requests`; only ever mutated in place. */
  readonly requests: RecordedRequest[] = [];
  private readonly counts = new Map<SimulatorRoute | 'other', number>();

  private readonly sizes: number[] = [];
  private chars = 0;

  record(request: RecordedRequest): void {
    const size = sizeOf(request);
    this.requests.push(request);
    this.sizes.push(size);
    this.chars += size;
    while (
      this.requests.length > 1 &&
      (this.requests.length > MAX_RECORDED_REQUESTS || this.chars > MAX_RECORDED_BODY_CHARS)
    ) {
      this.requests.shift();
      this.chars -= this.sizes.shift() ?? 0;
    }
    this.counts.set(request.route, (this.counts.get(request.route) ?? 0) + 1);
  }

  count(route: SimulatorRoute): number {
    return this.counts.get(route) ?? 0;
  }

  clear(): void {
    this.requests.length = 0;
    this.sizes.length = 0;
    this.chars = 0;
    this.counts.clear();
  }
}
