// The example page: a signed-in user picks a hirer; the page gets a SEEK browser token for it from
// the gateway (browserTokens.ts) and queries SEEK through the gateway with that token. It runs
// only its trusted documents (operations.ts, registered by its build): it sends their ids, never
// their text, and asks for the token by those ids, so the token holds exactly the scopes they need.
import {
  createBrowserTokens,
  gatewayTokenFetcher,
  type BrowserTokenRequest,
  type GraphqlResult,
} from './browserTokens';
import { OPERATIONS, type OperationName } from './operations';

/** What scripts/example.ts serves as /config.json; a real app gets these from its own login. */
interface PageConfig {
  gatewayUrl: string;
  /** The signed-in user's app JWT (a development one, minted by scripts/example.ts). */
  userToken: string;
  userId: string;
  hirers: { id: string; name: string }[];
}

/** A document's id: the SHA-256 of its text, hex, as the build's manifest names it. */
const documentIdOf = async (body: string): Promise<string> => {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
};

interface SelfData {
  self: { hirer: { name: string } | null };
}
interface JobCategoriesData {
  jobCategories: { name: string }[];
}

const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`The page has no #${id}`);
  return found as T;
};

const hirerSelect = element<HTMLSelectElement>('hirer');
const reloadButton = element<HTMLButtonElement>('reload');
const errorBox = element('error');
const logList = element('log');

const setState = (state: 'loading' | 'ready' | 'error') => {
  document.body.dataset.state = state;
  hirerSelect.disabled = state === 'loading';
  reloadButton.disabled = state === 'loading';
};

const log = (message: string) => {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${message}`;
  logList.append(item);
};

const showError = (message: string | undefined) => {
  errorBox.hidden = message === undefined;
  errorBox.textContent = message ?? '';
};

const count = (id: string) => {
  const counter = element(id);
  counter.textContent = String(Number(counter.textContent) + 1);
};

/** The GraphQL errors of a result, as one message; undefined when there are none. */
const errorsOf = (result: GraphqlResult) =>
  result.errors && result.errors.length > 0
    ? result.errors
        .map((error) => {
          const code = error.extensions?.code;
          return `${typeof code === 'string' ? code : 'ERROR'}: ${error.message ?? ''}`;
        })
        .join('; ')
    : undefined;

const start = async () => {
  const config = (await (await fetch('/config.json')).json()) as PageConfig;
  element('user').textContent = config.userId;
  const ids = Object.fromEntries(
    await Promise.all(
      Object.entries(OPERATIONS).map(async ([name, body]) => [name, await documentIdOf(body)]),
    ),
  ) as Record<OperationName, string>;
  // The token is asked for by the documents it will run; the gateway works out the scopes.
  const access = { documents: Object.values(ids) };
  for (const hirer of config.hirers) hirerSelect.append(new Option(hirer.name, hirer.id));
  const hirerName = (id: string) => config.hirers.find((hirer) => hirer.id === id)?.name ?? id;

  const fromGateway = gatewayTokenFetcher({
    url: config.gatewayUrl,
    userToken: () => config.userToken,
  });
  const tokens = createBrowserTokens({
    // The page counts and logs each call; the module does the rest.
    fetchToken: async (request: BrowserTokenRequest) => {
      count('token-calls');
      if (request.forceRefresh) count('renewals');
      log(
        request.forceRefresh
          ? `SEEK refused the token for ${hirerName(request.hirerId)}: browserToken(forceRefresh: true)`
          : `browserToken for ${hirerName(request.hirerId)}`,
      );
      const grant = await fromGateway(request);
      element('scope').textContent = grant.scope ?? '';
      log(`token for ${hirerName(request.hirerId)}, expires in ${grant.expiresIn} s`);
      return grant;
    },
  });

  /** Runs one of the page's trusted documents by its id (the gateway holds the text). */
  const graphql = async <T>(
    accessToken: string,
    operation: OperationName,
    variables?: Record<string, unknown>,
  ): Promise<GraphqlResult & { data?: T | null }> => {
    const response = await fetch(config.gatewayUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({ documentId: ids[operation], operationName: operation, variables }),
    });
    return (await response.json()) as GraphqlResult & { data?: T | null };
  };

  const load = async () => {
    const hirerId = hirerSelect.value;
    setState('loading');
    showError(undefined);
    try {
      // Two queries at once with one token: one browserToken call between them, and, should
      // SEEK refuse the token, one renewal.
      const [self, categories] = await Promise.all([
        tokens.withToken(hirerId, access, (token) => graphql<SelfData>(token, 'Self')),
        tokens.withToken(hirerId, access, (token) =>
          graphql<JobCategoriesData>(token, 'JobCategories', { schemeId: 'seekAnz' }),
        ),
      ]);
      const problem = errorsOf(self) ?? errorsOf(categories);
      if (problem) throw new Error(problem);
      element('hirer-name').textContent = self.data?.self.hirer?.name ?? '(no hirer)';
      element('categories').replaceChildren(
        ...(categories.data?.jobCategories ?? []).map((category) => {
          const item = document.createElement('li');
          item.textContent = category.name;
          return item;
        }),
      );
      count('loads');
      setState('ready');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      showError(
        error instanceof TypeError
          ? `Could not reach the gateway at ${config.gatewayUrl} (${message})`
          : message,
      );
      log(`failed: ${message}`);
      setState('error');
    }
  };

  hirerSelect.addEventListener('change', () => void load());
  reloadButton.addEventListener('click', () => void load());
  await load();
};

start().catch((error: unknown) => {
  showError(`The page could not start: ${error instanceof Error ? error.message : String(error)}`);
  document.body.dataset.state = 'error';
});
