import { ErrorCode, GatewayError, isGatewayError } from '../errors';
import type { AttachmentFetcher } from '../seek/attachments';
import { writeAttachment } from './answer';
import { attachmentUrlOf } from './attachmentUrl';
import { downloadCallerKey, type DownloadGate } from './downloadGate';
import { seekCallerOf } from './forward';
import type { RequestState } from './state';

export interface AttachmentStageOptions {
  fetcher: AttachmentFetcher;
  /** The origin of SEEK_API_URL: the one origin attachments are fetched from. */
  seekOrigin: string;
  /** ATTACHMENT_MAX_BYTES. */
  maxBytes: number;
  /** ATTACHMENT_TIMEOUT_MS: the whole download, first call to SEEK to last byte. */
  timeoutMs: number;
  /** Downloads in flight, in all and per caller: past either, 503 GATEWAY_BUSY at once. */
  gate: DownloadGate;
  /** Told of a browser token SEEK refused (401), as for operations. */
  onBrowserTokenRefused?: (accessToken: string) => void;
}

/**
 * GET /attachments' own stages, between the pipeline's shared ones (request id, caller, the
 * error writer, the log record; pipeline/index.ts): what to fetch, then the download.
 */
export const createAttachmentStage = (options: AttachmentStageOptions) => ({
  /** Before the caller is known: the method and the URL. A refusal here fetches nothing. */
  target(state: RequestState): string {
    if (state.method !== 'GET') {
      throw new GatewayError(
        ErrorCode.MethodNotAllowed,
        'Download attachments with GET',
        {},
        { headers: { allow: 'GET' } },
      );
    }
    return attachmentUrlOf(state.req.url ?? '', options.seekOrigin);
  },

  /**
   * The call to SEEK with the token the caller's kind calls for, and the file streamed on:
   * holding a slot of the gate throughout, and cut when ATTACHMENT_TIMEOUT_MS runs out.
   */
  async download(state: RequestState, url: string): Promise<void> {
    const caller = seekCallerOf(state);
    const release = options.gate.enter(
      downloadCallerKey(state.caller, state.req.socket.remoteAddress),
    );
    state.route = 'attachment';
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
    try {
      let file;
      try {
        file = await options.fetcher.fetch({
          url,
          caller,
          seekRequestIds: (state.seekRequestIds ??= []),
        });
      } catch (error) {
        if (
          caller.kind === 'seek-token' &&
          isGatewayError(error) &&
          error.code === ErrorCode.Unauthenticated
        )
          options.onBrowserTokenRefused?.(caller.accessToken);
        throw error;
      }
      await writeAttachment(state, file, { maxBytes: options.maxBytes, deadline: deadline.signal });
    } finally {
      clearTimeout(timer);
      release();
    }
  },
});

export type AttachmentStage = ReturnType<typeof createAttachmentStage>;
