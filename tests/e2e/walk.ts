import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Page, expect } from '@playwright/test';
import { type Slide, type Step, loadDeck } from '@lecture/slides';
import { terminalBuffer, terminalText } from './helpers';

/** A deck (the containers lecture by default), parsed as the server parses it: the demo slides and their steps, in deck order. */
export function demoSlides(deckDir = 'slides/containers-demo'): { slide: Slide; pane: string; env: string; steps: Step[] }[] {
  const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
  const deck = loadDeck(resolve(root, deckDir), { repoRoot: root });
  return deck.slides.flatMap((slide) => {
    const steps = slide.blocks.flatMap((b) => (b.kind === 'console' ? b.lines.flatMap((l) => (l.kind === 'step' ? [l.step] : [])) : []));
    const terminal = slide.blocks.find((b) => b.kind === 'terminal');
    if (!steps.length || !terminal || terminal.kind !== 'terminal') return [];
    return [{ slide, pane: terminal.pane, env: terminal.env, steps }];
  });
}

/** Screen rows as plain lines (xterm's DOM renderer pads with no-break spaces). */
export async function screenLines(page: Page, slide: string): Promise<string[]> {
  return (await terminalText(page, slide)).replace(/\u00a0/g, ' ').split('\n').map((l) => l.trimEnd());
}

/** The whole buffer as lines, scrollback included. */
export async function bufferLines(page: Page, slide: string): Promise<string[]> {
  return (await terminalBuffer(page, slide)).split('\n').map((l) => l.trimEnd());
}

/** A line that is nothing but a shell prompt: bash's `user@host:dir# `, sh's `# `, `Apptainer> `. */
export const BARE_PROMPT = /^(?:[\w.-]+@[\w.-]+:[^\s]*[#$]|#|\$|Apptainer>)$/;

export function lastLine(lines: string[]): string {
  for (let i = lines.length - 1; i >= 0; i--) if ((lines[i] as string).trim()) return lines[i] as string;
  return '';
}

/**
 * The lines after the last echo of a typed command: a prompt (`#`, `$`, `>`) followed by the
 * command, possibly wrapped over a few rows (compared without spaces, since rows are trimmed).
 */
export function outputAfter(lines: string[], command: string): string[] | undefined {
  const want = command.replace(/\s/g, '');
  for (let i = lines.length - 1; i >= 0; i--) {
    for (let k = 0; k <= 4 && k <= i; k++) {
      const joined = lines.slice(i - k, i + 1).join('').replace(/\s/g, '');
      if (joined.endsWith(want) && /[#$>\]:]$/.test(joined.slice(0, joined.length - want.length))) return lines.slice(i + 1);
    }
  }
  return undefined;
}

export interface StepDone {
  /** What the finished step shows after its echo; by default a bare prompt on the last line. */
  readonly until?: RegExp;
}

/**
 * Click the slide's `index`-th step button (the presenter's click-to-run), then wait until the
 * terminal shows the step's echo and, after it, a bare prompt (or `done.until`). Returns the
 * output of the step: the lines after its echo (scrollback included), the prompt included.
 */
export async function clickStep(page: Page, slide: string, index: number, step: Step, done: StepDone = {}): Promise<string> {
  const button = page.locator(`section#${slide} button.console-steps__step`).nth(index);
  await expect(button).toContainText(step.display.slice(0, 40));
  const keysOnly = !step.send.endsWith('\r') || step.send === '\r';
  // A command's output is what follows its echo in the whole buffer: an output longer than the
  // screen scrolls the echo off it. Keys alone have no echo to anchor on: what they did is on
  // the screen.
  const read = keysOnly ? screenLines : bufferLines;
  const before = (await read(page, slide)).join('\n');
  await button.click();
  let output = '';
  await expect
    .poll(
      async () => {
        const lines = await read(page, slide);
        if (lines.join('\n') === before) return 'unchanged';
        const after = keysOnly ? lines : outputAfter(lines, step.display);
        if (!after) return 'no echo yet';
        const text = after.join('\n').trimEnd();
        const finished = done.until ? done.until.test(text) : after.length > 0 && BARE_PROMPT.test(lastLine(after));
        if (!finished) return `waiting: ${lastLine(lines)}`;
        output = text;
        return 'done';
      },
      { timeout: step.waitSeconds * 1000 + 5000, intervals: [100, 200, 300] , message: `${slide}: step ${index + 1} "${step.display}" finishes` },
    )
    .toBe('done');
  // The button agrees: it shows the step done once the prompt is back.
  if (!done.until) await expect(button).toHaveAttribute('data-step-state', 'done', { timeout: 10_000 });
  return output;
}

/**
 * Reset the demos as the lecturer does: the presenter strip's "Reset demos", confirmed. Resolves
 * when the reset has gone through `resetting` to `ready` (the lab indicator too); returns the lab
 * indicator's states seen.
 */
export async function resetDemos(page: Page): Promise<string[]> {
  const indicator = page.locator('.deck-status [data-lab-state]');
  await expect(indicator).toHaveAttribute('data-lab-state', 'ready', { timeout: 180_000 });
  await page.evaluate(() => {
    const seen: string[] = [];
    const demos: string[] = [];
    Object.assign(window, { labStates: seen, demosStates: demos });
    const record = () => {
      const state = document.querySelector('.deck-status [data-lab-state]')?.getAttribute('data-lab-state');
      if (state && seen[seen.length - 1] !== state) seen.push(state);
      const reset = document.querySelector('.deck-status [data-demos-state]')?.getAttribute('data-demos-state');
      if (reset && demos[demos.length - 1] !== reset) demos.push(reset);
    };
    record();
    new MutationObserver(record).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-lab-state', 'data-demos-state'],
    });
  });
  page.once('dialog', (dialog) => {
    expect(dialog.message()).toContain('Reset all demos?');
    void dialog.accept();
  });
  await page.locator('.deck-status').getByRole('button', { name: 'Reset demos' }).click();
  const states = () => page.evaluate(() => (window as unknown as { demosStates: string[] }).demosStates);
  // Through resetting, to its end (an earlier reset's `ready` may be the first state seen).
  const end = async () => {
    const seen = await states();
    return seen.includes('resetting') && seen.at(-1) !== 'resetting' ? seen.at(-1) : 'pending';
  };
  await expect.poll(end, { timeout: 180_000 }).toBe('ready');
  await expect(indicator).toHaveAttribute('data-lab-state', 'ready');
  return page.evaluate(() => (window as unknown as { labStates: string[] }).labStates);
}
