import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Slide, loadDeck } from '@lecture/slides';
import { expect, test } from '@playwright/test';

const root = join(import.meta.dirname, '../..');
const deck = loadDeck(join(root, 'slides/containers-demo'), { repoRoot: root });
const pdf = join(root, 'test-results/export/containers-demo.pdf');

/** Text of one page (1-based), optionally only the right part (where a split slide's terminal is). */
function pageText(page: number, rightOnly = false): string {
  // The split layout's terminal starts at 37 % of the content width (about 568 pt of 1440).
  const crop = rightOnly ? ['-x', '555', '-y', '0', '-W', '885', '-H', '810'] : [];
  const r = spawnSync('pdftotext', ['-layout', '-f', String(page), '-l', String(page), ...crop, pdf, '-'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}
const squash = (text: string) => text.replace(/\s+/g, ' ');
const isDemo = (s: Slide) => s.blocks.some((b) => b.kind === 'console' && b.lines.some((l) => l.kind === 'step'));

test('npm run export:pdf: one page per slide, section titles, and the demos’ real output as text', async () => {
  test.setTimeout(180_000);
  rmSync(pdf, { force: true });
  const run = spawnSync('node', ['scripts/export-pdf.mjs', '--out', pdf], { cwd: root, encoding: 'utf8', timeout: 170_000 });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  expect(run.stdout).toMatch(/Wrote .*containers-demo\.pdf: \d+ pages/);
  expect(existsSync(pdf)).toBe(true);

  const info = spawnSync('pdfinfo', [pdf], { encoding: 'utf8' }).stdout;
  expect(Number(/Pages:\s+(\d+)/.exec(info)?.[1])).toBe(deck.slides.length);
  // 16:9 pages: 1920×1080 px = 1440×810 pt.
  expect(info).toMatch(/Page size:\s+1440 x 810 pts/);

  const all = spawnSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).stdout;
  const sections = new Set(deck.slides.flatMap((s) => (s.section ? [s.section] : [])));
  for (const section of sections) expect(all.toUpperCase(), section).toContain(section.toUpperCase());
  // A long file is whole across its slides: every line of the DuMuX Dockerfile is on a page.
  const bare = (text: string) => text.replace(/\s+/g, '');
  const dockerfile = readFileSync(join(root, 'docker/examples/dumux/Dockerfile'), 'utf8').split('\n').map(bare).filter(Boolean);
  const allBare = bare(all);
  for (const line of dockerfile) expect(allBare, line).toContain(line);
  // On paper a poll is its question and options, not "0 answers" and buttons.
  const poll = deck.slides.find((s) => s.id === 'what-is-docker-poll') as Slide;
  const pollPage = squash(pageText(poll.index + 1));
  expect(pollPage).toContain('What is Docker?');
  expect(pollPage).toContain('A live poll in the lecture');
  expect(pollPage).not.toMatch(/\d+ answers?\b|Reveal results/);
  // Links stay links.
  expect(readFileSync(pdf).includes('/URI')).toBe(true);

  // Every demo page's terminal (the right part of the page) shows its last command, as text.
  const demos = deck.slides.filter(isDemo);
  expect(demos.length).toBeGreaterThan(10);
  for (const slide of demos) {
    const terminal = squash(pageText(slide.index + 1, slide.layout === 'split'));
    expect(terminal, slide.id).toContain('REPLAY');
    const steps = slide.blocks.flatMap((b) => (b.kind === 'console' ? b.lines.flatMap((l) => (l.kind === 'step' ? [l.step] : [])) : []));
    const last = [...steps].reverse().find((s) => s.send.endsWith('\r') && s.display.length > 2);
    if (last) expect(terminal, `${slide.id}: ${last.display}`).toContain(squash(last.display).slice(0, 24));
  }

  // Real output of real commands: the command on the slide, its output in the terminal.
  const page = (id: string) => (deck.slides.find((s) => s.id === id) as Slide).index + 1;
  expect(squash(pageText(page('demo-build-own-image')))).toContain('docker build --tag testimage .');
  const build = squash(pageText(page('demo-build-own-image'), true));
  expect(build).toMatch(/Successfully tagged testimage|naming to docker\.io\/library\/testimage/);
  expect(build).toContain('docker image history testimage');
  const shell = pageText(page('demo-singularity-shell'), true);
  expect(shell).toContain('whoami');
  expect(shell).toMatch(/^\s*student\s*$/m);
  expect(shell).toContain('Read-only file system');
});

test('npm run export:static: the deck as static files, every terminal a replay, no socket', async ({ page }) => {
  test.setTimeout(120_000);
  const site = join(root, 'test-results/export/site');
  const run = spawnSync('node', ['scripts/export-static.mjs', '--out', site], { cwd: root, encoding: 'utf8', timeout: 110_000 });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  expect(existsSync(join(site, 'recordings/demo-build-own-image.cast'))).toBe(true);
  const { serveStatic } = (await import(join(root, 'scripts/serve-static.mjs'))) as {
    serveStatic: (dir: string) => Promise<{ url: string; close: () => Promise<void> }>;
  };
  const server = await serveStatic(site);
  try {
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`${server.url}/#/demo-build-own-image`);
    const replay = page.locator('section#demo-build-own-image [data-pane]').first();
    await expect(replay).toHaveAttribute('data-terminal-state', 'replay');
    await expect(replay.locator('.replay-pane__reason')).toContainText('no live shells');
    await replay.getByRole('button', { name: '4×' }).click();
    await expect(replay).toHaveAttribute('data-replay-done', 'true', { timeout: 60_000 });
    await expect(page.locator('section#demo-build-own-image .xterm-rows')).toContainText('testimage');
    // Every terminal of the deck is a replay, none is missing its recording.
    const states = await page.locator('[data-pane]').evaluateAll((panes) => panes.map((p) => p.getAttribute('data-terminal-state')));
    expect(new Set(states)).toEqual(new Set(['replay']));
    await expect(page.locator('[data-pane]:not([data-replay-duration])')).toHaveCount(0);
    expect(sockets).toEqual([]);
    // No room to vote in a static copy: the poll is a question with its options.
    await page.goto(`${server.url}/#/what-is-docker-poll`);
    const poll = page.locator('section#what-is-docker-poll .poll');
    await expect(poll).toHaveClass(/poll--offline/);
    await expect(poll.locator('button')).toHaveCount(0);
    await expect(poll).not.toContainText(/\d+ answers?\b/);
  } finally {
    await server.close();
  }
});
