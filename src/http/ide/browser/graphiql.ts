// GraphiQL as the gateway serves it on GET /graphql (GRAPHQL_IDE=graphiql): bundled from the npm
// package by esbuild (scripts/bundle.mjs into dist/ide/, or in memory when running from source),
// so the page loads nothing but the gateway's own files and works on a network without a CDN.
import 'graphiql/graphiql.css';
import './page.css';

import { GraphiQL } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

/** What the page hands over in <script type="application/json" id="graphiql-options">. */
interface IdeOptions {
  /** The headers editor's starting content (JSON text), e.g. the embedded default's key. */
  headers?: string;
  /** The query editor's starting document. */
  document?: string;
}

interface FetcherOptions {
  headers?: Record<string, unknown>;
}

const readOptions = (): IdeOptions => {
  const element = document.getElementById('graphiql-options');
  if (!element?.textContent) return {};
  return JSON.parse(element.textContent) as IdeOptions;
};

/** Headers from the editor as strings: JSON may hold numbers or booleans. */
const headersOf = (options: FetcherOptions | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries(options?.headers ?? {}).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );

// The page is served at the endpoint itself (GET /graphql), so it posts to its own path.
const endpoint = window.location.pathname;

const fetcher = async (params: unknown, options?: FetcherOptions): Promise<unknown> => {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...headersOf(options),
    },
    body: JSON.stringify(params),
  });
  return response.json();
};

const options = readOptions();
const container = document.getElementById('graphiql');
if (!container) throw new Error('GraphiQL: the page has no #graphiql element');
createRoot(container).render(
  createElement(GraphiQL, {
    fetcher,
    defaultQuery: options.document,
    headers: options.headers,
    // The preset headers may hold a key: never keep them in the browser's storage.
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: options.headers ? 'headers' : false,
  }),
);
