import {
  type ClientMessageInput,
  CloseCode,
  FlowControl,
  Limits,
  PROTOCOL_VERSION,
  type Role,
  type ServerMessage,
  type Disposable,
  Emitter,
  decodeServerFrame,
  encode,
  encodeInputFrame,
} from '@lecture/protocol';
import { SOCKET_OPEN, type SocketFactory, type SocketLike, platformSocket, randomId, timers } from './socket.js';

/**
 * - `connecting`: opening the socket or waiting for `welcome` (also between retries);
 * - `open`: welcomed; channels are open;
 * - `closed`: the socket dropped; a retry is scheduled;
 * - `reload`: the server speaks another protocol version: this page is from another build and
 *   must be reloaded. Final: the client never retries (a retry would loop forever).
 * - `disposed`: closed by its owner.
 */
/** Characters per `input` frame: a sixth of the frame limit, so that even escaped JSON fits. */
export const INPUT_CHUNK_CHARS = 16 * 1024;
/** The client keeps below the server's input bucket by this factor (timers and clocks drift). */
const INPUT_MARGIN = 0.9;
/**
 * Largest piece of output handed to a `rendered` owner at once: the step in which its parsing is
 * reported (and acknowledged, once FlowControl.ACK_EVERY_CHARS have been), so that a large frame
 * (a replay, up to the ring) is acknowledged as it is parsed, not only at its end. Well under
 * the gap between flow control's watermarks (200 000 characters).
 */
export const OUTPUT_SLICE_CHARS = 32 * 1024;

export type ConnectionStatus = 'connecting' | 'open' | 'closed' | 'reload' | 'disposed';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type ChannelMessageInput = Extract<ClientMessageInput, { channel: number }>;

/** What a pane sends on its channel; `open`, `close` and `ack` are the client's own business. */
export type PaneSend = DistributiveOmit<Exclude<ChannelMessageInput, { type: 'open' | 'close' | 'ack' }>, 'channel'>;
/** What the page sends outside any pane: slide sync, polls, the lab's reset, ping. */
export type HallSend = Exclude<ClientMessageInput, ChannelMessageInput | { type: 'hello' }>;

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
/** Server messages about one pane. */
export type PaneMessage = Extract<ServerMessage, { channel: number }> | Of<'error'>;
/** Server messages about no pane (welcome, the hall, connection-level errors). */
export type HallMessage = Exclude<ServerMessage, Extract<ServerMessage, { channel: number }>>;

export interface LectureClientOptions {
  /** `ws://host:port/ws`. */
  readonly url: string;
  /** How to open a socket; defaults to the platform's WebSocket (browsers). */
  readonly socket?: SocketFactory;
  /** Ties a student's sandbox to this browser across reloads (kept by the caller). */
  readonly clientId?: string;
  /** Reconnection backoff: doubles from `initialMs` up to `maxMs`, with jitter. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Reconnect after a drop (default true). */
  readonly reconnect?: boolean;
  /**
   * `auto` (default): say hello on every (re)connection. `manual`: the owner sends `hello`
   * itself (tests of the server's handshake).
   */
  readonly handshake?: 'auto' | 'manual';
  readonly log?: (line: string) => void;
}

export interface PaneRequest {
  readonly pane: string;
  readonly env: string;
  readonly scope?: 'presenter' | 'sandbox';
  /** The grid to ask for; asked again at every (re)open. */
  size(): { cols: number; rows: number };
  /**
   * `rendered` (browsers): the owner calls `parsed(seq)` once output is on screen, and the
   * client acknowledges in steps. `received` (tools, tests): acknowledged on arrival.
   */
  readonly ack?: 'rendered' | 'received';
  /** Continue a screen that already shows this session's output up to `since` (a remount). */
  readonly resume?: { readonly session: string; readonly since: number };
}

/** What a pane shows about its shell, derived from the messages and the connection. */
export type PaneState = 'connecting' | 'ready' | 'exited' | 'error';

/** What a pane hears. Each is called after the client updated the channel's resume state. */
export interface PaneEvents {
  /** The pane's state changed (with words for the lecturer when not ready). */
  onPaneState?(state: PaneState, message: string | undefined): void;
  /** `reset`: another session or not a replay: clear the screen (a snapshot may follow). */
  onOpened?(message: Of<'opened'>, reset: boolean): void;
  /** Output up to position `seq`; with `ack: 'rendered'`, in pieces of at most OUTPUT_SLICE_CHARS. */
  onOutput?(data: string, seq: number): void;
  onSnapshot?(message: Of<'snapshot'>): void;
  onState?(message: Of<'state'>): void;
  onResized?(message: Of<'resized'>): void;
  onError?(message: Of<'error'>): void;
  /** The session was ended (by "New shell", or the server): the shell is gone. */
  onClosed?(message: Of<'closed'>): void;
  onRecording?(message: Of<'recording'>): void;
  /** Input that could not be sent whole: a paste larger than Limits.MAX_PASTE_CHARS, or cut by a drop. */
  onInputRefused?(message: string): void;
  /** The socket dropped (`closed`, retrying) or the page must be reloaded (`reload`). */
  onDisconnected?(status: ConnectionStatus): void;
}

