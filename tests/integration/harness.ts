import { execFileSync } from 'node:child_process';
import type { ServerMessage } from '@lecture/protocol';
import WebSocket from 'ws';

/** A protocol client for tests: a real socket, messages collected and awaited by predicate. */
export class TestClient {
  readonly messages: ServerMessage[] = [];
  private waiters: { predicate: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  readonly socket: WebSocket;
  readonly closed: Promise<{ code: number }>;

  constructor(url: string, options: { secret?: string; origin?: string } = {}) {
    const headers: Record<string, string> = {};
    if (options.secret) headers.Authorization = `Bearer ${options.secret}`;
    if (options.origin) headers.Origin = options.origin;
    this.socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers });
    this.socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as ServerMessage;
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (!w.predicate(message)) return true;
        w.resolve(message);
        return false;
      });
    });
    this.closed = new Promise((resolve) => this.socket.on('close', (code) => resolve({ code })));
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
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
    this.socket.close();
  }
}

/** Containers on the real engine carrying a label (the server labels all it creates). */
export function containersWithLabel(label: string): string[] {
  const out = execFileSync('docker', ['ps', '-aq', '--filter', `label=${label}`], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}
