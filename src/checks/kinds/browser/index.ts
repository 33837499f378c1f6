import { performance } from 'node:perf_hooks';
import type { Browser, Page } from 'playwright-core';
import type { CheckContext, CheckKind, Observation } from '../../types.js';
import { errorText } from '../shared/observe-http.js';
import { BROWSER_CONCURRENCY, takeBrowserSlot } from './slots.js';
import { browserSchema, type BrowserOptions } from './schema.js';

// No sandbox: opsbook often runs as root in a container. The rest keeps the browser quiet and off
// every network but the page's own.
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

async function loadPage(page: Page, config: BrowserOptions, ctx: CheckContext, values: Observation['values']): Promise<void> {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  values.CONSOLE = errors;
  const t0 = performance.now();
  const response = await page.goto(config.url, { waitUntil: config.wait_until, timeout: ctx.timeoutMs });
  values.LOAD_TIME = Math.round(performance.now() - t0);
  values.STATUS = response?.status() ?? 0;
  values.URL = page.url();
  values.TITLE = await page.title();
  if (config.selector) {
    const first = page.locator(config.selector).first();
    values.SELECTOR = (await first.count()) > 0;
    if (values.SELECTOR) values.TEXT = ((await first.textContent()) ?? '').trim();
  }
  values.CONSOLE_ERRORS = errors.length;
}

/**
 * Loads a page in a real Chromium, as a person's browser would: scripts run, sub-resources load.
 * Reports the document's status, the load time, whether a selector is there and its text, and the
 * console errors. At most BROWSER_CONCURRENCY browsers run at once; a run that finds every slot
 * busy for half its timeout is pending, not down.
 */
export const browserKind: CheckKind<BrowserOptions> = {
  ...browserSchema,
  run: async (config, ctx): Promise<Observation> => {
    const started = performance.now();
    const release = await takeBrowserSlot(ctx.timeoutMs / 2, ctx.signal, ctx.clock);
    if (!release) return { values: {}, pending: `all ${BROWSER_CONCURRENCY} browser slots busy` };
    // Loaded on first use: playwright-core is large and most opsbook commands never open a page.
    const { chromium } = await import('playwright-core');
    const values: Observation['values'] = {};
    let browser: Browser | undefined;
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      void browser?.close().catch(() => undefined);
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      browser = await chromium.launch({ executablePath: config.executable, args: CHROMIUM_FLAGS, timeout: ctx.timeoutMs });
      if (aborted) throw new Error('aborted');
      const context = await browser.newContext({ extraHTTPHeaders: config.headers, ignoreHTTPSErrors: config.ignore_https_errors });
      await loadPage(await context.newPage(), config, ctx, values);
      values.RESPONSE_TIME = Math.round(performance.now() - started);
      return { values, value: values.LOAD_TIME as number };
    } catch (e) {
      // Playwright's messages run to many lines of call log; the first says what happened.
      return { values, error: errorText(e).split('\n')[0]! };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await browser?.close().catch(() => undefined);
      release();
    }
  },
};
