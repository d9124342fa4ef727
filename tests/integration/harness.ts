import { execFileSync } from 'node:child_process';
import { LectureClient } from '@lecture/client';
import { type ClientMessageInput, type ServerMessage, WS_PATH } from '@lecture/protocol';
import WebSocket from 'ws';

/**
 * A protocol client for tests: the project's own client (typed sends, frame validation) on a
 * real socket, with every message collected and awaited by predicate. The handshake is the
 * test's to send; `sendFrame` sends what no typed client would (garbage, binary).
 */
export class TestClient {
  readonly messages: ServerMessage[] = [];
  private waiters: { predicate: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  readonly client: LectureClient;
  socket!: WebSocket;
  readonly closed: Promise<{ code: number }>;

  constructor(url: string, options: { secret?: string; origin?: string } = {}) {
    const headers: Record<string, string> = {};
    if (options.secret) headers.Authorization = `Bearer ${options.secret}`;
    if (options.origin) headers.Origin = options.origin;
    let closed: (value: { code: number }) => void = () => undefined;
    this.closed = new Promise((resolve) => {
      closed = resolve;
    });
    this.client = new LectureClient({
      url: `${url.replace(/^http/, 'ws')}${WS_PATH}`,
      handshake: 'manual',
      reconnect: false,
      socket: (socketUrl) => {
        this.socket = new WebSocket(socketUrl, { headers });
        this.socket.on('close', (code) => closed({ code }));
        return this.socket;
      },
    });
    this.client.onServerMessage((message) => {
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (!w.predicate(message)) return true;
        w.resolve(message);
        return false;
      });
    });
  }

  opened(): Promise<void> {
    if (this.socket.readyState === WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }

  send(message: ClientMessageInput): void {
    this.client.sendMessage(message);
  }

  /** A frame as is: what a broken or hostile client would send. */
  sendFrame(frame: string | Buffer): void {
    this.socket.send(frame);
  }

  /** Resolve with the first message (already received or future) that matches. */
  next<T extends ServerMessage>(predicate: (m: ServerMessage) => boolean, timeoutMs = 60_000): Promise<T> {
    const seen = this.messages.find(predicate);
    if (seen) return Promise.resolve(seen as T);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting; got ${JSON.stringify(this.messages.slice(-5))}`)), timeoutMs);
      this.waiters.push({
        predicate,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
      });
    });
  }

  /** All output of a channel so far, concatenated. */
  output(channel: number): string {
    return this.messages
      .filter((m) => (m.type === 'output' || m.type === 'snapshot') && m.channel === channel)
      .map((m) => (m as { data: string }).data)
      .join('');
  }

  async waitForOutput(channel: number, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const start = Date.now();
    while (Date.now() - start < timeoutMs) {
      const text = this.output(channel);
      if (pattern.test(text)) return text;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${pattern} in output: ${JSON.stringify(this.output(channel).slice(-500))}`);
  }

  close(): void {
    this.client.dispose();
  }
}

/** Containers on the real engine carrying a label (the server labels all it creates). */
export function containersWithLabel(label: string): string[] {
  const out = execFileSync('docker', ['ps', '-aq', '--filter', `label=${label}`], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

/**
 * The processes inside a container, as its own kernel counts them: `docker top` for runc; for
 * gVisor `runsc ps` (its processes are its kernel's, and `docker top` lists the host's instead).
 */
export function processesIn(container: string): number {
  const id = execFileSync('docker', ['inspect', '-f', '{{.Id}} {{.HostConfig.Runtime}}', container], { encoding: 'utf8' }).trim();
  const [full, runtime] = id.split(' ');
  if (runtime !== 'runsc') {
    return execFileSync('docker', ['top', full as string, '-eo', 'pid'], { encoding: 'utf8' }).trim().split('\n').length - 1;
  }
  // Docker keeps runsc's state under the engine's runtime root (the path differs by version).
  for (const root of ['/var/run/docker/runtime-runc/moby', '/run/docker/runtime-runc/moby', '/var/run/docker/runtime-runsc/moby']) {
    try {
      const out = execFileSync('runsc', [`--root=${root}`, 'ps', '--format', 'json', full as string], { encoding: 'utf8', stdio: 'pipe' });
      return (JSON.parse(out) as unknown[]).length;
    } catch {
      // not this root
    }
  }
  throw new Error(`runsc ps found no sandbox ${full}`);
}
