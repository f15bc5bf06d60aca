// A stand-in for an OpenTelemetry collector's OTLP/HTTP receiver: a real node:http server on
// loopback that takes POST /v1/traces with an ExportTraceServiceRequest in OTLP's JSON encoding
// (what @opentelemetry/exporter-trace-otlp-http sends), decodes it and keeps every span.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** OTLP JSON's AnyValue, as far as the gateway writes it. */
interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: KeyValue[];
  status?: { code?: number; message?: string };
}
interface ExportTraceServiceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
  }>;
}

/** A decoded span: ids in hex, attributes as plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  statusCode: number;
  /** The resource's `service.name`. */
  serviceName: unknown;
}

export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

const plain = (value: AnyValue): unknown => {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plain);
  return undefined;
};
const attributesOf = (list: KeyValue[] | undefined) =>
  Object.fromEntries((list ?? []).map(({ key, value }) => [key, plain(value)]));

/** OTLP JSON writes ids as hex; some encoders write base64: both are read as hex. */
const hexId = (id: string | undefined) =>
  id === undefined || id === ''
    ? undefined
    : /^[0-9a-f]+$/i.test(id)
      ? id.toLowerCase()
      : Buffer.from(id, 'base64').toString('hex');

export type ReceiverMode = 'accept' | 'refuse-500';

export const startOtlpReceiver = async () => {
  const spans: ReceivedSpan[] = [];
  /** The raw bodies, to search for anything that must never be exported. */
  const bodies: string[] = [];
  let exports = 0;
  let mode: ReceiverMode = 'accept';

  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    exports += 1;
    if (mode === 'refuse-500') {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString(
      'utf8',
    );
    bodies.push(text);
    const request = JSON.parse(text) as ExportTraceServiceRequest;
    for (const resourceSpans of request.resourceSpans ?? []) {
      const serviceName = attributesOf(resourceSpans.resource?.attributes)['service.name'];
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          spans.push({
            traceId: hexId(span.traceId) ?? '',
            spanId: hexId(span.spanId) ?? '',
            parentSpanId: hexId(span.parentSpanId),
            name: span.name,
            kind: span.kind,
            attributes: attributesOf(span.attributes),
            statusCode: span.status?.code ?? 0,
            serviceName,
          });
        }
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  /** Waits (bounded) until `predicate` holds of the spans received so far. */
  const waitFor = async (predicate: (received: ReceivedSpan[]) => boolean, what: string) => {
    const deadline = Date.now() + 15_000;
    while (!predicate(spans)) {
      if (Date.now() > deadline) throw new Error(`the receiver never got ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  return {
    /** What OTEL_EXPORTER_OTLP_ENDPOINT is set to. */
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    bodies,
    exports: () => exports,
    setMode: (next: ReceiverMode) => (mode = next),
    waitFor,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

export type OtlpReceiver = Awaited<ReturnType<typeof startOtlpReceiver>>;
