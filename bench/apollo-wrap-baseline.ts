/**
 * The naive gateway: Apollo Server 5 on express 5 serving `wrapSchema` over the upstream, with
 * an HTTP executor. The "gateway throughput ≥ 3x this" target is measured against it.
 *
 * `@graphql-tools/executor-http` (`buildHTTPExecutor`) is not in node_modules (it is not a
 * dependency of @graphql-tools/wrap 11), so this uses the minimal fetch executor from the
 * graphql-tools schema-wrapping docs, with a cached `print` like buildHTTPExecutor's.
 *
 * Run as a child process by the bench; env: UPSTREAM_URL, BENCH_SCHEMA_FILE, NODE_ENV=production
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import type { ExecutionRequest, Executor } from '@graphql-tools/utils';
import { wrapSchema } from '@graphql-tools/wrap';
import express from 'express';
import { buildSchema, print, type DocumentNode, type ExecutionResult } from 'graphql';

export function fetchExecutor(url: string, authorization: string): Executor {
  const printed = new WeakMap<DocumentNode, string>();
  const printCached = (doc: DocumentNode): string => {
    let text = printed.get(doc);
    if (text === undefined) {
      text = print(doc);
      printed.set(doc, text);
    }
    return text;
  };
  const run = async ({
    document,
    variables,
    operationName,
    extensions,
  }: ExecutionRequest): Promise<ExecutionResult> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        authorization,
      },
      body: JSON.stringify({ query: printCached(document), variables, operationName, extensions }),
    });
    return (await response.json()) as ExecutionResult;
  };
  return run as Executor;
}

export async function createApolloWrapBaseline(
  upstreamUrl: string,
  sdl: string,
): Promise<http.Server> {
  const schema = wrapSchema({
    schema: buildSchema(sdl),
    executor: fetchExecutor(`${upstreamUrl}/graphql`, 'Bearer bench-partner-static'),
  });
  const apollo = new ApolloServer({ schema });
  await apollo.start();
  const app = express();
  app.use('/graphql', express.json({ limit: '2mb' }), expressMiddleware(apollo));
  const server = http.createServer(app);
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;
  return server;
}

if (require.main === module) {
  const upstreamUrl = process.env.UPSTREAM_URL;
  const schemaFile = process.env.BENCH_SCHEMA_FILE;
  if (!upstreamUrl || !schemaFile) throw new Error('UPSTREAM_URL and BENCH_SCHEMA_FILE required');
  void createApolloWrapBaseline(upstreamUrl, readFileSync(schemaFile, 'utf8')).then((server) => {
    server.listen(0, '127.0.0.1', () => {
      process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
    });
  });
  process.on('disconnect', () => process.exit(0));
}
