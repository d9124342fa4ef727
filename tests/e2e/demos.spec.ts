import { type Page, expect, test } from '@playwright/test';
import { gotoSlide, loginAsPresenter, pane } from './helpers';
import { type StepDone, clickStep, demoSlides, lastLine, outputAfter, resetDemos, screenLines } from './walk';

/**
 * The whole lecture's demos, as the lecturer gives them: every demo slide in deck order, every
 * step run by clicking its button on the slide, each step's effect checked in the terminal.
 */

interface Expect extends StepDone {
  /** Checks on the step's output (the screen after its echo). */
  readonly check?: (output: string, memo: Map<string, string>) => void;
}

const INNER_PROMPT = /^root@([0-9a-f]{12}):\S*#$/m;
const LAB_PROMPT = /^root@[\w.-]+:~\/demo[\w/-]*#$/;
/** The output with the terminal's line wrapping undone (wide `docker ps` rows wrap). */
const flat = (out: string) => out.replace(/\s*\n\s*/g, ' ');
/** Wrapping may also split a word (`C` / `reated`): join the rows without a space too. */
const joined = (out: string) => out.replace(/[^\S\n]*\n/g, '');
const has = (re: RegExp) => (out: string) => {
  if (!re.test(out) && !re.test(joined(out))) expect(flat(out)).toMatch(re);
};
const hasNot = (re: RegExp) => (out: string) => {
  for (const text of [out, flat(out), joined(out)]) expect(text).not.toMatch(re);
};
const insideContainer = (out: string) => expect(lastLine(out.split('\n'))).toMatch(INNER_PROMPT);
const backInLab = (out: string) => expect(lastLine(out.split('\n'))).toMatch(LAB_PROMPT);
const COW = /\(oo\)/;

