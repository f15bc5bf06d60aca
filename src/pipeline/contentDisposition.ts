/**
 * The Content-Disposition a download goes out with: always `attachment` (never shown in place
 * by a browser, whatever SEEK or the file says), with SEEK's file name when it gave one. The
 * name is parsed out of SEEK's header (filename*, RFC 8187, preferred over filename) and written
 * afresh: SEEK's header text never crosses over as is.
 */

const MAX_NAME_LENGTH = 200;

/** `filename*=UTF-8''…` (RFC 8187); other charsets are not trusted to decode. */
const extendedName = (header: string): string | undefined => {
  const match = /(?:^|;)\s*filename\*\s*=\s*utf-8'[^']*'([^;\s]+)/i.exec(header);
  if (!match?.[1]) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
};

/** `filename="…"` (quoted-string, `\` escapes) or `filename=token`. */
const plainName = (header: string): string | undefined => {
  const match = /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s"]+))/i.exec(header);
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2];
};

/** A file name, not a path, without controls or characters that need quoting; or undefined. */
const safeName = (name: string | undefined): string | undefined => {
  if (name === undefined) return undefined;
  const base = name.split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}"%]/gu, '')
    .trim()
    .slice(0, MAX_NAME_LENGTH);
  return cleaned && cleaned !== '.' && cleaned !== '..' ? cleaned : undefined;
};

/** RFC 8187 encoding: what encodeURIComponent leaves, less the characters attr-char excludes. */
const encodeExtended = (name: string) =>
  encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

export const contentDispositionOf = (seekHeader: string | undefined): string => {
  const name = seekHeader ? safeName(extendedName(seekHeader) ?? plainName(seekHeader)) : undefined;
  if (!name) return 'attachment';
  // An ASCII fallback for old clients, and the exact name for the rest.
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  return ascii === name
    ? `attachment; filename="${name}"`
    : `attachment; filename="${ascii}"; filename*=UTF-8''${encodeExtended(name)}`;
};
