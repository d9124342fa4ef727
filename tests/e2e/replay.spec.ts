import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseCast } from '@lecture/protocol';
import { expect, test } from '@playwright/test';
import { E2E_NO_DOCKER_PORT, E2E_SECRET } from '../../playwright.config';
import { gotoSlide, pane, terminalSlides, typeInto } from './helpers';

const NO_DOCKER = `http://127.0.0.1:${E2E_NO_DOCKER_PORT}`;
const SLIDE = 'demo-run-existing';

test('without a Docker Engine the demo panes replay their recordings, with play, speed and seek', async ({ page }) => {
  await page.goto(`${NO_DOCKER}/presenter?key=${E2E_SECRET}`);
  await expect(page.locator('.reveal.ready')).toBeVisible();
  await gotoSlide(page, SLIDE);
  const replay = pane(page, SLIDE);
  await expect(replay).toHaveAttribute('data-terminal-state', 'replay', { timeout: 30_000 });
  await expect(replay.locator('.replay-pane__label')).toHaveText('Replay');
  await expect(replay.locator('.replay-pane__reason')).toContainText('No Docker Engine is reachable');
  // No REC button on a replay.
  await expect(page.locator(`section#${SLIDE} .live-terminal__rec`)).toHaveCount(0);
  await replay.getByRole('button', { name: '4×' }).click();
  await expect(replay).toHaveAttribute('data-replay-done', 'true', { timeout: 60_000 });
  const rows = page.locator(`section#${SLIDE} .xterm-rows`);
  await expect(rows).toContainText('docker images');
  await expect(rows).toContainText('lecture/debian');
  // Seek back to the start: the screen is the first frame again, and playing reaches the end again.
  await replay.getByRole('slider', { name: 'Seek' }).fill('0');
  await expect(replay).toHaveAttribute('data-replay-done', 'false');
  await expect(rows).not.toContainText('lecture/debian');
  await replay.getByRole('button', { name: 'Play' }).click();
  await expect(replay).toHaveAttribute('data-replay-done', 'true', { timeout: 60_000 });

  // Every other demo slide replays too (no error panes), also for the audience.
  for (const slide of ['demo-singularity-shell', 'try-sandbox']) {
    await gotoSlide(page, slide);
    await expect(pane(page, slide)).toHaveAttribute('data-terminal-state', 'replay');
  }
  const health = await page.request.get(`${NO_DOCKER}/api/health`);
  expect(health.status()).toBe(503);
  const cast = await page.request.get(`${NO_DOCKER}/recordings/${SLIDE}.cast`);
  expect(cast.status()).toBe(200);
  expect((await cast.text()).split('\n')[0]).toMatch(/^\{"version":2,"width":\d+,"height":\d+/);
  expect((await page.request.get(`${NO_DOCKER}/recordings/..%2Fpackage.json`)).status()).toBe(404);
});

test('?replay forces replay even with a Docker Engine, and opens no shell', async ({ page }) => {
  // As the presenter (an audience page would follow the presenter's slide).
  await page.goto(`/presenter?key=${E2E_SECRET}`);
  await page.goto(`/?replay#/${SLIDE}`);
  await expect(page.locator(`section#${SLIDE}.present`)).toBeVisible();
  const replay = pane(page, SLIDE);
  await expect(replay).toHaveAttribute('data-terminal-state', 'replay', { timeout: 30_000 });
  await expect(replay.locator('.replay-pane__reason')).toContainText('?replay');
  await replay.getByRole('button', { name: '4×' }).click();
  await expect(replay).toHaveAttribute('data-replay-done', 'true', { timeout: 60_000 });
  // Replays are terminals too: made only on and next to the slide shown, not for every demo at load.
  const far = (await terminalSlides(page)).filter((s) => Math.abs(s.offset) > 1).map((s) => s.id);
  expect(far).toEqual([]);
  expect(await page.locator('.reveal .slides > section [data-pane-frame]').count()).toBeGreaterThan(10);
});

test('● REC records the presenter’s pane into recordings/live/ as an asciicast', async ({ page }) => {
  await page.goto(`/presenter?key=${E2E_SECRET}`);
  await expect(page.locator('.reveal.ready')).toBeVisible();
  await gotoSlide(page, 'try-sandbox');
  await expect(pane(page, 'try-sandbox')).toHaveAttribute('data-terminal-state', 'ready', { timeout: 90_000 });
  const rec = page.locator('section#try-sandbox .live-terminal__rec');
  await expect(rec).toHaveAttribute('data-recording', 'false');
  await rec.click();
  await expect(rec).toHaveAttribute('data-recording', 'true');
  const file = /recordings\/(live\/sandbox-[^ ]+\.cast)/.exec((await rec.getAttribute('title')) ?? '')?.[1];
  expect(file).toBeTruthy();
  await typeInto(page, 'try-sandbox', 'echo recorded-$((6*7))');
  await page.keyboard.press('Enter');
  await expect(page.locator('section#try-sandbox .xterm-rows')).toContainText('recorded-42');
  await rec.click();
  await expect(rec).toHaveAttribute('data-recording', 'false');
  const path = join(import.meta.dirname, '../../slides/containers-demo/recordings', file as string);
  await expect.poll(() => existsSync(path)).toBe(true);
  const cast = parseCast(readFileSync(path, 'utf8'));
  rmSync(path);
  expect(cast.header.width).toBeGreaterThan(10);
  expect(cast.events[0]?.[0]).toBe(0);
  expect(cast.events.map((e) => e[2]).join('')).toContain('recorded-42');
});
