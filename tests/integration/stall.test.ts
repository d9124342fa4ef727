import { DockerBackend } from '@lecture/containers';
import { LectureClient, type PaneChannel } from '@lecture/client';
import { FlowControl, WS_PATH } from '@lecture/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type LectureServer, startLectureServer } from '../../apps/server/src/app.js';
import { catalogue } from './environments.js';

const secret = 'stall-test-secret-000001';
let server: LectureServer;

beforeAll(async () => {
  server = await startLectureServer({ backend: new DockerBackend(), environments: catalogue, secret, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close();
});

/** A browser-like client on the project's client: keeps the screen text, acknowledges what it "parsed". */
class Viewer {
  ws!: WebSocket;
  readonly client: LectureClient;
  readonly channel: PaneChannel;
  text = '';
  seq = 0;
  snapshots = 0;
  ack: boolean;
  constructor(options: { presenter: boolean; ack: boolean }) {
    this.ack = options.ack;
    this.client = new LectureClient({
      url: `${server.url.replace('http', 'ws')}${WS_PATH}`,
      reconnect: false,
      socket: (url) => {
        this.ws = new WebSocket(url, { headers: options.presenter ? { Authorization: `Bearer ${secret}` } : {} });
        return this.ws;
      },
    });
    this.channel = this.client.open(
      { pane: 'it-stall', env: 'sandbox', size: () => ({ cols: 100, rows: 30 }), ack: 'rendered' },
      {
        onSnapshot: (m) => {
          this.snapshots++;
          this.text = m.data.slice(-20_000);
          this.seq = m.seq;
        },
        onOutput: (data, seq) => {
          this.text = (this.text + data).slice(-20_000);
          this.seq = seq;
          if (this.ack) this.channel.parsed(seq);
        },
      },
    );
  }
  input(data: string): void {
    this.channel.send({ type: 'input', data });
  }
  close(): void {
    this.client.dispose();
  }
  async until(predicate: () => boolean, timeoutMs = 60_000): Promise<void> {
    const start = Date.now();
    while (!predicate()) {
      if (Date.now() - start > timeoutMs) throw new Error(`timed out (${JSON.stringify(server.sessions.all().map((s) => [s.pane, s.position, s.isPaused, s.attachmentStats()]))}); ${this.ws.readyState} seq ${this.seq} snaps ${this.snapshots} text ends ${JSON.stringify(this.text.slice(-100))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

it('a viewer that stops reading slows nobody, and the server holds a bounded backlog for it', async () => {
  const presenter = new Viewer({ presenter: true, ack: true });
  await presenter.until(() => /\$ $/.test(presenter.text), 90_000);
  const follower = new Viewer({ presenter: false, ack: true });
  const stalled = new Viewer({ presenter: false, ack: false });
  await follower.until(() => follower.snapshots > 0);
  await stalled.until(() => stalled.snapshots > 0);
  // The stalled one stops reading its socket altogether (a frozen phone).
  (stalled.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();

  // About 6 MB of output.
  presenter.input('seq 1 800000; echo DONE-$((6*7))\r');
  await presenter.until(() => presenter.text.includes('DONE-42'), 120_000);
  await follower.until(() => follower.text.includes('DONE-42'), 30_000);

  const session = server.sessions.all().find((s) => s.pane === 'it-stall');
  const stats = session?.attachmentStats() ?? [];
  const stalledStats = stats.filter((s) => s.lagging);
  expect(stalledStats).toHaveLength(1);
  // What the server holds for the stalled viewer: at most the backlog bound and one chunk.
  expect(stalledStats[0]?.unacked ?? Infinity).toBeLessThanOrEqual(FlowControl.VIEWER_MAX_BACKLOG_CHARS + 64 * 1024);
  const buffered = Math.max(...server.socketBuffers());
  expect(buffered).toBeLessThan(2 * (FlowControl.VIEWER_MAX_BACKLOG_CHARS + 64 * 1024));
  // Far less than what was printed: the rest was never queued for it.
  expect(session?.position ?? 0).toBeGreaterThan(5_000_000);

  // When it wakes up, it gets the current screen, not the 6 MB it missed.
  // …and acknowledges what it parses from then on, as a browser does.
  stalled.ack = true;
  (stalled.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  await stalled.until(() => stalled.text.includes('DONE-42'), 30_000);
  expect(stalled.snapshots).toBeGreaterThanOrEqual(2);
  for (const v of [presenter, follower, stalled]) v.close();
});
