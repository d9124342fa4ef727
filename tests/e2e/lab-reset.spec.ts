import { type Page, expect, test } from '@playwright/test';
import { gotoSlide, loginAsPresenter, pane, typeInto } from './helpers';
import { BARE_PROMPT, lastLine, resetDemos, screenLines } from './walk';

/** One "Reset demos" returns the lab's private engine, the Apptainer shell and the presenter's shells to their seeded state. */

const SLIDE = 'demo-run-existing';

/** Run a command in the lab's terminal and return what it printed between two markers. */
async function inLab(page: Page, command: string, slide = SLIDE): Promise<string> {
  const tag = `m${Date.now().toString(36)}`;
  await typeInto(page, slide, `clear; echo ${tag}-begin; ${command}; echo ${tag}-end`);
  await page.keyboard.press('Enter');
  let text = '';
  await expect
    .poll(
      async () => {
        const lines = await screenLines(page, slide);
        const begin = lines.indexOf(`${tag}-begin`);
        const end = lines.indexOf(`${tag}-end`);
        if (begin < 0 || end < begin || !BARE_PROMPT.test(lastLine(lines))) return false;
        text = lines.slice(begin + 1, end).join('\n');
        return true;
      },
      { timeout: 120_000 },
    )
    .toBe(true);
  return text;
}

const STATE = [
  "docker ps -a --format 'container {{.Names}} {{.Image}} {{.Status}}'",
  "docker images -a --format 'image {{.Repository}}:{{.Tag}} {{.ID}}'",
  "docker volume ls -q | sed 's/^/volume /'",
  "docker network ls --format 'network {{.Name}}'",
  'ls /root/demo | sed "s/^/demo /"',
].join('; ');

const APPTAINER = 'demo-singularity-pull';
const POLL = 'what-is-docker-poll';

test('Reset demos: the lab back to its seeded images, a fresh Apptainer container, every shell fresh in a valid folder and saying so', async ({
  page,
  browser,
}) => {
  test.setTimeout(8 * 60_000);
  await loginAsPresenter(page);
  await gotoSlide(page, SLIDE);
  await expect(pane(page, SLIDE)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 180_000 });
  await resetDemos(page);
  const seeded = await inLab(page, STATE);
  expect(seeded).toMatch(/^image lecture\/debian:bookworm [0-9a-f]{12}$/m);
  expect(seeded).not.toMatch(/^container /m);

  // What a rehearsal leaves behind: running and stopped containers, built, committed and tagged
  // images, a volume, a network, files in /root/demo, and a shell in a folder the reset deletes.
  await inLab(
    page,
    [
      'docker run -d -i -t --name test --mount type=bind,source="$(pwd)",target=/mnt/share lecture/debian:bookworm',
      'docker run lecture/debian:bookworm true',
      'docker commit test demo/test_image',
      'docker build -q --tag testimage dockerfile-example',
      'docker tag lecture/debian:bookworm scratch-image',
      'docker volume create leftover-volume',
      'docker network create leftover-net',
      'touch result.txt',
      'cd dockerfile-example',
    ].join(' && '),
  );
  const dirty = await inLab(page, STATE);
  expect(dirty).toMatch(/^container test lecture\/debian:bookworm Up/m);
  expect(dirty).toMatch(/^image testimage:latest /m);
  expect(dirty).toMatch(/^image demo\/test_image:latest /m);
  expect(dirty).toMatch(/^volume leftover-volume$/m);

  // The Apptainer shell: a file of the rehearsal in the home.
  await gotoSlide(page, APPTAINER);
  await expect(pane(page, APPTAINER)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 120_000 });
  await inLab(page, 'touch left-by-the-rehearsal; cd /tmp', APPTAINER);
  expect(await inLab(page, 'ls ~', APPTAINER)).toContain('left-by-the-rehearsal');

  // A rehearsal's poll: a student answered and the results were revealed.
  const student = await browser.newContext();
  try {
    const phone = await student.newPage();
    await phone.goto(`/#/${POLL}`);
    await expect(phone.locator('.deck-status')).toContainText('Audience');
    await gotoSlide(page, POLL);
    await phone.locator(`section#${POLL} .poll__vote`).first().click();
    const poll = page.locator(`section#${POLL}`);
    await expect(poll.locator('.poll__total')).not.toHaveAttribute('data-total', '0');
    await poll.getByRole('button', { name: 'Reveal results' }).click();
    await expect(phone.locator(`section#${POLL} .poll__bar`).first()).toBeVisible();

    // One click, and the strip's indicators end ready.
    expect(await resetDemos(page)).toEqual(expect.arrayContaining(['resetting', 'ready']));

    // The poll is empty and hidden again, on the projector and on the student's screen.
    await expect(poll.locator('.poll__total')).toHaveAttribute('data-total', '0');
    await expect(poll.getByRole('button', { name: 'Reveal results' })).toBeVisible();
    await expect(phone.locator(`section#${POLL} .poll__bar`)).toHaveCount(0);
    await expect(phone.locator(`section#${POLL} .poll__option--mine`)).toHaveCount(0);
  } finally {
    await student.close();
  }
  await gotoSlide(page, APPTAINER);

  // The Apptainer terminal says it was reset; its new container has the seeded home only, and the
  // shell is in it (no `cd` needed).
  await expect
    .poll(() => screenLines(page, APPTAINER).then((l) => l.join('\n')))
    .toMatch(/Reset: a fresh apptainer container; a fresh shell in \/home\/student/);
  await expect(pane(page, APPTAINER)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 120_000 });
  expect(await inLab(page, 'pwd; ls ~', APPTAINER)).not.toContain('left-by-the-rehearsal');
  expect(await inLab(page, 'pwd', APPTAINER)).toBe('/home/student');

  // The lab terminal says so too, and its fresh shell is in /root/demo (the old one sat in a
  // folder the reset deleted): the seeded state again, with no `cd` first.
  await gotoSlide(page, SLIDE);
  await expect
    .poll(() => screenLines(page, SLIDE).then((l) => l.join('\n')))
    .toMatch(/Reset: the lab is back to its seeded state; a fresh shell in \/root\/demo/);
  expect(await inLab(page, 'pwd')).toBe('/root/demo');
  expect(await inLab(page, STATE)).toBe(seeded);
});
