import { type Page, expect, test } from '@playwright/test';
import { loginAsPresenter } from './helpers';

/**
 * What a lecturer notices first on a projector: a slide whose content runs off the bottom or the
 * side. Every slide, as the presenter sees it (step buttons and all), at a projector's and a
 * laptop's size.
 */

interface Overflow {
  id: string;
  what: string;
  scroll: number;
  client: number;
}

async function overflows(page: Page): Promise<Overflow[]> {
  const ids = await page.$$eval('.reveal .slides > section', (s) => s.map((e) => e.id));
  const found: Overflow[] = [];
  for (const [index, id] of ids.entries()) {
    await page.evaluate((i) => (window as unknown as { lectureDeck: { slide(h: number): void } }).lectureDeck.slide(i), index);
    await expect(page.locator(`section#${id}.present`)).toBeVisible();
    // Hidden fragments keep their place in the layout: this measures the slide fully revealed.
    found.push(
      ...(await page.evaluate((slide) => {
        const section = document.querySelector(`section#${slide}`) as HTMLElement;
        const out: { id: string; what: string; scroll: number; client: number }[] = [];
        const check = (el: Element | null, what: string) => {
          if (!(el instanceof HTMLElement)) return;
          if (el.scrollHeight > el.clientHeight + 1) out.push({ id: slide, what: `${what} height`, scroll: el.scrollHeight, client: el.clientHeight });
          if (el.scrollWidth > el.clientWidth + 1) out.push({ id: slide, what: `${what} width`, scroll: el.scrollWidth, client: el.clientWidth });
        };
        check(section, 'section');
        for (const content of section.querySelectorAll('.slide-content')) check(content, '.slide-content');
        // Code blocks either fit or scroll (overflow: auto), never spill.
        for (const pre of section.querySelectorAll('pre')) {
          const style = getComputedStyle(pre);
          const scrolls = /auto|scroll/.test(style.overflowY) && /auto|scroll/.test(style.overflowX);
          if (!scrolls) check(pre, 'pre');
        }
        // Nothing sticks out of the slide's box (tables, images, wide lines).
        const box = section.getBoundingClientRect();
        for (const el of section.querySelectorAll('table, img, pre, .console-steps, .live-terminal, .block-html > *')) {
          const r = el.getBoundingClientRect();
          if (r.width === 0 && r.height === 0) continue;
          if (r.right > box.right + 1 || r.bottom > box.bottom + 1) {
            out.push({ id: slide, what: `${el.tagName.toLowerCase()}.${el.className} outside the slide`, scroll: Math.round(Math.max(r.right - box.right, r.bottom - box.bottom)), client: 0 });
          }
        }
        return out;
      }, id)),
    );
  }
  return found;
}

for (const [width, height] of [
  [1920, 1080],
  [1280, 720],
] as const) {
  test(`no slide overflows at ${width}x${height}`, async ({ page }) => {
    // A walk over every slide: the time is a wait on a shared, busy machine, not a measured figure.
    test.setTimeout(420_000);
    await page.setViewportSize({ width, height });
    await loginAsPresenter(page);
    await page.waitForFunction(() => 'lectureDeck' in window);
    expect(await page.locator('button.console-steps__step').count()).toBeGreaterThan(0);
    expect(await overflows(page)).toEqual([]);
  });
}
