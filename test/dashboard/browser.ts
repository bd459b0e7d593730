/**
 * Debian's Chromium driven by playwright-core for the dashboard tests: a fresh user-data dir per
 * run, the flags that keep a headless Chromium off the network, and console errors and page
 * errors collected per page. Never `npx playwright install`: CI installs Debian's chromium.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.PATRON_CHROMIUM ?? "/usr/bin/chromium";
export const SCREENSHOTS = new URL("../../artifacts/screenshots/", import.meta.url).pathname;

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium; .ci/run does it) or set PATRON_CHROMIUM.`);
  }
  const profile = mkdtempSync(join(tmpdir(), "patron-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A page whose console errors and uncaught exceptions are collected in `errors`, with the
 * dashboard's API key set (or cleared, for null) before any of its scripts run.
 */
export async function watchedPage(context: BrowserContext, apiKey: string | null): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  await page.addInitScript((key: string | null) => {
    if (key === null) localStorage.removeItem("patron.apiKey");
    else localStorage.setItem("patron.apiKey", key);
  }, apiKey);
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  return { page, errors };
}
