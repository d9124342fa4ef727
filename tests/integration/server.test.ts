import { DockerBackend, Labels } from '@lecture/containers';
import { PROTOCOL_VERSION } from '@lecture/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LectureServer, startLectureServer } from '../../apps/server/src/app.js';
import { catalogue } from './environments.js';
import { TestClient, containersWithLabel, processesIn } from './harness.js';

const secret = 'integration-secret-0001';
let server: LectureServer;

beforeAll(async () => {
  server = await startLectureServer({ backend: new DockerBackend(), environments: catalogue, secret, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close();
});

async function presenter(): Promise<TestClient> {
  const client = new TestClient(server.url, { secret });
  await client.opened();
  client.send({ type: 'hello', protocol: PROTOCOL_VERSION });
  await client.next((m) => m.type === 'welcome');
  return client;
}

async function openSandbox(client: TestClient, channel: number, pane: string, extra: { session?: string; since?: number } = {}) {
  client.send({ type: 'open', channel, pane, env: 'sandbox', cols: 100, rows: 30, ...extra });
  const opened = await client.next<Extract<import('@lecture/protocol').ServerMessage, { type: 'opened' }>>(
    (m) => m.type === 'opened' && m.channel === channel,
  );
  await client.next((m) => m.type === 'state' && m.channel === channel && m.state === 'ready', 90_000);
  return opened;
}

describe('a pane on the real Docker Engine', () => {
  it('runs a command in a container and shows its output', async () => {
    const client = await presenter();
    await openSandbox(client, 1, 'it-echo');
    await client.waitForOutput(1, /\$ $/);
    client.send({ type: 'input', channel: 1, data: 'echo $((6*7)) && whoami\r' });
    const text = await client.waitForOutput(1, /42\r\nstudent/);
    expect(text).toContain('42');
    client.close();
  });

  it('removes the container when the session closes', async () => {
    const client = await presenter();
    const opened = await openSandbox(client, 1, 'it-close');
    const label = `${Labels.SESSION}=${opened.session}`;
    expect(containersWithLabel(label)).toHaveLength(1);
    client.send({ type: 'close', channel: 1, end: true });
    await expect.poll(() => containersWithLabel(label), { timeout: 20_000 }).toHaveLength(0);
    client.close();
  });

  it('rejects malformed and unknown messages and stays up', async () => {
    const client = await presenter();
    client.sendFrame('{not json');
    client.sendFrame('{"type":"launch-missiles"}');
    client.send({ type: 'open', channel: 7, pane: '../../etc', env: 'sandbox', cols: 80, rows: 24 });
    client.send({ type: 'open', channel: 8, pane: 'ok', env: 'host-root', cols: 80, rows: 24 });
    client.send({ type: 'input', channel: 99, data: 'rm -rf /\r' });
    client.sendFrame(Buffer.from([0, 1, 2]));
    await expect.poll(() => client.messages.filter((m) => m.type === 'error').length).toBe(6);
    const codes = client.messages.filter((m) => m.type === 'error').map((m) => (m as { code: string }).code);
    expect(codes).toEqual(['bad-message', 'bad-message', 'bad-message', 'unknown-environment', 'unknown-channel', 'bad-message']);
    // Still serving: the same socket opens a real shell.
    await openSandbox(client, 2, 'it-after-garbage');
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    client.close();
  });

  it('loses no output across a dropped connection', async () => {
    const first = await presenter();
    const opened = await openSandbox(first, 1, 'it-resume');
    await first.waitForOutput(1, /\$ $/);
    first.send({ type: 'input', channel: 1, data: 'sleep 1; for i in 1 2 3; do echo line-$i; done\r' });
    const seen = first.messages.filter((m) => m.type === 'output' && m.channel === 1);
    const since = seen.length ? (seen[seen.length - 1] as { seq: number }).seq : 0;
    first.socket.terminate();
    await new Promise((r) => setTimeout(r, 2500));
    const second = await presenter();
    second.send({ type: 'open', channel: 1, pane: 'it-resume', env: 'sandbox', cols: 100, rows: 30, session: opened.session, since });
    const reopened = await second.next<{ type: 'opened'; resume: string; session: string }>((m) => m.type === 'opened');
    expect(reopened.session).toBe(opened.session);
    expect(reopened.resume).toBe('replay');
    const text = await second.waitForOutput(1, /line-3/);
    expect(text).toMatch(/line-1\r\nline-2\r\nline-3/);
    second.close();
  });

  it('survives a fork bomb in a sandbox and can still remove it', async () => {
    const client = await presenter();
    const opened = await openSandbox(client, 1, 'it-forkbomb');
    await client.waitForOutput(1, /\$ $/);
    client.send({ type: 'input', channel: 1, data: 'bomb() { bomb | bomb & }; bomb\r' });
    await new Promise((r) => setTimeout(r, 5000));
    // The bomb hit the pids limit: the container holds no more processes than allowed.
    const [id] = containersWithLabel(`${Labels.SESSION}=${opened.session}`);
    const processes = processesIn(id as string);
    const sandbox = catalogue.find((e) => e.id === 'sandbox');
    expect(processes).toBeGreaterThan(10);
    expect(processes).toBeLessThanOrEqual(sandbox?.limits.pids ?? 0);
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    const label = `${Labels.SESSION}=${opened.session}`;
    client.send({ type: 'close', channel: 1, end: true });
    await expect.poll(() => containersWithLabel(label), { timeout: 60_000 }).toHaveLength(0);
    client.close();
  });
});

describe('without a Docker Engine', () => {
  it('says what is missing and how to fix it, and stays up', async () => {
    const lonely = await startLectureServer({
      backend: new DockerBackend({ docker: { socketPath: '/nonexistent/docker.sock' } }),
      environments: catalogue,
      secret,
      host: '127.0.0.1',
    });
    try {
      const health = await fetch(`${lonely.url}/api/health`);
      expect(health.status).toBe(503);
      const body = (await health.json()) as { backend: { problem: string; fix: string } };
      expect(body.backend.problem).toMatch(/No Docker Engine is reachable/);
      expect(body.backend.fix).toMatch(/dockerd|systemctl/);
      const client = new TestClient(lonely.url, { secret });
      await client.opened();
      client.send({ type: 'hello', protocol: PROTOCOL_VERSION });
      client.send({ type: 'open', channel: 1, pane: 'x', env: 'sandbox', cols: 80, rows: 24 });
      const state = await client.next<{ type: 'state'; message?: string }>((m) => m.type === 'state' && m.state === 'error');
      expect(state.message).toMatch(/No Docker Engine is reachable.*Start a Docker Engine/);
      expect((await fetch(`${lonely.url}/api/health`)).status).toBe(503);
      client.close();
    } finally {
      await lonely.close();
    }
  });
});

describe('stopping the server', () => {
  it('removes every container it created', async () => {
    const own = await startLectureServer({ backend: new DockerBackend(), environments: catalogue, secret, host: '127.0.0.1' });
    const client = new TestClient(own.url, { secret });
    await client.opened();
    client.send({ type: 'hello', protocol: PROTOCOL_VERSION });
    client.send({ type: 'open', channel: 1, pane: 'it-stop', env: 'sandbox', cols: 80, rows: 24 });
    const opened = await client.next<{ type: 'opened'; session: string }>((m) => m.type === 'opened');
    await client.next((m) => m.type === 'state' && m.state === 'ready', 90_000);
    const label = `${Labels.SESSION}=${opened.session}`;
    expect(containersWithLabel(label)).toHaveLength(1);
    await own.close();
    expect(containersWithLabel(label)).toHaveLength(0);
  });
});