/**
 * One pane's channel: its resume state (session, what arrived, what was parsed and
 * acknowledged) lives here, not in the view, so a reconnection resumes exactly where the
 * screen is.
 */
export class PaneChannel {
  /** The session this channel last saw: a reopen names it, so the server can replay. */
  session: string | undefined;
  /** Position of the last output that arrived (where a resume continues from). */
  received = 0;
  /** Position the owner has parsed (rendered) up to. */
  parsedSeq = 0;
  /** Position last acknowledged to the server. */
  acked = 0;
  mode: 'driver' | 'viewer' | undefined;
  /** A viewer's grid: the driver's size, which its font must fit. */
  grid: { cols: number; rows: number } | undefined;
  state: PaneState = 'connecting';
  message: string | undefined;
  /** The server ended the session (`closed`), as opposed to the shell exiting: restart means reopen. */
  ended = false;
  private closed = false;

  constructor(
    readonly id: number,
    private readonly client: LectureClient,
    readonly request: PaneRequest,
    private readonly events: PaneEvents,
  ) {
    if (request.resume) {
      this.session = request.resume.session;
      this.received = this.parsedSeq = this.acked = request.resume.since;
    }
  }

  /** Where a later channel of the same screen continues from; undefined after the session ended. */
  get resumePoint(): { session: string; since: number } | undefined {
    return this.session && !this.ended ? { session: this.session, since: this.received } : undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The `open` message for the current state: resume after `received` in the same session. */
  openMessage(): ChannelMessageInput {
    const { cols, rows } = this.request.size();
    return {
      type: 'open',
      channel: this.id,
      pane: this.request.pane,
      env: this.request.env,
      scope: this.request.scope ?? 'presenter',
      cols,
      rows,
      ...(this.session ? { session: this.session, since: this.received } : {}),
    };
  }

  /**
   * Type or paste into the shell: in pieces the server takes (at most INPUT_CHUNK_CHARS a
   * frame) and at the pace it takes them (its input bucket), in order with everything typed
   * after it. A paste over Limits.MAX_PASTE_CHARS is refused whole (`onInputRefused` says so).
   * Returns false when nothing was sent or queued.
   */
  input(data: string): boolean {
    if (this.closed || data.length === 0) return false;
    if (data.length > Limits.MAX_PASTE_CHARS) {
      this.events.onInputRefused?.(
        `The paste was too large (${data.length.toLocaleString('en')} characters; at most ${Limits.MAX_PASTE_CHARS.toLocaleString('en')}): nothing was sent.`,
      );
      return false;
    }
    return this.client.queueInput(this, data);
  }

  /** @internal The pacer could not send the rest of an input (the socket dropped). */
  inputInterrupted(lostChars: number): void {
    this.events.onInputRefused?.(`The connection dropped during a paste: its last ${lostChars.toLocaleString('en')} characters were not sent.`);
  }

  /** Send on this channel; false when not connected (nothing is queued: input is live). */
  send(message: PaneSend): boolean {
    if (this.closed) return false;
    if (message.type === 'input') return this.client.sendInput(this.id, message.data);
    return this.client.sendMessage({ ...message, channel: this.id } as ChannelMessageInput);
  }

  /** The owner has parsed output up to `seq`: acknowledge in steps, as VS Code's pty host expects. */
  parsed(seq: number): void {
    this.parsedSeq = Math.max(this.parsedSeq, seq);
    if (this.closed) return;
    if (this.parsedSeq - this.acked >= FlowControl.ACK_EVERY_CHARS) {
      this.acked = this.parsedSeq;
      this.client.sendMessage({ type: 'ack', channel: this.id, seq: this.parsedSeq });
    }
  }

  /** Detach (the shell keeps running), or with `end` also end the shell. */
  close(end = false): void {
    if (this.closed) return;
    this.closed = true;
    this.client.forget(this);
    this.client.sendMessage({ type: 'close', channel: this.id, end });
  }

  private setState(state: PaneState, message?: string): void {
    this.state = state;
    this.message = message;
    this.events.onPaneState?.(state, message);
  }

  /** @internal */
  handle(message: PaneMessage): void {
    const e = this.events;
    switch (message.type) {
      case 'opened': {
        this.mode = message.mode;
        this.ended = false;
        this.grid = message.mode === 'viewer' ? { cols: message.cols, rows: message.rows } : undefined;
        const reset = message.session !== this.session || message.resume !== 'replay';
        if (reset) {
          this.session = message.session;
          this.received = 0;
          this.parsedSeq = 0;
          this.acked = 0;
        }
        return e.onOpened?.(message, reset);
      }
      case 'snapshot':
        // The server counts a snapshot as acknowledged: the screen now stands at its position.
        this.received = message.seq;
        this.parsedSeq = message.seq;
        this.acked = message.seq;
        if (this.mode === 'viewer') this.grid = { cols: message.cols, rows: message.rows };
        return e.onSnapshot?.(message);
      case 'output': {
        this.received = message.seq;
        const { data, seq } = message;
        if (this.request.ack === 'rendered' && data.length > OUTPUT_SLICE_CHARS) {
          // The owner acknowledges each write once xterm.js has parsed it. A flood's frame (about
          // 64 Ki characters; a replay, up to the ring) written whole would be acknowledged only
          // when all of it is, and the server, which resumes a held shell on acknowledgements,
          // would let the terminal run dry first. In slices, acknowledgements keep coming.
          const start = seq - data.length;
          for (let at = 0, end = 0; at < data.length; at = end) {
            end = Math.min(data.length, at + OUTPUT_SLICE_CHARS);
            // Never between the halves of a surrogate pair (an emoji): each slice is whole text.
            if (end < data.length && (data.charCodeAt(end - 1) & 0xfc00) === 0xd800) end--;
            e.onOutput?.(data.slice(at, end), start + end);
          }
          return;
        }
        e.onOutput?.(data, seq);
        if (this.request.ack === 'received') this.parsed(seq);
        return;
      }
      case 'state':
        if (message.state === 'ready') this.setState('ready');
        else if (message.state === 'starting') this.setState('connecting', message.message ?? 'Starting the container…');
        else this.setState(message.state, message.message);
        return e.onState?.(message);
      case 'resized':
        this.grid = { cols: message.cols, rows: message.rows };
        return e.onResized?.(message);
      case 'error':
        this.setState('error', message.message);
        return e.onError?.(message);
      case 'closed':
        this.ended = true;
        this.setState('exited', message.reason);
        return e.onClosed?.(message);
      case 'recording':
        return e.onRecording?.(message);
    }
  }

  /** @internal */
  disconnected(status: ConnectionStatus): void {
    if (status === 'reload') this.setState('error', 'This page is from another version of the deck: reload the page.');
    else this.setState('connecting', 'Reconnecting…');
    this.events.onDisconnected?.(status);
  }
}

/**
 * The protocol's client, framework-free (no DOM, no React): one socket for a page or a tool.
 * It says hello with the protocol version, reconnects with backoff after a drop and reopens
 * every channel where its screen is; a protocol mismatch (close code 4000) ends in `reload`,
 * never in a retry loop. Every send is typed on the protocol's `ClientMessage`.
 */
export class LectureClient {
  private socket: SocketLike | undefined;
  private readonly inputQueue: { channel: PaneChannel; data: string }[] = [];
  private inputBudget = Limits.INPUT_BURST_CHARS * INPUT_MARGIN;
  private inputCheckedAt = Date.now();
  private inputTimer: unknown;
  private readonly channels = new Map<number, PaneChannel>();
  private nextChannel = 1;
  private retryMs: number;
  private retryTimer: unknown;
  private readonly openSocket: SocketFactory;
  private readonly statusListeners = new Emitter<[ConnectionStatus, Role | undefined]>();
  private readonly messageListeners = new Emitter<[HallMessage]>();
  /**
   * The room's latest state messages (audience count, polls, shared environments, demos reset,
   * the presenter's slide), kept so that a listener that subscribes late (a view mounted after
   * the deck loaded) still gets what the server sent on joining, instead of waiting for a change.
   */
  private readonly hallState = new Map<string, HallMessage>();
  private readonly everyMessage = new Emitter<[ServerMessage]>();
  private welcomed: ((value: Of<'welcome'>) => void)[] = [];
  clientId: string;
  role: Role | undefined;
  status: ConnectionStatus = 'connecting';
  /** The last connection-level error the server sent (e.g. the protocol mismatch), in words. */
  lastError: string | undefined;
  /** Frames from the server that did not parse (ignored; counted for tests and logs). */
  invalidFrames = 0;

