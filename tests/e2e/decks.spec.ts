import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Page, expect, test } from '@playwright/test';
import { loadDeck } from '@lecture/slides';
import { E2E_DEV_DECK, E2E_DEV_PORT, E2E_SECRET } from '../../playwright.config';
import { gotoSlide, pane, typeInto } from './helpers';
import { type StepDone, clickStep, demoSlides, lastLine, screenLines } from './walk';

/**
 * The second deck ("Processes and signals in Linux", slides/processes), served by
 * `npm run dev`'s watching server from a copy of the deck (E2E_DEV_DECK) that these tests edit:
 * its demos walk in Chromium, a saved edit reaches the open page without a reload and without
 * a new container, and a broken edit shows where it is while the last good deck stays.
 */

const root = join(import.meta.dirname, '../..');
const DEV = `http://127.0.0.1:${E2E_DEV_PORT}`;
const source = join(root, 'slides/processes');
const slidesFile = join(E2E_DEV_DECK, 'slides.md');
const environmentsFile = join(E2E_DEV_DECK, 'environments.yaml');

/** Put the deck copy back as it is in the repository (and give the server time to load it). */
async function restoreDeck(page?: Page): Promise<void> {
  const changed =
    readFileSync(slidesFile, 'utf8') !== readFileSync(join(source, 'slides.md'), 'utf8') ||
    readFileSync(environmentsFile, 'utf8') !== readFileSync(join(source, 'environments.yaml'), 'utf8');
  if (!changed) return;
  cpSync(join(source, 'slides.md'), slidesFile);
  cpSync(join(source, 'environments.yaml'), environmentsFile);
  if (page) await expect(page.getByTestId('deck-problem')).toHaveCount(0);
}

async function openDev(page: Page, slide: string): Promise<void> {
  await page.goto(`${DEV}/presenter?key=${E2E_SECRET}`);
  await expect(page.locator('.reveal.ready')).toBeVisible();
  await gotoSlide(page, slide);
}

interface Expect extends StepDone {
  readonly check?: (output: string) => void;
}
const has = (re: RegExp) => (out: string) => expect(out).toMatch(re);
const NO_ECHO_YET: StepDone = { until: /^$|[\s\S]/ };

/** slide id → step index → what the step must show. */
const EXPECTED: Record<string, Record<number, Expect>> = {
  'demo-ps': {
    0: { check: has(/PID TTY\s+TIME CMD[\s\S]*\bbash\b[\s\S]*\bps\b/) },
    1: { check: has(/^\[1\] \d+$/m) },
    2: { check: has(/^\s*\d+\s+\d+\s+S\S*\s+sleep 300$/m) },
    // PID 1 of the container is its main process, `sleep infinity`; the shell's parent is outside.
    3: { check: has(/^\s*1\s+0\s+\S+\s+sleep infinity$[\s\S]*^\s*\d+\s+0\s+\S+\s+bash -l$/m) },
  },
  'demo-kill': {
    1: { check: has(/^exit status 143$/m) },
    3: { check: has(/^exit status 137$/m) },
    4: { check: has(/^TERM\s*\nKILL$/m) },
  },
  'demo-trap': {
    0: { check: has(/^cleanup\(\) \{/m) },
    1: { check: has(/^graceful: pid \d+, working in \/tmp\/graceful\.\d+/m) },
    2: { check: has(/^graceful: caught SIGTERM, removing \/tmp\/graceful\.\d+ and exiting$/m) },
    3: { check: has(/^stubborn: pid \d+, try to stop me$/m) },
    4: { check: has(/^stubborn: got SIGTERM, ignoring it$/m) },
    5: { check: has(/Killed\s+stubborn/) },
  },
  'demo-jobs': {
    // `sleep 1000` holds the terminal: no prompt comes back.
    0: NO_ECHO_YET,
    1: { check: has(/Stopped\s+sleep 1000/) },
    2: { check: has(/^\[1\]\+\s+\d+ Stopped\s+sleep 1000$/m) },
    3: { check: has(/^\[1\]\+ sleep 1000 &$/m) },
    4: { until: /^sleep 1000$/m },
  },
  'try-signals': {
    0: { check: has(/^\[1\] \d+$/m) },
    1: { check: has(/^\s*\d+ T\s+sleep 600$/m) },
    2: { check: has(/^\s*\d+ S\s+sleep 600$/m) },
  },
};

test.beforeAll(async () => {
  await restoreDeck();
});
test.afterAll(async () => {
  await restoreDeck();
});

test('the processes deck: every demo runs by clicking its steps, in its own environment', async ({ page }) => {
  test.setTimeout(8 * 60_000);
  const demos = demoSlides(source);
  expect(demos.map((d) => d.slide.id)).toEqual(Object.keys(EXPECTED));
  await openDev(page, demos[0]?.slide.id as string);
  for (const { slide, steps } of demos) {
    await test.step(slide.id, async () => {
      await gotoSlide(page, slide.id);
      await expect(pane(page, slide.id)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 120_000 });
      await expect.poll(async () => lastLine(await screenLines(page, slide.id)), { timeout: 30_000 }).toMatch(/\$$/);
      for (const [i, step] of steps.entries()) {
        const expected = EXPECTED[slide.id]?.[i] ?? {};
        const output = await clickStep(page, slide.id, i, step, expected);
        expect(output, `${slide.id} step ${i + 1} "${step.display}"`).not.toMatch(/command not found|No such file/);
        expected.check?.(output);
      }
    });
  }
});

