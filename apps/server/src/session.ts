import { randomBytes } from 'node:crypto';
import {
  BackendUnavailableError,
  type ContainerBackend,
  type EnvironmentSpec,
  type Shell,
  describe,
} from '@lecture/containers';
import { DisposableStore, FlowControl, type ServerMessage } from '@lecture/protocol';
import { OutputRing } from './ring.js';
import type { StartQueue } from './sandboxes.js';
import { Screen } from './screen.js';

export type SessionState = 'starting' | 'ready' | 'exited' | 'error';

/** Keys held while a shell starts (see Session.input): far more than anyone types meanwhile. */
const MAX_TYPEAHEAD_CHARS = 4096;

/** A server message about one pane, before the connection adds its channel number. */
type Distribute<T> = T extends { channel: number } ? Omit<T, 'channel'> : never;
export type PaneMessage = Distribute<ServerMessage>;

export interface SessionOptions {
  readonly key: string;
  readonly pane: string;
  readonly environment: EnvironmentSpec;
  readonly backend: ContainerBackend;
  readonly cols: number;
  readonly rows: number;
  readonly ringChars?: number;
  readonly log?: (line: string) => void;
  /** Called when the session has ended for good (closed, or its owner left). */
  readonly onEnded?: (session: Session) => void;
  /** Where container starts wait their turn (audience sandboxes); presenter panes never wait. */
  readonly queue?: StartQueue;
  /** The network address that opened it (audience sandboxes are capped per address). */
  readonly owner?: string;
  /**
   * How long the shell stays held for a pacing driver that went away (a flaky Wi-Fi) before it
   * runs unpaced again: a reconnect within it replays every line exactly once.
   */
  readonly pacerGraceMs?: number;
  /** Output rate bound (audience sandboxes): the pty is paused while the bucket is empty. */
  readonly outputRate?: OutputRate;
  /** Quiet time, in ms, before the server's screen parses the output (DEFAULT_SCREEN_IDLE_MS). */
  readonly screenIdleMs?: number;
}

/** A token bucket on a shell's output, in characters. */
export interface OutputRate {
  readonly charsPerSecond: number;
  readonly burstChars: number;
}

export const DEFAULT_PACER_GRACE_MS = 60_000;

/**
 * One pane's shell: a container and a pty, the server's copy of its screen, and the browsers
 * attached to it. Drivers (the lecturer, or a student in their own sandbox) type and size it and
 * pace it by acknowledgement; viewers only watch and never slow it down.
 */
export class Session {
  readonly id = randomBytes(18).toString('base64url');
  private shell: Shell | undefined;
  /** The current shell's subscriptions: cleared when the shell goes (exit, renew, end). */
  private readonly shellSubscriptions = new DisposableStore();
  private readonly screen: Screen;
  private readonly ring: OutputRing;
  /** The pty's size (the screen applies a resize once it has parsed what came before it). */
  private size: { cols: number; rows: number };
  private readonly attachments = new Set<Attachment>();
  private seq = 0;
  private paused = false;
  private starting: Promise<void> | undefined;
  /**
   * The driver whose acknowledgements pace the pty. It may have gone (a dropped connection): then
   * it still holds the shell, for the grace period, until a driver attaches or types.
   */
  private pacer: Attachment | undefined;
  private pacerGrace: ReturnType<typeof setTimeout> | undefined;
  /** Held for the pacer: set above the high watermark, cleared at the low one. */
  private pacerHeld = false;
  /** Output budget (outputRate) and until when the shell is held for having spent it. */
  private outputBudget = 0;
  private outputCheckedAt = Date.now();
  private throttledUntil = 0;
  private throttleTimer: ReturnType<typeof setTimeout> | undefined;
  private ended = false;
  /**
   * Keys typed before the shell has printed anything (its first prompt): held and written after
   * it, so they are not echoed by the terminal ahead of the prompt ("lsstudent@sandbox:~$ ls").
   */
  private typeahead: string[] | undefined = [];
  private typeaheadChars = 0;
  /** The prompt is out and the held keys are about to be written (next turn). */
  private releasingTypeahead = false;
  state: SessionState = 'starting';
  exitCode: number | undefined;
  message: string | undefined;
  /** Last time a browser was attached or typed: for idle timeouts. */
  lastActive = Date.now();

