// Candidate applications and their attachments (résumé, cover letter). SEEK's `Attachment.url`
// is an absolute URL on its GraphQL origin, `/<scheme>/applications/<id>/attachments/<id>`;
// here the origin is the simulator's own, so a download through the gateway is real HTTP.
import type { SimulatedHirer } from './types';

/** SEEK's path segment for the Playground's applications (SEEK's reference frontend uses it). */
export const ATTACHMENT_SCHEME_SEGMENT = 'anzPublicTest';

/** The scope a browser token needs to download attachments (SEEK's schema, `Attachment.url`). */
export const DOWNLOAD_SCOPE = 'download:candidate-profile-attachments';

export interface AttachmentData {
  id: string;
  descriptions: string[];
  seekRoleCode: string | null;
  fileName: string;
  contentType: string;
  /** The file itself, or a size whose bytes `attachmentChunks` generates (large test files). */
  content: { kind: 'bytes'; bytes: Buffer } | { kind: 'generated'; size: number };
  /** Send Content-Length (SEEK does); false sends the body chunked, with no length up front. */
  declareLength: boolean;
}

export interface ApplicationData {
  /** The candidate profile of the application: SEEK's `CandidateProfile.profileId`. */
  profileId: string;
  candidateId: string;
  hirerId: string;
  givenName: string;
  familyName: string;
  email: string;
  createDateTime: string;
  attachments: AttachmentData[];
}

/** The seeded application's profile id (also the one the SEEK operation corpus asks for). */
export const SEEDED_PROFILE_ID = 'seekAnzPublicTest:candidateProfile:seek:2Qc3n4QC';

const RESUME_TEXT = [
  '%PDF-1.4',
  '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
  '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
  '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >> endobj',
  '4 0 obj << /Length 58 >> stream',
  'BT /F1 18 Tf 72 760 Td (Jordan Example - Senior Developer) Tj ET',
  'endstream endobj',
  'trailer << /Root 1 0 R >>',
  '%%EOF',
  '',
].join('\n');

const COVER_LETTER_TEXT = [
  'Dear hiring manager,',
  '',
  'I would like to apply for the Senior Developer role. Ten years of TypeScript, a café',
  'habit and a résumé attached.',
  '',
  'Jordan Example',
  '',
].join('\n');

/** One application for the first hirer, with a résumé (PDF) and a cover letter (text). */
export function seedApplications(hirers: readonly SimulatedHirer[]): ApplicationData[] {
  const [first] = hirers;
  if (!first) return [];
  return [
    {
      profileId: SEEDED_PROFILE_ID,
      candidateId: 'seekAnzPublicTest:candidate:seek:2Qc3n4QD',
      hirerId: first.id,
      givenName: 'Jordan',
      familyName: 'Example',
      email: 'jordan.example@example.com',
      createDateTime: '2024-05-02T03:04:05.000Z',
      attachments: [
        {
          id: 'seekAnzPublicTest:attachment:seek:3kSXsD7y',
          descriptions: ['Resume'],
          seekRoleCode: 'Resume',
          fileName: 'Jordan Example resume.pdf',
          contentType: 'application/pdf',
          content: { kind: 'bytes', bytes: Buffer.from(RESUME_TEXT, 'utf8') },
          declareLength: true,
        },
        {
          id: 'seekAnzPublicTest:attachment:seek:3kSXsD7z',
          descriptions: ['Cover letter'],
          seekRoleCode: 'CoverLetter',
          fileName: 'Cover letter.txt',
          contentType: 'text/plain; charset=utf-8',
          content: { kind: 'bytes', bytes: Buffer.from(COVER_LETTER_TEXT, 'utf8') },
          declareLength: true,
        },
      ],
    },
  ];
}

/** `Attachment.url`: absolute, on `origin`. */
export function attachmentUrl(
  origin: string,
  application: ApplicationData,
  attachment: AttachmentData,
): string {
  return `${origin}/${ATTACHMENT_SCHEME_SEGMENT}/applications/${application.profileId}/attachments/${attachment.id}`;
}

const ATTACHMENT_PATH = /^\/([A-Za-z0-9]+)\/applications\/([^/]+)\/attachments\/([^/]+)$/;

/** The application and attachment ids of an attachment path, or undefined for any other path. */
export function parseAttachmentPath(
  path: string,
): { applicationId: string; attachmentId: string } | undefined {
  const match = ATTACHMENT_PATH.exec(path);
  if (!match || match[1] !== ATTACHMENT_SCHEME_SEGMENT) return undefined;
  const [, , applicationId, attachmentId] = match;
  if (applicationId === undefined || attachmentId === undefined) return undefined;
  return { applicationId, attachmentId };
}

export function attachmentSize(attachment: AttachmentData): number {
  return attachment.content.kind === 'bytes'
    ? attachment.content.bytes.length
    : attachment.content.size;
}

const GENERATED_CHUNK_BYTES = 64 * 1024;

/**
 * The bytes of a generated file of `size` bytes, 64 KB at a time and never whole: a pattern
 * anyone can regenerate (byte i is (i * 31 + 7) mod 251), so a test can check a download byte
 * for byte while neither side holds the file.
 */
export function* generatedAttachmentBytes(size: number): Generator<Buffer> {
  for (let offset = 0; offset < size; offset += GENERATED_CHUNK_BYTES) {
    const length = Math.min(GENERATED_CHUNK_BYTES, size - offset);
    const chunk = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i += 1) chunk[i] = ((offset + i) * 31 + 7) % 251;
    yield chunk;
  }
}

/** An attachment's bytes, as sent. */
export function attachmentChunks(attachment: AttachmentData): Iterable<Buffer> {
  return attachment.content.kind === 'bytes'
    ? [attachment.content.bytes]
    : generatedAttachmentBytes(attachment.content.size);
}
