import { type Page, expect, test } from '@playwright/test';
import { gotoSlide, loginAsPresenter, pane } from './helpers';
import { BARE_PROMPT, clickStep, demoSlides, lastLine, outputAfter, resetDemos, screenLines } from './walk';

/**
 * Click-to-run as a lecturer uses it in a hurry: a step shows it is running until the prompt is
 * back, the next one clicked meanwhile waits in a visible queue and is never typed into the
 * running command, and key steps (Ctrl-P Ctrl-Q, Enter) are buttons too.
 */

const RUN = 'demo-tutorial-run';
const DETACH = 'demo-tutorial-detach';
const BIND = 'demo-detached-bind-mount';
const COMMIT = 'demo-commit-workaround';
const step = (page: Page, slide: string, i: number) => page.locator(`section#${slide} button.console-steps__step`).nth(i);
const text = (page: Page, slide: string) => screenLines(page, slide).then((l) => l.join('\n'));
/** The screen with wrapped rows joined (a wide `docker ps` row wraps). */
const flat = (page: Page, slide: string) => screenLines(page, slide).then((l) => l.join(''));
const LAB_PROMPT = /^root@[\w.-]+:~\/demo#$/;
const INNER_PROMPT = /^root@[0-9a-f]{12}:\/#$/;

test('steps run one at a time: running until the prompt, queued meanwhile, key steps clickable, each demo on a clean screen', async ({
  page,
}) => {
  test.setTimeout(6 * 60_000);
  const steps = Object.fromEntries(demoSlides().map((d) => [d.slide.id, d.steps]));
  await loginAsPresenter(page);
  await gotoSlide(page, RUN);
  await expect(pane(page, RUN)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 180_000 });
  await resetDemos(page);

  // The previous demo leaves output on the shared lab shell.
  await clickStep(page, RUN, 3, steps[RUN]![3]!);
  expect(await text(page, RUN)).toContain('CONTAINER ID');

  await gotoSlide(page, DETACH);
  await expect(pane(page, DETACH)).toHaveAttribute('data-terminal-state', 'ready');
  // `docker run -it …`: its first step clears the screen: nothing of the previous demo.
  await clickStep(page, DETACH, 0, steps[DETACH]![0]!);
  expect(await text(page, DETACH)).not.toContain('CONTAINER ID');
  expect(outputAfter(await screenLines(page, DETACH), 'docker container ls')).toBeUndefined();
  // Ctrl-P Ctrl-Q is a button: detached, back at the lab's prompt.
  await expect(step(page, DETACH, 1)).toContainText('Ctrl-P Ctrl-Q');
  await step(page, DETACH, 1).click();
  await expect.poll(async () => lastLine(await screenLines(page, DETACH)), { timeout: 60_000 }).toMatch(/root@[\w.-]+:~\/demo#$/);
  await expect(step(page, DETACH, 1)).toHaveAttribute('data-step-state', 'done');
  await clickStep(page, DETACH, 2, steps[DETACH]![2]!);
  expect(await flat(page, DETACH)).toMatch(/Up .*tutorial/);

  // `docker container attach`: it runs until bash inside shows its prompt (readline redraws it
  // when the attach resizes the tty); Enter is a button too and goes to whatever runs.
  await step(page, DETACH, 3).click();
  await expect(step(page, DETACH, 3)).toHaveAttribute('data-step-state', /running|done/);
  await expect(step(page, DETACH, 4)).toContainText('Enter');
  await step(page, DETACH, 4).click();
  await expect.poll(async () => lastLine(await screenLines(page, DETACH))).toMatch(INNER_PROMPT);
  await expect(step(page, DETACH, 3)).toHaveAttribute('data-step-state', 'done');
  await expect(step(page, DETACH, 4)).toHaveAttribute('data-step-state', 'done');

  // `exit`, and at once `docker ps -a`: queued, typed at the lab's prompt, never into the container.
  await step(page, DETACH, 5).click();
  await step(page, DETACH, 6).click();
  await expect(step(page, DETACH, 6)).toHaveAttribute('data-step-state', /queued|running|done/);
  await expect.poll(() => step(page, DETACH, 6).getAttribute('data-step-state'), { timeout: 60_000 }).toBe('done');
  const lines = await screenLines(page, DETACH);
  const echo = lines.findIndex((l) => l.endsWith('# docker ps -a'));
  expect(echo).toBeGreaterThan(0);
  expect(lines[echo]?.replace(/ docker ps -a$/, '')).toMatch(LAB_PROMPT);
  expect(lines.some((l) => INNER_PROMPT.test(l.replace(/ docker ps -a$/, '')) && l.endsWith('docker ps -a'))).toBe(false);
  expect(BARE_PROMPT.test(lastLine(lines))).toBe(true);

  // A slow step (`docker stop` waits 10 s for bash as PID 1): the next clicks queue, in order,
  // visibly; a queued one clicked again is taken back and never typed.
  await gotoSlide(page, BIND);
  await clickStep(page, BIND, 1, steps[BIND]![1]!);
  await gotoSlide(page, COMMIT);
  await step(page, COMMIT, 1).click();
  await expect(step(page, COMMIT, 1)).toHaveAttribute('data-step-state', 'running');
  await expect(step(page, COMMIT, 1)).toContainText('running');
  await step(page, COMMIT, 2).click();
  await step(page, COMMIT, 3).click();
  await expect(step(page, COMMIT, 2)).toHaveAttribute('data-step-state', 'queued');
  await expect(step(page, COMMIT, 2)).toContainText('queued 1');
  await expect(step(page, COMMIT, 3)).toContainText('queued 2');
  await step(page, COMMIT, 3).click();
  await expect(step(page, COMMIT, 3)).toHaveAttribute('data-step-state', 'idle');
  // Nothing typed while `docker stop` runs.
  expect(outputAfter(await screenLines(page, COMMIT), 'docker commit test demo/test_image')).toBeUndefined();
  await expect.poll(() => step(page, COMMIT, 2).getAttribute('data-step-state'), { timeout: 60_000 }).toBe('done');
  expect((await text(page, COMMIT)).replace(/\s/g, '')).toMatch(/sha256:[0-9a-f]{64}/);
  await page.waitForTimeout(1500);
  expect(outputAfter(await screenLines(page, COMMIT), 'docker run -ti --entrypoint=sh demo/test_image')).toBeUndefined();
  await clickStep(page, COMMIT, 6, steps[COMMIT]![6]!);
});

