import { type Browser, type BrowserContext, type Page, expect, test } from '@playwright/test';
import { E2E_SECRET } from '../../playwright.config';
import { gotoSlide, loginAsPresenter, pane, terminalText, typeInto } from './helpers';

/** One presenter and three students, each in a browser context of their own. */
async function room(browser: Browser) {
  const contexts: BrowserContext[] = [];
  const open = async (viewport = { width: 1280, height: 720 }) => {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    return context.newPage();
  };
  const presenter = await open({ width: 1920, height: 1080 });
  await loginAsPresenter(presenter);
  const students: Page[] = [];
  for (let i = 0; i < 3; i++) {
    const page = await open();
    await page.goto('/');
    await expect(page.locator('.deck-status')).toContainText('Audience');
    students.push(page);
  }
  return { presenter, students, open, close: () => Promise.all(contexts.map((c) => c.close())) };
}

/** A student's own sandbox on the "try it" slide. */
const TRY_SLIDE = 'try-sandbox';
const own = (page: Page) => page.locator(`section#${TRY_SLIDE} [data-pane="my-sandbox"]`);
const ownText = (page: Page) => own(page).locator('.xterm-rows').innerText();

async function openOwnSandbox(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'My own sandbox' }).click();
  await expect(own(page)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 90_000 });
}

async function typeInOwn(page: Page, command: string): Promise<void> {
  await own(page).locator('.terminal-pane__host').click();
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
}

const presentId = (page: Page) => page.locator('.reveal .slides > section.present').getAttribute('id');
const visibleFragments = (page: Page, slide: string) => page.locator(`section#${slide} .fragment.visible`).count();

test('students follow the presenter’s slides and fragments, and can browse away and snap back', async ({ browser }) => {
  const { presenter, students, close } = await room(browser);
  try {
    await gotoSlide(presenter, 'tutorial-what-run-does');
    for (const s of students) await expect.poll(() => presentId(s)).toBe('tutorial-what-run-does');
    await presenter.keyboard.press('ArrowRight');
    await presenter.keyboard.press('ArrowRight');
    await expect.poll(() => visibleFragments(presenter, 'tutorial-what-run-does')).toBe(2);
    for (const s of students) await expect.poll(() => visibleFragments(s, 'tutorial-what-run-does')).toBe(2);
    // A student browses back; the follow button brings them to the presenter again.
    const [first] = students as [Page];
    await first.keyboard.press('ArrowLeft');
    await first.keyboard.press('ArrowLeft');
    await first.keyboard.press('ArrowLeft');
    await expect.poll(() => presentId(first)).not.toBe('tutorial-what-run-does');
    await gotoSlide(presenter, 'demo-tutorial-run');
    await expect.poll(() => presentId(students[1] as Page)).toBe('demo-tutorial-run');
    expect(await presentId(first)).not.toBe('demo-tutorial-run');
    await first.getByRole('button', { name: 'Follow the lecturer' }).click();
    await expect.poll(() => presentId(first)).toBe('demo-tutorial-run');
  } finally {
    await close();
  }
});

test('a presenter who opens the deck at a slide brings the students there, even when the socket is open before the deck', async ({
  browser,
}) => {
  const contexts: BrowserContext[] = [];
  const open = async (viewport = { width: 1280, height: 720 }) => {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    return context.newPage();
  };
  try {
    // The room was last told another slide.
    const earlier = await open({ width: 1920, height: 1080 });
    await loginAsPresenter(earlier);
    await gotoSlide(earlier, 'tutorial-what-run-does');
    await earlier.close();
    // The lecturer reopens the deck at a link to a slide; the deck arrives after the socket has
    // opened (a slow first load after the server starts), so reveal is ready last.
    const presenter = await open({ width: 1920, height: 1080 });
    await presenter.route('**/deck.json', async (route) => {
      await new Promise((r) => setTimeout(r, 2000));
      await route.continue();
    });
    await presenter.goto(`/presenter?key=${E2E_SECRET}#/demo-tutorial-run`);
    await expect(presenter.locator('section#demo-tutorial-run.present')).toBeVisible();
    const student = await open();
    await student.goto('/');
    await expect.poll(() => presentId(student)).toBe('demo-tutorial-run');
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
  }
});

