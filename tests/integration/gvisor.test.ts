/**
 * The audience's sandboxes behind a second wall: gVisor (runsc) on the real engine, and runc
 * where the engine has no gVisor. CI registers runsc (.ci/run → scripts/add-gvisor.sh) and sets
 * LECTURE_REQUIRE_GVISOR=1, so the gVisor tests fail there rather than skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { DockerBackend, GVISOR_FIX, GVISOR_HOST_TASKS_PER_PROCESS, Labels } from '@lecture/containers';
import { PROTOCOL_VERSION, type ServerMessage } from '@lecture/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LectureServer, startLectureServer } from '../../apps/server/src/app.js';
import { catalogue } from './environments.js';
import { TestClient, containersWithLabel, processesIn } from './harness.js';

const secret = 'integration-secret-gvisor';
const sandbox = catalogue.find((e) => e.id === 'sandbox');
if (!sandbox) throw new Error('no sandbox environment');

const runtimes = Object.keys(
  JSON.parse(execFileSync('docker', ['info', '--format', '{{json .Runtimes}}'], { encoding: 'utf8' })) as Record<string, unknown>,
);
const gvisor = runtimes.includes('runsc');
const required = process.env.LECTURE_REQUIRE_GVISOR === '1';

it('has gVisor registered with the engine where it is required (CI)', () => {
  if (required) expect(runtimes, 'scripts/add-gvisor.sh registers runsc').toContain('runsc');
  else if (!gvisor) console.warn(`gVisor tests skipped: the engine has no runsc runtime. ${GVISOR_FIX}`);
});

/** A student's browser: an audience socket with its own client id, opening its own sandbox. */
async function student(server: LectureServer, clientId: string): Promise<TestClient> {
  const client = new TestClient(server.url);
  await client.opened();
  client.send({ type: 'hello', protocol: PROTOCOL_VERSION, clientId });
  await client.next((m) => m.type === 'welcome');
  return client;
}

type Opened = Extract<ServerMessage, { type: 'opened' }>;

async function openOwn(client: TestClient, channel = 1, extra: Record<string, unknown> = {}): Promise<{ opened: Opened; id: string }> {
  client.send({ type: 'open', channel, pane: 'my-sandbox', env: 'sandbox', scope: 'sandbox', cols: 100, rows: 30, ...extra });
  const opened = await client.next<Opened>((m) => m.type === 'opened' && m.channel === channel);
  await client.next((m) => m.type === 'state' && m.channel === channel && m.state === 'ready', 90_000);
  await client.waitForOutput(channel, /\$ $/, 60_000);
  const [short] = containersWithLabel(`${Labels.SESSION}=${opened.session}`);
  if (!short) throw new Error('no container for the sandbox');
  return { opened, id: inspect(short, '{{.Id}}') };
}

/** Type a command and wait for a marker printed after it, so the output is complete. */
async function run(client: TestClient, command: string, channel = 1, timeoutMs = 60_000): Promise<string> {
  const mark = `done-${Math.random().toString(36).slice(2, 8)}`;
  const before = client.output(channel).length;
  client.send({ type: 'input', channel, data: `${command}; echo ${mark.slice(0, 5)}""${mark.slice(5)}\r` });
  await client.waitForOutput(channel, new RegExp(`[\\r\\n]${mark}\\r\\n`), timeoutMs);
  // As a student reads the screen: lines, without the shell's bracketed-paste switches (ESC [?2004l).
  const text = client
    .output(channel)
    .slice(before)
    .replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '')
    .replace(/\r/g, '');
  return text.slice(0, text.lastIndexOf(mark));
}

const inspect = (id: string, format: string) => execFileSync('docker', ['inspect', '-f', format, id], { encoding: 'utf8' }).trim();

/** CPU time (ns) the container's cgroup has used, host side (cgroup v1 or v2). */
function cpuNanos(id: string): number {
  const v1 = `/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`;
  if (existsSync(v1)) return Number(readFileSync(v1, 'utf8'));
  const v2 = `/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`;
  if (existsSync(v2)) return Number(/usage_usec (\d+)/.exec(readFileSync(v2, 'utf8'))?.[1]) * 1000;
  throw new Error(`no cgroup CPU accounting found for ${id}`);
}

