/**
 * The warm pool of audience sandboxes on the real engine: shells started ahead in their own
 * containers, taken by the next opens (at their prompt at once, resized to the taker's size),
 * refilled after a quiet spell, removed when no longer wanted and with the backend. Under gVisor where the engine has it, as a lecture's.
 */
import { execFileSync } from 'node:child_process';
import { DockerBackend, Labels, type Shell } from '@lecture/containers';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogue } from './environments.js';
import { containersWithLabel } from './harness.js';

const sandbox = catalogue.find((e) => e.id === 'sandbox');
if (!sandbox) throw new Error('no sandbox environment');

let backend: DockerBackend | undefined;
afterEach(async () => {
  await backend?.dispose();
  backend = undefined;
});

/** This process's pooled sandbox containers (running or not), full ids. */
function pooledContainers(): string[] {
  return execFileSync(
    'docker',
    ['ps', '-a', '-q', '--no-trunc', '--filter', `label=${Labels.SERVER_PID}=${process.pid}`, '--filter', `label=${Labels.ENVIRONMENT}=sandbox`],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter(Boolean)
    .filter((id) => inspect(id, `{{index .Config.Labels "${Labels.SESSION}"}}`).startsWith('pool-'));
}

function inspect(id: string, format: string): string {
  return execFileSync('docker', ['inspect', '-f', format, id], { encoding: 'utf8' }).trim();
}

/** Wait for the shell's prompt, run a command and wait for its marker: the shell works. */
async function works(shell: Shell): Promise<string> {
  let text = '';
  let prompted: () => void = () => {};
  const prompt = new Promise<void>((resolve) => {
    prompted = resolve;
  });
  const done = new Promise<void>((resolve) => {
    shell.onData((d) => {
      text += d;
      if (/\$ (\x1b\[\?2004h)?$/.test(text)) prompted();
      if (/pool-ok-42/.test(text)) resolve();
    });
  });
  await prompt;
  shell.write('id -un; stty size; echo pool-ok-$((6*7))\r');
  await done;
  return text;
}

describe('warm pool', () => {
  it('starts sandboxes ahead; a shell takes one and works; the pool refills, shrinks and goes with the backend', async () => {
    backend = new DockerBackend({ poolQuietMs: 200 });
    const env = sandbox;
    backend.prestart(env, 2);
    await expect.poll(() => backend?.pooled('sandbox'), { timeout: 90_000, interval: 250 }).toBe(2);
    const ahead = pooledContainers();
    expect(ahead).toHaveLength(2);
    // Started one at a time with the sandbox's settings (runtime, read-only root, no network).
    for (const id of ahead) {
      expect(inspect(id, '{{.State.Running}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.NetworkMode}}')).toBe('true true none');
    }

    // A taken shell was started ahead too: its prompt, printed while it waited, comes first.
    const shell = await backend.openShell({ environment: env, sessionId: 'pool-taker-0001', cols: 100, rows: 30 });
    expect(ahead).toContain(shell.containerId);
    const first = new Promise<string>((resolve) => {
      const once = shell.onData((d) => {
        once.dispose();
        resolve(d);
      });
    });
    expect(await first).toMatch(/student@sandbox.*\$ /);
    const ran = await works(shell);
    expect(ran).toContain('student');
    // Started at 80×24, resized to the taker's terminal.
    expect(ran).toMatch(/\r\n30 100\r\n/);

    // After the quiet spell, the pool is back to 2 (a new container, not the one in use).
    await expect.poll(() => backend?.pooled('sandbox'), { timeout: 90_000, interval: 250 }).toBe(2);
    expect(pooledContainers()).toHaveLength(3);

    // The shell's end removes its container, as for any sandbox.
    await shell.dispose();
    expect(pooledContainers()).not.toContain(shell.containerId);

    // Fewer wanted: the extra go at once.
    backend.prestart(env, 1);
    expect(backend.pooled('sandbox')).toBe(1);
    await expect.poll(() => pooledContainers().length, { timeout: 30_000 }).toBe(1);

    // A pooled container that died is not handed out: the shell gets a fresh container instead.
    const [dead] = pooledContainers();
    execFileSync('docker', ['kill', dead as string], { stdio: 'ignore' });
    const fresh = await backend.openShell({ environment: env, sessionId: 'pool-taker-0002', cols: 80, rows: 24 });
    expect(fresh.containerId).not.toBe(dead);
    expect(containersWithLabel(`${Labels.SESSION}=pool-taker-0002`)).toHaveLength(1);
    expect(await works(fresh)).toContain('pool-ok-42');
    await fresh.dispose();

    // Disposing the backend removes what it started ahead.
    await expect.poll(() => backend?.pooled('sandbox'), { timeout: 90_000, interval: 250 }).toBe(1);
    await backend.dispose();
    backend = undefined;
    expect(pooledContainers()).toEqual([]);
  }, 300_000);

  it('a changed environment (the deck was edited) drains the containers of the old settings', async () => {
    backend = new DockerBackend({ poolQuietMs: 200 });
    backend.prestart(sandbox, 1);
    await expect.poll(() => backend?.pooled('sandbox'), { timeout: 90_000, interval: 250 }).toBe(1);
    const [old] = pooledContainers();
    const edited = { ...sandbox, env: { ...sandbox.env, LECTURE_EDITED: '1' } };
    backend.prestart(edited, 1);
    await expect.poll(() => backend?.pooled('sandbox'), { timeout: 90_000, interval: 250 }).toBe(1);
    const [now] = pooledContainers();
    expect(now).not.toBe(old);
    const shell = await backend.openShell({ environment: edited, sessionId: 'pool-taker-0003', cols: 80, rows: 24 });
    expect(shell.containerId).toBe(now);
    await shell.dispose();
  }, 300_000);
});
