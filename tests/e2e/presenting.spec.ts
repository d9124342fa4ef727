import { expect, test } from '@playwright/test';
import { gotoSlide, loginAsPresenter, pane } from './helpers';

/** The lecturer's tools: reveal's speaker view (S), a maximised terminal, a larger terminal font. */

test('S opens the speaker view with the notes, a timer and the next slide, and it opens no shell', async ({ page }) => {
  const slide = 'docker-registries';
  await loginAsPresenter(page);
  await gotoSlide(page, slide);
  const popupPromise = page.waitForEvent('popup');
  await page.locator('.reveal').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('s');
  const popup = await popupPromise;
  const sockets: string[] = [];
  popup.on('websocket', (ws) => sockets.push(ws.url()));
  // The notes of the current slide, the timer, the current and the next slide.
  await expect(popup.locator('.speaker-controls-notes')).toContainText('Images can be shared via Docker Hub', { timeout: 30_000 });
  await expect(popup.locator('.speaker-controls-time .clock-value')).toHaveText(/\d/);
  await expect(popup.locator('#current-slide iframe')).toHaveAttribute('src', /receiver/);
  await expect(popup.locator('#upcoming-slide iframe')).toHaveAttribute('src', /receiver/);
  const upcoming = popup.frameLocator('#upcoming-slide iframe');
  await expect(upcoming.locator('section#docker-security.present')).toBeVisible({ timeout: 30_000 });
  // Moving on in the deck moves the speaker view, still without shells.
  await gotoSlide(page, 'demo-tutorial-detach');
  await expect(popup.locator('.speaker-controls-notes')).toContainText('Do not let go of Ctrl');
  const current = popup.frameLocator('#current-slide iframe');
  // The live terminal is mirrored there (read from the deck's window: still no socket, no shell).
  await expect(current.locator('section#demo-tutorial-detach [data-terminal-state="mirror"]')).toBeVisible();
  await popup.waitForTimeout(1000);
  expect(sockets).toEqual([]);
  await popup.close();
});

test('a terminal maximises over the slide and back, and A+ makes its font larger', async ({ page }) => {
  const slide = 'try-sandbox';
  await loginAsPresenter(page);
  await gotoSlide(page, slide);
  await expect(pane(page, slide)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 90_000 });
  const frame = page.locator(`section#${slide} .live-terminal`);
  const fontSize = () => page.locator(`section#${slide} .xterm-rows`).evaluate((e) => Number.parseFloat(getComputedStyle(e).fontSize));
  const cols = () => pane(page, slide).getAttribute('data-cols').then(Number);

  const small = await frame.boundingBox();
  await frame.getByRole('button', { name: 'Maximise terminal' }).click();
  await expect(frame).toHaveClass(/live-terminal--maximised/);
  const viewport = page.viewportSize() as { width: number; height: number };
  const big = await frame.boundingBox();
  expect(big?.width ?? 0).toBeGreaterThan(viewport.width * 0.95);
  expect(big?.height ?? 0).toBeGreaterThan(viewport.height * 0.95);
  // It is on top: the middle of the screen is the terminal, not the slide's text.
  const onTop = await page.evaluate(() => document.elementFromPoint(innerWidth / 2, innerHeight / 2)?.closest('.live-terminal--maximised') !== null);
  expect(onTop).toBe(true);
  await expect.poll(cols).toBeGreaterThan(100);
  await frame.getByRole('button', { name: 'Restore terminal' }).click();
  await expect(frame).not.toHaveClass(/live-terminal--maximised/);
  await expect.poll(async () => Math.round((await frame.boundingBox())?.width ?? 0)).toBe(Math.round(small?.width ?? 0));

  const before = await fontSize();
  const colsBefore = await cols();
  await frame.getByRole('button', { name: 'Larger font' }).click();
  await expect.poll(fontSize).toBeGreaterThan(before);
  // Larger glyphs, fewer columns: the grid is refitted, not scaled.
  await expect.poll(cols).toBeLessThan(colsBefore);
  await frame.getByRole('button', { name: 'Smaller font' }).click();
  await expect.poll(fontSize).toBe(before);
});
