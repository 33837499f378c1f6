/**
 * Debian's Chromium for tests that look at pages as a person would (through playwright-core, which
 * downloads no browser of its own). Where it is missing the tests that need it skip with a one-line
 * reason, except under OPSBOOK_REQUIRE_SERVICES=1 (set by .ci/run), where they fail.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContextOptions, type CDPSession, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

// No sandbox: tests run as root in a container. The rest keeps the browser off the network and quiet.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Whether Chromium is installed; when not, warns that `what` is skipped (or throws under OPSBOOK_REQUIRE_SERVICES=1). */
export function chromiumPresent(what: string): boolean {
  const present = fs.existsSync(CHROMIUM);
  if (!present && process.env.OPSBOOK_REQUIRE_SERVICES === '1') throw new Error(`${CHROMIUM} is missing and OPSBOOK_REQUIRE_SERVICES=1 (apt-get install -y chromium)`);
  if (!present) console.warn(`skipping ${what}: ${CHROMIUM} is not installed (apt-get install -y chromium)`);
  return present;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** Fills in and sends the sign-in form the page shows, then waits for the overview at `base`/. */
export async function signInOnPage(page: Page, base: string, user: string, password: string): Promise<void> {
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/`);
}

// What the code evaluated in the page uses of the browser's globals (the project compiles without the DOM lib).
declare const window: Record<string, unknown>;
declare const document: unknown;

let axeSource: string | undefined;
const axe = (): string => (axeSource ??= fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));

/**
 * A page in a context of its own that every document it loads gets axe-core in, for axeProblems. Handed
 * to the browser once, axe is compiled from its cache at each load; added to each page after it loaded
 * (addScriptTag), its 550 kB crossed the DevTools pipe and was compiled afresh every time, which cost
 * more than the audit itself (measured over 8 pages: 5.1 s of injecting beside 5.4 s of auditing).
 * The UI's Content-Security-Policy forbids inline scripts; the audit's own script is let in.
 */
export async function newAuditedPage(browser: Browser, options: BrowserContextOptions): Promise<Page> {
  const context = await browser.newContext({ ...options, bypassCSP: true });
  await context.addInitScript({ content: axe() });
  return context.newPage();
}

const sessions = new WeakMap<Page, Promise<CDPSession>>();

/**
 * A PNG of the whole page as it is now (beyond the viewport, both ways), written to `file`. Asked of
 * Chromium directly with its encoder set for speed, not size: Playwright's fullPage screenshot, at
 * the smallest size, took 1.2–2.4× as long (measured on a check's page at 1366 and 390 px, load 10;
 * the files are about a third larger).
 */
export async function fullPageShot(page: Page, file: string): Promise<void> {
  let session = sessions.get(page);
  if (!session) sessions.set(page, (session = page.context().newCDPSession(page)));
  const cdp = await session;
  // A page just navigated to may have no frame drawn yet: Chromium then answers "Unable to capture
  // screenshot" (seen once in CI on a busy machine, right after a navigation). Wait for a frame, and
  // ask again a few times before giving up.
  for (let attempt = 1; ; attempt++) {
    await page.waitForLoadState('load');
    await page.evaluate(() => new Promise<void>((resolve) => (globalThis as unknown as { requestAnimationFrame(f: () => void): void }).requestAnimationFrame(() => resolve())));
    const { cssContentSize: size } = await cdp.send('Page.getLayoutMetrics');
    const clip = { x: 0, y: 0, width: Math.max(1, Math.ceil(size.width)), height: Math.max(1, Math.ceil(size.height)), scale: 1 };
    try {
      const shot = await cdp.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, optimizeForSpeed: true, clip });
      fs.writeFileSync(file, Buffer.from(shot.data, 'base64'));
      return;
    } catch (e) {
      if (attempt >= 3 || !/Unable to capture screenshot/.test(String(e))) throw e;
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
}

export const SCHEMES = ['light', 'dark'] as const;
export const WIDTHS = [1366, 390] as const;
export type Scheme = (typeof SCHEMES)[number];

/**
 * Shows the document loaded in `page` in each colour scheme at each width (light and dark, 1366 and
 * 390 px wide, `height` high) and calls `look` in each view; leaves the page light at the size it had.
 * The UI answers the scheme and the width in its CSS's media queries only (no script of it reads
 * either), so the document switched in place renders as one loaded in that view would: one load
 * instead of four. Throws when the page does not see the scheme or width it was given.
 */
export async function inEachView(page: Page, look: (scheme: Scheme, width: number) => Promise<void>, height = 900): Promise<void> {
  const size = page.viewportSize();
  try {
    for (const scheme of SCHEMES) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height });
        const seen = await page.evaluate(() => {
          const w = window as unknown as { innerWidth: number; matchMedia(q: string): { matches: boolean } };
          return { dark: w.matchMedia('(prefers-color-scheme: dark)').matches, width: w.innerWidth };
        });
        if (seen.dark !== (scheme === 'dark') || seen.width !== width) throw new Error(`the page sees ${JSON.stringify(seen)}, not ${scheme} at ${width} px`);
        await look(scheme, width);
      }
    }
  } finally {
    await page.emulateMedia({ colorScheme: 'light' });
    if (size) await page.setViewportSize(size);
  }
}

/** axe-core's serious and critical WCAG 2.1 A/AA and best-practice violations on the page now, one line per element. */
export async function axeProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axe() });
  const violations = await page.evaluate(async () => {
    const axe = window.axe as { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[]; failureSummary?: string }> }> }> };
    // resultTypes: every rule still runs on every element; only the passes, incomplete and inapplicable
    // results (unused here) are cut to one node each instead of a selector built for every element.
    return (await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] })).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${v.help} at ${n.target.join(' ')}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, ' ')}` : ''}`));
}

/** What stands out past the right edge of the window, when the document is wider than it. */
export interface Overflow {
  /** The document's width (scrollWidth) against the window's (innerWidth), in CSS px. */
  scrollWidth: number;
  innerWidth: number;
  /** The element reaching furthest right that no scrolling box of its own clips, described. */
  widest: string;
}

/**
 * Whether the document loaded in `page` is wider than the window (a phone's screen scrolls sideways
 * then): undefined when it fits, else how wide and which element reaches furthest. An element inside a
 * box that scrolls or clips on its own (a wide table in a scrolling wrapper, a `<pre>`) does not widen
 * the page and is not named.
 */
export async function pageOverflow(page: Page): Promise<Overflow | undefined> {
  return page.evaluate(() => {
    interface El {
      tagName: string;
      id: string;
      className: unknown;
      textContent: string | null;
      parentElement: El | null;
      scrollWidth: number;
      children: Iterable<El>;
      getBoundingClientRect(): { left: number; right: number };
    }
    const g = globalThis as unknown as {
      innerWidth: number;
      document: { documentElement: { scrollWidth: number }; body: El; querySelectorAll(s: string): Iterable<El> };
      getComputedStyle(el: El): { overflowX: string };
    };
    const { innerWidth, document } = g;
    const scrollWidth = document.documentElement.scrollWidth;
    if (scrollWidth <= innerWidth) return undefined;
    const clipped = (el: El): boolean => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) if (g.getComputedStyle(p).overflowX !== 'visible') return true;
      return false;
    };
    // How far right an element reaches: its box, or the text it holds spilling out of the box (a word
    // too long for its line) unless the box scrolls or clips it, or an element inside accounts for it.
    const spill = (el: El): number => (g.getComputedStyle(el).overflowX === 'visible' ? el.getBoundingClientRect().left + el.scrollWidth : 0);
    const reach = (el: El): number => {
      const box = el.getBoundingClientRect().right;
      if (box > innerWidth) return box;
      const text = spill(el);
      if (text <= innerWidth || [...el.children].some((c) => Math.max(c.getBoundingClientRect().right, spill(c)) >= text - 1)) return 0;
      return text;
    };
    const reaching = [...document.querySelectorAll('body *')].filter((el) => !clipped(el)).map((el) => ({ el, right: reach(el) }));
    const furthest = Math.max(0, ...reaching.map((r) => r.right));
    // The outermost of those reaching as far: a table rather than its last header cell.
    const widest = furthest > innerWidth ? reaching.find((r) => r.right >= furthest - 1) : undefined;
    if (!widest) return { scrollWidth, innerWidth, widest: 'none found' };
    const { el, right } = widest;
    const classes = typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 60);
    const parent = el.parentElement ? el.parentElement.tagName.toLowerCase() : '';
    return { scrollWidth, innerWidth, widest: `<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${classes}> in <${parent}> reaching ${Math.round(right)} px: "${text}"` };
  });
}
