import { execFileSync } from 'node:child_process';
import { DockerBackend, Labels } from '@lecture/containers';
import { catalogue } from './environments.js';
import { PROTOCOL_VERSION, type ServerMessage } from '@lecture/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LectureServer, startLectureServer } from '../../apps/server/src/app.js';
import { TestClient } from './harness.js';

/**
 * The shared Docker lab on the real engine: killed under the lecturer, it comes back with the
 * next reset (or open), and "Reset demos" always ends in ready, with the lab seeded and the
 * presenter's shell fresh in /root/demo.
 */

const secret = 'integration-secret-lab-0001';
let server: LectureServer;

beforeAll(async () => {
  server = await startLectureServer({ backend: new DockerBackend(), environments: catalogue, secret, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close();
});

/** This server's lab container (the server runs in this process: its pid labels the lab). */
function labContainers(): string[] {
  const out = execFileSync(
    'docker',
    ['ps', '-q', '--filter', `label=${Labels.ENVIRONMENT}=lab`, '--filter', `label=${Labels.SERVER_PID}=${process.pid}`],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter(Boolean);
}

async function presenter(): Promise<TestClient> {
  const client = new TestClient(server.url, { secret });
  await client.opened();
  client.send({ type: 'hello', protocol: PROTOCOL_VERSION });
  await client.next((m) => m.type === 'welcome');
  return client;
}

/** Run a command in the pane and return what it printed between two markers. */
async function run(client: TestClient, channel: number, command: string, timeoutMs = 60_000): Promise<string> {
  const tag = `m${Math.random().toString(36).slice(2, 8)}`;
  // Quoted in the command, so the markers appear as such only in its output.
  client.send({ type: 'input', channel, data: `echo ${tag}-"a"; ${command}; echo ${tag}-"b"\r` });
  const text = await client.waitForOutput(channel, new RegExp(`${tag}-a\\r\\n[\\s\\S]*${tag}-b\\r\\n`), timeoutMs);
  return text.slice(text.lastIndexOf(`${tag}-a\r\n`) + tag.length + 4, text.lastIndexOf(`${tag}-b\r\n`)).trim();
}

const isState = (state: string) => (m: ServerMessage) => m.type === 'demos-state' && m.state === state;

describe('the Docker lab, killed', () => {
  it('is recreated by Reset demos, which ends ready with a seeded lab and a fresh shell in /root/demo', async () => {
    const client = await presenter();
    client.send({ type: 'open', channel: 1, pane: 'it-lab', env: 'lab', cols: 100, rows: 30 });
    await client.next((m) => m.type === 'state' && m.channel === 1 && m.state === 'ready', 180_000);
    expect(await run(client, 1, 'docker run -d --name leftover lecture/debian:bookworm sleep 600 >/dev/null; docker ps -q | wc -l')).toBe(
      '1',
    );
    const [dead] = labContainers();
    expect(dead).toBeDefined();

    // The engine loses the lab (an OOM kill, a `docker kill`, a crash of its dockerd).
    execFileSync('docker', ['kill', dead as string]);
    await client.next((m) => m.type === 'state' && m.channel === 1 && m.state === 'exited', 30_000);

    const seen = client.messages.length;
    client.send({ type: 'demos-reset' });
    await client.next(isState('resetting'));
    const end = await client.next(
      (m) => m.type === 'demos-state' && m.state !== 'resetting' && client.messages.indexOf(m) >= seen,
      180_000,
    );
    expect(end).toMatchObject({ state: 'ready' });
    // The strip's lab indicator ended ready too, never stuck at resetting.
    const lab = client.messages.filter((m) => m.type === 'env-state' && m.env === 'lab');
    expect(lab.at(-1)).toMatchObject({ state: 'ready' });

    // A new lab container, and the pane has a fresh shell in it that says so.
    const [fresh] = labContainers();
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(dead);
    await client.waitForOutput(1, /Reset: the lab is back to its seeded state; a fresh shell in \/root\/demo/);
    await client.next((m) => m.type === 'state' && m.channel === 1 && m.state === 'ready' && client.messages.indexOf(m) >= seen);
    expect(await run(client, 1, 'pwd; docker ps -aq | wc -l; docker images --format "{{.Repository}}:{{.Tag}}"; ls --color=never')).toBe(
      '/root/demo\r\n0\r\nlecture/debian:bookworm\r\ndockerfile-example',
    );
    client.close();
  }, 300_000);
});
