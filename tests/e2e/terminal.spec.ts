import { expect, test } from '@playwright/test';
import { E2E_NO_DOCKER_PORT } from '../../playwright.config';
import { gotoSlide, loginAsPresenter, pane, terminalSlides, terminalText, typeInto } from './helpers';
import { BARE_PROMPT, bufferLines, lastLine, outputAfter, screenLines } from './walk';

const SLIDE = 'try-sandbox';

test.describe('a live terminal on a slide', () => {
  test.beforeEach(async ({ page }) => {
    await loginAsPresenter(page);
    await gotoSlide(page, SLIDE);
    await expect(pane(page, SLIDE)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 90_000 });
  });

  test('runs what the lecturer types in a real container', async ({ page }) => {
    await typeInto(page, SLIDE, 'echo $((6*7))');
    await page.keyboard.press('Enter');
    await expect.poll(() => terminalText(page, SLIDE)).toMatch(/^42\s*$/m);
  });

  test('keeps arrows, space and page keys in the terminal, not the slides', async ({ page }) => {
    await typeInto(page, SLIDE, 'echo left-right');
    for (const key of ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'PageDown', 'PageUp', 'Space', 'Home', 'End']) {
      await page.keyboard.press(key);
    }
    await expect(page.locator(`section#${SLIDE}.present`)).toBeVisible();
    expect(page.url()).toContain(`#/${SLIDE}`);
    // Ctrl+] hands the keyboard back: now the arrow moves the deck.
    await page.keyboard.press('Control+BracketRight');
    await page.keyboard.press('ArrowRight');
    await expect(page.locator(`section#${SLIDE}.present`)).toHaveCount(0);
  });

  test('comes back to the same shell after a reload', async ({ page }) => {
    const marker = `m${Date.now()}`;
    await typeInto(page, SLIDE, `MARK=${marker}; echo set-$MARK`);
    await page.keyboard.press('Enter');
    await expect.poll(() => terminalText(page, SLIDE)).toContain(`set-${marker}`);
    await page.reload();
    await expect(pane(page, SLIDE)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 30_000 });
    // The screen is back (from the server's copy), and so is the shell's state.
    await expect.poll(() => terminalText(page, SLIDE)).toContain(`set-${marker}`);
    await typeInto(page, SLIDE, 'echo again-$MARK');
    await page.keyboard.press('Enter');
    await expect.poll(() => terminalText(page, SLIDE)).toContain(`again-${marker}`);
  });

  test('keeps what scrolled off the screen: a long output and the command that made it', async ({ page }) => {
    await typeInto(page, SLIDE, 'seq 1 120');
    await page.keyboard.press('Enter');
    await expect
      .poll(async () => {
        const lines = await screenLines(page, SLIDE);
        return lines.includes('120') && BARE_PROMPT.test(lastLine(lines));
      })
      .toBe(true);
    const screen = await screenLines(page, SLIDE);
    // The echo has scrolled off the visible rows, into the scrollback, with the first numbers.
    expect(outputAfter(screen, 'seq 1 120')).toBeUndefined();
    const output = outputAfter(await bufferLines(page, SLIDE), 'seq 1 120');
    expect(output?.slice(0, -1)).toEqual(Array.from({ length: 120 }, (_, i) => String(i + 1)));
  });

  test('keeps its screen when the lecturer navigates away and back', async ({ page }) => {
    const marker = `nav${Date.now()}`;
    await typeInto(page, SLIDE, `echo ${marker}`);
    await page.keyboard.press('Enter');
    await expect.poll(() => terminalText(page, SLIDE)).toContain(marker);
    await page.keyboard.press('Control+BracketRight');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await gotoSlide(page, SLIDE);
    await expect(pane(page, SLIDE)).toHaveAttribute('data-terminal-state', 'ready');
    await expect.poll(() => terminalText(page, SLIDE)).toContain(marker);
  });

  test('is sharp and fitted at projector and laptop sizes', async ({ page }, testInfo) => {
    for (const [width, height] of [
      [1920, 1080],
      [1280, 720],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(300);
      const fit = await page.evaluate((slide) => {
        const host = document.querySelector(`section#${slide} .terminal-pane__host`) as HTMLElement;
        const screen = host.querySelector('.xterm-screen') as HTMLElement;
        const rows = host.querySelector('.xterm-rows') as HTMLElement;
        let transformed = false;
        for (let el: HTMLElement | null = host; el; el = el.parentElement) {
          const t = getComputedStyle(el).transform;
          if (t && t !== 'none' && t !== 'matrix(1, 0, 0, 1, 0, 0)') transformed = true;
        }
        return {
          hostWidth: host.clientWidth,
          screenWidth: screen.getBoundingClientRect().width,
          fontSize: Number.parseFloat(getComputedStyle(rows).fontSize),
          transformed,
        };
      }, SLIDE);
      // No CSS scaling anywhere above the terminal, a readable font, and the grid fills the pane.
      expect(fit.transformed).toBe(false);
      // The font is fitted to the pane's width so that 100 columns fit (issue 8): about 1.5 % of
      // the window's height, the size of a slide's footnote; A+ is there for the back row.
      expect(fit.fontSize).toBeGreaterThanOrEqual(height * 0.0145);
      expect(fit.screenWidth).toBeLessThanOrEqual(fit.hostWidth);
      expect(fit.screenWidth).toBeGreaterThan(fit.hostWidth * 0.85);
      await testInfo.attach(`terminal-${width}x${height}`, { body: await page.screenshot(), contentType: 'image/png' });
    }
  });

  test('selects the characters under the mouse', async ({ page }) => {
    await typeInto(page, SLIDE, 'clear; echo SELECT-ME-PLEASE');
    await page.keyboard.press('Enter');
    await expect.poll(() => terminalText(page, SLIDE)).toContain('SELECT-ME-PLEASE');
    // The buffer has the line before xterm.js paints it (a frame later, longer on a busy machine).
    const geometryNow = () => page.evaluate((slide) => {
      const paneEl = document.querySelector(`section#${slide} [data-pane]`) as HTMLElement;
      const screen = paneEl.querySelector('.xterm-screen') as HTMLElement;
      const rows = [...paneEl.querySelectorAll('.xterm-rows > div')] as HTMLElement[];
      const index = rows.findIndex((r) => (r.textContent ?? '').startsWith('SELECT-ME-PLEASE'));
      const rect = screen.getBoundingClientRect();
      const cols = Number(paneEl.dataset.cols);
      const rowCount = Number(paneEl.dataset.rows);
      return { left: rect.left, top: rect.top, cellWidth: rect.width / cols, cellHeight: rect.height / rowCount, index };
    }, SLIDE);
    await expect.poll(async () => (await geometryNow()).index).toBeGreaterThanOrEqual(0);
    const geometry = await geometryNow();
    // Drag over "ME" (columns 7 and 8) and ask xterm.js what it selected.
    const y = geometry.top + geometry.cellHeight * (geometry.index + 0.5);
    await page.mouse.move(geometry.left + geometry.cellWidth * 7.1, y);
    await page.mouse.down();
    await page.mouse.move(geometry.left + geometry.cellWidth * 8.9, y, { steps: 5 });
    await page.mouse.up();
    await expect(pane(page, SLIDE)).toHaveAttribute('data-selection', 'ME');
  });

  test('shows a steady cursor where the shell waits, not a blinking one', async ({ page }) => {
    await typeInto(page, SLIDE, 'echo steady');
    const cursor = page.locator(`section#${SLIDE} .xterm-rows .xterm-cursor`);
    await expect(cursor).toHaveCount(1);
    // A blinking cursor is a CSS animation that xterm.js restarts at every frame of output, and
    // a screenshot or a PDF page may catch it dark.
    await expect(cursor).not.toHaveClass(/xterm-cursor-blink/);
    expect(await cursor.evaluate((el) => el.getAnimations().length)).toBe(0);
  });

  test('draws the characters typed, never a ligature', async ({ page }) => {
    // JetBrains Mono joins these into single drawn glyphs unless told not to.
    const text = 'a->b >= c && d';
    await typeInto(page, SLIDE, `echo '${text}'`);
    await expect.poll(() => terminalText(page, SLIDE)).toContain(text);
    // The same text three times, outside the terminal, in the font of the terminal's row: with
    // the font's ligatures, without them, and with whatever the row itself is given.
    await page.evaluate(
      ({ slide, text }) => {
        const row = [...document.querySelectorAll(`section#${slide} .xterm-rows > div`)].find((r) => r.textContent?.includes(text));
        const style = getComputedStyle(row?.firstElementChild ?? (row as Element));
        const variants = {
          liga: ['normal', 'normal'],
          plain: ['none', '"liga" 0, "calt" 0'],
          row: [style.fontVariantLigatures, style.fontFeatureSettings],
        };
        Object.entries(variants).forEach(([name, [ligatures, features]], i) => {
          const probe = document.createElement('div');
          probe.id = `ligature-probe-${name}`;
          probe.textContent = text;
          Object.assign(probe.style, {
            position: 'fixed',
            left: '10px',
            top: `${10 + i * 80}px`,
            zIndex: '100000',
            padding: '6px',
            whiteSpace: 'pre',
            background: '#000',
            color: '#fff',
            fontFamily: style.fontFamily,
            fontSize: style.fontSize,
            fontWeight: style.fontWeight,
            fontVariantLigatures: ligatures,
            fontFeatureSettings: features,
          });
          document.body.append(probe);
        });
      },
      { slide: SLIDE, text },
    );
    const shot = (name: string) => page.locator(`#ligature-probe-${name}`).screenshot();
    const [liga, plain, row] = await Promise.all([shot('liga'), shot('plain'), shot('row')]);
    // The font does join them (else this test could not fail), and the terminal's row does not.
    expect(liga.equals(plain)).toBe(false);
    expect(row.equals(plain)).toBe(true);
  });
});

