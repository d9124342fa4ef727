import { type Browser, type Page, expect, test } from '@playwright/test';
import { gotoSlide, loginAsPresenter, pane, terminalText, typeInto } from './helpers';

/**
 * What the room sees, and what only the lecturer sees: poll results hidden on the projector until
 * revealed (the running count in the speaker view), the join address on the poll slide, the live
 * terminals mirrored in the speaker view without extra shells, and a phone's readable mirror.
 */

const POLL_SLIDE = 'what-is-docker-poll';

async function openSpeakerView(page: Page): Promise<Page> {
  const popupPromise = page.waitForEvent('popup');
  await page.locator('.reveal').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('s');
  return popupPromise;
}

async function student(browser: Browser, viewport = { width: 1280, height: 720 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.locator('.deck-status')).toContainText('Audience');
  return { page, close: () => context.close() };
}

test('poll results stay off the projector until revealed; the speaker view has the running count', async ({ browser, page }) => {
  await loginAsPresenter(page);
  await gotoSlide(page, POLL_SLIDE);
  const slide = page.locator(`section#${POLL_SLIDE}`);
  // Other specs' students voted on this poll: start it empty, as a lecturer would.
  await slide.getByRole('button', { name: 'Reset' }).click();
  await expect(slide.locator('.poll__total')).toHaveAttribute('data-total', '0');
  // The slide says where to join: the audience address and its QR code.
  const join = slide.locator('.poll-join');
  await expect(join.locator('svg')).toBeVisible();
  await expect(join).toHaveAttribute('data-join-url', /^http:\/\/[^/]+\/$/);
  await expect(join.locator('.poll-join__url')).not.toBeEmpty();

  const popup = await openSpeakerView(page);
  const sockets: string[] = [];
  popup.on('websocket', (ws) => sockets.push(ws.url()));
  const speaker = popup.frameLocator('#current-slide iframe').locator(`section#${POLL_SLIDE}`);
  await expect(speaker).toBeVisible({ timeout: 30_000 });

  const alice = await student(browser);
  try {
    await expect.poll(() => alice.page.locator('.reveal .slides > section.present').getAttribute('id')).toBe(POLL_SLIDE);
    await alice.page.locator(`section#${POLL_SLIDE} .poll__vote`).nth(2).click();
    await expect(alice.page.locator(`section#${POLL_SLIDE} .poll__option--mine`)).toHaveCount(1);

    // The projector: how many answered, not what they answered.
    await expect(slide.locator('.poll__total')).toHaveAttribute('data-total', '1');
    await expect(slide.locator('.poll__bar')).toHaveCount(0);
    await expect(slide.locator('.poll__count')).toHaveCount(0);
    // The speaker view: the running count, privately.
    await expect(speaker.locator('.poll__bar').nth(2)).toHaveAttribute('data-count', '1');
    await expect(speaker.locator('.poll__private')).toBeVisible();
    // The student's screen neither.
    await expect(alice.page.locator(`section#${POLL_SLIDE} .poll__bar`)).toHaveCount(0);

    await slide.getByRole('button', { name: 'Reveal results' }).click();
    await expect(slide.locator('.poll__bar').nth(2)).toHaveAttribute('data-count', '1');
    await expect(alice.page.locator(`section#${POLL_SLIDE} .poll__bar`).nth(2)).toHaveAttribute('data-count', '1');
    // The speaker view opened no socket of its own.
    expect(sockets).toEqual([]);
  } finally {
    // Leave the poll as it was for the other specs: hidden and empty.
    await slide.getByRole('button', { name: 'Hide results' }).click();
    await slide.getByRole('button', { name: 'Reset' }).click();
    await expect(slide.locator('.poll__total')).toHaveAttribute('data-total', '0');
    await alice.close();
    await popup.close();
  }
});

test('the speaker view mirrors the live terminal read-only, with no shell of its own', async ({ page }) => {
  const slide = 'demo-run-existing';
  await loginAsPresenter(page);
  await gotoSlide(page, slide);
  await expect(pane(page, slide)).toHaveAttribute('data-terminal-state', 'ready');
  const marker = `speaker-${Date.now()}`;
  await typeInto(page, slide, `echo ${marker}`);
  await page.keyboard.press('Enter');
  await expect.poll(() => terminalText(page, slide)).toContain(`${marker}\n`);
  await page.keyboard.press('Control+]');

  const popup = await openSpeakerView(page);
  const sockets: string[] = [];
  popup.on('websocket', (ws) => sockets.push(ws.url()));
  const mirror = popup.frameLocator('#current-slide iframe').locator(`section#${slide} [data-terminal-state="mirror"]`);
  await expect(mirror).toContainText(marker, { timeout: 30_000 });
  // It follows: new output on the deck shows up in the speaker view.
  const second = `again-${Date.now()}`;
  await typeInto(page, slide, `echo ${second}`);
  await page.keyboard.press('Enter');
  await expect(mirror).toContainText(second);
  // Read-only: no terminal (xterm) to type into, and no socket from the speaker view.
  await expect(popup.frameLocator('#current-slide iframe').locator(`section#${slide} .xterm`)).toHaveCount(0);
  expect(sockets).toEqual([]);
  await popup.close();
});

