/**
 * The little of a WebSocket the client needs, so one client runs on the browser's WebSocket and
 * on Node's `ws` alike. No DOM types: this package compiles against ES2022 only.
 */
export interface SocketLike {
  readonly readyState: number;
  binaryType: string;
  /** Text (JSON messages) or bytes (input frames). */
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<never> | null;
  onmessage: Handler<{ readonly data: unknown }> | null;
  onclose: Handler<{ readonly code: number; readonly reason: string }> | null;
  onerror: Handler<never> | null;
}

/**
 * A handler checked bivariantly (as methods are), so the platforms' richer event types fit:
 * the browser's `MessageEvent` and `ws`'s both have at least `data`.
 */
type Handler<E> = { bivariance(event: E): void }['bivariance'];

/** Opens a socket to `url`: the browser's `new WebSocket(url)`, or `ws` with headers in Node. */
export type SocketFactory = (url: string) => SocketLike;

/** `WebSocket.OPEN`, the same in the browser and in `ws`. */
export const SOCKET_OPEN = 1;

/** Timers without DOM or Node types (both environments have them on globalThis). */
interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
export const timers = globalThis as unknown as Timers;

/** The platform's WebSocket constructor, when it has one (browsers; Node 22+). */
export function platformSocket(): SocketFactory | undefined {
  const ctor = (globalThis as unknown as { WebSocket?: new (url: string) => SocketLike }).WebSocket;
  return ctor ? (url) => new ctor(url) : undefined;
}

/** A random id of 24 URL-safe characters (a browser's clientId). */
export function randomId(): string {
  const bytes = new Uint8Array(24);
  (globalThis as unknown as { crypto: { getRandomValues(a: Uint8Array): void } }).crypto.getRandomValues(bytes);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let id = '';
  for (const b of bytes) id += alphabet[b & 63];
  return id;
}