  constructor(private readonly options: SessionOptions) {
    this.ring = new OutputRing(options.ringChars ?? 512 * 1024);
    this.size = { cols: options.cols, rows: options.rows };
    // The screen parses from the ring, lazily (when the output is quiet or a snapshot is asked for).
    this.screen = new Screen(options.cols, options.rows, this.ring, {
      ...(options.screenIdleMs !== undefined ? { idleMs: options.screenIdleMs } : {}),
    });
    this.outputBudget = options.outputRate?.burstChars ?? 0;
  }

  get key(): string {
    return this.options.key;
  }
  get owner(): string | undefined {
    return this.options.owner;
  }
  get pane(): string {
    return this.options.pane;
  }
  get environment(): EnvironmentSpec {
    return this.options.environment;
  }
  get cols(): number {
    return this.size.cols;
  }
  get rows(): number {
    return this.size.rows;
  }
  get position(): number {
    return this.seq;
  }
  get attachedCount(): number {
    return this.attachments.size;
  }
  get isPaused(): boolean {
    return this.paused;
  }
  get hasShell(): boolean {
    return this.shell !== undefined;
  }

  /**
   * Attach a browser. `since` is how much of this session's output it already shows: it gets
   * the rest (or, if that is gone, the current screen), then the live stream.
   */
  attach(mode: 'driver' | 'viewer', send: (message: PaneMessage) => void, since?: number, socket?: SocketBuffer): Attachment {
    const attachment = new Attachment(this, mode, send, socket);
    this.attachments.add(attachment);
    if (mode === 'driver') this.setPacer(attachment);
    this.lastActive = Date.now();
    const resume = since !== undefined && this.ring.since(since) !== undefined ? 'replay' : 'snapshot';
    send({
      type: 'opened',
      session: this.id,
      mode,
      resume: this.seq === 0 && resume === 'snapshot' ? 'fresh' : resume,
      cols: this.cols,
      rows: this.rows,
    });
    // The state follows the catch-up (protocol order), which may wait for the screen to parse.
    this.catchUp(attachment, resume === 'replay' ? since : undefined, () => send(this.stateMessage(mode)));
    if (mode === 'driver' && !this.shell && !this.starting && this.state !== 'exited') {
      void this.start();
    }
    this.updateFlow();
    return attachment;
  }

  /** What each attached browser has outstanding: for tests, the benchmarks and /api/health. */
  attachmentStats(): { mode: 'driver' | 'viewer'; unacked: number; lagging: boolean }[] {
    return [...this.attachments].map((a) => ({ mode: a.mode, unacked: a.unacked, lagging: a.isLagging }));
  }

  detach(attachment: Attachment): void {
    if (!this.attachments.delete(attachment)) return;
    if (this.pacer === attachment) {
      const next = [...this.attachments].reverse().find((a) => a.mode === 'driver');
      if (next) this.setPacer(next);
      else {
        // Nobody else drives: the one that left keeps holding the shell for the grace period,
        // so a lecturer whose Wi-Fi drops for seconds misses nothing (the ring holds the rest).
        clearTimeout(this.pacerGrace);
        this.pacerGrace = setTimeout(() => {
          this.pacerGrace = undefined;
          if (this.pacer === attachment) this.pacer = undefined;
          this.updateFlow();
        }, this.options.pacerGraceMs ?? DEFAULT_PACER_GRACE_MS);
        this.pacerGrace.unref?.();
      }
    }
    this.lastActive = Date.now();
    this.updateFlow();
  }

  private setPacer(attachment: Attachment): void {
    clearTimeout(this.pacerGrace);
    this.pacerGrace = undefined;
    this.pacer = attachment;
  }

  /** Send what an attachment lacks: the rest of the stream if held, else the current screen. */
  catchUp(attachment: Attachment, since: number | undefined, then?: () => void): void {
    if (since !== undefined) {
      const rest = this.ring.since(since);
      if (rest !== undefined) {
        attachment.reset(since);
        if (rest.length > 0) attachment.deliver(rest, this.seq, true);
        then?.();
        return;
      }
    }
    this.sendScreen(attachment, then);
  }