test('on a 390x844 phone the mirrored terminal keeps text of at least 11 px, scrolls sideways and shows its newest rows', async ({ browser, page }) => {
  const slide = 'try-sandbox';
  await loginAsPresenter(page);
  await gotoSlide(page, slide);
  await expect(pane(page, slide)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 90_000 });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    const phone = await context.newPage();
    await phone.goto(`/#/${slide}`);
    const mirror = pane(phone, slide);
    await expect(mirror).toHaveAttribute('data-terminal-mode', 'viewer', { timeout: 30_000 });
    const marker = `phone-${Date.now()}`;
    // Enough lines that the lecturer's cursor is on the grid's last row.
    await typeInto(page, slide, `seq 1 60; echo ${marker}`);
    await page.keyboard.press('Enter');
    await expect.poll(() => mirror.locator('.xterm-rows').textContent()).toContain(marker);
    // The grid is taller than the pane: it follows the cursor, so the marker and the prompt
    // after it, on the grid's last rows, are in view without a touch.
    const newestInView = () =>
      mirror.evaluate((el, text) => {
        const host = el.querySelector('.terminal-pane__host') as HTMLElement;
        const rows = [...el.querySelectorAll('.xterm-rows > div')];
        const row = rows.findLast((r) => r.textContent?.includes(text));
        const prompt = row?.nextElementSibling;
        const box = host.getBoundingClientRect();
        const inView = (r: Element | null | undefined) =>
          !!r && r.getBoundingClientRect().top >= box.top - 1 && r.getBoundingClientRect().bottom <= box.bottom + 1;
        return { taller: host.scrollHeight > host.clientHeight, marker: inView(row), prompt: inView(prompt) };
      }, marker);
    await expect.poll(newestInView).toEqual({ taller: true, marker: true, prompt: true });
    // Scrolled up by the student to read, it stays there while the lecturer types on.
    const host = mirror.locator('.terminal-pane__host');
    await host.evaluate((el) => el.scrollTo({ top: 0 }));
    await typeInto(page, slide, `echo ${marker}-more`);
    await page.keyboard.press('Enter');
    await expect.poll(() => mirror.locator('.xterm-rows').textContent()).toContain(`${marker}-more`);
    await phone.waitForTimeout(300);
    expect(await host.evaluate((el) => el.scrollTop)).toBe(0);
    const seen = await mirror.evaluate((el) => {
      const host = el.querySelector('.terminal-pane__host') as HTMLElement;
      return {
        font: Number.parseFloat(getComputedStyle(el.querySelector('.xterm-rows') as Element).fontSize),
        scrollWidth: host.scrollWidth,
        clientWidth: host.clientWidth,
        overflowX: getComputedStyle(host).overflowX,
        cols: Number(el.getAttribute('data-cols')),
      };
    });
    expect(seen.cols).toBeGreaterThanOrEqual(100);
    expect(seen.font).toBeGreaterThanOrEqual(11);
    // The lecturer's 100+ columns do not fit a phone at 11 px: the mirror scrolls sideways.
    expect(seen.scrollWidth).toBeGreaterThan(seen.clientWidth);
    expect(seen.overflowX).toMatch(/auto|scroll/);
    await mirror.locator('.terminal-pane__host').evaluate((host) => host.scrollBy({ left: 200 }));
    await expect.poll(() => mirror.locator('.terminal-pane__host').evaluate((host) => host.scrollLeft)).toBeGreaterThan(0);
    // The page itself does not scroll sideways: only the terminal does.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  } finally {
    await context.close();
  }
});

test('in the print view (PDF) the poll is a question with its options, not "0 answers" and dead buttons', async ({ page }) => {
  await page.goto('/?print-pdf');
  const poll = page.locator(`section#${POLL_SLIDE} .poll`);
  await expect(poll).toHaveClass(/poll--offline/, { timeout: 60_000 });
  await expect(poll.locator('.poll__question')).not.toBeEmpty();
  expect(await poll.locator('.poll__option').count()).toBeGreaterThanOrEqual(2);
  await expect(poll.locator('button')).toHaveCount(0);
  await expect(poll).not.toContainText(/\d+ answers?\b/);
  await expect(page.locator(`section#${POLL_SLIDE} .poll-join`)).toHaveCount(0);
});