  constructor(private readonly options: LectureClientOptions) {
    const socket = options.socket ?? platformSocket();
    if (!socket) throw new Error('no WebSocket on this platform: pass options.socket');
    this.openSocket = socket;
    this.clientId = options.clientId ?? randomId();
    this.retryMs = options.backoff?.initialMs ?? 250;
    this.connect();
  }

  /** Resolves once welcomed (now, if already). */
  ready(): Promise<Of<'welcome'>> {
    if (this.status === 'open' && this.role) {
      return Promise.resolve({ type: 'welcome', protocol: PROTOCOL_VERSION, role: this.role, clientId: this.clientId });
    }
    return new Promise((resolve) => this.welcomed.push(resolve));
  }

  /** Status changes; the listener is called at once with the current status. */
  onStatus(listener: (status: ConnectionStatus, role: Role | undefined) => void): Disposable {
    const subscription = this.statusListeners.on(listener);
    listener(this.status, this.role);
    return subscription;
  }

  /** Messages that belong to no pane: welcome, the hall (slide sync, polls, audience, lab), errors. */
  onMessage(listener: (message: HallMessage) => void): Disposable {
    const subscription = this.messageListeners.on(listener);
    for (const message of this.hallState.values()) listener(message);
    return subscription;
  }

  /** Every valid message from the server, in order, before it is dispatched (tools, tests). */
  onServerMessage(listener: (message: ServerMessage) => void): Disposable {
    return this.everyMessage.on(listener);
  }