  /**
   * The server's screen, then what was printed after it (from the ring). The screen parses
   * lazily, so this may wait for it (a few ms); meanwhile the browser gets no live output (it
   * would come before the screen), which the ring then holds. If a flood pushed the screen's
   * position out of the ring while it parsed, it tries again; after that the browser replays
   * the whole ring from a reset instead: exact either way.
   */
  private sendScreen(attachment: Attachment, then?: () => void, attempt = 0): void {
    attachment.awaitScreen();
    this.screen.whenReady((snapshot) => {
      if (!this.attachments.has(attachment) || this.ended) return;
      let rest = this.ring.since(snapshot.seq);
      if (rest === undefined && attempt < 2) return this.sendScreen(attachment, then, attempt + 1);
      let { data, seq } = snapshot;
      if (rest === undefined) {
        data = '\x1bc';
        seq = this.ring.begin;
        rest = this.ring.since(seq) ?? '';
      }
      attachment.reset(seq);
      attachment.send({ type: 'snapshot', data, seq, cols: this.cols, rows: this.rows });
      if (rest) attachment.deliver(rest, this.seq, true);
      then?.();
    });
  }

  /** Typed by a driver; the one who types last paces the shell (see updateFlow). */
  input(data: string, from?: Attachment): void {
    this.lastActive = Date.now();
    if (from?.mode === 'driver' && this.pacer !== from) {
      this.setPacer(from);
      this.updateFlow();
    }
    if (this.typeahead) {
      // Bounded: a paste into a shell that is still starting keeps its first part only.
      if (this.typeaheadChars + data.length <= MAX_TYPEAHEAD_CHARS) {
        this.typeahead.push(data);
        this.typeaheadChars += data.length;
      }
      return;
    }
    this.shell?.write(data);
  }

  /** Whether this attachment's acknowledgements pace the shell. */
  isPacer(attachment: Attachment): boolean {
    return this.pacer === attachment;
  }

  resize(cols: number, rows: number): void {
    if (cols === this.cols && rows === this.rows) return;
    this.size = { cols, rows };
    this.screen.resize(cols, rows);
    this.shell?.resize(cols, rows);
    for (const a of this.attachments) if (a.mode === 'viewer') a.send({ type: 'resized', cols, rows });
  }

  /** Start (or restart after exit) the shell. */
  start(): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.starting ??= this.open().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async open(): Promise<void> {
    this.setState('starting');
    this.typeahead ??= [];
    try {
      // A session ended while its start waited in the queue must not create a container.
      const open = () =>
        this.ended
          ? Promise.reject(new Error('the session ended before its container started'))
          : this.options.backend.openShell({
              environment: this.options.environment,
              sessionId: this.id,
              cols: this.cols,
              rows: this.rows,
            });
      const queue = this.options.queue;
      const shell = await (queue
        ? queue.run(open, (ahead) => this.setState('starting', `Waiting for a free slot: ${ahead} ahead of you…`))
        : open());
      if (this.ended) {
        await shell.dispose();
        return;
      }
      this.shell = shell;
      this.paused = false;
      this.pacerHeld = false;
      this.shellSubscriptions.add(shell.onData((data) => this.output(data)));
      this.shellSubscriptions.add(shell.onExit(({ exitCode, reason }) => void this.exited(exitCode, reason)));
      this.exitCode = undefined;
      this.setState('ready');
      this.updateFlow();
    } catch (error) {
      const message =
        error instanceof BackendUnavailableError ? `${error.problem} ${error.fix}` : `The shell could not start: ${describe(error)}`;
      this.options.log?.(`pane ${this.pane}: ${message}`);
      this.setState('error', message);
    }
  }

  /** The shell leaves the session (it exited, or is being renewed); the caller disposes it. */
  private takeShell(): Shell | undefined {
    const shell = this.shell;
    this.shell = undefined;
    this.shellSubscriptions.clear();
    // What it printed last is the end of its output, not output held back by flow control.
    this.screen.hold(false);
    return shell;
  }

  private async exited(exitCode: number, reason?: string): Promise<void> {
    const shell = this.takeShell();
    this.exitCode = exitCode;
    this.setState('exited', reason ?? `The shell exited with code ${exitCode}.`);
    await shell?.dispose();
  }

