import { randomBytes } from 'node:crypto';
import type { EnvironmentSpec } from '@lecture/containers';
import {
  BinaryFrame,
  copyAscii,
  decodeClientFrame,
  type ClientMessage,
  CloseCode,
  type ErrorCode,
  Limits,
  type OpenMessage,
  PROTOCOL_VERSION,
  type Role,
  type ServerMessage,
  parseClientMessage,
} from '@lecture/protocol';
import type { RawData, WebSocket } from 'ws';
import { isLoopback } from './auth.js';
import type { LectureHall, Member } from './hall.js';
import type { Recordings } from './recorder.js';
import type { SandboxPolicy, StartQueue } from './sandboxes.js';
import { DEFAULT_LIMITS, type ServerLimits } from './limits.js';
import type { Attachment, PaneMessage, Session, SocketBuffer } from './session.js';
import type { SessionRegistry } from './sessions.js';

export interface ConnectionOptions {
  readonly socket: WebSocket;
  readonly role: Role;
  readonly sessions: SessionRegistry;
  readonly environments: ReadonlyMap<string, EnvironmentSpec>;
  /** pane id → environment id, from the deck; when set, an `open` must match it. */
  readonly panes?: ReadonlyMap<string, string>;
  readonly hall: LectureHall;
  readonly sandboxes: SandboxPolicy;
  readonly sandboxQueue: StartQueue;
  /** Return a shared environment to its seeded state (the presenter's "reset lab"). */
  readonly resetEnvironment: (env: string) => Promise<unknown>;
  /** Return every demo to where a lecture starts (the presenter's "Reset demos"). */
  readonly resetDemos: () => Promise<unknown>;
  /** The presenter's recordings of panes (absent: recording is refused). */
  readonly recordings?: Recordings;
  /** The peer's address: sandboxes are capped per address as well as in total. */
  readonly remoteAddress?: string;
  /** The server's bounds (socket buffer, sandbox output rate…). */
  readonly limits?: ServerLimits;
  /** Channels of this socket's address over all its sockets: false when it has its share. */
  readonly channelBudget?: { acquire(): boolean; release(): void };
  readonly log?: (line: string) => void;
}

/** Input a socket may send: a burst (a paste) and a steady rate well above any typist. */
const { INPUT_BURST_CHARS, INPUT_CHARS_PER_SECOND } = Limits;
/**
 * A frame of coalesced output is sent once it holds this many characters (so at most this and
 * one pty read). With 256 Ki, the joined strings were past V8's large-object size (128 KiB),
 * each one freed only by a full garbage collection, and the server spent 40-60% more CPU per MB.
 */
const MAX_OUTPUT_FRAME_CHARS = 64 * 1024;
/**
 * How long a flood's output is gathered into one frame (never the first chunk after a quiet
 * spell: an echo goes at once). One 60 Hz frame: xterm.js paints at most that often, so the
 * wait is never seen. Each frame is a message the browser dispatches, a write it queues in
 * xterm.js and an acknowledgement it sends: at 4-5 MB/s, 4 ms made frames of 20 KiB, and the
 * browser three times as many messages as it paints frames of a long flood.
 */
const OUTPUT_COALESCE_MS = 16;
/** A chunk this small is interactive (an echo, a prompt), never a flood's read: never held. */
const ECHO_CHUNK_CHARS = 512;
/** A socket whose unsent output passes this is not reading: it is cut off, not buffered for. */
const MAX_SOCKET_BUFFER_BYTES = 8 * 1024 * 1024;

/**
 * The UTF-8 of the last output chunk: a chunk fans out to every socket attached to its session
 * (a hall of mirrors), each with its own channel number, so it is encoded once, not per socket.
 */
let lastChunk = '';
/** The frame `lastChunk` went out in: its text, from HEADER_BYTES on, is copied for the next socket. */
let lastFrame: Buffer = Buffer.alloc(BinaryFrame.HEADER_BYTES);
/**
 * Output this short (an echo, a prompt) is copied into its frame by hand when it is ASCII: the
 * two calls into C++ that encoding takes (its length, then the bytes) cost more than a few
 * characters do, on the cold cache a keystroke's echo finds.
 */
