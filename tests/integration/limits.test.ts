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