  private output(data: string, fromShell = true): void {
    if (fromShell && this.typeahead && this.shell && !this.releasingTypeahead) {
      // The shell's first output (its prompt) is here: now the held keys go after it, on the
      // next turn. Keys that arrive until then join the held ones: written at once, they would
      // overtake them ("-$ls; echo fresh" for "ls; echo fresh-$").
      this.releasingTypeahead = true;
      const shell = this.shell;
      setImmediate(() => {
        const held = this.typeahead?.join('') ?? '';
        this.typeahead = undefined;
        this.typeaheadChars = 0;
        this.releasingTypeahead = false;
        if (held && this.shell === shell) shell.write(held);
      });
    }
    this.seq += data.length;
    // To the browsers first: an echo's latency is what runs before its socket write.
    for (const a of this.attachments) a.deliver(data, this.seq);
    this.ring.push(data);
    this.screen.written();
    this.spendOutput(data.length);
    this.updateFlow();
  }

  /** Take output from the rate bucket; an empty bucket holds the shell until it has refilled. */
  private spendOutput(chars: number): void {
    const rate = this.options.outputRate;
    if (!rate) return;
    const now = Date.now();
    this.outputBudget = Math.min(rate.burstChars, this.outputBudget + ((now - this.outputCheckedAt) / 1000) * rate.charsPerSecond);
    this.outputCheckedAt = now;
    this.outputBudget -= chars;
    if (this.outputBudget >= 0) return;
    const waitMs = Math.ceil((-this.outputBudget / rate.charsPerSecond) * 1000);
    this.throttledUntil = now + waitMs;
    clearTimeout(this.throttleTimer);
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = undefined;
      // The wait is over when this timer says so: a timer may fire a millisecond before
      // Date.now() reaches throttledUntil (they are different clocks), and the shell, paused,
      // prints nothing that would look again: it stayed paused for good.
      this.throttledUntil = 0;
      this.updateFlow();
    }, waitMs);
    this.throttleTimer.unref?.();
  }

  /**
   * Pause the pty (the shell blocks on its writes, as on a slow terminal) while:
   * - nobody is attached: output nobody watches costs nothing (the ring keeps what a returning
   *   browser needs);
   * - the pacing driver (the one who attached or typed last: the lecturer's window in use, or
   *   the one that just dropped, during its grace period) has more than the high watermark
   *   unacknowledged, until it is down to the low one. Nobody else counts: a stalled student or
   *   a forgotten presenter tab must not stall the lecturer; they are bounded like viewers;
   * - the output rate bound (sandboxes) is spent.
   */
  updateFlow(): void {
    if (!this.shell) return;
    const outstanding = this.pacer ? this.seq - this.pacer.acknowledged : 0;
    // A pacer that acknowledges without reading (its socket's buffer fills) is held too.
    if (outstanding > FlowControl.HIGH_WATERMARK_CHARS || this.pacer?.socketFull) this.pacerHeld = true;
    else if (outstanding <= FlowControl.LOW_WATERMARK_CHARS) this.pacerHeld = false;
    const held = this.pacerHeld || this.throttledUntil > Date.now();
    const pause = held || this.attachments.size === 0;
    // Nobody attached: the screen may parse the quiet output for the next one to come.
    this.screen.hold(held && this.attachments.size > 0);
    if (pause === this.paused) return;
    this.paused = pause;
    if (pause) this.shell.pause();
    else this.shell.resume();
  }

  private stateMessage(mode: 'driver' | 'viewer' = 'viewer'): PaneMessage {
    // A mirror opened before the lecturer reached the slide waits for the lecturer's shell; a
    // driver's own open starts it (or queues it, and then it says so).
    const waiting = this.state === 'starting' && !this.shell && !this.starting && this.message === undefined;
    const message = waiting
      ? mode === 'driver'
        ? 'Starting the container…'
        : 'Waiting for the lecturer to open this terminal…'
      : this.message;
    return {
      type: 'state',
      state: this.state,
      ...(this.exitCode !== undefined ? { exitCode: this.exitCode } : {}),
      ...(message !== undefined ? { message } : {}),
    };
  }

  private setState(state: SessionState, message?: string): void {
    this.state = state;
    this.message = message;
    for (const a of this.attachments) a.send(this.stateMessage(a.mode));
  }

  /**
   * A fresh shell in place of this one (a new container for a per-session environment), for
   * every attached browser at once: the screen is cleared and says why, then the new prompt
   * follows. The demos' reset: whatever ran, whichever folder was deleted, it starts over.
   */
  async renew(notice: string): Promise<void> {
    if (this.ended) return;
    await this.starting?.catch(() => undefined);
    const wasOpen = this.shell !== undefined || this.state !== 'starting';
    const shell = this.takeShell();
    this.exitCode = undefined;
    if (shell) {
      this.setState('starting', notice);
      await shell.dispose();
    }
    if (this.ended) return;
    // RIS: every screen (browsers, the server's copy, a recording) starts clean.
    this.output(`\x1bc\x1b[2m── ${notice} ──\x1b[0m\r\n`, false);
    if (wasOpen) await this.start();
  }

  /** A line from the server in the session's output (every browser and the screen see it). */
  notice(text: string): void {
    if (this.ended) return;
    this.output(`\x1b[2m── ${text} ──\x1b[0m\r\n`, false);
  }

    /** End the session for good: kill the shell, remove its container, tell the browsers. */
  async end(reason: string): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    // Leave the registry at once: a pane reopened while the container is still being removed
    // must get a new session, not this dead one.
    this.options.onEnded?.(this);
    clearTimeout(this.pacerGrace);
    clearTimeout(this.throttleTimer);
    this.pacer = undefined;
    for (const a of this.attachments) a.send({ type: 'closed', reason });
    this.attachments.clear();
    this.shellSubscriptions.dispose();
    const shell = this.shell;
    this.shell = undefined;
    await this.starting?.catch(() => undefined);
    await shell?.dispose();
    this.screen.dispose();
  }

  /** For tests: wait until the server's copy of the screen has parsed all output. */
  flushScreen(): Promise<void> {
    return this.screen.flush();
  }
}

