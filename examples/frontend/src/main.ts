// The example page: a signed-in user picks a hirer; the page gets a SEEK browser token for it from
// the gateway (browserTokens.ts) and queries SEEK through the gateway with that token.
import {
  createBrowserTokens,
  gatewayTokenFetcher,
  type BrowserTokenRequest,
  type GraphqlResult,
} from './browserTokens';

/** What scripts/example.ts serves as /config.json; a real app gets these from its own login. */
interface PageConfig {
  gatewayUrl: string;
  /** The signed-in user's app JWT (a development one, minted by scripts/example.ts). */
  userToken: string;
  userId: string;
  hirers: { id: string; name: string }[];
}

/** The scopes this page's queries need: self (organizations) and jobCategories (ontologies). */
const SCOPE = 'query:organizations query:ontologies';

const SELF = `query Self {
  self { hirer { id { value } name } }
}`;
const JOB_CATEGORIES = `query JobCategories($schemeId: String!) {
  jobCategories(schemeId: $schemeId) { id { value } name }
}`;

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
  element('scope').textContent = SCOPE;
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
      log(`token for ${hirerName(request.hirerId)}, expires in ${grant.expiresIn} s`);
      return grant;
    },
  });

  const graphql = async <T>(
    accessToken: string,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphqlResult & { data?: T | null }> => {
    const response = await fetch(config.gatewayUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({ query, variables }),
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
        tokens.withToken(hirerId, SCOPE, (token) => graphql<SelfData>(token, SELF)),
        tokens.withToken(hirerId, SCOPE, (token) =>
          graphql<JobCategoriesData>(token, JOB_CATEGORIES, { schemeId: 'seekAnz' }),
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