  /** Send a message that belongs to no pane; false when not connected. */
  send(message: HallSend): boolean {
    return this.status === 'open' && this.sendMessage(message);
  }

  /** Open a pane's channel; it is reopened, resuming, after every reconnection. */
  open(request: PaneRequest, events: PaneEvents): PaneChannel {
    const channel = new PaneChannel(this.nextChannel++, this, request, events);
    this.channels.set(channel.id, channel);
    if (this.status === 'open') this.sendMessage(channel.openMessage());
    return channel;
  }

  /**
   * Any protocol message, as is, if the socket is open. Panes and the hall have their own typed
   * sends; this is for what they do not cover (a manual handshake, tests of the server).
   */
  sendMessage(message: ClientMessageInput): boolean {
    if (this.socket?.readyState !== SOCKET_OPEN) return false;
    this.socket.send(encode(message));
    return true;
  }

  /** @internal Input as a binary frame: on a keystroke's path to its echo, no JSON to build or parse. */
  sendInput(channel: number, data: string): boolean {
    if (this.socket?.readyState !== SOCKET_OPEN) return false;
    this.socket.send(encodeInputFrame(channel, data));
    return true;
  }

  /**
   * @internal Input of every pane, in one queue: chunked and paced within the server's bucket
   * for this socket (Limits.INPUT_BURST_CHARS, then INPUT_CHARS_PER_SECOND), with a margin.
   */
  queueInput(channel: PaneChannel, data: string): boolean {
    if (this.status !== 'open') return false;
    for (let i = 0; i < data.length; ) {
      let end = Math.min(data.length, i + INPUT_CHUNK_CHARS);
      // Never split a surrogate pair across two frames.
      const last = data.charCodeAt(end - 1);
      if (end < data.length && last >= 0xd800 && last <= 0xdbff) end--;
      this.inputQueue.push({ channel, data: data.slice(i, end) });
      i = end;
    }
    this.pumpInput();
    return true;
  }

  private pumpInput(): void {
    const now = Date.now();
    const rate = Limits.INPUT_CHARS_PER_SECOND * INPUT_MARGIN;
    const burst = Limits.INPUT_BURST_CHARS * INPUT_MARGIN;
    this.inputBudget = Math.min(burst, this.inputBudget + ((now - this.inputCheckedAt) / 1000) * rate);
    this.inputCheckedAt = now;
    while (this.inputQueue.length > 0) {
      const next = this.inputQueue[0] as { channel: PaneChannel; data: string };
      if (next.data.length > this.inputBudget) break;
      this.inputQueue.shift();
      if (next.channel.isClosed) continue;
      if (!next.channel.send({ type: 'input', data: next.data })) {
        this.inputQueue.unshift(next);
        this.dropQueuedInput();
        return;
      }
      this.inputBudget -= next.data.length;
    }
    if (this.inputQueue.length > 0 && this.inputTimer === undefined) {
      const need = (this.inputQueue[0]?.data.length ?? 0) - this.inputBudget;
      this.inputTimer = timers.setTimeout(
        () => {
          this.inputTimer = undefined;
          this.pumpInput();
        },
        Math.max(10, Math.ceil((need / rate) * 1000)),
      );
    }
  }