describe.skipIf(!gvisor && !required)('the audience sandbox under gVisor', () => {
  let server: LectureServer;
  beforeAll(async () => {
    server = await startLectureServer({ backend: new DockerBackend(), environments: catalogue, secret, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('runs under runsc, says so in /api/health, and the try-it commands work', async () => {
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as {
      backend: { isolation: { gvisor: boolean; summary: string; fix?: string } };
    };
    expect(health.backend.isolation.gvisor).toBe(true);
    expect(health.backend.isolation.summary).toMatch(/gVisor/);
    expect(health.backend.isolation.fix).toBeUndefined();

    const client = await student(server, 'gvisor-student-try-it-0001');
    const { id } = await openOwn(client);
    expect(inspect(id, '{{.HostConfig.Runtime}}')).toBe('runsc');
    // gVisor's own kernel answers, not the host's (the slide and docs say so).
    expect(await run(client, 'uname -r')).toMatch(/\n4\.4\.0\n/);
    expect(await run(client, 'uname -r')).not.toContain(execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
    // The try-it slide's commands.
    expect(await run(client, 'whoami; pwd')).toMatch(/\nstudent\n\/home\/student\n/);
    const listed = await run(client, 'touch /tmp/hello && ls -l /tmp');
    expect(listed, listed).toMatch(/student student\s+0 .* hello/);
    expect(await run(client, 'touch /usr/forbidden')).toMatch(/Read-only file system|Permission denied/);
    // Tab completes: bash-completion is not loaded at login (it costs every start under gVisor)
    // but at the first Tab, which then completes with it.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, typed into the sandbox
    expect(await run(client, 'echo "loaded=${BASH_COMPLETION_VERSINFO[0]:-no}"')).toContain('loaded=no');
    const before = client.output(1).length;
    client.send({ type: 'input', channel: 1, data: 'git chec\t' });
    await client.waitForOutput(1, /git checkout $/, 30_000);
    expect(client.output(1).slice(before)).toContain('checkout');
    client.send({ type: 'input', channel: 1, data: '\x15' });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, typed into the sandbox
    expect(await run(client, 'echo "loaded=${BASH_COMPLETION_VERSINFO[0]:-no}"')).toContain('loaded=2');
    client.close();
  });

  it('holds the limits: /tmp bounded, no network, CPU capped, a memory hog stops only this sandbox', async () => {
    const client = await student(server, 'gvisor-student-limits-0001');
    const { id } = await openOwn(client);
    expect(await run(client, 'dd if=/dev/zero of=/tmp/big bs=1M count=100 2>&1 | head -1')).toMatch(/No space left on device/);
    expect(await run(client, 'df -m /tmp | tail -1')).toMatch(/\s64\s/);
    // No interface but loopback: gVisor says "No route to host" where Linux says "Network is unreachable".
    const net = await run(client, '(echo > /dev/tcp/10.0.0.1/80) 2>&1; cat /proc/net/dev');
    expect(net).toMatch(/No route to host|Network is unreachable/);
    expect(net).toMatch(/\blo:/);
    expect(net).not.toMatch(/eth0/);

    // Two busy loops for 4 s: the cgroup lets the sandbox use half a CPU, not two.
    const before = cpuNanos(id);
    const t0 = performance.now();
    await run(client, 'timeout 4 sh -c "yes >/dev/null & yes >/dev/null & wait"');
    const wall = (performance.now() - t0) / 1000;
    const used = (cpuNanos(id) - before) / 1e9;
    expect(used).toBeGreaterThan(0.1 * wall);
    expect(used).toBeLessThanOrEqual((sandbox?.limits.cpus ?? 0) * wall * 1.25 + 0.3);

    // 600 MiB in a 256 MiB sandbox: the host's OOM killer stops gVisor's kernel with it, so the
    // whole sandbox ends (under runc only the hog dies), and the student is told why.
    client.send({ type: 'input', channel: 1, data: 'perl -e \'$x = "a" x (600*1024*1024); print "allocated\\n"\'\r' });
    const exited = await client.next<Extract<ServerMessage, { type: 'state' }>>(
      (m) => m.type === 'state' && m.channel === 1 && m.state === 'exited',
      90_000,
    );
    expect(exited.message).toMatch(/ran out of memory \(its limit is 256 MiB\)/);
    expect(client.output(1)).not.toMatch(/(^|\n)allocated/);
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    client.close();
  });

  it('stops a fork bomb at the process limit inside gVisor, the sandbox survives, others are unaffected', async () => {
    const mallory = await student(server, 'gvisor-student-bomb-00001');
    const { id, opened } = await openOwn(mallory);
    const alice = await student(server, 'gvisor-student-alice-0001');
    await openOwn(alice);
    mallory.send({ type: 'input', channel: 1, data: 'bomb() { bomb | bomb & }; bomb\r' });
    await mallory.waitForOutput(1, /fork: retry: Resource temporarily unavailable/, 60_000);
    await new Promise((r) => setTimeout(r, 5000));
    const processes = processesIn(id);
    expect(processes).toBeGreaterThan(10);
    expect(processes).toBeLessThanOrEqual(sandbox?.limits.pids ?? 0);
    expect(inspect(id, '{{.State.Status}}')).toBe('running');
    expect(Number(inspect(id, '{{.HostConfig.PidsLimit}}'))).toBe((sandbox?.limits.pids ?? 0) * GVISOR_HOST_TASKS_PER_PROCESS);
    // Another student's sandbox answers as usual while the bomb runs.
    expect(await run(alice, 'echo alice-$((6*7))')).toContain('alice-42');
    // And the bombed one can still be removed.
    mallory.send({ type: 'close', channel: 1, end: true });
    await expect.poll(() => containersWithLabel(`${Labels.SESSION}=${opened.session}`), { timeout: 60_000 }).toHaveLength(0);
    mallory.close();
    alice.close();
  });

  it('loses no output across a dropped connection, and resumes the same sandbox', async () => {
    const clientId = 'gvisor-student-resume-001';
    const first = await student(server, clientId);
    const { opened, id } = await openOwn(first);
    first.send({ type: 'input', channel: 1, data: 'sleep 1; for i in 1 2 3; do echo line-$i; done\r' });
    const seen = first.messages.filter((m) => m.type === 'output' && m.channel === 1);
    const since = seen.length ? (seen[seen.length - 1] as { seq: number }).seq : 0;
    first.socket.terminate();
    await new Promise((r) => setTimeout(r, 2500));
    const second = await student(server, clientId);
    second.send({
      type: 'open',
      channel: 1,
      pane: 'my-sandbox',
      env: 'sandbox',
      scope: 'sandbox',
      cols: 100,
      rows: 30,
      session: opened.session,
      since,
    });
    const reopened = await second.next<Opened>((m) => m.type === 'opened');
    expect(reopened.session).toBe(opened.session);
    expect(reopened.resume).toBe('replay');
    expect(await second.waitForOutput(1, /line-3/)).toMatch(/line-1\r\nline-2\r\nline-3/);
    expect(containersWithLabel(`${Labels.SESSION}=${opened.session}`)).toEqual([id.slice(0, 12)]);
    expect(inspect(id, '{{.State.Status}}')).toBe('running');
    second.close();
  });
});

describe.skipIf(!gvisor && !required)('reaping gVisor sandboxes', () => {
  it('removes a sandbox whose student left, after the grace', async () => {
    const server = await startLectureServer({
      backend: new DockerBackend(),
      environments: catalogue,
      secret,
      host: '127.0.0.1',
      sandboxes: { leaveGraceMs: 1500 },
    });
    try {
      const client = await student(server, 'gvisor-student-leaves-001');
      const { opened, id } = await openOwn(client);
      expect(inspect(id, '{{.HostConfig.Runtime}}')).toBe('runsc');
      client.close();
      await expect.poll(() => containersWithLabel(`${Labels.SESSION}=${opened.session}`), { timeout: 30_000 }).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});

describe('an engine without gVisor', () => {
  it('runs the sandbox under runc with its own limits, and says how to add gVisor', async () => {
    // A runtime name this engine really does not have: the backend asks the engine, as it does
    // for runsc, and falls back.
    const server = await startLectureServer({
      backend: new DockerBackend({ gvisorRuntime: 'runsc-not-registered' }),
      environments: catalogue,
      secret,
      host: '127.0.0.1',
    });
    try {
      const health = (await (await fetch(`${server.url}/api/health`)).json()) as {
        backend: { isolation: { gvisor: boolean; summary: string; fix?: string } };
      };
      expect(health.backend.isolation.gvisor).toBe(false);
      expect(health.backend.isolation.summary).toMatch(/runc only .*no "runsc-not-registered" runtime/);
      expect(health.backend.isolation.fix).toMatch(/scripts\/add-gvisor\.sh/);
      const client = await student(server, 'runc-fallback-student-001');
      const { id } = await openOwn(client);
      expect(inspect(id, '{{.HostConfig.Runtime}}')).toBe('runc');
      expect(Number(inspect(id, '{{.HostConfig.PidsLimit}}'))).toBe(sandbox?.limits.pids);
      // The host's kernel answers under runc.
      expect(await run(client, 'uname -r')).toContain(execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
      client.close();
    } finally {
      await server.close();
    }
  });
});
