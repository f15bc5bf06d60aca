import type { Dispatcher } from 'undici';

import type { UpstreamFailure } from './httpClient';

/** Where the rest of a large answer goes, chunk by chunk. */
export interface BodySink {
  /** One more part of the body; false: no more until `resume()` is called. */
  data(chunk: Buffer): boolean;
  /** The body arrived whole. */
  end(): void;
  /** The body stopped short: cut, timed out, too large or aborted. */
  fail(failure: UpstreamFailure): void;
}

type Settled = (failure: UpstreamFailure | undefined) => void;

/**
 * The part of an answer still arriving from SEEK, once the http client stopped collecting it
 * (see `HttpClient.postStreaming`). Until a sink is attached the upstream is paused and what
 * arrives meanwhile (at most one more read) is held; then each chunk goes straight to the sink,
 * and the upstream is paused whenever the sink says so: memory per answer stays a few chunks,
 * however fast SEEK sends and however slowly the client reads.
 *
 * Made only for answers above the threshold: a small answer never allocates one.
 */
export class UpstreamBodyRest {
  private sink: BodySink | undefined;
  private held: Buffer[] = [];
  private outcome: UpstreamFailure | null | undefined = undefined; // null: ended whole
  private readonly listeners: Settled[] = [];
  private aborted = false;

  constructor(private readonly controller: Dispatcher.DispatchController) {
    controller.pause();
  }

  /** Starts the flow into `sink`: what was held first, then every chunk as it comes. */
  attach(sink: BodySink): void {
    if (this.sink) throw new Error('a body has one reader');
    this.sink = sink;
    const held = this.held;
    this.held = [];
    let more = true;
    for (const chunk of held) more = sink.data(chunk) && more;
    if (this.outcome === null) sink.end();
    else if (this.outcome) sink.fail(this.outcome);
    else if (more) this.controller.resume();
  }

  /** The sink can take more (its 'drain'). */
  resume(): void {
    if (this.outcome === undefined && !this.aborted) this.controller.resume();
  }

  /** Stops the transfer: SEEK's connection is closed (the client went away, a check failed). */
  abort(): void {
    if (this.outcome !== undefined || this.aborted) return;
    this.aborted = true;
    this.held = [];
    this.controller.abort(new Error('answer abandoned'));
  }

  /** Called once when the body ended, whole (`undefined`) or not (the failure). */
  onSettled(listener: Settled): void {
    if (this.outcome !== undefined) listener(this.outcome ?? undefined);
    else this.listeners.push(listener);
  }

  // The http client's side.

  /** @internal a chunk from undici. */
  push(chunk: Buffer): void {
    // undici hands over an empty chunk when it resumes a paused body: nothing to pass on.
    if (this.outcome !== undefined || this.aborted || chunk.length === 0) return;
    if (!this.sink) {
      this.held.push(chunk);
      return;
    }
    if (!this.sink.data(chunk)) this.controller.pause();
  }

  /** @internal the body ended (whole, or with the failure). */
  settle(failure: UpstreamFailure | undefined): void {
    if (this.outcome !== undefined) return;
    this.outcome = failure ?? null;
    if (this.sink) {
      if (failure) this.sink.fail(failure);
      else this.sink.end();
    }
    for (const listener of this.listeners) listener(failure);
    this.listeners.length = 0;
  }
}
