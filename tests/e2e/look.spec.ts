import { type Page, expect, test } from '@playwright/test';
import { gotoSlide, loginAsPresenter } from './helpers';

/**
 * The look a lecturer notices on a projector: the slide number clear of the arrows, emphasis in
 * italics, content balanced on the slide, designed title and section slides, SVG diagrams.
 */

const box = (page: Page, selector: string) =>
  page.locator(selector).evaluateAll((els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width };
    }),
  );

for (const [width, height] of [
  [1920, 1080],
  [1280, 720],
] as const) {
  test(`the slide number does not overlap the navigation arrows at ${width}x${height}`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    await loginAsPresenter(page);
    await gotoSlide(page, 'questions-for-today');
    const [number] = await box(page, '.reveal .slide-number');
    const arrows = (await box(page, '.reveal .controls button')).filter((b) => b.width > 0);
    expect(number).toBeDefined();
    expect(arrows.length).toBeGreaterThan(0);
    for (const arrow of arrows) {
      const apart =
        (number?.right ?? 0) <= arrow.left || (number?.left ?? 0) >= arrow.right || (number?.bottom ?? 0) <= arrow.top || (number?.top ?? 0) >= arrow.bottom;
      expect(apart, JSON.stringify({ number, arrow })).toBe(true);
    }
  });
}

test('emphasis renders: italics in the deck font, bold in bold', async ({ page }) => {
  await loginAsPresenter(page);
  await gotoSlide(page, 'vm-vs-containers-table');
  const styles = await page.evaluate(async () => {
    await document.fonts.ready;
    const em = document.createElement('em');
    em.textContent = 'x';
    const strong = document.createElement('strong');
    strong.textContent = 'y';
    const host = document.querySelector('section.present .slide-body') as HTMLElement;
    host.append(em, strong);
    const out = {
      em: getComputedStyle(em).fontStyle,
      strong: Number(getComputedStyle(strong).fontWeight),
      italicFace: [...document.fonts].some((f) => f.family.includes('Source Sans 3') && f.style === 'italic' && f.status === 'loaded'),
    };
    em.remove();
    strong.remove();
    return out;
  });
  expect(styles.em).toBe('italic');
  expect(styles.strong).toBeGreaterThanOrEqual(600);
  // The italic face is the deck's own, not a slanted fallback.
  expect(styles.italicFace).toBe(true);
});

test('a short slide is balanced: its body sits in the middle of the space under the heading', async ({ page }) => {
  await loginAsPresenter(page);
  await gotoSlide(page, 'questions-for-today');
  const [heading] = await box(page, 'section#questions-for-today .slide-heading');
  const [list] = await box(page, 'section#questions-for-today .slide-body ul');
  const viewport = page.viewportSize() as { height: number };
  const middle = ((list?.top ?? 0) + (list?.bottom ?? 0)) / 2;
  const space = { top: heading?.bottom ?? 0, bottom: viewport.height };
  // Not hanging from the top: the list's centre is in the middle third of the space below the heading.
  expect(middle).toBeGreaterThan(space.top + (space.bottom - space.top) / 3);
  expect(middle).toBeLessThan(space.top + ((space.bottom - space.top) * 2) / 3);
});

test('title and section slides are designed: dark, centred, numbered parts, no tables', async ({ page }) => {
  // A walk over six slides: time on a busy machine, not a figure.
  test.setTimeout(300_000);
  await loginAsPresenter(page);
  const sections = await page.$$eval('.reveal .slides > section.section-title', (s) => s.map((e) => e.id));
  expect(sections.length).toBeGreaterThanOrEqual(4);
  for (const [i, id] of sections.entries()) {
    await gotoSlide(page, id);
    // Numbered in deck order on every divider (a deck-wide CSS counter skipped the slides reveal
    // hides with display: none, so each divider said "Part 1").
    await expect(page.locator(`section#${id}`)).toHaveAttribute('data-part', String(i + 1));
    expect(await page.locator(`section#${id}`).evaluate((s) => getComputedStyle(s).counterReset)).toBe(`deck-part ${i + 1}`);
    await expect(page.locator('.reveal')).toHaveClass(/has-dark-background/);
    await expect(page.locator(`section#${id} table`)).toHaveCount(0);
    const kicker = await page.locator(`section#${id} h1`).evaluate((h) => getComputedStyle(h, '::before').content);
    expect(kicker).toContain('Part');
    const [h1] = await box(page, `section#${id} h1`);
    const viewport = page.viewportSize() as { height: number };
    // Centred vertically, not at the top.
    expect(((h1?.top ?? 0) + (h1?.bottom ?? 0)) / 2).toBeGreaterThan(viewport.height * 0.3);
  }
  await gotoSlide(page, 'title');
  await expect(page.locator('.reveal')).toHaveClass(/has-dark-background/);
});

test('the diagrams are SVG, not boxes drawn with inline styles', async ({ page }) => {
  await loginAsPresenter(page);
  for (const id of ['vm-vs-containers-diagram', 'docker-client-server']) {
    await gotoSlide(page, id);
    await expect(page.locator(`section#${id} figure.diagram svg`)).toBeVisible();
    await expect(page.locator(`section#${id} [style*="border"]`)).toHaveCount(0);
    await expect(page.locator(`section#${id} pre`)).toHaveCount(0);
    // Its text is set in the deck's font.
    const family = await page.locator(`section#${id} figure.diagram svg text`).first().evaluate((t) => getComputedStyle(t).fontFamily);
    expect(family).toMatch(/^"?Source Sans 3 Variable/);
  }
});
