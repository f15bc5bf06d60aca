import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

import { createLogger } from '../../src/observability/logger';
import { createLogCapture } from '../support/harness';

/** Debian's Chromium (apt-get install chromium); never a downloaded one. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const launchChromium = async (): Promise<Browser> => {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
};

/** Screenshots go here (git-ignored). */
export const ARTIFACTS = join(__dirname, 'artifacts');

export const screenshot = async (page: Page, name: string): Promise<string> => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  return path;
};

const isLoopback = (url: string) => {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
};

/**
 * The context as if offline, but for this machine: every request to anywhere but 127.0.0.1 is
 * aborted (setOffline would cut loopback too), and its URL kept, so a test can assert none was tried.
 */
export const blockTheInternet = async (context: BrowserContext): Promise<string[]> => {
  const blocked: string[] = [];
  await context.route('**', async (route) => {
    const url = route.request().url();
    if (isLoopback(url)) return route.continue();
    blocked.push(url);
    return route.abort('internetdisconnected');
  });
  return blocked;
};

/** A logger whose lines the test reads: the gateway's one line per GraphQL request among them. */
export const capturedLogger = () => {
  const logs = createLogCapture();
  const logger = createLogger({ level: 'info', destination: logs.stream });
  const requests = () =>
    logs.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'graphql request');
  return { logs, logger, requests };
};
