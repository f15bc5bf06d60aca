import { ErrorCode, GatewayError, isGatewayError } from '../errors';
import type { AttachmentFetcher } from '../seek/attachments';
import { writeAttachment } from './answer';
import { attachmentUrlOf } from './attachmentUrl';
import { seekCallerOf } from './forward';
import type { RequestState } from './state';

export interface AttachmentStageOptions {
  fetcher: AttachmentFetcher;
  /** The origin of SEEK_API_URL: the one origin attachments are fetched from. */
  seekOrigin: string;
  /** ATTACHMENT_MAX_BYTES. */
  maxBytes: number;
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

  /** The call to SEEK with the token the caller's kind calls for, and the file streamed on. */
  async download(state: RequestState, url: string): Promise<void> {
    const caller = seekCallerOf(state);
    state.route = 'attachment';
    let file;
    try {
      file = await options.fetcher.fetch({ url, caller, requestId: state.requestId });
    } catch (error) {
      if (
        caller.kind === 'seek-token' &&
        isGatewayError(error) &&
        error.code === ErrorCode.Unauthenticated
      )
        options.onBrowserTokenRefused?.(caller.accessToken);
      throw error;
    }
    await writeAttachment(state, file, options.maxBytes);
  },
});

export type AttachmentStage = ReturnType<typeof createAttachmentStage>;
