import { resolve } from 'node:path';
import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './scripts/chromium.mjs';

/** End-to-end: real Chromium (Debian's, never a downloaded one) against the real server. */
export const E2E_SECRET = 'e2e-presenter-secret-42';
export const E2E_PORT = Number(process.env.E2E_PORT ?? 8190);
export const E2E_NO_DOCKER_PORT = E2E_PORT + 1;
/** `npm run dev`'s watching server, on a copy of the second deck (slides/processes) that decks.spec.ts edits. */
export const E2E_DEV_PORT = E2E_PORT + 2;
export const E2E_DEV_DECK = resolve(import.meta.dirname, 'test-results/dev-deck');


export default defineConfig({
  testDir: 'tests/e2e',
  // Presenter panes are shared by pane id on one server: run the specs one after another.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  outputDir: 'test-results/e2e',
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    viewport: { width: 1920, height: 1080 },
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: [
    {
      command: 'node apps/server/dist/main.js',
      url: `http://127.0.0.1:${E2E_PORT}/api/health`,
      env: { PORT: String(E2E_PORT), HOST: '127.0.0.1', LECTURE_SECRET: E2E_SECRET },
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
    },
    {
      // The same deck with no Docker Engine behind it.
      command: 'node apps/server/dist/main.js',
      url: `http://127.0.0.1:${E2E_NO_DOCKER_PORT}/`,
      env: {
        PORT: String(E2E_NO_DOCKER_PORT),
        HOST: '127.0.0.1',
        LECTURE_SECRET: E2E_SECRET,
        DOCKER_HOST: 'unix:///nonexistent/docker.sock',
      },
      reuseExistingServer: false,
      timeout: 60_000,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    },
    {
      // The second deck, watched as `npm run dev -- slides/processes` watches it, from a fresh copy.
      command: `rm -rf ${E2E_DEV_DECK} && mkdir -p test-results && cp -r slides/processes ${E2E_DEV_DECK} && node apps/server/dist/main.js`,
      url: `http://127.0.0.1:${E2E_DEV_PORT}/api/health`,
      env: {
        PORT: String(E2E_DEV_PORT),
        HOST: '127.0.0.1',
        LECTURE_SECRET: E2E_SECRET,
        LECTURE_DECK: E2E_DEV_DECK,
        LECTURE_WATCH: '1',
        LECTURE_RECORDINGS: 'slides/processes/recordings',
      },
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
    },
  ],
});