test('keys a student types into a sandbox before its prompt appears come after the prompt, not glued before it', async ({ browser }) => {
  test.setTimeout(3 * 60_000);
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  try {
    const page = await context.newPage();
    await page.goto('/#/try-sandbox');
    await expect(page.locator('.deck-status')).toContainText('Audience');
    await gotoSlide(page, 'try-sandbox');
    await page.getByRole('tab', { name: 'My own sandbox' }).click();
    const own = page.locator('section#try-sandbox [data-pane="my-sandbox"]');
    // Typed at once, while the container is still starting.
    await own.locator('.terminal-pane__host').click();
    await page.keyboard.type('echo typed-$((40+2))');
    await page.keyboard.press('Enter');
    await expect(own).toHaveAttribute('data-terminal-state', 'ready', { timeout: 90_000 });
    const lines = () =>
      own
        .locator('.xterm-rows')
        .innerText()
        .then((t) =>
          t
            .replace(/\u00a0/g, ' ')
            .split('\n')
            .map((l) => l.trimEnd()),
        );
    await expect.poll(lines, { timeout: 30_000 }).toContain('typed-42');
    const shown = await lines();
    const echo = shown.find((l) => l.includes('echo typed-'));
    expect(echo).toMatch(/^student@[\w.-]+:~\$ echo typed-\$\(\(40\+2\)\)$/);
    expect(shown.filter((l) => l.includes('echo typed-'))).toHaveLength(1);
  } finally {
    await context.close();
  }
});