test('a saved edit reaches the open page within a second, on the same slide, without a reload or a new container', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  await openDev(page, 'demo-kill');
  await expect(pane(page, 'demo-kill')).toHaveAttribute('data-terminal-state', 'ready', { timeout: 120_000 });
  // Something only this shell knows: its container (the hostname) and a variable.
  await typeInto(page, 'demo-kill', 'MARK=kept-$RANDOM; echo "$MARK in $(hostname)"');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+BracketRight');
  let before = '';
  await expect
    .poll(async () => {
      before = /^(kept-\d+ in [0-9a-f]{12})$/m.exec((await screenLines(page, 'demo-kill')).join('\n'))?.[1] ?? '';
      return before;
    })
    .not.toBe('');
  await page.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });
  const slides = () => page.locator('.reveal .slides > section').count();
  const count = await slides();

  // The edit: the slide's heading changes and a new slide appears before it.
  const edited = readFileSync(join(source, 'slides.md'), 'utf8')
    .replace('## Sending signals: `kill`', '## Sending signals with `kill` (edited)')
    .replace('<!-- slide id="demo-kill"', '<!-- slide id="inserted" section="Signals" -->\n## A slide added while presenting\n\n---\n\n<!-- slide id="demo-kill"');
  const saved = Date.now();
  writeFileSync(slidesFile, edited);
  await expect(page.locator('section#demo-kill h2')).toHaveText('Sending signals with kill (edited)', { timeout: 5_000 });
  // The figure goes into docs/authoring.md (a measurement, not a timed assertion).
  console.log(`edit to page: ${Date.now() - saved} ms`);
  await expect.poll(slides).toBe(count + 1);
  // Same slide, same page (no reload), same shell in the same container.
  await expect(page.locator('section#demo-kill')).toHaveClass(/present/);
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  await expect(pane(page, 'demo-kill')).toHaveAttribute('data-terminal-state', 'ready');
  await typeInto(page, 'demo-kill', 'echo "again $MARK in $(hostname)"');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+BracketRight');
  await expect.poll(async () => (await screenLines(page, 'demo-kill')).join('\n')).toContain(`again ${before}`);
  await restoreDeck(page);
  await expect.poll(slides).toBe(count);
});

test('a broken edit shows file:line over the last good deck; the next good save clears it', async ({ page }) => {
  test.setTimeout(3 * 60_000);
  await openDev(page, 'demo-ps');
  const good = readFileSync(join(source, 'slides.md'), 'utf8');
  const lines = good.split('\n');
  const overlay = page.getByTestId('deck-problem');

  // A terminal naming an environment the deck does not declare.
  writeFileSync(slidesFile, good.replace('env: sandbox', 'env: sandbx'));
  await expect(overlay).toBeVisible({ timeout: 5_000 });
  const line = lines.indexOf('```terminal', lines.findIndex((l) => l.startsWith('<!-- slide id="try-signals"'))) + 1;
  await expect(overlay).toContainText(`slides.md:${line}: slide "try-signals": terminal try opens env "sandbx", which environments.yaml does not declare`);
  // The last good deck is still there, and still works.
  await expect(page.locator('section#demo-ps h2')).toHaveText('Looking at processes: ps');
  await expect(page.locator('section#demo-ps.present')).toBeVisible();

  // A duplicate slide id, then an environment that asks for too much for students.
  writeFileSync(slidesFile, good.replace('<!-- slide id="signals"', '<!-- slide id="demo-ps"'));
  await expect(overlay).toContainText(`slides.md:${lines.findIndex((l) => l.startsWith('<!-- slide id="signals"')) + 1}: duplicate slide id "demo-ps"`);
  writeFileSync(slidesFile, good);
  const envs = readFileSync(join(source, 'environments.yaml'), 'utf8');
  writeFileSync(environmentsFile, envs.replace('  security_opt: [no-new-privileges]', '  security_opt: [no-new-privileges]\n  cap_add: [SYS_ADMIN]'));
  const capLine = envs.split('\n').indexOf('  security_opt: [no-new-privileges]') + 2;
  await expect(overlay).toContainText(`environments.yaml:${capLine}: environments: sandbox.cap_add: adding capabilities is allowed only in a presenter-only environment`);

  // Fixed: the overlay goes, the deck is the good one.
  writeFileSync(environmentsFile, envs);
  await expect(overlay).toHaveCount(0, { timeout: 5_000 });
  await expect(page.locator('section#demo-ps h2')).toHaveText('Looking at processes: ps');
});

test('the processes deck exports to PDF with its recorded demos as text', async () => {
  test.setTimeout(180_000);
  const deck = loadDeck(source, { repoRoot: root });
  const pdf = join(root, 'test-results/export/processes.pdf');
  rmSync(pdf, { force: true });
  const run = spawnSync('node', ['scripts/export-pdf.mjs', 'slides/processes', '--out', pdf], { cwd: root, encoding: 'utf8', timeout: 170_000 });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  expect(existsSync(pdf)).toBe(true);
  const info = spawnSync('pdfinfo', [pdf], { encoding: 'utf8' }).stdout;
  expect(Number(/Pages:\s+(\d+)/.exec(info)?.[1])).toBe(deck.slides.length);
  const page = (id: string) => String((deck.slides.findIndex((s) => s.id === id) ?? 0) + 1);
  const text = (id: string) => spawnSync('pdftotext', ['-layout', '-f', page(id), '-l', page(id), pdf, '-'], { encoding: 'utf8' }).stdout;
  expect(text('title')).toContain('Processes and signals, live');
  expect(text('demo-kill')).toContain('exit status 143');
  expect(text('demo-trap')).toMatch(/graceful: caught SIGTERM/);
});
