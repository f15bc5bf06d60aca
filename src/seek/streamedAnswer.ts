import { ErrorCode, GatewayError } from '../errors';
import type { StreamingUpstreamResponse, UpstreamFailure } from './httpClient';
import { JsonStreamCheck } from './jsonStreamCheck';
import type { BodySink, UpstreamBodyRest } from './upstreamBody';

/**
 * Answers larger than this are streamed to the client as they arrive instead of collected and
 * parsed whole. 64 KiB: SEEK's usual answers (and every whole-request refusal, a few hundred
 * bytes) stay below it and keep the full check; above it, collecting and JSON.parse cost more
 * than the bytes' own forwarding (measured: ~20 ms of CPU for a 1.7 MB answer of objects,
 * against ~4 ms for the incremental check), and memory grew with the answer.
 */
export const STREAM_ABOVE_BYTES = 64 * 1024;

/**
 * A streamed answer's `errors` are kept up to this many bytes to read their codes for the log
 * line; past it the line says `UNKNOWN` (the answer itself goes on unchanged).
 */
export const MAX_STREAMED_ERRORS_BYTES = 64 * 1024;

/** What the log line learns of a streamed answer once it has passed whole. */
export interface StreamedAnswerSummary {
  /** A top-level `data` object (not null) was in the answer. */
  hadData: boolean;
  /** `extensions.code` of each error (`UNKNOWN` without one, or when `errors` was too long to read). */
  errorCodes: string[] | undefined;
}

/** Why a streamed answer stopped short, after its status line had gone out. */
export type StreamDefect =
  /** Not JSON, not a GraphQL response, cut short, or over the size bound: SEEK_BAD_RESPONSE. */
  | 'bad_response'
  /** SEEK_TIMEOUT_MS passed before the last byte: SEEK_TIMEOUT. */
  | 'timeout'
  /** The answer was abandoned (`abort()`: the client went away). */
  | 'aborted';

/** The pipeline's writer of a streamed answer. */
export interface StreamedAnswerSink {
  /** The next checked part; false: call `resume()` when more can be written. */
  data(chunk: Buffer): boolean;
  end(summary: StreamedAnswerSummary): void;
  fail(defect: StreamDefect): void;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const LETTER_N = 0x6e;

const badResponse = (status: number) =>
  new GatewayError(
    ErrorCode.SeekBadResponse,
    `SEEK answered with a body that is not a GraphQL response (HTTP ${status})`,
    { upstreamStatus: status },
  );

const codesOf = (errors: Buffer | undefined): string[] => {
  if (!errors) return ['UNKNOWN'];
  let parsed: unknown;
  try {
    parsed = JSON.parse(errors.toString('utf8'));
  } catch {
    return ['UNKNOWN'];
  }
  if (!Array.isArray(parsed)) return ['UNKNOWN'];
  return parsed.map((error: { extensions?: { code?: unknown } } | null) => {
    const code = error?.extensions?.code;
    return typeof code === 'string' ? code : 'UNKNOWN';
  });
};

/**
 * A large GraphQL answer from SEEK, checked as it passes: its first part before anything is
 * sent (`open`), every later chunk before it is handed on, and the whole at its end. The checks
 * are those of the buffered path, moved: JSON (incrementally, JsonStreamCheck), a top-level
 * object whose first member is `data` or `errors`, `data` an object or null, `errors` an array.
 * A chunk that fails a check is not handed on.
 *
 * Not done for a streamed answer (it cannot be, before the status line leaves): the partner
 * token's UNAUTHENTICATED retry and the refused-browser-token memory. Both look for a whole
 * refusal, which is a few hundred bytes and so always takes the buffered path.
 */
export class StreamedSeekAnswer implements BodySink {
  private sink: StreamedAnswerSink | undefined;
  private membersChecked = 0;
  private finished = false;

  private constructor(
    private readonly rest: UpstreamBodyRest,
    private readonly check: JsonStreamCheck,
    /** The first chunks of the body, checked: they go out first. */
    readonly head: readonly Buffer[],
    readonly upstreamStatus: number,
    /** SEEK's Content-Length, when it sent one: passed on. */
    readonly contentLength: string | undefined,
  ) {}

  /**
   * The answer, when its first part is a plausible GraphQL response; otherwise SEEK's
   * connection is closed and SEEK_BAD_RESPONSE thrown (nothing has been sent).
   */
  static open(response: StreamingUpstreamResponse): StreamedSeekAnswer {
    const { head, rest } = response;
    const check = new JsonStreamCheck('errors', MAX_STREAMED_ERRORS_BYTES);
    const first = head.every((chunk) => check.write(chunk)) ? check.topLevelMembers[0] : undefined;
    const length = response.headers['content-length'];
    const answer = new StreamedSeekAnswer(
      rest,
      check,
      head,
      response.status,
      typeof length === 'string' && /^\d{1,15}$/.test(length) ? length : undefined,
    );
    if (!first || (first.name !== 'data' && first.name !== 'errors') || !answer.membersFit()) {
      rest.abort();
      throw badResponse(response.status);
    }
    return answer;
  }

  /** Starts the flow of the rest into `sink`. */
  pipeTo(sink: StreamedAnswerSink): void {
    this.sink = sink;
    this.rest.attach(this);
  }

  /** The sink drained: more may come. */
  resume(): void {
    this.rest.resume();
  }

  /** Abandons the answer: SEEK's connection is closed, the sink hears `aborted`. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.rest.abort();
    this.sink?.fail('aborted');
  }

  data(chunk: Buffer): boolean {
    if (this.finished) return true;
    if (!this.check.write(chunk) || !this.membersFit()) {
      this.defect('bad_response');
      return true;
    }
    return (this.sink as StreamedAnswerSink).data(chunk);
  }

  end(): void {
    if (this.finished) return;
    const members = this.check.topLevelMembers;
    if (!this.check.complete) return this.defect('bad_response');
    this.finished = true;
    const errors = members.find((member) => member.name === 'errors');
    (this.sink as StreamedAnswerSink).end({
      hadData: members.some((member) => member.name === 'data' && member.firstByte === OPEN_BRACE),
      errorCodes: errors ? codesOf(this.check.captured) : undefined,
    });
  }

  fail(failure: UpstreamFailure): void {
    this.defect(failure.kind === 'timeout' ? 'timeout' : 'bad_response');
  }

  private defect(defect: StreamDefect) {
    if (this.finished) return;
    this.finished = true;
    this.rest.abort();
    this.sink?.fail(defect);
  }

  /** The top-level members seen since the last look have the types a GraphQL response gives them. */
  private membersFit(): boolean {
    const members = this.check.topLevelMembers;
    for (; this.membersChecked < members.length; this.membersChecked += 1) {
      const { name, firstByte } = members[this.membersChecked] as (typeof members)[number];
      if (name === 'data' && firstByte !== OPEN_BRACE && firstByte !== LETTER_N) return false;
      if (name === 'errors' && firstByte !== OPEN_BRACKET) return false;
    }
    return true;
  }
}

/** A streamed answer's defect as the error code of the log line and metrics. */
export const streamDefectCode = (defect: StreamDefect): string | undefined =>
  defect === 'bad_response'
    ? ErrorCode.SeekBadResponse
    : defect === 'timeout'
      ? ErrorCode.SeekTimeout
      : undefined;
