import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

// Headless Chromium from Debian's package (apt-get install chromium), driven by playwright-core:
// `npx playwright install` downloads browsers, which cannot work here. Each launch gets a fresh
// profile directory, removed on stop.

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserUnderTest {
  context: BrowserContext;
  stop(): Promise<void>;
}

export async function launchChromium(options: { viewport?: { width: number; height: number } } = {}): Promise<BrowserUnderTest> {
  const profile = await mkdtemp(join(tmpdir(), 'berth-chromium-'));
  // A persistent context is how a chosen --user-data-dir is passed to playwright.
  const context = await chromium
    .launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: options.viewport ?? { width: 1200, height: 800 },
      timeout: 60_000,
    })
    .catch(async (error: unknown) => {
      await rm(profile, { recursive: true, force: true });
      throw error;
    });
  return {
    context,
    async stop() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
