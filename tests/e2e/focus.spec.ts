import { type Page, expect, test } from '@playwright/test';
import { gotoSlide, loginAsPresenter, pane, terminalText } from './helpers';

/**
 * The keyboard in front of a room: after a click-to-run the deck has the keys again (a clicker's
 * PageDown moves on), and Esc closes what is on top (a maximised terminal, the QR code) without
 * opening reveal's overview behind it.
 */

const SLIDE = 'demo-run-existing';

const isOverview = (page: Page) => page.evaluate(() => (window as unknown as { lectureDeck: { isOverview(): boolean } }).lectureDeck.isOverview());
const slideIndex = (page: Page) => page.evaluate(() => (window as unknown as { lectureDeck: { getIndices(): { h: number } } }).lectureDeck.getIndices().h);

test.beforeEach(async ({ page }) => {
  await loginAsPresenter(page);
  await gotoSlide(page, SLIDE);
  await expect(pane(page, SLIDE)).toHaveAttribute('data-terminal-state', 'ready');
});

test('after a click-to-run the keyboard belongs to the deck: PageDown moves to the next slide', async ({ page }) => {
  await page.locator(`section#${SLIDE} button.console-steps__step`).first().click();
  await expect.poll(() => terminalText(page, SLIDE)).toMatch(/Server:/);
  // Neither the terminal nor the step button holds the focus (Space there would run it again).
  const focused = await page.evaluate(() => {
    const el = document.activeElement;
    return { inTerminal: !!el?.closest('.terminal-pane'), tag: el?.tagName };
  });
  expect(focused.inTerminal).toBe(false);
  expect(focused.tag).not.toBe('BUTTON');
  const before = await slideIndex(page);
  const screen = await terminalText(page, SLIDE);
  await page.keyboard.press('PageDown');
  await expect.poll(() => slideIndex(page)).toBe(before + 1);
  // …and the shell got nothing (PageDown in a terminal would be an escape sequence).
  expect(await terminalText(page, SLIDE)).toBe(screen);
});

test('Esc restores a maximised terminal and does not open the overview', async ({ page }) => {
  const frame = page.locator(`section#${SLIDE} .live-terminal`);
  await frame.getByRole('button', { name: 'Maximise terminal' }).click();
  await expect(frame).toHaveClass(/live-terminal--maximised/);
  await page.keyboard.press('Escape');
  await expect(frame).not.toHaveClass(/live-terminal--maximised/);
  expect(await isOverview(page)).toBe(false);
  // With nothing on top, Esc is reveal's again (the overview): the key was only borrowed.
  await page.keyboard.press('Escape');
  await expect.poll(() => isOverview(page)).toBe(true);
});

test('Esc closes the QR overlay and does not open the overview', async ({ page }) => {
  await page.locator('.deck-status').getByRole('button', { name: 'Share' }).click();
  const overlay = page.locator('.share-overlay');
  await expect(overlay).toBeVisible();
  await expect(overlay.locator('svg')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(overlay).toBeHidden();
  expect(await isOverview(page)).toBe(false);
});