/**
 * The socket an attachment sends through: what it has queued and not yet written (bytes), and
 * how much it may. Memory follows what is really buffered for a browser, not what it claims to
 * have parsed: one that acknowledges without reading is cut off like one that does not ack.
 */
export interface SocketBuffer {
  buffered(): number;
  readonly limitBytes: number;
}

/**
 * One browser's view of a session. Tracks what was sent and acknowledged (by position), and
 * for all but the pacing driver, cuts off a backlog past the bound and resyncs from the screen
 * once caught up.
 */
export class Attachment {
  private sent = 0;
  private acked = 0;
  private lagging = false;
  /** Waiting for the server's screen: live output would land before it (the ring keeps it). */
  private waiting = false;

  constructor(
    readonly session: Session,
    readonly mode: 'driver' | 'viewer',
    readonly send: (message: PaneMessage) => void,
    private readonly socket?: SocketBuffer,
  ) {}

  /** Its socket holds more unsent output than allowed. */
  get socketFull(): boolean {
    return this.socket !== undefined && this.socket.buffered() > this.socket.limitBytes;
  }

  get unacked(): number {
    return this.sent - this.acked;
  }
  /** The position this browser has acknowledged (parsed) up to. */
  get acknowledged(): number {
    return this.acked;
  }
  get isLagging(): boolean {
    return this.lagging;
  }

  /** The browser's screen now corresponds to `position`. */
  reset(position: number): void {
    this.sent = position;
    this.acked = position;
    this.lagging = false;
    this.waiting = false;
  }

  /** Until the next reset, live output is not sent: the screen and the ring's rest come first. */
  awaitScreen(): void {
    this.waiting = true;
  }

  deliver(data: string, seq: number, force = false): void {
    if ((this.lagging || this.waiting) && !force) return;
    if (!force && !this.session.isPacer(this) && (this.unacked > FlowControl.VIEWER_MAX_BACKLOG_CHARS || this.socketFull)) {
      // Drop the stream for this browser only; it gets the screen once it has caught up.
      this.lagging = true;
      return;
    }
    this.sent = seq;
    this.send({ type: 'output', data, seq });
  }

  ack(seq: number): void {
    this.acked = Math.max(this.acked, Math.min(seq, this.sent));
    const drained = !this.socket || this.socket.buffered() <= this.socket.limitBytes / 2;
    if (this.lagging && !this.waiting && this.unacked <= FlowControl.VIEWER_RESYNC_CHARS && drained) {
      this.session.catchUp(this, undefined);
    }
    this.session.updateFlow();
  }
}
