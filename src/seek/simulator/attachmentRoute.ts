// GET /<scheme>/applications/<id>/attachments/<id>: a candidate's file, as SEEK serves it. A
// partner token may download the attachments of hirers it has a relationship with; a browser
// token needs the download:candidate-profile-attachments scope and the application's hirer.
import type { IncomingMessage, ServerResponse } from 'node:http';

import {
  attachmentChunks,
  attachmentSize,
  DOWNLOAD_SCOPE,
  parseAttachmentPath,
  type AttachmentData,
} from './applications';
import { json, writeResponse, type SimulatorResponse } from './http';
import type { SimulatorState } from './state';

function refusal(status: number, code: string, message: string): SimulatorResponse {
  return json(status, { errors: [{ message, extensions: { code } }] });
}

type Lookup = { ok: true; attachment: AttachmentData } | { ok: false; response: SimulatorResponse };

/** Who may have which file: the same checks SEEK makes, before any byte is sent. */
function lookUp(state: SimulatorState, path: string, bearer: string | undefined): Lookup {
  const ids = parseAttachmentPath(path);
  const application = ids
    ? state.world.applications.find((candidate) => candidate.profileId === ids.applicationId)
    : undefined;
  const attachment = application?.attachments.find((file) => file.id === ids?.attachmentId);
  if (bearer === undefined) {
    return { ok: false, response: refusal(401, 'UNAUTHENTICATED', 'Missing access token') };
  }
  const check = state.tokens.check(bearer);
  if (!check.ok) {
    return {
      ok: false,
      response: refusal(401, 'UNAUTHENTICATED', `Access token is ${check.reason}`),
    };
  }
  if (!application || !attachment) {
    return { ok: false, response: refusal(404, 'NOT_FOUND', 'No such attachment') };
  }
  const { token } = check;
  if (token.kind === 'partner') {
    if (!state.world.hirers.some((hirer) => hirer.id === application.hirerId)) {
      return {
        ok: false,
        response: refusal(403, 'FORBIDDEN', 'Partner has no relationship with this hirer'),
      };
    }
  } else if (!token.scopes.includes(DOWNLOAD_SCOPE)) {
    return {
      ok: false,
      response: refusal(
        403,
        'FORBIDDEN',
        `Downloading attachments requires the ${DOWNLOAD_SCOPE} scope`,
      ),
    };
  } else if (token.hirerId !== application.hirerId) {
    return {
      ok: false,
      response: refusal(403, 'FORBIDDEN', 'Browser token is not authorised for this hirer'),
    };
  }
  return { ok: true, attachment };
}

/** Resolves true once `res` can take more, false when it closed first. */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (value: boolean) => () => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(value);
    };
    const onDrain = settle(true);
    const onClose = settle(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * Answers an attachment request. `stallAfterBytes` (a fault) sends the headers and that many
 * bytes, then nothing more until the client gives up or the simulator closes.
 */
export async function serveAttachment(
  state: SimulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  bearer: string | undefined,
  stallAfterBytes?: number,
): Promise<void> {
  if (req.method !== 'GET') {
    writeResponse(res, {
      ...refusal(405, 'METHOD_NOT_ALLOWED', 'Use GET'),
      headers: { allow: 'GET' },
    });
    return;
  }
  const found = lookUp(state, path, bearer);
  if (!found.ok) {
    writeResponse(res, found.response);
    return;
  }
  const { attachment } = found;
  const headers: Record<string, string> = {
    'content-type': attachment.contentType,
    'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(attachment.fileName)}`,
    // What a real origin adds; the gateway must not pass these on.
    'set-cookie': 'seek-session=simulated; Path=/; HttpOnly',
    'x-seek-internal': 'simulator',
  };
  if (attachment.declareLength) headers['content-length'] = String(attachmentSize(attachment));
  res.writeHead(200, headers);
  let sent = 0;
  for (const chunk of attachmentChunks(attachment)) {
    if (res.destroyed) return;
    const part =
      stallAfterBytes === undefined
        ? chunk
        : chunk.subarray(0, Math.max(0, stallAfterBytes - sent));
    if (part.length > 0 && !res.write(part)) {
      // Backpressure: a slow reader holds the simulator's memory to one chunk.
      if (!(await drained(res))) return;
    }
    sent += part.length;
    if (stallAfterBytes !== undefined && sent >= stallAfterBytes) return; // never ends
  }
  res.end();
}
