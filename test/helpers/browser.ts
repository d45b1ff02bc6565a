// Headless Chromium for the dashboard's browser tests: Debian's chromium (CHROMIUM_PATH, default
// /usr/bin/chromium) driven by playwright-core, no browser download. Every page opened through
// `open` records console errors and page errors (a Content-Security-Policy violation is one), so a
// test can assert there were none.
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  /** Console and page errors of every page opened, in order (`console: <text> @ <url>`). */
  errors: string[];
  open(url: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Root in a container has no user namespace for Chromium's sandbox.
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
  });
  const context = await browser.newContext();
  const errors: string[] = [];
  context.on("page", (page) => watch(page, errors));
  return {
    browser,
    context,
    errors,
    async open(url: string) {
      const page = await context.newPage();
      await page.goto(url);
      return page;
    },
    async close() {
      await context.close();
      await browser.close();
    },
  };
}

function watch(page: Page, errors: string[]): void {
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()} @ ${message.location().url}`);
  });
  page.on("pageerror", (error) => errors.push(`page: ${error.message}`));
}

/**
 * The errors left once the statuses a test asked for are set aside: Chromium logs a page that
 * answers 401 or 404 as "Failed to load resource"; an asset or a script never may.
 */
export function unexpectedErrors(errors: readonly string[], expectedPageStatuses: readonly number[]): string[] {
  return errors.filter((e) => {
    const m = /^console: Failed to load resource: the server responded with a status of (\d+) .* @ (\S+)$/.exec(e);
    if (!m) return true;
    return !(expectedPageStatuses.includes(Number(m[1])) && !/\/assets\//.test(m[2] ?? ""));
  });
}
