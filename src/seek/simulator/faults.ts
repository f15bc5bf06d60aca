// Per-route fault queues. A queued fault is consumed by the next request on its route;
// `times` lets one entry cover several requests (Infinity: until clearFaults()).
import type { SimulatorFault, SimulatorRoute } from './types';

interface QueuedFault {
  fault: SimulatorFault;
  remaining: number;
}

export class FaultQueues {
  private readonly queues = new Map<SimulatorRoute, QueuedFault[]>();

  add(route: SimulatorRoute, fault: SimulatorFault, times = 1): void {
    if (!(times >= 1)) throw new RangeError(`times must be at least 1, got ${times}`);
    const queue = this.queues.get(route) ?? [];
    queue.push({ fault, remaining: times });
    this.queues.set(route, queue);
  }

  /** The fault for the next request on `route`, if any, consuming one use of it. */
  take(route: SimulatorRoute): SimulatorFault | undefined {
    const queue = this.queues.get(route);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1; // Infinity - 1 stays Infinity
    if (head.remaining <= 0) queue.shift();
    return head.fault;
  }

  clear(): void {
    this.queues.clear();
  }
}