const SHORT_OUTPUT_CHARS = 128;

/** `data` in a frame, byte per character, or undefined if it is not all ASCII. */
function asciiFrame(data: string): Buffer | undefined {
  const frame = Buffer.allocUnsafe(BinaryFrame.HEADER_BYTES + data.length);
  return copyAscii(data, frame, BinaryFrame.HEADER_BYTES) ? frame : undefined;
}

/** An output message as a binary frame (layout: `BinaryFrame` in the protocol). */
export function outputFrame(channel: number, seq: number, data: string): Buffer {
  let frame: Buffer | undefined;
  if (data === lastChunk) {
    // A viewer's frame is the driver's with another header, usually: encode the text once.
    frame = Buffer.allocUnsafe(lastFrame.length);
    lastFrame.copy(frame, BinaryFrame.HEADER_BYTES, BinaryFrame.HEADER_BYTES);
  } else {
    if (data.length <= SHORT_OUTPUT_CHARS) frame = asciiFrame(data);
    if (!frame) {
      // Encoded straight into the frame (a flood's are about 64 Ki characters): no buffer to copy from.
      frame = Buffer.allocUnsafe(BinaryFrame.HEADER_BYTES + Buffer.byteLength(data, 'utf8'));
      frame.write(data, BinaryFrame.HEADER_BYTES, 'utf8');
    }
    lastChunk = data;
    lastFrame = frame;
  }
  frame[0] = BinaryFrame.OUTPUT;
  frame.writeUInt32BE(channel, 1);
  frame.writeDoubleBE(seq, 5);
  return frame;
}

/**
 * Pages of protocol 1 (before the client package) reconnect after every close, whatever its
 * code: the server answers them in a way they show instead (answerOlderPage).
 */
const OLDER_PAGE_PROTOCOL = 1;
const OLDER_PAGE_REASON = 'This page is from an older version of the deck: reload the page (F5) to reconnect.';

/** Prefix of the session keys of audience sandboxes. */
export const SANDBOX_PREFIX = 'sandbox:';

/** A socket closes after this many invalid messages: a broken or hostile client. */
const MAX_BAD_MESSAGES = 20;

/**
 * One browser socket: validates every frame, keeps the socket's channels (one per open pane)
 * and enforces the role. Nothing a browser sends can throw out of here.
 */