test('the presenter’s terminal is mirrored live, read-only, and a late joiner sees the screen', async ({ browser }) => {
  const { presenter, students, open, close } = await room(browser);
  const slide = 'try-sandbox';
  try {
    await gotoSlide(presenter, slide);
    await expect(pane(presenter, slide)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 90_000 });
    for (const s of students) {
      await expect.poll(() => presentId(s)).toBe(slide);
      await expect(pane(s, slide)).toHaveAttribute('data-terminal-mode', 'viewer');
    }
    const cols = await pane(presenter, slide).getAttribute('data-cols');
    const marker = `mirror-${Date.now()}`;
    await typeInto(presenter, slide, `echo ${marker}`);
    await presenter.keyboard.press('Enter');
    for (const s of students) await expect.poll(() => terminalText(s, slide), { timeout: 5000 }).toContain(`${marker}\n`);

    // A student types into the mirror and shrinks their window: nothing reaches the lecturer.
    const [student] = students as [Page];
    await student.locator(`section#${slide} .terminal-pane__host`).click();
    await student.keyboard.type('echo HACKED-BY-STUDENT');
    await student.keyboard.press('Enter');
    await student.setViewportSize({ width: 700, height: 500 });
    await presenter.waitForTimeout(1000);
    expect(await terminalText(presenter, slide)).not.toContain('HACKED-BY-STUDENT');
    expect(await pane(presenter, slide).getAttribute('data-cols')).toBe(cols);

    // A late joiner sees exactly the current screen.
    const late = await open();
    await late.goto('/');
    await expect.poll(() => presentId(late)).toBe(slide);
    await expect.poll(() => terminalText(late, slide)).toContain(`${marker}\n`);
    // The viewer shows the presenter's grid size.
    await expect(pane(late, slide)).toHaveAttribute('data-cols', cols ?? '');
  } finally {
    await close();
  }
});

test('each student’s sandbox is their own', async ({ browser }) => {
  // Four browsers and two sandboxes to start: waits for readiness, not a measured figure.
  test.setTimeout(240_000);
  const { presenter, students, close } = await room(browser);
  try {
    await gotoSlide(presenter, TRY_SLIDE);
    const [alice, bob] = students as [Page, Page];
    for (const s of [alice, bob]) {
      await expect.poll(() => presentId(s)).toBe(TRY_SLIDE);
      await openOwnSandbox(s);
    }
    const file = `alice-${Date.now()}`;
    await typeInOwn(alice, `touch ${file} && ls`);
    await expect.poll(() => ownText(alice)).toContain(file);
    await typeInOwn(bob, 'ls; echo listed-$((40+2))');
    await expect.poll(() => ownText(bob)).toContain('listed-42');
    expect(await ownText(bob)).not.toContain(file);
    // The sandbox survives a reload.
    await alice.reload();
    await expect.poll(() => presentId(alice)).toBe(TRY_SLIDE);
    await alice.getByRole('tab', { name: 'My own sandbox' }).click();
    await expect.poll(() => ownText(alice)).toContain(file);
  } finally {
    await close();
  }
});

test('the quiz collects every answer and shows the result to everyone', async ({ browser }) => {
  const { presenter, students, close } = await room(browser);
  const slide = 'what-is-docker-poll';
  try {
    await gotoSlide(presenter, slide);
    await presenter.locator(`section#${slide}`).getByRole('button', { name: 'Reset' }).click();
    const choices = [0, 4, 4];
    for (const [i, s] of students.entries()) {
      await expect.poll(() => presentId(s)).toBe(slide);
      await s.locator(`section#${slide} .poll__vote`).nth(choices[i] as number).click();
      await expect(s.locator(`section#${slide} .poll__option--mine`)).toHaveCount(1);
    }
    await expect(presenter.locator(`section#${slide} .poll__total`)).toHaveAttribute('data-total', '3');
    // Not shown to students until revealed.
    await expect(students[0]?.locator(`section#${slide} .poll__bar`) as never).toHaveCount(0);
    await presenter.locator(`section#${slide}`).getByRole('button', { name: 'Reveal results' }).click();
    for (const s of students) {
      await expect(s.locator(`section#${slide} .poll__bar`).nth(4)).toHaveAttribute('data-count', '2');
      await expect(s.locator(`section#${slide} .poll__bar`).nth(0)).toHaveAttribute('data-count', '1');
    }
  } finally {
    await close();
  }
});

