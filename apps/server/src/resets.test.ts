import { type EnvironmentSpec, FakeBackend, testEnvironment } from '@lecture/containers';
import type { ServerMessage } from '@lecture/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { LectureHall } from './hall.js';
import { DemoResets } from './resets.js';
import type { PaneMessage } from './session.js';
import { SessionRegistry } from './sessions.js';

const lab = testEnvironment({
  id: 'lab',
  lifecycle: 'shared',
  user: 'root',
  workdir: '/root/demo',
  reset: ['lab-reset'],
});
const apptainer = testEnvironment({ id: 'apptainer' });
const sandbox = testEnvironment({ id: 'sandbox' });
const environments = new Map<string, EnvironmentSpec>([lab, apptainer, sandbox].map((e) => [e.id, e]));
const panes = new Map([
  ['docker-lab', 'lab'],
  ['apptainer', 'apptainer'],
]);

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

let registry: SessionRegistry | undefined;

afterEach(async () => {
  await registry?.dispose();
  registry = undefined;
});

function setUp(timeoutMs = 5_000) {
  const backend = new FakeBackend();
  registry = new SessionRegistry({ backend, environments });
  const sessions = registry;
  const hall = new LectureHall({ polls: new Map() });
  // What the presenter's strip sees.
  const strip: ServerMessage[] = [];
  hall.join({ role: 'presenter', clientId: 'lecturer', send: (m) => strip.push(m) });
  backend.onSharedState(({ environment, state }) => hall.environment({ type: 'env-state', env: environment, ...state }));
  const resets = new DemoResets({ backend, environments, sessions, hall, panes, timeoutMs });
  const labStates = () => strip.flatMap((m) => (m.type === 'env-state' && m.env === 'lab' ? [m.state] : []));
  /** A presenter pane with the lecturer's browser on it; returns what that browser receives. */
  const open = async (pane: string, env: EnvironmentSpec, key = `presenter:${pane}`) => {
    const session = sessions.getOrCreate({ key, pane, environment: env, cols: 80, rows: 24 });
    const received: PaneMessage[] = [];
    session.attach('driver', (m) => received.push(m));
    await session.start();
    await tick();
    const text = () => received.flatMap((m) => (m.type === 'output' ? [m.data] : [])).join('');
    return { session, received, text };
  };
  return { backend, sessions, hall, resets, strip, labStates, open };
}

describe('DemoResets: Reset demos', () => {
  it('resets the lab, then gives every presenter pane a fresh shell that says it was reset', async () => {
    const { backend, resets, labStates, open } = setUp();
    const labPane = await open('docker-lab', lab);
    const appPane = await open('apptainer', apptainer);
    const student = await open('my-sandbox', sandbox, 'sandbox:student-1');
    const before = {
      lab: labPane.session,
      labShell: [...backend.shells].find((s) => s.environment?.id === 'lab'),
      appContainer: [...backend.shells].find((s) => s.environment?.id === 'apptainer')?.containerId,
      studentShell: [...backend.shells].find((s) => s.environment?.id === 'sandbox'),
    };

    expect(await resets.resetDemos()).toBe(true);
    await tick();

    // The lab ran its reset command, in the same container, and went resetting → ready.
    expect(backend.sharedRuns).toEqual([{ environment: 'lab', command: ['lab-reset'] }]);
    expect(backend.sharedCreated).toBe(1);
    expect(labStates().slice(-2)).toEqual(['resetting', 'ready']);
    // The lab pane: same session (the mirrors stay attached), a new shell, in the lab container.
    expect(labPane.session).toBe(before.lab);
    expect(before.labShell?.disposed).toBe(true);
    expect(labPane.session.state).toBe('ready');
    expect(labPane.text()).toMatch(/\x1bc.*Reset: the lab is back to its seeded state; a fresh shell in \/root\/demo.*\r\n\$ $/s);
    // The Apptainer pane: a new container (its seeded state).
    const appNow = [...backend.shells].find((s) => s.environment?.id === 'apptainer' && !s.disposed);
    expect(appNow?.containerId).toBeDefined();
    expect(appNow?.containerId).not.toBe(before.appContainer);
    expect(appPane.text()).toMatch(/Reset: a fresh apptainer container; a fresh shell in \/home\/student/);
    // A student's sandbox is the student's: untouched.
    expect(before.studentShell?.disposed).toBe(false);
    expect(student.text()).not.toMatch(/Reset/);
  });

  it('a reset command that fails: the lab is started again from its image, and ends ready', async () => {
    const { backend, resets, labStates, open } = setUp();
    await open('docker-lab', lab);
    backend.sharedExit = 3;
    expect(await resets.resetDemos()).toBe(true);
    expect(backend.sharedCreated).toBe(2);
    expect(labStates().at(-1)).toBe('ready');
  });

  it('a reset command that hangs: bounded, then a new lab; never stuck at resetting', async () => {
    const { backend, resets, labStates, open } = setUp(100);
    const labPane = await open('docker-lab', lab);
    backend.sharedExit = 'hang';
    const started = Date.now();
    expect(await resets.resetDemos()).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(backend.sharedCreated).toBe(2);
    expect(labStates().at(-1)).toBe('ready');
    await tick();
    expect(labPane.session.state).toBe('ready');
  });

  it('a lab that cannot start again ends in error, with a message, not at resetting', async () => {
    const { backend, resets, strip, open } = setUp();
    await open('docker-lab', lab);
    backend.sharedExit = 1;
    backend.sharedStartError = 'the image lecture/lab is not built';
    expect(await resets.resetDemos()).toBe(false);
    const states = strip.flatMap((m) => (m.type === 'env-state' && m.env === 'lab' ? [m] : []));
    expect(states.at(-1)?.state).toBe('error');
    expect(states.map((m) => m.message ?? '').join('\n')).toMatch(
      /The reset failed: lab-reset exited with 1, and a new container did not start \(the image lecture\/lab is not built\)/,
    );
  });

  it('two clicks in a row run one reset', async () => {
    const { backend, resets, open } = setUp();
    await open('docker-lab', lab);
    await Promise.all([resets.resetDemos(), resets.resetDemos()]);
    expect(backend.sharedRuns).toHaveLength(1);
  });
});

describe('DemoResets: a dead lab comes back', () => {
  it('killed: its shells exit; the next open starts a new lab', async () => {
    const { backend, sessions, open } = setUp();
    const first = await open('docker-lab', lab);
    const dead = backend.sharedContainer('lab');
    backend.killShared('lab');
    await tick();
    expect(first.session.state).toBe('exited');
    // "Restart shell" (or reopening the pane, or New shell) opens a shell: in a new lab.
    await first.session.start();
    await tick();
    expect(first.session.state).toBe('ready');
    expect(backend.sharedCreated).toBe(2);
    expect(backend.sharedContainer('lab')).not.toBe(dead);
    expect(sessions.get('presenter:docker-lab')).toBe(first.session);
  });

  it('killed, then Reset demos: the reset runs in a new lab and the pane is ready again', async () => {
    const { backend, resets, labStates, open } = setUp();
    const pane = await open('docker-lab', lab);
    backend.killShared('lab');
    await tick();
    expect(await resets.resetDemos()).toBe(true);
    await tick();
    expect(backend.sharedCreated).toBe(2);
    expect(labStates().at(-1)).toBe('ready');
    expect(pane.session.state).toBe('ready');
    expect(pane.text()).toMatch(/Reset: the lab is back to its seeded state/);
  });
});
