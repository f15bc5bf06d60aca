import { Agent as HttpAgent, type AgentOptions, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';

import { Agent, type Dispatcher, EnvHttpProxyAgent } from 'undici';

/**
 * The outbound proxy, as HTTPS_PROXY / HTTP_PROXY / NO_PROXY (or their lower-case forms, which
 * win, as in undici and curl) say. Every outbound client follows the same rules, undici's
 * EnvHttpProxyAgent's:
 * - an https:// target goes through `httpsProxy`, or `httpProxy` when only that is set;
 *   an http:// target through `httpProxy`;
 * - NO_PROXY: entries separated by commas or spaces; `*` exempts everything; `host` exempts
 *   that host and its subdomains (`.host` and `*.host` the same); `host:port` only that port.
 *   Loopback is not exempt unless listed (`localhost,127.0.0.1`).
 */
export interface ProxySettings {
  httpProxy: string | undefined;
  httpsProxy: string | undefined;
  noProxy: string;
}

export const NO_PROXY_SETTINGS: ProxySettings = {
  httpProxy: undefined,
  httpsProxy: undefined,
  noProxy: '',
};

/** Every variable the proxy settings are read from. */
export const PROXY_VARIABLES = [
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
] as const;

export const proxyConfigured = (settings: ProxySettings | undefined): settings is ProxySettings =>
  Boolean(settings?.httpProxy || settings?.httpsProxy);

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

interface NoProxyEntry {
  hostname: string;
  port: number;
}

const parseNoProxy = (value: string): NoProxyEntry[] =>
  value
    .split(/[,\s]/)
    .filter(Boolean)
    .map((entry) => {
      const parsed = /^(.+):(\d+)$/.exec(entry);
      return {
        hostname: (parsed ? (parsed[1] as string) : entry).replace(/^\*?\./, '').toLowerCase(),
        port: parsed ? Number.parseInt(parsed[2] as string, 10) : 0,
      };
    });

/** True when NO_PROXY exempts this host and port (the same test as EnvHttpProxyAgent's). */
export const exemptFromProxy = (noProxy: string, hostname: string, port: number): boolean => {
  if (noProxy.trim() === '*') return true;
  const host = hostname.toLowerCase();
  return parseNoProxy(noProxy).some(
    (entry) =>
      (entry.port === 0 || entry.port === port) &&
      (host === entry.hostname || host.endsWith(`.${entry.hostname}`)),
  );
};

/** The proxy URL a request to `target` goes through, or undefined for a direct connection. */
export const proxyFor = (settings: ProxySettings, target: URL): string | undefined => {
  const proxy =
    target.protocol === 'https:' ? (settings.httpsProxy ?? settings.httpProxy) : settings.httpProxy;
  if (!proxy) return undefined;
  // `host` keeps an IPv6 address's brackets, as undici compares it.
  const hostname = target.host.replace(/:\d*$/, '');
  const port = Number.parseInt(target.port, 10) || DEFAULT_PORTS[target.protocol] || 0;
  return exemptFromProxy(settings.noProxy, hostname, port) ? undefined : proxy;
};

/**
 * An undici dispatcher with these agent options: a plain Agent when no proxy is configured
 * (the hot path unchanged), otherwise an EnvHttpProxyAgent given the settings explicitly (it
 * never reads process.env itself), with the same options for its direct and proxied pools.
 */
export const createUndiciDispatcher = (
  settings: ProxySettings | undefined,
  agentOptions: Agent.Options,
): Dispatcher =>
  proxyConfigured(settings)
    ? new EnvHttpProxyAgent({
        ...agentOptions,
        httpProxy: settings.httpProxy ?? '',
        httpsProxy: settings.httpsProxy ?? settings.httpProxy ?? '',
        noProxy: settings.noProxy,
      })
    : new Agent(agentOptions);

interface ConnectOptions {
  host?: string | null;
  port?: number | string | null;
  secureEndpoint?: boolean;
}

/**
 * What is used of https-proxy-agent's class (an agent-base Agent). Its types resolve only with
 * `moduleResolution: node16`, and it is an ES module, so it is required (Node >= 20.19), typed
 * here by hand.
 */
type TunnelAgentClass = new (
  proxy: string,
  options?: AgentOptions,
) => HttpAgent & { connect(req: ClientRequest, opts: ConnectOptions): Promise<Socket> };

/**
 * A node:http(s) agent for the clients built on node:https (the AWS SDK, jose's JWKS fetch),
 * or undefined when no proxy is configured (they keep their own agents). Each request is
 * decided on its own: through the proxy (a CONNECT tunnel, https-proxy-agent) or, when
 * NO_PROXY exempts its host, directly. https-proxy-agent is required only here.
 */
export const createNodeProxyAgent = (
  settings: ProxySettings | undefined,
): HttpAgent | undefined => {
  if (!proxyConfigured(settings)) return undefined;
  const proxySettings = settings;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- only behind a proxy
  const { HttpsProxyAgent: Base } = require('https-proxy-agent') as {
    HttpsProxyAgent: TunnelAgentClass;
  };
  const direct = {
    http: new HttpAgent({ keepAlive: true }),
    https: new HttpsAgent({ keepAlive: true }),
  };
  const tunnels = new Map<string, HttpAgent>();
  const tunnelThrough = (proxy: string) => {
    let agent = tunnels.get(proxy);
    if (!agent) {
      agent = new Base(proxy, { keepAlive: true });
      tunnels.set(proxy, agent);
    }
    return agent;
  };
  class ProxyingAgent extends Base {
    override async connect(req: ClientRequest, opts: ConnectOptions): Promise<Socket> {
      const protocol = opts.secureEndpoint ? 'https:' : 'http:';
      const host = String(opts.host ?? 'localhost');
      const target = new URL(`${protocol}//${host.includes(':') ? `[${host}]` : host}`);
      if (opts.port) target.port = String(opts.port);
      const proxy = proxyFor(proxySettings, target);
      // agent-base hands the request to an Agent returned here.
      if (proxy === undefined)
        return (opts.secureEndpoint ? direct.https : direct.http) as unknown as Socket;
      return tunnelThrough(proxy) as unknown as Socket;
    }
  }
  return new ProxyingAgent(settings.httpsProxy ?? settings.httpProxy ?? '', { keepAlive: true });
};