/** slide id → step index (0-based, steps only) → what must be seen. */
const EXPECTED: Record<string, Record<number, Expect>> = {
  'demo-run-existing': {
    0: { check: has(/^Server:/m) },
    1: { check: has(/^Engine \d+\.\d+.*storage \w+, \d+ image\(s\)$/m) },
    2: { check: has(/^lecture\/debian\s+bookworm\s/m) },
  },
  'demo-management-commands': {
    1: { check: has(/^[0-9a-f]{64}$/m) },
    2: { check: (out) => expect(out.replace(/\s/g, '')).toContain('Createdscratch') },
    3: { check: has(/^scratch$/m) },
    5: { check: has(/^scratch-image\s+latest\s/m) },
    6: { check: has(/Untagged: scratch-image:latest/) },
  },
  'demo-tutorial-run': {
    0: { check: insideContainer },
    1: { check: has(/Debian GNU\/Linux 12/) },
    2: { check: backInLab },
    4: { check: has(/Exited \(0\)/) },
    5: { check: insideContainer },
    6: { check: backInLab },
  },
  'demo-tutorial-detach': {
    0: {
      check: (out, memo) => {
        insideContainer(out);
        memo.set('tutorial', (INNER_PROMPT.exec(lastLine(out.split('\n'))) as RegExpExecArray)[1] as string);
      },
    },
    // Ctrl-P Ctrl-Q: back at the lab's prompt, the container keeps running.
    // docker prints nothing on detach: the lab's prompt follows the container's on the same row.
    1: { until: /root@[\w.-]+:~\/demo#$/, check: (out) => expect(lastLine(out.split('\n'))).toMatch(/^root@[0-9a-f]{12}:\/# *root@[\w.-]+:~\/demo#$/) },
    2: { check: (out, memo) => has(new RegExp(`${memo.get('tutorial')}\\s.*Up .*\\btutorial`))(out) },
    // `attach` shows nothing until a key is pressed: done when its echo is there.
    3: { until: /^/ },
    // Enter: the prompt of the very same container.
    4: { check: (out, memo) => expect(lastLine(out.split('\n'))).toBe(`root@${memo.get('tutorial')}:/#`) },
    5: { check: backInLab },
    6: { check: hasNot(/tutorial/) },
  },
  'demo-files-in-containers': {
    0: { check: insideContainer },
    2: { check: has(/\basdf\b/) },
    3: { check: backInLab },
    4: { check: insideContainer },
    // A new container from the same image: no asdf.
    5: { check: (out) => { expect(out).toMatch(/\betc\b/); expect(out).not.toMatch(/\basdf\b/); } },
    7: { check: (out) => expect(joined(out).match(/Exited ?\(\d+\)/g)?.length ?? 0).toBeGreaterThanOrEqual(2) },
  },
  'try-sandbox': {
    0: { check: has(/^student$/m) },
    1: { check: has(/^\/home\/student$/m) },
    4: { check: has(/ hello$/m) },
  },
  'demo-detached-bind-mount': {
    0: { check: has(/^\[\/bin\/bash\]$/m) },
    1: { check: has(/^[0-9a-f]{64}$/m) },
    // The detached container is listed by docker ps.
    2: { check: has(/\bUp .*\btest\b/) },
    3: { check: has(/^dockerfile-example$/m) },
  },
  'demo-commit-workaround': {
    1: { check: has(/^test$/m) },
    2: { check: has(/^sha256:[0-9a-f]{64}$/m) },
    // The committed image, started with another entrypoint: sh's prompt.
    3: { check: (out) => expect(lastLine(out.split('\n'))).toBe('#') },
    4: { check: has(/^was-here$/m) },
    5: { check: backInLab },
    6: { check: has(/^test$/m) },
  },
  'demo-build-own-image': {
    1: { check: has(/Successfully tagged testimage:latest/) },
    // The built image is listed by docker images.
    2: { check: has(/^testimage\s+latest\s+[0-9a-f]{12}\s/m) },
    3: { check: has(/WORKDIR \/app/) },
  },
  'demo-build-run-modes': {
    0: { check: has(/^hello$/m) },
    1: { check: has(/^root@[0-9a-f]{12}:\/app#$/m) },
    2: { check: has(/Debian GNU\/Linux 12/) },
    3: { check: backInLab },
    4: { check: has(/^[0-9a-f]{64}$/m) },
    5: { check: has(/Exited \(0\).*\btestimage\b/) },
    6: { check: has(/^hello$/m) },
    7: { check: has(/^testimage$/m) },
    8: { check: has(/^[0-9a-f]{64}$/m) },
  },
  'demo-build-files': {
    0: { check: has(/^root@[0-9a-f]{12}:\/app#$/m) },
    1: { check: has(/Dockerfile/) },
    2: { check: backInLab },
    5: { check: has(/^file-to-copy$/m) },
    7: { check: has(/\bcopied-back\b/) },
    8: { check: has(/^testimage$/m) },
    9: { until: /\[y\/N\]\s*$/ },
    10: { check: has(/Total reclaimed space/) },
  },
  'demo-fenics-offline': {
    1: { check: has(/^root@[0-9a-f]{12}:\/home\/shared#$/m) },
    2: { check: has(/^\/home\/shared$/m) },
    3: { check: has(/dockerfile-example/) },
    5: { check: backInLab },
    6: { check: has(/\bresult\.txt\b/) },
  },
  'demo-singularity-pull': {
    0: { check: has(/lolcow\.sif/) },
    2: { check: has(/lolcow_docker\.sif/) },
    3: { check: has(COW) },
  },
  'demo-singularity-shell': {
    0: { check: (out) => expect(lastLine(out.split('\n'))).toBe('Apptainer>') },
    // The same ordinary user inside as outside.
    1: { check: has(/^student$/m) },
    // The image is read-only.
    2: { check: has(/Read-only file system/) },
    3: { check: (out) => expect(lastLine(out.split('\n'))).toMatch(/^student@/) },
  },
  'demo-singularity-exec-run': {
    0: { check: (out) => { expect(out).toContain('< moo >'); expect(out).toMatch(COW); } },
    1: { check: has(COW) },
    // The same user outside and inside: the process in the container is the student's.
    2: { check: has(/^uid=1000\(student\) gid=1000\(student\)/m) },
    3: { check: has(/^uid=1000\(student\) gid=1000\(student\)/m) },
    // The kernel's word on the process inside: no capabilities, no new privileges.
    4: { check: (out) => { expect(out).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m); expect(out).toMatch(/^CapEff:\s+0+$/m); expect(out).toMatch(/^NoNewPrivs:\s+1$/m); } },
    // A set-uid root program gets no root in there.
    5: { check: has(/must be superuser/) },
  },
  'demo-singularity-mounts': {
    1: { check: has(/^\/home\/student$/m) },
    2: { check: has(/\bmade-on-the-host\b/) },
    3: { check: has(/ \/tmp$/m) },
    4: { check: has(COW) },
  },
  'demo-singularity-build': {
    1: { check: has(/^Bootstrap: localimage$/im) },
    // The live build with --fakeroot.
    2: { check: has(/Build complete: small\.sif/) },
    3: { check: (out) => { expect(out).toContain('Hello from my own container'); expect(out).toMatch(/built on .* by a student/); } },
    4: { check: has(/^built on .* by a student$/m) },
  },
};

/** Every demo slide in deck order, every step clicked, every effect checked. */
async function walk(page: Page, round: number): Promise<void> {
  for (const { slide, steps } of demoSlides()) {
    await test.step(`round ${round}: ${slide.id}`, async () => {
      await gotoSlide(page, slide.id);
      await expect(pane(page, slide.id)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 120_000 });
      await expect(page.locator(`section#${slide.id} button.console-steps__step`)).toHaveCount(steps.length);
      const memo = new Map<string, string>();
      for (const [i, step] of steps.entries()) {
        const expected = EXPECTED[slide.id]?.[i] ?? {};
        const output = await clickStep(page, slide.id, i, step, expected);
        expect(output, `${slide.id} step ${i + 1} "${step.display}"`).not.toMatch(/command not found|Error response from daemon|FATAL:|warn rootless/);
        expected.check?.(output, memo);
        // Each demo on its own screen: its first step cleared what the previous demo left.
        const previous = previousStep.get(slide.id);
        if (i === 0 && previous && previous !== step.display) {
          expect(outputAfter(await screenLines(page, slide.id), previous), `${slide.id} starts on a clean screen`).toBeUndefined();
        }
      }
      await expect(page.locator(`section#${slide.id} .console-steps__step--done`)).toHaveCount(steps.length);
    });
  }
}

/** The last step of the demo before it on the same pane, per demo slide. */
const previousStep = new Map<string, string>();

test('the whole lecture twice in a row on one server: every demo, every step clicked, the effects the slides promise', async ({ page }) => {
  test.setTimeout(45 * 60_000);
  const demos = demoSlides();
  // Every demo slide has expectations here, so a new demo cannot slip by unchecked.
  expect(demos.map((d) => d.slide.id).filter((id) => !(id in EXPECTED))).toEqual([]);
  const last = new Map<string, string>();
  for (const d of demos) {
    const before = last.get(d.pane);
    if (before) previousStep.set(d.slide.id, before);
    last.set(d.pane, d.steps.at(-1)?.display as string);
  }
  await loginAsPresenter(page);
  // A rehearsal may have left anything: one Reset demos and every shell is fresh.
  await resetDemos(page);
  await walk(page, 1);
  // And again, straight after, with no reset: the demos repeat (pull and build included).
  await walk(page, 2);
});