test('on a phone the slide is readable and the quiz answerable', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  try {
    await page.goto('/#/what-is-docker-poll');
    await expect(page.locator('.deck-status')).toContainText('Audience');
    const slide = page.locator('section#what-is-docker-poll');
    await expect(slide).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const fontSize = await slide.locator('.poll__question').evaluate((e) => Number.parseFloat(getComputedStyle(e).fontSize));
    expect(fontSize).toBeGreaterThanOrEqual(16);
    await slide.locator('.poll__vote').nth(1).tap();
    await expect(slide.locator('.poll__option--mine')).toHaveCount(1);
  } finally {
    await context.close();
  }
});

test('a student who pastes a fork bomb hurts only their own sandbox, and gets a fresh one', async ({ browser }) => {
  // Four browsers, a bombed sandbox to remove (under gVisor its ~1,600 threads take a while) and a
  // new one to start: waits for readiness, not a measured figure.
  test.setTimeout(300_000);
  const { presenter, students, close } = await room(browser);
  const slide = TRY_SLIDE;
  try {
    await gotoSlide(presenter, slide);
    await expect(pane(presenter, slide)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 90_000 });
    const [mallory] = students as [Page];
    await expect.poll(() => presentId(mallory)).toBe(slide);
    await openOwnSandbox(mallory);
    await typeInOwn(mallory, 'touch before-the-bomb; :(){ :|:& };:');
    await expect.poll(() => ownText(mallory), { timeout: 30_000 }).toMatch(/fork|retry|Resource temporarily unavailable/);
    // The lecturer's shell answers as usual while the bomb runs.
    const marker = `still-fine-${Date.now()}`;
    await typeInto(presenter, slide, `echo ${marker}`);
    await presenter.keyboard.press('Enter');
    await expect.poll(() => terminalText(presenter, slide)).toContain(`${marker}\n`);
    // "New sandbox" throws the bombed one away.
    await mallory.getByRole('button', { name: 'New sandbox' }).click();
    await expect(own(mallory)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 90_000 });
    await typeInOwn(mallory, 'ls; echo fresh-$((6*7))');
    await expect.poll(() => ownText(mallory), { timeout: 30_000 }).toContain('fresh-42');
    expect(await ownText(mallory)).not.toContain('before-the-bomb');
  } finally {
    await close();
  }
});

test('“New shell” gives the lecturer a fresh shell and the mirrors follow it', async ({ browser }) => {
  const { presenter, students, close } = await room(browser);
  const slide = 'try-sandbox';
  try {
    await gotoSlide(presenter, slide);
    await expect(pane(presenter, slide)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 90_000 });
    const before = `old-shell-${Date.now()}`;
    await typeInto(presenter, slide, `touch ${before}; echo ${before}`);
    await presenter.keyboard.press('Enter');
    const [student] = students as [Page];
    await expect.poll(() => terminalText(student, slide)).toContain(`${before}\n`);
    presenter.once('dialog', (dialog) => dialog.accept());
    await presenter.locator(`section#${slide}`).getByRole('button', { name: 'New shell' }).click();
    await expect(pane(presenter, slide)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 90_000 });
    const after = `new-shell-${Date.now()}`;
    await typeInto(presenter, slide, `ls; echo ${after}`);
    await presenter.keyboard.press('Enter');
    await expect.poll(() => terminalText(presenter, slide)).toContain(`${after}\n`);
    expect(await terminalText(presenter, slide)).not.toContain(before);
    // The student's mirror moved to the new shell by itself.
    await expect.poll(() => terminalText(student, slide), { timeout: 15_000 }).toContain(`${after}\n`);
  } finally {
    await close();
  }
});
