import { type ClientMessageInput, PROTOCOL_VERSION, type Role, type ServerMessage, WS_PATH, parseServerMessage } from '@lecture/protocol';

type ChannelMessage = Extract<ServerMessage, { channel?: number }>;

export interface ChannelRequest {
  readonly pane: string;
  readonly env: string;
  readonly scope: 'presenter' | 'sandbox';
  readonly cols: number;
  readonly rows: number;
  readonly since?: number;
  readonly session?: string;
}

export interface ChannelHandlers {
  /** Every message about this channel, validated. */
  onMessage(message: ChannelMessage): void;
  /** The socket dropped; the channel is reopened (with `request()`) when it is back. */
  onDisconnected(): void;
}

export interface Channel {
  send(message: DistributiveOmit<Extract<ClientMessageInput, { channel: number }>, 'channel'>): void;
  /** Detach (keep the shell), or with `end` also end it. */
  close(end?: boolean): void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export interface TerminalClientOptions {
  /** Defaults to this page's origin + /ws. */
  readonly url?: string;
  /** localStorage key of the id that ties a student's sandbox to this browser. */
  readonly clientIdKey?: string;
}

function randomId(): string {
  const bytes = new Uint8Array(18);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/**
 * One WebSocket for the whole page, shared by all panes. It says hello with the protocol
 * version, reconnects with backoff after a drop and reopens every channel where it left off
 * (each pane says how much output it already has, so nothing is lost or shown twice).
 */
export class TerminalClient {
  private socket: WebSocket | undefined;
  private readonly channels = new Map<number, { request: () => ChannelRequest; handlers: ChannelHandlers }>();
  private nextChannel = 1;
  private backoff = 250;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private readonly statusListeners = new Set<(status: ConnectionStatus, role: Role | undefined) => void>();
  private readonly messageListeners = new Set<(message: ServerMessage) => void>();
  readonly clientId: string;
  role: Role | undefined;
  status: ConnectionStatus = 'connecting';
  /** The last connection-level error the server sent (e.g. a protocol mismatch). */
  lastError: string | undefined;

  constructor(private readonly options: TerminalClientOptions = {}) {
    const key = options.clientIdKey ?? 'lecture.clientId';
    let id: string | null = null;
    try {
      id = localStorage.getItem(key);
      if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
        id = randomId();
        localStorage.setItem(key, id);
      }
    } catch {
      id = randomId();
    }
    this.clientId = id;
    this.connect();
  }

  private get url(): string {
    if (this.options.url) return this.options.url;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    return `${scheme}://${location.host}${WS_PATH}`;
  }

  onStatus(listener: (status: ConnectionStatus, role: Role | undefined) => void): () => void {
    this.statusListeners.add(listener);
    listener(this.status, this.role);
    return () => this.statusListeners.delete(listener);
  }

  /** Messages that belong to no channel (welcome, errors, and later: slide sync, polls). */
  onMessage(listener: (message: ServerMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  private setStatus(status: ConnectionStatus): void {
    this.status = status;
    for (const l of this.statusListeners) l(status, this.role);
  }

  private connect(): void {
    if (this.disposed) return;
    this.setStatus('connecting');
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.sendRaw({ type: 'hello', protocol: PROTOCOL_VERSION, clientId: this.clientId });
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      const parsed = parseServerMessage(event.data);
      if (!parsed.ok) {
        console.warn('lecture: ignoring an invalid frame from the server:', parsed.error);
        return;
      }
      this.dispatch(parsed.message);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      for (const { handlers } of this.channels.values()) handlers.onDisconnected();
      this.setStatus('closed');
      if (this.disposed) return;
      this.timer = setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 5000);
    };
  }

  private dispatch(message: ServerMessage): void {
    if (message.type === 'welcome') {
      this.role = message.role;
      this.backoff = 250;
      this.lastError = undefined;
      this.setStatus('open');
      for (const [channel, entry] of this.channels) this.sendOpen(channel, entry.request());
    } else if (message.type === 'error' && message.channel === undefined) {
      this.lastError = message.message;
    }
    if ('channel' in message && message.channel !== undefined) {
      this.channels.get(message.channel)?.handlers.onMessage(message);
      return;
    }
    for (const l of this.messageListeners) l(message);
  }

  private sendRaw(message: ClientMessageInput | Record<string, unknown>): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** Send a message that belongs to no channel (slide sync, poll answers…). */
  send(message: Record<string, unknown> & { type: string }): boolean {
    return this.status === 'open' && this.sendRaw(message);
  }

  private sendOpen(channel: number, request: ChannelRequest): void {
    this.sendRaw({ type: 'open', channel, ...request });
  }

  /** Open a pane. `request` is asked again at every reconnection, for the current size and position. */
  open(request: () => ChannelRequest, handlers: ChannelHandlers): Channel {
    const channel = this.nextChannel++;
    this.channels.set(channel, { request, handlers });
    if (this.status === 'open') this.sendOpen(channel, request());
    return {
      send: (message) => {
        if (this.status === 'open') this.sendRaw({ ...message, channel });
      },
      close: (end = false) => {
        if (!this.channels.delete(channel)) return;
        if (this.status === 'open') this.sendRaw({ type: 'close', channel, end });
      },
    };
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.socket?.close();
    this.channels.clear();
  }
}
