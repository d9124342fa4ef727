import { type Page, expect, test } from '@playwright/test';
import { gotoSlide, loginAsPresenter, terminalText, typeInto } from './helpers';

/**
 * Terminal geometry as a lecturer meets it on a projector (1920x1080) and a laptop (1280x720):
 * wide enough that `docker ps -a` does not wrap, A+/A- refit the grid inside the slide, and the
 * maximised terminal is not covered by the deck's chrome. Fonts are the bundled ones.
 */

const SLIDE = 'demo-run-existing';

interface Geometry {
  cols: number;
  rows: number;
  font: string;
  screen: { top: number; left: number; right: number; bottom: number };
  pane: { top: number; left: number; right: number; bottom: number };
  slide: { top: number; left: number; right: number; bottom: number };
}

async function geometry(page: Page): Promise<Geometry> {
  return page.evaluate((id) => {
    const box = (el: Element) => {
      const r = el.getBoundingClientRect();
      return { top: r.top, left: r.left, right: r.right, bottom: r.bottom };
    };
    const pane = document.querySelector(`section#${id} .terminal-pane`) as HTMLElement;
    return {
      cols: Number(pane.dataset.cols),
      rows: Number(pane.dataset.rows),
      font: getComputedStyle(pane.querySelector('.xterm-rows') as Element).fontSize,
      screen: box(pane.querySelector('.xterm-screen') as Element),
      pane: box(pane),
      slide: box(document.querySelector(`section#${id}`) as Element),
    };
  }, SLIDE);
}

function inside(inner: Geometry['screen'], outer: Geometry['screen']): boolean {
  return inner.top >= outer.top - 1 && inner.left >= outer.left - 1 && inner.right <= outer.right + 1 && inner.bottom <= outer.bottom + 1;
}

/**
 * What of the slide's chrome lies over what: the terminal against reveal's arrows, and the
 * section's name against the arrows and the presenter strip. Each overlap is named; none is right.
 */
async function overlaps(page: Page): Promise<string[]> {
  return page.evaluate((id) => {
    const visible = (el: Element) => {
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && Number(style.opacity) > 0;
    };
    const parts: [string, Element | null][] = [
      ['terminal', document.querySelector(`section#${id} .live-terminal`)],
      ['section name', document.querySelector(`section#${id} .slide-section`)],
      ['presenter strip', document.querySelector('.deck-status')],
      ...[...document.querySelectorAll('.reveal .controls button')].map((b): [string, Element] => [
        `arrow ${b.className.split(' ')[0]}`,
        b,
      ]),
    ];
    const shown = parts.filter((p): p is [string, Element] => p[1] !== null && visible(p[1]));
    // The section's name is a full-width line with its text centred: what covers is the text.
    const rect = (el: Element) => {
      if (!el.classList.contains('slide-section')) return el.getBoundingClientRect();
      const text = document.createRange();
      text.selectNodeContents(el);
      return text.getBoundingClientRect();
    };
    const hits: string[] = [];
    for (let i = 0; i < shown.length; i++)
      for (let j = i + 1; j < shown.length; j++) {
        const [an, a] = shown[i];
        const [bn, b] = shown[j];
        if (an.startsWith('arrow') && bn.startsWith('arrow')) continue;
        const r = rect(a);
        const q = rect(b);
        if (r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom) hits.push(`${an} / ${bn}`);
      }
    return hits;
  }, SLIDE);
}

async function openDemo(page: Page): Promise<void> {
  await loginAsPresenter(page);
  await gotoSlide(page, SLIDE);
  await expect(page.locator(`section#${SLIDE} [data-terminal-state="ready"]`)).toBeVisible();
}

/** Click a title-bar button and wait until the grid has settled on a new size. */
async function press(page: Page, label: 'Larger font' | 'Smaller font'): Promise<Geometry> {
  const before = await geometry(page);
  await page.locator(`section#${SLIDE} button[aria-label="${label}"]`).click();
  await expect.poll(async () => (await geometry(page)).font).not.toBe(before.font);
  // The grid follows the font (the refit runs after the font has changed).
  return settle(page);
}

async function settle(page: Page): Promise<Geometry> {
  let last = '';
  for (let i = 0; i < 20; i++) {
    const now = JSON.stringify(await geometry(page));
    if (now === last) break;
    last = now;
    await page.waitForTimeout(100);
  }
  return JSON.parse(last) as Geometry;
}