export class Connection {
  private readonly channels = new Map<number, Attachment>();
  private hello = false;
  /** The page speaks protocol 1 (a tab open since before an update): see answerOlderPage. */
  private olderPage = false;
  private clientId = '';
  private badMessages = 0;
  private closed = false;
  private member: Member | undefined;
  private inputBudget = INPUT_BURST_CHARS;
  private inputCheckedAt = Date.now();
  private readonly limits: ServerLimits;
  private readonly socketBuffer: SocketBuffer;
  /** Output held during this turn of the event loop, per channel (see sendOutput). */
  private readonly held = new Map<number, { parts: string[]; chars: number; seq: number }>();
  private burst = false;
  private burstTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: ConnectionOptions) {
    const { socket } = options;
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.socketBuffer = { buffered: () => socket.bufferedAmount, limitBytes: this.limits.socketBufferBytes };
    socket.on('message', (data, isBinary) => {
      try {
        if (isBinary) return this.handleBinary(data);
        this.handle(data.toString());
      } catch (error) {
        options.log?.(`connection error: ${(error as Error).stack ?? String(error)}`);
        this.send({ type: 'error', code: 'internal', message: 'internal error' });
      }
    });
    socket.on('close', () => this.dispose());
    socket.on('error', () => this.dispose());
  }

  private get address(): string {
    return this.options.remoteAddress ?? 'unknown';
  }

  get role(): Role {
    return this.options.role;
  }

  private send(message: ServerMessage): void {
    if (message.type === 'output') return this.sendOutput(message.channel, message.data, message.seq);
    // Output held in this turn goes first: a message never overtakes the output before it.
    this.flushOutput();
    this.write(JSON.stringify(message));
  }

  private write(frame: string | Buffer): void {
    const socket = this.options.socket;
    if (this.closed || socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_SOCKET_BUFFER_BYTES) {
      this.options.log?.('closing a socket that stopped reading');
      socket.terminate();
      return;
    }
    socket.send(frame);
  }

  /**
   * Output, nearly all the bytes, goes as binary frames. The first chunk after a quiet spell is
   * sent at once (a keystroke's echo never waits for a timer), and so is any small chunk with
   * nothing held before it (typing fast); the larger chunks that follow (a
   * flood arrives as many 4 KiB pty reads, one per turn of the event loop) are joined into one
   * frame per channel every OUTPUT_COALESCE_MS, for as long as the flood lasts. A frame is a
   * socket write, and on this path a write costs more than the bytes in it: a frame per pty
   * read spent about 30 ms of CPU per MB in writev alone.
   */
  private sendOutput(channel: number, data: string, seq: number): void {
    if (!this.burst) {
      this.write(outputFrame(channel, seq, data));
      this.burst = true;
      this.burstTimer = setTimeout(() => this.endOfTurn(), OUTPUT_COALESCE_MS);
      return;
    }
    // A small chunk with nothing held before it is typing (an echo, a prompt): at once, too.
    if (data.length <= ECHO_CHUNK_CHARS && !this.held.has(channel)) {
      this.write(outputFrame(channel, seq, data));
      return;
    }
    const held = this.held.get(channel);
    if (!held) {
      this.held.set(channel, { parts: [data], chars: data.length, seq });
      return;
    }
    held.parts.push(data);
    held.chars += data.length;
    held.seq = seq;
    if (held.chars >= MAX_OUTPUT_FRAME_CHARS) this.flushOutput();
  }

  private endOfTurn(): void {
    this.burstTimer = undefined;
    if (this.held.size === 0 || this.closed) {
      this.burst = false;
      return;
    }
    this.flushOutput();
    this.burstTimer = setTimeout(() => this.endOfTurn(), OUTPUT_COALESCE_MS);
  }

  private flushOutput(): void {
    if (this.held.size === 0) return;
    for (const [channel, held] of this.held) {
      this.write(outputFrame(channel, held.seq, held.parts.length === 1 ? (held.parts[0] as string) : held.parts.join('')));
    }
    this.held.clear();
  }

  /** Token bucket for `input`: false when this socket sends more than anyone types or pastes. */
  private takeInput(chars: number): boolean {
    const now = Date.now();
    this.inputBudget = Math.min(INPUT_BURST_CHARS, this.inputBudget + ((now - this.inputCheckedAt) / 1000) * INPUT_CHARS_PER_SECOND);
    this.inputCheckedAt = now;
    if (chars > this.inputBudget) return false;
    this.inputBudget -= chars;
    return true;
  }

  private reject(code: ErrorCode, message: string, channel?: number): void {
    this.send({ type: 'error', code, message, ...(channel !== undefined ? { channel } : {}) });
    if (code === 'bad-message' && ++this.badMessages >= MAX_BAD_MESSAGES) {
      this.options.socket.close(CloseCode.POLICY_VIOLATION, 'too many invalid messages');
    }
  }

  /** A binary frame is an input frame (a keystroke's fast path); anything else is refused. */
  private handleBinary(data: RawData): void {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    const parsed = decodeClientFrame(bytes);
    if (!parsed.ok) return this.reject('bad-message', `invalid binary frame: ${parsed.error}`);
    if (!this.hello) return this.reject('bad-message', 'send hello first');
    this.onChannelMessage(parsed.message);
  }

  private handle(raw: string): void {
    if (this.olderPage) return this.answerOlderPage(raw);
    const parsed = parseClientMessage(raw);
    if (!parsed.ok) return this.reject('bad-message', `invalid message: ${parsed.error}`);
    const message = parsed.message;
    if (message.type === 'hello') return this.onHello(message);
    if (!this.hello) return this.reject('bad-message', 'send hello first');
    switch (message.type) {
      case 'ping':
        return this.send({ type: 'pong', ...(message.t !== undefined ? { t: message.t } : {}) });
      case 'open':
        return this.onOpen(message);
      case 'input':
      case 'resize':
      case 'ack':
      case 'close':
      case 'restart':
      case 'record':
        return this.onChannelMessage(message);
      case 'slide':
        if (this.role !== 'presenter') return this.reject('forbidden', 'only the presenter moves the slides');
        return this.options.hall.slide(this.member as Member, message.h, message.f);
      case 'vote': {
        const problem = this.options.hall.vote(this.member as Member, message.poll, message.option);
        return problem ? this.reject('bad-message', problem) : undefined;
      }
      case 'poll-control': {
        const problem = this.options.hall.pollControl(this.member as Member, message.poll, message.action);
        return problem ? this.reject('forbidden', problem) : undefined;
      }
      case 'env-reset':
        if (this.role !== 'presenter') return this.reject('forbidden', 'only the presenter can reset an environment');
        if (this.options.environments.get(message.env)?.lifecycle !== 'shared') {
          return this.reject('unknown-environment', `"${message.env}" is not a shared environment`);
        }
        this.options.resetEnvironment(message.env).catch((error: unknown) => {
          this.options.log?.(`reset of ${message.env} failed: ${String(error)}`);
        });
        return;
      case 'demos-reset':
        if (this.role !== 'presenter') return this.reject('forbidden', 'only the presenter can reset the demos');
        this.options.resetDemos().catch((error: unknown) => {
          this.options.log?.(`reset of the demos failed: ${String(error)}`);
        });
        return;
    }
  }

  private onHello(message: Extract<ClientMessage, { type: 'hello' }>): void {
    if (message.protocol === OLDER_PAGE_PROTOCOL && !this.hello) {
      // A tab from before protocol 2 reconnects after any close, forever: it is welcomed
      // instead, and each pane it opens is ended with a reason it shows (reload the page).
      this.olderPage = true;
      this.send({ type: 'welcome', protocol: PROTOCOL_VERSION, role: this.role, clientId: message.clientId ?? randomBytes(18).toString('base64url') });
      return;
    }
    if (message.protocol !== PROTOCOL_VERSION) {
      this.send({
        type: 'error',
        code: 'protocol-version',
        message: `This server speaks protocol ${PROTOCOL_VERSION}, the page ${message.protocol}: reload the page.`,
      });
      this.options.socket.close(CloseCode.PROTOCOL_VERSION, 'protocol version');
      return;
    }
    // The id is fixed by the first hello: a socket cannot switch identities (and sandboxes).
    if (!this.hello) this.clientId = message.clientId ?? randomBytes(18).toString('base64url');
    this.hello = true;
    this.send({ type: 'welcome', protocol: PROTOCOL_VERSION, role: this.role, clientId: this.clientId });
    if (!this.member) {
      this.member = { role: this.role, clientId: this.clientId, send: (m) => this.send(m) };
      this.options.hall.join(this.member);
    }
  }

  /**
   * A protocol-1 page gets a `closed` (same shape in both protocols) for every pane it opens,
   * and a pong for its pings; nothing else it sends is acted on. It starts no shell.
   */
  private answerOlderPage(raw: string): void {
    let message: { type?: unknown; channel?: unknown; t?: unknown };
    try {
      message = JSON.parse(raw) as typeof message;
    } catch {
      return;
    }
    if (message.type === 'ping') {
      this.send({ type: 'pong', ...(typeof message.t === 'number' ? { t: message.t } : {}) });
    } else if (message.type === 'open' && Number.isInteger(message.channel) && (message.channel as number) >= 0 && (message.channel as number) <= 1_000_000) {
      this.send({ type: 'closed', channel: message.channel as number, reason: OLDER_PAGE_REASON });
    }
  }

  private onOpen(message: OpenMessage): void {
    const { channel } = message;
    if (this.channels.has(channel)) return this.reject('channel-in-use', `channel ${channel} is open`, channel);
    if (this.channels.size >= Limits.MAX_CHANNELS_PER_SOCKET) {
      return this.reject('capacity', 'too many panes open on one connection', channel);
    }
    const environment = this.options.environments.get(message.env);
    if (!environment) return this.reject('unknown-environment', `no environment "${message.env}"`, channel);
    if (this.options.channelBudget && !this.options.channelBudget.acquire()) {
      return this.reject('capacity', `too many panes open from this address (${this.limits.channelsPerAddress})`, channel);
    }
    const opened = this.channels.size;
    try {
      this.openChannel(message, environment);
    } finally {
      // Refused after all (forbidden, sandbox caps): the address gets its channel back.
      if (this.channels.size === opened) this.options.channelBudget?.release();
    }
  }

  private openChannel(message: OpenMessage, environment: EnvironmentSpec): void {
    const { channel } = message;
    if (message.scope === 'sandbox') return this.openSandbox(message, environment);
    const declared = this.options.panes?.get(message.pane);
    if (this.options.panes && declared !== message.env) {
      return this.reject('forbidden', `the deck has no pane "${message.pane}" with environment "${message.env}"`, channel);
    }
    const session = this.options.sessions.getOrCreate({
      key: `presenter:${message.pane}`,
      pane: message.pane,
      environment,
      cols: message.cols,
      rows: message.rows,
    });
    const mode = this.role === 'presenter' ? 'driver' : 'viewer';
    const send = this.attachChannel(message, session, mode);
    const recorder = mode === 'driver' ? this.options.recordings?.get(session) : undefined;
    if (recorder) send({ type: 'recording', recording: true, file: this.options.recordings?.name(recorder) });
  }

  /** Attach a channel to a session; a driver sizes it. Returns the channel's sender. */
  private attachChannel(message: OpenMessage, session: Session, mode: 'driver' | 'viewer'): (m: PaneMessage) => void {
    const { channel } = message;
    // Output, nearly every message, goes straight to its frame: no copy of the message to add
    // the channel to, no second dispatch on its type (an echo's path is short on purpose).
    const send = (m: PaneMessage) =>
      m.type === 'output' ? this.sendOutput(channel, m.data, m.seq) : this.send({ ...m, channel } as ServerMessage);
    // A browser that shows another session's output (server restarted) starts over.
    const since = message.session === session.id ? message.since : undefined;
    // A session this server never issued: it restarted (after a crash, say). The browser gets a
    // fresh shell that says so, instead of a silently different screen.
    if (message.session && message.session !== session.id && session.position === 0 && !this.options.sessions.issued(message.session)) {
      session.notice('The server restarted: this is a new shell (the previous one and its container are gone).');
    }
    if (mode === 'driver') session.resize(message.cols, message.rows);
    this.channels.set(channel, session.attach(mode, send, since, this.socketBuffer));
    return send;
  }

  /** A shell of the caller's own: one per browser, capped in total, started through the queue. */
  private openSandbox(message: OpenMessage, environment: EnvironmentSpec): void {
    const { channel } = message;
    const policy = this.options.sandboxes;
    if (!policy.environments.includes(environment.id)) {
      return this.reject('forbidden', `"${environment.id}" is not available as a sandbox`, channel);
    }
    const key = `${SANDBOX_PREFIX}${this.clientId}`;
    const sessions = this.options.sessions;
    if (!sessions.get(key) && sessions.count(SANDBOX_PREFIX) >= policy.maxTotal) {
      return this.reject(
        'capacity',
        `All ${policy.maxTotal} sandboxes are in use. Follow the lecturer's terminal, and try again in a few minutes.`,
        channel,
      );
    }
    // Loopback is this machine (the lecturer, tests, benchmarks), never a student's device.
    const loopback = isLoopback(this.address);
    if (!sessions.get(key) && !loopback && sessions.count(SANDBOX_PREFIX, this.address) >= policy.perAddress) {
      return this.reject('capacity', `This device already has ${policy.perAddress} sandboxes open.`, channel);
    }
    const session = sessions.getOrCreate({
      key,
      pane: message.pane,
      environment,
      cols: message.cols,
      rows: message.rows,
      queue: this.options.sandboxQueue,
      owner: this.address,
      // A class running `yes` must not drown the lecturer: output enters the server at a bounded rate.
      outputRate: { charsPerSecond: this.limits.sandboxOutputRate, burstChars: this.limits.sandboxOutputBurst },
    });
    this.attachChannel(message, session, 'driver');
  }

  private onChannelMessage(message: Extract<ClientMessage, { channel: number }>): void {
    const attachment = this.channels.get(message.channel);
    if (!attachment) return this.reject('unknown-channel', `channel ${message.channel} is not open`, message.channel);
    const session = attachment.session;
    switch (message.type) {
      case 'ack':
        return attachment.ack(message.seq);
      case 'input':
        if (attachment.mode !== 'driver') return this.reject('forbidden', 'this terminal is read-only for you', message.channel);
        if (!this.takeInput(message.data.length)) return this.reject('capacity', 'too much input: slow down', message.channel);
        return session.input(message.data, attachment);
      case 'resize':
        // The driver's size is the truth; a viewer fits the driver's size to its own screen.
        if (attachment.mode !== 'driver') return;
        return session.resize(message.cols, message.rows);
      case 'restart':
        if (attachment.mode !== 'driver') return this.reject('forbidden', 'only the presenter can restart this shell', message.channel);
        if (session.state === 'exited' || session.state === 'error') void session.start();
        return;
      case 'record':
        return this.onRecord(attachment, message.channel, message.action);
      case 'close':
        this.channels.delete(message.channel);
        this.options.channelBudget?.release();
        session.detach(attachment);
        if (message.end && attachment.mode === 'driver') void session.end('The shell was closed.');
        return;
      default:
        return;
    }
  }

  /** Presenter: start or stop recording a pane's session (an asciicast file on the server). */
  private onRecord(attachment: Attachment, channel: number, action: 'start' | 'stop'): void {
    const recordings = this.options.recordings;
    if (attachment.mode !== 'driver' || this.role !== 'presenter' || attachment.session.key.startsWith(SANDBOX_PREFIX)) {
      return this.reject('forbidden', 'only the presenter can record a pane', channel);
    }
    if (!recordings) return this.reject('forbidden', 'recording is not available on this server', channel);
    const session = attachment.session;
    if (action === 'start') {
      const recorder = recordings.start(session);
      this.options.log?.(`recording pane ${session.pane} to ${recorder.file}`);
      return this.send({ type: 'recording', channel, recording: true, file: recordings.name(recorder) });
    }
    const recorder = recordings.get(session);
    if (!recorder) return this.send({ type: 'recording', channel, recording: false });
    const file = recordings.name(recorder);
    recordings.stop(session).then(
      (result) => this.send({ type: 'recording', channel, recording: false, file, seconds: Math.round((result?.seconds ?? 0) * 10) / 10 }),
      (error: unknown) => {
        this.options.log?.(`recording of ${session.pane} failed: ${String(error)}`);
        this.send({ type: 'error', code: 'internal', message: 'the recording could not be written', channel });
      },
    );
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.burstTimer);
    this.held.clear();
    if (this.member) this.options.hall.leave(this.member);
    for (const attachment of this.channels.values()) {
      attachment.session.detach(attachment);
      this.options.channelBudget?.release();
    }
    this.channels.clear();
  }
}
