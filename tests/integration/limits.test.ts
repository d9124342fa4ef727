import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { DEFAULT_CONTAINER_LOG_BYTES, DockerBackend, Labels } from '@lecture/containers';
import { catalogue } from './environments.js';
import { PROTOCOL_VERSION, type ServerMessage } from '@lecture/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LectureServer, startLectureServer } from '../../apps/server/src/app.js';
import { TestClient, containersWithLabel } from './harness.js';

// Bounds that hold against the real engine: what a student can make the host keep.
const secret = 'limits-test-secret-000001';
let server: LectureServer;

beforeAll(async () => {
  server = await startLectureServer({ backend: new DockerBackend(), environments: catalogue, secret, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close();
});

async function student(clientId: string): Promise<TestClient> {
  const client = new TestClient(server.url);
  await client.opened();
  client.send({ type: 'hello', protocol: PROTOCOL_VERSION, clientId });
  await client.next((m) => m.type === 'welcome');
  return client;
}

async function openSandbox(client: TestClient, channel: number) {
  client.send({ type: 'open', channel, pane: 'try-it', env: 'sandbox', scope: 'sandbox', cols: 100, rows: 30 });
  const opened = await client.next<Extract<ServerMessage, { type: 'opened' }>>((m) => m.type === 'opened' && m.channel === channel);
  await client.next((m) => m.type === 'state' && m.channel === channel && m.state === 'ready', 90_000);
  await client.waitForOutput(channel, /\$ $/);
  return opened;
}

describe('host disk', () => {
  it("keeps a container's log bounded when a student floods /proc/1/fd/1", async () => {
    const client = await student('limits-log-student-0001');
    const opened = await openSandbox(client, 1);
    // 12 MB into the container's main process's stdout: the engine's log of the container.
    client.send({ type: 'input', channel: 1, data: "head -c 12000000 /dev/zero | tr '\\0' x > /proc/1/fd/1; echo DONE-$((6*7))\r" });
    await client.waitForOutput(1, /DONE-42/, 90_000);
    const [id] = containersWithLabel(`${Labels.SESSION}=${opened.session}`);
    const inspect = JSON.parse(execFileSync('docker', ['inspect', id as string], { encoding: 'utf8' }))[0] as {
      LogPath: string;
      HostConfig: { LogConfig: { Type: string; Config: Record<string, string> } };
    };
    expect(inspect.HostConfig.LogConfig.Type).toBe('json-file');
    expect(inspect.HostConfig.LogConfig.Config['max-file']).toBe('2');
    // The engine has written what it received (it logs in 16 KiB messages).
    await new Promise((r) => setTimeout(r, 1000));
    const files = [inspect.LogPath, `${inspect.LogPath}.1`].filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThan(0);
    const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
    // Rotated files: the bound plus at most one JSON-wrapped 16 KiB message per file.
    expect(bytes).toBeGreaterThan(DEFAULT_CONTAINER_LOG_BYTES / 4);
    expect(bytes).toBeLessThanOrEqual(DEFAULT_CONTAINER_LOG_BYTES + 2 * 20 * 1024);
    client.send({ type: 'close', channel: 1, end: true });
    client.close();
  });
});

describe('a flaky presenter Wi-Fi', () => {
  async function presenter(): Promise<TestClient> {
    const client = new TestClient(server.url, { secret });
    await client.opened();
    client.send({ type: 'hello', protocol: PROTOCOL_VERSION });
    await client.next((m) => m.type === 'welcome');
    return client;
  }

  /** A browser-like reader: acknowledges every output it gets, as xterm.js would after parsing. */
  function acknowledging(client: TestClient, channel: number): void {
    client.client.onServerMessage((m) => {
      if ((m.type === 'output' || m.type === 'snapshot') && m.channel === channel) client.send({ type: 'ack', channel, seq: m.seq });
    });
  }

  for (const dropSeconds of [2, 10]) {
    it(`loses nothing when the lecturer's socket drops for ${dropSeconds} s during seq 1 200000`, async () => {
      const pane = `it-wifi-${dropSeconds}`;
      const first = await presenter();
      acknowledging(first, 1);
      first.send({ type: 'open', channel: 1, pane, env: 'sandbox', cols: 100, rows: 30 });
      const opened = await first.next<Extract<ServerMessage, { type: 'opened' }>>((m) => m.type === 'opened');
      await first.next((m) => m.type === 'state' && m.state === 'ready', 90_000);
      await first.waitForOutput(1, /\$ $/);
      // A mirror in the room: it never paces the shell, so only the grace period can hold it.
      const mirror = new TestClient(server.url);
      await mirror.opened();
      mirror.send({ type: 'hello', protocol: PROTOCOL_VERSION });
      acknowledging(mirror, 1);
      mirror.send({ type: 'open', channel: 1, pane, env: 'sandbox', cols: 100, rows: 30 });
      await mirror.next((m) => m.type === 'opened');

      first.send({ type: 'input', channel: 1, data: 'seq 1 200000; echo END-$((6*7))\r' });
      await first.waitForOutput(1, /\n1000\r\n/, 60_000);
      first.socket.terminate();
      const outputs = first.messages.filter((m) => m.type === 'output' && m.channel === 1) as { seq: number }[];
      const since = outputs.at(-1)?.seq ?? 0;
      await new Promise((r) => setTimeout(r, dropSeconds * 1000));

      const second = await presenter();
      acknowledging(second, 1);
      second.send({ type: 'open', channel: 1, pane, env: 'sandbox', cols: 100, rows: 30, session: opened.session, since });
      const reopened = await second.next<Extract<ServerMessage, { type: 'opened' }>>((m) => m.type === 'opened');
      expect(reopened.resume).toBe('replay');
      await second.waitForOutput(1, /END-42/, 120_000);
      const text = first.output(1) + second.output(1);
      const numbers = text
        // biome-ignore lint/suspicious/noControlCharactersInRegex: bash's bracketed-paste switches
        .replace(/\x1b\[[?0-9;]*[a-zA-Z]/g, '')
        .split(/\r\n|\r/)
        .filter((l) => /^\d+$/.test(l))
        .map(Number);
      // Every line exactly once, in order.
      expect(numbers.findIndex((n, i) => n !== i + 1)).toBe(-1);
      expect(numbers.length).toBe(200_000);
      expect(numbers.every((n, i) => n === i + 1)).toBe(true);
      second.send({ type: 'close', channel: 1, end: true });
      for (const c of [second, mirror]) c.close();
    });
  }
});
