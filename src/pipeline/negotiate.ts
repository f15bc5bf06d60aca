import { ErrorCode, GatewayError } from '../errors';

/** The two media types a GraphQL answer can take (GraphQL over HTTP). */
export type ResponseMediaType = 'application/json' | 'application/graphql-response+json';

export const CONTENT_TYPE_OF: Record<ResponseMediaType, string> = {
  'application/json': 'application/json; charset=utf-8',
  'application/graphql-response+json': 'application/graphql-response+json; charset=utf-8',
};

interface MediaRange {
  type: string;
  q: number;
  order: number;
}

const MAX_RANGES = 32;

const parseAccept = (accept: string): MediaRange[] =>
  accept
    .split(',', MAX_RANGES)
    .map((part, order) => {
      const [type = '', ...params] = part.split(';');
      let q = 1;
      for (const param of params) {
        const [name, value] = param.split('=');
        if (name?.trim().toLowerCase() === 'q') q = Number(value?.trim());
      }
      return { type: type.trim().toLowerCase(), q: Number.isFinite(q) ? q : 0, order };
    })
    .filter((range) => range.type.length > 0);

/** How well a range matches a type: 3 exact, 2 `application/*`, 1 `*\/*`, 0 not at all. */
const specificity = (range: string, type: string) =>
  range === type ? 3 : range === 'application/*' ? 2 : range === '*/*' ? 1 : 0;

const bestMatch = (ranges: MediaRange[], type: string) => {
  let best: { q: number; specificity: number; order: number } | undefined;
  for (const range of ranges) {
    const match = specificity(range.type, type);
    if (match > 0 && (!best || match > best.specificity))
      best = { q: range.q, specificity: match, order: range.order };
  }
  return best;
};

/**
 * The answer's media type from the Accept header. No header, `*\/*` and `application/json`
 * give application/json (what GraphQL over HTTP tells a server to assume for older
 * clients); application/graphql-response+json when the caller prefers it. Neither
 * acceptable: 406.
 */
export const negotiateMediaType = (accept: string | undefined): ResponseMediaType => {
  if (accept === undefined || accept === '' || accept === '*/*' || accept === 'application/json')
    return 'application/json';
  const ranges = parseAccept(accept);
  const graphql = bestMatch(ranges, 'application/graphql-response+json');
  const json = bestMatch(ranges, 'application/json');
  const graphqlOk = graphql !== undefined && graphql.q > 0;
  const jsonOk = json !== undefined && json.q > 0;
  if (!graphqlOk && !jsonOk) {
    throw new GatewayError(
      ErrorCode.NotAcceptable,
      'Accept must allow application/graphql-response+json or application/json',
    );
  }
  if (!graphqlOk) return 'application/json';
  if (!jsonOk) return 'application/graphql-response+json';
  // Both acceptable: higher q, then the more specific range, then the one listed first.
  if (graphql.q !== json.q)
    return graphql.q > json.q ? 'application/graphql-response+json' : 'application/json';
  if (graphql.specificity !== json.specificity)
    return graphql.specificity > json.specificity
      ? 'application/graphql-response+json'
      : 'application/json';
  return graphql.order < json.order ? 'application/graphql-response+json' : 'application/json';
};

/** True when a GET asks for a page (a browser opening /graphql): Sandbox answers it. */
export const prefersHtml = (accept: string | undefined): boolean => {
  if (!accept || !accept.includes('text/html')) return false;
  const ranges = parseAccept(accept);
  const html = ranges.find((range) => range.type === 'text/html');
  if (!html || html.q <= 0) return false;
  return ranges.every(
    (range) =>
      range === html ||
      !(range.type === 'application/json' || range.type === 'application/graphql-response+json') ||
      range.q < html.q ||
      (range.q === html.q && range.order > html.order),
  );
};
