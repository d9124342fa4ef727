import { type Page, expect, test } from '@playwright/test';
import { gotoSlide, loginAsPresenter, pane, typeInto } from './helpers';
import { BARE_PROMPT, lastLine, resetLab, screenLines } from './walk';

/** The lab's one-click reset returns its private engine to the seeded state. */

const SLIDE = 'demo-run-existing';

/** Run a command in the lab's terminal and return what it printed between two markers. */
async function inLab(page: Page, command: string): Promise<string> {
  const tag = `m${Date.now().toString(36)}`;
  await typeInto(page, SLIDE, `clear; echo ${tag}-begin; ${command}; echo ${tag}-end`);
  await page.keyboard.press('Enter');
  let text = '';
  await expect
    .poll(
      async () => {
        const lines = await screenLines(page, SLIDE);
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

test('the lab reset removes what the demos made and returns to the seeded images', async ({ page }) => {
  test.setTimeout(6 * 60_000);
  await loginAsPresenter(page);
  await gotoSlide(page, SLIDE);
  await expect(pane(page, SLIDE)).toHaveAttribute('data-terminal-state', 'ready', { timeout: 120_000 });
  await resetLab(page);
  await inLab(page, 'cd /root/demo');
  const seeded = await inLab(page, STATE);
  expect(seeded).toMatch(/^image lecture\/debian:bookworm [0-9a-f]{12}$/m);
  expect(seeded).not.toMatch(/^container /m);

  // What the demos leave behind: running and stopped containers, built, committed and tagged
  // images, a volume, a network, files in /root/demo.
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
    ].join(' && '),
  );
  const dirty = await inLab(page, STATE);
  expect(dirty).toMatch(/^container test lecture\/debian:bookworm Up/m);
  expect(dirty).toMatch(/^image testimage:latest /m);
  expect(dirty).toMatch(/^image demo\/test_image:latest /m);
  expect(dirty).toMatch(/^volume leftover-volume$/m);
  expect(dirty).toMatch(/^demo result\.txt$/m);

  // The presenter strip's indicator goes resetting → ready.
  expect(await resetLab(page)).toEqual(['ready', 'resetting', 'ready']);
  // The shell's working directory was replaced with /root/demo: go there again.
  await inLab(page, 'cd /root/demo');
  expect(await inLab(page, STATE)).toBe(seeded);
});
