import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { type CastHeader, castEventLine, castHeaderLine } from '@lecture/protocol';
import type { Attachment, PaneMessage, Session } from './session.js';

export interface RecorderOptions {
  /** The .cast file to write (its folder is created). */
  readonly file: string;
  readonly title?: string;
  /**
   * Shorten pauses longer than this many seconds in the file itself (the demo recordings: a
   * replay should not sit still while an image downloads). Live recordings keep real time.
   */
  readonly idleCapSeconds?: number;
  /** Milliseconds clock (tests). */
  readonly now?: () => number;
}

export interface RecordingResult {
  readonly file: string;
  readonly seconds: number;
  /** Everything the shell printed after the first frame (for checks). */
  readonly output: string;
}

/**
 * Records one session as an asciicast v2 file. It watches the session as a read-only viewer
 * that acknowledges at once (so it never falls behind and never slows the shell): the first
 * event, at t=0, is the server's snapshot of the screen as it is when recording starts; then
 * every chunk of output with its time, and resizes as `r` events.
 */
export class Recorder {
  private readonly stream: WriteStream;
  /** Undefined only while attach() runs (it may send the first frame before it returns). */
  private readonly attachment: Attachment | undefined;
  private started = 0;
  private lastReal = 0;
  private time = 0;
  private headerWritten = false;
  private output = '';
  /** Output up to this position belongs to the first frame (t=0). */
  private firstFrameEnd = -1;
  private finished: Promise<RecordingResult> | undefined;
  private readonly now: () => number;

  constructor(
    readonly session: Session,
    private readonly options: RecorderOptions,
  ) {
    this.now = options.now ?? Date.now;
    mkdirSync(dirname(options.file), { recursive: true });
    this.stream = createWriteStream(options.file, { flags: 'w', encoding: 'utf8' });
    // A full disk or a folder we may not write must not take the server down.
    this.stream.on('error', () => undefined);
    this.started = this.now();
    this.lastReal = this.started;
    // The first snapshot and the output it lacks (sent right after it, in the same turn) are
    // the first frame, at t=0. It may come a few ms after attaching: the screen parses lazily.
    this.attachment = session.attach('viewer', (message) => this.onMessage(message));
    this.attachment.ack(session.position);
  }

  get stopped(): boolean {
    return this.finished !== undefined;
  }

  get file(): string {
    return this.options.file;
  }

  /** Seconds recorded so far (after shortening pauses). */
  get seconds(): number {
    return this.time;
  }

  private header(cols: number, rows: number): void {
    if (this.headerWritten) return;
    this.headerWritten = true;
    const header: CastHeader = {
      version: 2,
      width: cols,
      height: rows,
      timestamp: Math.floor(this.started / 1000),
      ...(this.options.title ? { title: this.options.title } : {}),
      ...(this.options.idleCapSeconds === undefined ? {} : { idle_time_limit: this.options.idleCapSeconds }),
    };
    this.stream.write(`${castHeaderLine(header)}\n`);
  }

  private tick(): number {
    const real = this.now();
    const gap = (real - this.lastReal) / 1000;
    this.lastReal = real;
    const cap = this.options.idleCapSeconds;
    this.time += cap === undefined ? gap : Math.min(gap, cap);
    return this.time;
  }

  private event(code: 'o' | 'r', data: string, atStart = false): void {
    if (this.finished) return;
    this.stream.write(`${castEventLine(atStart ? 0 : this.tick(), code, data)}\n`);
  }

  private onMessage(message: PaneMessage): void {
    switch (message.type) {
      case 'opened':
        return;
      case 'snapshot':
        if (!this.headerWritten) {
          this.header(message.cols, message.rows);
          this.event('o', message.data, true);
          this.lastReal = this.now();
          // The output the snapshot lacks follows it at once, up to where the session is now.
          this.firstFrameEnd = this.session.position;
          return this.attachment?.ack(message.seq);
        }
        // A resync (not expected: the recorder acknowledges at once): redraw the screen.
        this.event('o', `\x1bc${message.data}`);
        return this.attachment?.ack(message.seq);
      case 'output':
        if (message.seq <= this.firstFrameEnd) {
          // Output the snapshot had not parsed yet belongs to the first frame.
          this.event('o', message.data, true);
          return this.attachment?.ack(message.seq);
        }
        this.event('o', message.data);
        this.output += message.data;
        return this.attachment?.ack(message.seq);
      case 'resized':
        // Before the first frame, the snapshot will have the new size.
        if (!this.headerWritten) return;
        return this.event('r', `${message.cols}x${message.rows}`);
      case 'closed':
        void this.stop();
        return;
      default:
        return;
    }
  }

  /** Stop recording and close the file. */
  stop(): Promise<RecordingResult> {
    this.finished ??= new Promise<RecordingResult>((resolve, reject) => {
      if (this.attachment) this.session.detach(this.attachment);
      if (!this.headerWritten) this.header(this.session.cols, this.session.rows);
      this.stream.end(() => resolve({ file: this.options.file, seconds: this.time, output: this.output }));
      this.stream.on('error', reject);
    });
    return this.finished;
  }
}

/** The presenter's recordings of live panes: at most one per session, in `dir`. */
export class Recordings {
  private readonly active = new Map<string, Recorder>();

  constructor(
    /** Where live recordings go (recordings/live). */
    readonly dir: string,
    private readonly root: string = dirname(dir),
  ) {}

  get(session: Session): Recorder | undefined {
    const recorder = this.active.get(session.key);
    return recorder && recorder.session === session && !recorder.stopped ? recorder : undefined;
  }

  /** The file's path relative to the recordings folder (what the browser is told). */
  name(recorder: Recorder): string {
    return relative(this.root, recorder.file).split('\\').join('/');
  }

  start(session: Session): Recorder {
    const existing = this.get(session);
    if (existing) return existing;
    const time = new Date()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')
      .replace(/:/g, '-');
    const recorder = new Recorder(session, {
      file: join(this.dir, `${session.pane}-${time}.cast`),
      title: `${session.pane} (${session.environment.id})`,
    });
    this.active.set(session.key, recorder);
    return recorder;
  }

  async stop(session: Session): Promise<RecordingResult | undefined> {
    const recorder = this.get(session);
    if (!recorder) return undefined;
    this.active.delete(session.key);
    return recorder.stop();
  }

  async stopAll(): Promise<void> {
    const all = [...this.active.values()];
    this.active.clear();
    await Promise.allSettled(all.map((r) => r.stop()));
  }
}