  /** The connection dropped: the rest of every queued input is lost, and each pane says so. */
  private dropQueuedInput(): void {
    timers.clearTimeout(this.inputTimer);
    this.inputTimer = undefined;
    const lost = new Map<PaneChannel, number>();
    for (const q of this.inputQueue.splice(0)) {
      if (!q.channel.isClosed) lost.set(q.channel, (lost.get(q.channel) ?? 0) + q.data.length);
    }
    for (const [channel, chars] of lost) channel.inputInterrupted(chars);
  }

  /** @internal */
  forget(channel: PaneChannel): void {
    this.channels.delete(channel.id);
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.statusListeners.fire(status, this.role);
  }

  private connect(): void {
    if (this.status === 'disposed' || this.status === 'reload') return;
    this.setStatus('connecting');
    let socket: SocketLike;
    try {
      socket = this.openSocket(this.options.url);
    } catch (error) {
      this.options.log?.(`lecture: cannot open the socket: ${String(error)}`);
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    // A browser hands binary frames over as Blobs, which are read asynchronously: ask for
    // ArrayBuffers. Node's `ws` hands over its Buffer as it is (an ArrayBuffer would be a copy).
    if (socket.binaryType === 'blob') socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      if (this.options.handshake !== 'manual') this.sendMessage({ type: 'hello', protocol: PROTOCOL_VERSION, clientId: this.clientId });
    };
    socket.onmessage = (event) => {
      const parsed = decodeServerFrame(event.data);
      if (!parsed.ok) {
        this.invalidFrames++;
        this.options.log?.(`lecture: ignoring an invalid frame from the server: ${parsed.error}`);
        return;
      }
      this.dispatch(parsed.message);
    };
    socket.onerror = () => undefined;
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (this.status === 'disposed') return;
      if (event.code === CloseCode.PROTOCOL_VERSION) {
        this.lastError ??= 'This page is out of date: reload it.';
        this.setStatus('reload');
      } else {
        this.setStatus('closed');
      }
      // A paste still being paced out is not resumed on the next socket: its middle may be lost
      // with this one, and half a paste typed into a shell is worse than none. Each pane says so.
      this.dropQueuedInput();
      for (const channel of this.channels.values()) channel.disconnected(this.status);
      if (this.status === 'closed') this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    if (this.options.reconnect === false) return;
    this.setStatus('closed');
    // Jitter: a hall of browsers that lost the server together must not return in lockstep.
    const delay = this.retryMs * (0.75 + Math.random() * 0.5);
    this.retryMs = Math.min(this.retryMs * 2, this.options.backoff?.maxMs ?? 5000);
    this.retryTimer = timers.setTimeout(() => this.connect(), delay);
  }

  private dispatch(message: ServerMessage): void {
    this.everyMessage.fire(message);
    if (message.type === 'welcome') {
      this.role = message.role;
      this.clientId = message.clientId;
      this.retryMs = this.options.backoff?.initialMs ?? 250;
      this.lastError = undefined;
      this.setStatus('open');
      for (const channel of this.channels.values()) this.sendMessage(channel.openMessage());
      for (const resolve of this.welcomed.splice(0)) resolve(message);
    } else if (message.type === 'error' && message.channel === undefined) {
      this.lastError = message.message;
    }
    if ('channel' in message && message.channel !== undefined) {
      this.channels.get(message.channel)?.handle(message as PaneMessage);
      return;
    }
    const key = hallStateKey(message as HallMessage);
    if (key) this.hallState.set(key, message as HallMessage);
    this.messageListeners.fire(message as HallMessage);
  }

  /** Close the socket for good. */
  dispose(): void {
    if (this.status === 'disposed') return;
    this.setStatus('disposed');
    timers.clearTimeout(this.retryTimer);
    timers.clearTimeout(this.inputTimer);
    this.inputQueue.length = 0;
    this.socket?.close();
    this.socket = undefined;
    this.channels.clear();
    this.statusListeners.clear();
    this.messageListeners.clear();
    this.everyMessage.clear();
  }
}

/** Which room state a message replaces (undefined: an event, not state). */
function hallStateKey(message: HallMessage): string | undefined {
  switch (message.type) {
    case 'audience':
    case 'demos-state':
    case 'slide-sync':
      return message.type;
    case 'poll':
      return `poll:${message.poll}`;
    case 'env-state':
      return `env-state:${message.env}`;
    default:
      return undefined;
  }
}
