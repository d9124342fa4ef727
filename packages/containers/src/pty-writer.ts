import { writeSync } from 'node:fs';
import type { Disposable } from './backend.js';

/** Writes bytes to a non-blocking descriptor: how many it took, or 0 when it is full (EAGAIN). */
export type WriteSome = (bytes: Uint8Array) => number;

/** Retries after a full pty: at once a few times (a shell that is reading), then every RETRY_MS. */
const QUICK_RETRIES = 8;
const RETRY_MS = 10;

/**
 * Keystrokes to a pty, written on the spot. node-pty (1.1) writes every chunk through `fs.write`,
 * that is on libuv's thread pool: a keystroke waits for a pool thread to be scheduled, and its
 * completion wakes the main thread once more. On a two-core machine, with `docker exec`, the
 * engine and the shell all wanting a core for the echo, those two extra wake-ups are a good part
 * of what a keystroke costs. The pty's master is non-blocking, so a write either takes the bytes
 * or says EAGAIN at once: this writes directly while nothing is queued, and queues (in order)
 * only what the pty would not take, retrying as node-pty does.
 */
export class PtyWriter implements Disposable {
  private readonly queue: Uint8Array[] = [];
  private retry: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;
  private disposed = false;

  constructor(
    private readonly writeSome: WriteSome,
    /** A write failed for another reason than a full pty (the shell is gone): what was queued is dropped. */
    private readonly onError?: (error: Error) => void,
  ) {}

  /**
   * Writes to a descriptor with `fs.writeSync`, EAGAIN counted as nothing written. `isOpen` must
   * say false from the moment its owner closes the descriptor: a number written to after its
   * close may already be another file's.
   */
  static forDescriptor(fd: number, isOpen: () => boolean, onError?: (error: Error) => void): PtyWriter {
    return new PtyWriter((bytes) => {
      if (!isOpen()) throw new Error('the pty is closed');
      try {
        return writeSync(fd, bytes);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return 0;
        throw error;
      }
    }, onError);
  }

  /** Bytes waiting for the pty to take them. */
  get queued(): number {
    return this.queue.reduce((sum, b) => sum + b.byteLength, 0);
  }

  write(data: string): void {
    if (this.disposed || data.length === 0) return;
    this.queue.push(Buffer.from(data, 'utf8'));
    // Something already waits: this goes behind it, in order.
    if (this.queue.length === 1) this.flush();
  }

  private flush(): void {
    this.retry = undefined;
    while (this.queue.length > 0 && !this.disposed) {
      const head = this.queue[0] as Uint8Array;
      let written: number;
      try {
        written = this.writeSome(head);
      } catch (error) {
        this.queue.length = 0;
        this.onError?.(error as Error);
        return;
      }
      if (written >= head.byteLength) {
        this.queue.shift();
        this.retries = 0;
        continue;
      }
      if (written > 0) {
        this.queue[0] = head.subarray(written);
        this.retries = 0;
      }
      // Full: the shell has not read yet. Try again soon, and less often while it stays full.
      this.retry = setTimeout(() => this.flush(), this.retries++ < QUICK_RETRIES ? 0 : RETRY_MS);
      this.retry.unref?.();
      return;
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retry);
    this.queue.length = 0;
  }
}

/** What PtyWriter needs of node-pty's terminal: `fd` and the read stream that owns it. */
interface NodePtyInternals {
  readonly fd?: unknown;
  readonly _socket?: { readonly destroyed?: unknown };
}

/**
 * node-pty's pty master, to write to directly: its descriptor, and whether it is still open. The
 * read stream (`_socket`) owns the descriptor and is `destroyed` from the moment it closes it.
 * Both are node-pty's internals (1.1.0, pinned exactly in package.json for this reason; its test
 * checks they are there); without them (another version, or Windows) this says undefined and the
 * keystrokes go through node-pty's own `write`. Reviewed against node-pty 1.1.0: its only close of
 * the master is the read stream's `destroy()`, which sets `destroyed` first.
 */
export function ptyMaster(terminal: object): { fd: number; isOpen: () => boolean } | undefined {
  const internals = terminal as NodePtyInternals;
  const socket = internals._socket;
  if (typeof internals.fd !== 'number' || typeof socket?.destroyed !== 'boolean') return undefined;
  return { fd: internals.fd, isOpen: () => socket.destroyed === false };
}