for (const [width, height] of [
  [1920, 1080],
  [1280, 720],
] as const) {
  test.describe(`${width}x${height}`, () => {
    test.use({ viewport: { width, height } });

    test('the split-layout terminal has at least 100 columns; docker ps -a does not wrap', async ({ page }) => {
      await openDemo(page);
      const g = await settle(page);
      expect(g.cols).toBeGreaterThanOrEqual(100);
      expect(g.rows).toBeGreaterThanOrEqual(20);
      expect(inside(g.screen, g.pane)).toBe(true);
      await typeInto(page, SLIDE, 'docker ps -a\n');
      // The header is one row: "CONTAINER ID … NAMES" (it would break before NAMES when narrower).
      await expect.poll(() => terminalText(page, SLIDE)).toMatch(/CONTAINER ID[^\n]*NAMES/);
    });

    test('A+ three times refits rows and columns inside the slide; A- then A+ returns the same grid', async ({ page }) => {
      // Eight clicks, each waited on until the grid settles: time on a busy machine, not a figure.
      test.setTimeout(300_000);
      await openDemo(page);
      const start = await settle(page);
      let g = start;
      for (let i = 0; i < 3; i++) {
        const next = await press(page, 'Larger font');
        expect(Number.parseFloat(next.font)).toBeGreaterThan(Number.parseFloat(g.font));
        g = next;
      }
      // Bigger letters: fewer columns and fewer rows, the whole grid (prompt included) on the slide.
      expect(g.cols).toBeLessThan(start.cols);
      expect(g.rows).toBeLessThan(start.rows);
      expect(inside(g.screen, g.pane)).toBe(true);
      expect(inside(g.pane, g.slide)).toBe(true);
      // The last row of the grid (where the prompt ends up) is above the slide's bottom edge.
      const lastRow = await page.locator(`section#${SLIDE} .xterm-rows > div`).last().boundingBox();
      expect(lastRow).not.toBeNull();
      expect((lastRow?.y ?? 0) + (lastRow?.height ?? 0)).toBeLessThanOrEqual(Math.min(g.slide.bottom, g.pane.bottom) + 1);

      const large = g;
      const smaller = await press(page, 'Smaller font');
      const again = await press(page, 'Larger font');
      expect(smaller.cols).toBeGreaterThan(large.cols);
      expect({ cols: again.cols, rows: again.rows, font: again.font }).toEqual({ cols: large.cols, rows: large.rows, font: large.font });
      for (let i = 0; i < 3; i++) g = await press(page, 'Smaller font');
      expect({ cols: g.cols, rows: g.rows, font: g.font }).toEqual({ cols: start.cols, rows: start.rows, font: start.font });
    });

    test("the terminal ends above reveal's arrows; the section's name is clear of them and of the presenter strip", async ({ page }) => {
      await openDemo(page);
      await settle(page);
      expect(await overlaps(page)).toEqual([]);
    });

    test('the maximised terminal is covered by neither the presenter strip nor the arrows', async ({ page }) => {
      await openDemo(page);
      await page.locator(`section#${SLIDE} button[aria-label="Maximise terminal"]`).click();
      const frame = page.locator('.live-terminal--maximised');
      await expect(frame).toBeVisible();
      await page.waitForTimeout(300);
      const covered = await page.evaluate(() => {
        const el = document.querySelector('.live-terminal--maximised') as HTMLElement;
        const r = el.getBoundingClientRect();
        const points: [number, number][] = [];
        for (const fx of [0.01, 0.25, 0.5, 0.75, 0.99]) for (const fy of [0.01, 0.5, 0.99]) points.push([r.left + fx * r.width, r.top + fy * r.height]);
        return points.filter(([x, y]) => !el.contains(document.elementFromPoint(x, y))).map(([x, y]) => {
          const hit = document.elementFromPoint(x, y);
          return `${Math.round(x)},${Math.round(y)}: ${hit?.className ?? hit?.tagName}`;
        });
      });
      expect(covered).toEqual([]);
      const g = await settle(page);
      expect(g.cols).toBeGreaterThanOrEqual(100);
      expect(inside(g.screen, g.pane)).toBe(true);
    });
  });
}

test('fonts are the bundled ones, served by the deck: nothing from another origin, no fallback', async ({ page, baseURL }) => {
  const foreign: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(baseURL ?? '') && !request.url().startsWith('data:')) foreign.push(request.url());
  });
  await openDemo(page);
  const fonts = await page.evaluate(async () => {
    await document.fonts.ready;
    const loaded = [...document.fonts].filter((f) => f.status === 'loaded').map((f) => `${f.family.replace(/"/g, '')} ${f.style}`);
    const family = (selector: string) => getComputedStyle(document.querySelector(selector) as Element).fontFamily;
    return {
      loaded: [...new Set(loaded)],
      body: family('.reveal'),
      terminal: family('section#demo-run-existing .xterm-rows'),
      code: family('section#demo-run-existing .console-steps__step code'),
    };
  });
  expect(fonts.loaded).toEqual(expect.arrayContaining(['Source Sans 3 Variable normal', 'JetBrains Mono Variable normal']));
  expect(fonts.body).toMatch(/^"?Source Sans 3 Variable/);
  expect(fonts.terminal).toMatch(/^"?JetBrains Mono Variable/);
  expect(fonts.code).toMatch(/^"?JetBrains Mono Variable/);
  expect(JSON.stringify(fonts)).not.toMatch(/DejaVu/);
  expect(foreign).toEqual([]);
});

// Touch screens: reveal sizes its arrows from the screen there (2.5vmin), not from the deck's font.
for (const [name, width, height] of [
  ['phone', 390, 844],
  ['phone on its side', 844, 390],
  ['tablet', 768, 1024],
] as const) {
  test.describe(`${name} (${width}x${height}, touch)`, () => {
    test.use({ viewport: { width, height }, isMobile: true, hasTouch: true });

    test("the terminal, reveal's arrows, the section's name and the presenter strip do not cover each other", async ({ page }) => {
      await openDemo(page);
      await settle(page);
      await expect(page.locator('.reveal .controls .navigate-right.enabled')).toBeVisible();
      expect(await overlaps(page)).toEqual([]);
    });
  });
}
