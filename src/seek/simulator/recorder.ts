// Keeps the request log that tests inspect. Counters are kept apart from the bounded log so
// count() stays exact even after the log has dropped old entries.
import type { RecordedRequest, SimulatorRoute } from './types';

export const MAX_RECORDED_REQUESTS = 10_000;

export class RequestRecorder {
  /** Live list handed out as `SeekSimulator.requests`; only ever mutated in place. */
  readonly requests: RecordedRequest[] = [];
  private readonly counts = new Map<SimulatorRoute | 'other', number>();

  record(request: RecordedRequest): void {
    this.requests.push(request);
    if (this.requests.length > MAX_RECORDED_REQUESTS) this.requests.shift();
    this.counts.set(request.route, (this.counts.get(request.route) ?? 0) + 1);
  }

  count(route: SimulatorRoute): number {
    return this.counts.get(route) ?? 0;
  }

  clear(): void {
    this.requests.length = 0;
    this.counts.clear();
  }
}
