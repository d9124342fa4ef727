import { type Page, expect } from '@playwright/test';
import { E2E_SECRET } from '../../playwright.config';

export async function loginAsPresenter(page: Page): Promise<void> {
  await page.goto(`/presenter?key=${E2E_SECRET}`);
  await expect(page.locator('.reveal.ready')).toBeVisible();
}

export async function gotoSlide(page: Page, id: string): Promise<void> {
  await page.waitForFunction(() => 'lectureDeck' in window);
  await page.evaluate((slide) => {
    const index = [...document.querySelectorAll('.reveal .slides > section')].findIndex((s) => s.id === slide);
    (window as unknown as { lectureDeck: { slide(h: number): void } }).lectureDeck.slide(index);
  }, id);
  await expect(page.locator(`section#${id}.present`)).toBeVisible();
  // reveal writes the hash debounced (up to 1 s later): a reload before that would land elsewhere.
  await expect(page).toHaveURL(new RegExp(`#/${id}(/|$)`));
}

export function pane(page: Page, slide: string) {
  return page.locator(`section#${slide} [data-pane]`).first();
}

/** What the terminal shows, as text (xterm's DOM renderer keeps one div per row). */
export async function terminalText(page: Page, slide: string): Promise<string> {
  return page.locator(`section#${slide} .xterm-rows`).innerText();
}

/**
 * The slide's terminal's whole buffer, scrollback included: `.xterm-rows` holds only the visible
 * rows, and a long output (a long fortune) scrolls the command that made it out of them.
 */
export async function terminalBuffer(page: Page, slide: string): Promise<string> {
  return page.locator(`section#${slide} .terminal-pane`).evaluate((pane) => (pane as HTMLElement & { bufferText(): string }).bufferText());
}

/** Click into the terminal, clear the shell's input line (Ctrl-U), then type. */
export async function typeInto(page: Page, slide: string, text: string): Promise<void> {
  await page.locator(`section#${slide} .terminal-pane__host`).click();
  await page.keyboard.press('Control+U');
  await page.keyboard.type(text);
}

/** The slides that hold an xterm.js terminal, as offsets from the slide shown (and their ids). */
export async function terminalSlides(page: Page): Promise<{ offset: number; id: string }[]> {
  return page.evaluate(() => {
    const sections = [...document.querySelectorAll('.reveal .slides > section')];
    const shown = sections.findIndex((s) => s.classList.contains('present'));
    return sections.flatMap((s, i) => (s.querySelector('.xterm') ? [{ offset: i - shown, id: s.id }] : []));
  });
}