test('the speaker view never opens a shell', async ({ page }) => {
  await loginAsPresenter(page);
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto(`/?receiver#/${SLIDE}`);
  await expect(page.locator('.reveal.ready')).toBeVisible();
  // With no deck window behind it (opened alone), the mirror waits; it never opens a shell.
  await expect(page.locator(`section#${SLIDE} [data-terminal-state="waiting"]`)).toBeVisible();
  await page.waitForTimeout(1000);
  expect(sockets).toEqual([]);
});

test('the audience sees the lecturer’s terminal read-only', async ({ page }) => {
  await page.goto(`/#/${SLIDE}`);
  await expect(pane(page, SLIDE)).toHaveAttribute('data-terminal-mode', 'viewer', { timeout: 30_000 });
  await expect(page.locator('.deck-status')).toContainText('Audience');
});

test('a terminal is created when its slide is shown or next to the one shown, not at page load', async ({ page }) => {
  // Seventeen xterm.js terminals opened at load held a phone's first second (docs/benchmarks.md).
  await loginAsPresenter(page);
  /** Where the page has terminals, as offsets from the slide shown. */
  const created = async () => (await terminalSlides(page)).map((s) => s.offset);
  expect(await page.locator('.reveal .slides > section [data-pane-frame]').count()).toBeGreaterThan(10);
  await page.waitForTimeout(2000);
  expect((await created()).filter((offset) => Math.abs(offset) > 1)).toEqual([]);

  // On a demo slide, the next demo's terminal is made ahead (idle time), with no shell behind it
  // yet; the shell starts when its slide is shown.
  await gotoSlide(page, 'demo-run-existing');
  await expect(pane(page, 'demo-run-existing')).toHaveAttribute('data-terminal-state', 'ready', { timeout: 90_000 });
  await expect.poll(created).toContain(1);
  await expect(page.locator('section#demo-management-commands .xterm')).toHaveCount(1);
  await expect(pane(page, 'demo-management-commands')).not.toHaveAttribute('data-terminal-state', 'ready');
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('section#demo-management-commands.present')).toBeVisible();
  await expect(pane(page, 'demo-management-commands')).toHaveAttribute('data-terminal-state', 'ready', { timeout: 30_000 });
  // The slide left keeps its terminal and screen.
  expect(await created()).toContain(-1);
});

test('without a Docker Engine the deck loads and the terminal says what to do', async ({ page }) => {
  await page.goto(`http://127.0.0.1:${E2E_NO_DOCKER_PORT}/presenter?key=e2e-presenter-secret-42`);
  await page.goto(`http://127.0.0.1:${E2E_NO_DOCKER_PORT}/#/${SLIDE}`);
  await expect(page.locator('section#title')).toBeAttached();
  // A demo pane replays its recording instead, and says why (issue 5).
  await expect(pane(page, SLIDE)).toHaveAttribute('data-terminal-state', 'replay', { timeout: 30_000 });
  await expect(page.locator(`section#${SLIDE} .replay-pane__reason`)).toContainText('No Docker Engine is reachable');
  await expect(page.locator(`section#${SLIDE} .replay-pane__reason`)).toContainText('Start a Docker Engine');
  const health = await page.request.get(`http://127.0.0.1:${E2E_NO_DOCKER_PORT}/api/health`);
  expect(health.status()).toBe(503);
});
