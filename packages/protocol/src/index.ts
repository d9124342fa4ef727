/**
 * The WebSocket protocol between the deck (browser) and the server.
 *
 * Every message is one JSON text frame with a `type`. Both unions are validated at runtime with
 * the schemas below: the server never trusts a browser, and the browser never trusts a frame it
 * cannot parse. This module compiles without DOM or Node types so both sides can share it.
 * See docs/protocol.md for the prose version.
 */
import { z } from 'zod';

/** Bumped on any incompatible change; the handshake refuses a mismatch with a clear error. */
export const PROTOCOL_VERSION = 2;

/** Path of the WebSocket endpoint on the deck's own origin. */
export const WS_PATH = '/ws';

/**
 * Flow control by acknowledgement (as VS Code's pty host): the browser acknowledges output
 * once xterm.js has parsed it; the server pauses the pty while a driving client has more than
 * HIGH unacknowledged characters and resumes it below LOW. VS Code's 100 000 / 5 000 are for a
 * local pty. Ours is behind `docker exec` and the engine: a resumed pty delivers in a burst what
 * they held (about 20 MB/s here), and the browser, the slowest part, must still have output to
 * parse meanwhile. Acknowledgements come a frame at a time, so with 200 000 / 50 000 reading
 * often resumed with under 10 000 characters left and xterm.js sat idle: a long flood painted at
 * 0.7-0.9x a plain xterm.js page without flow control. With 400 000 / 200 000 it resumes with
 * more than 130 000 left (logged), and Ctrl+C in a flood still reaches the prompt 2-4x sooner
 * than on that plain page (`npm run bench`). HIGH stays below the server's replay ring (512 Ki
 * characters): a pacer that drops resumes by replay, losing nothing.
 */
export const FlowControl = {
  HIGH_WATERMARK_CHARS: 400_000,
  LOW_WATERMARK_CHARS: 200_000,
  /**
   * The browser acknowledges once it has parsed this many characters since its last ack.
   * VS Code's 5 000 suits its 100 000 window; in ours that was an ack per 32 Ki slice of a flood,
   * and during a flood Chromium's `WebSocket.send` held the page's main thread 0.4-0.7 ms each
   * (it wakes the network process, on the same two cores): time the terminal was not parsing.
   * At most VIEWER_RESYNC_CHARS, so that a viewer that has parsed everything is always within
   * reach of its resync.
   */
  ACK_EVERY_CHARS: 50_000,
  /**
   * A mirror viewer never pauses the shell. Past this backlog it is cut off and, once it has
   * caught up (to VIEWER_RESYNC_CHARS), resynced from the current screen instead of the missed
   * stream. Above HIGH: a viewer as fast as the driver (the projector's own audience view) is
   * not cut off for its backlog (its socket's buffer limit still applies).
   */
  VIEWER_MAX_BACKLOG_CHARS: 500_000,
  /**
   * A cut-off viewer is resynced once this little is left for it to parse: the screen it then
   * gets replaces the rest, which a slow phone would otherwise parse for nothing.
   */
  VIEWER_RESYNC_CHARS: 50_000,
} as const;

/**
 * WebSocket close codes the server uses, by name. A client must treat `PROTOCOL_VERSION` as
 * final (the page is from another build: reload it) and may reconnect after the others.
 */
export const CloseCode = {
  /** The server is stopping (or restarting): reconnect with backoff. */
  GOING_AWAY: 1001,
  /** Too many invalid messages from this socket. */
  POLICY_VIOLATION: 1008,
  /** A frame larger than `Limits.MAX_FRAME_BYTES`. */
  MESSAGE_TOO_BIG: 1009,
  /** `hello` named another protocol version: never retry, reload the page. */
  PROTOCOL_VERSION: 4000,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export const Limits = {
  /** Largest `input` payload: a generous paste. */
  MAX_INPUT_CHARS: 64 * 1024,
  /** `input` a socket may send at once (a paste), then INPUT_CHARS_PER_SECOND: the server's bucket. */
  INPUT_BURST_CHARS: 256 * 1024,
  INPUT_CHARS_PER_SECOND: 64 * 1024,
  /** The largest paste the browser sends (chunked and paced); a larger one is refused, saying so. */
  MAX_PASTE_CHARS: 4 * 1024 * 1024,
  /** Largest frame the server accepts from a browser, in bytes. */
  MAX_FRAME_BYTES: 256 * 1024,
  MAX_COLS: 500,
  MAX_ROWS: 200,
  MAX_CHANNELS_PER_SOCKET: 32,
} as const;

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1-64 characters of a-z, 0-9 and -');
const sessionId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'not a session id');
const channel = z.number().int().min(0).max(1_000_000);
const cols = z.number().int().min(2).max(Limits.MAX_COLS);
const rows = z.number().int().min(1).max(Limits.MAX_ROWS);
const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export type Role = 'presenter' | 'audience';
export type TerminalState = 'connecting' | 'starting' | 'ready' | 'exited' | 'error';

// ---------------------------------------------------------------------------------------------
// Browser → server
// ---------------------------------------------------------------------------------------------

export const HelloSchema = z.object({
  type: z.literal('hello'),
  protocol: z.number().int(),
  /** A stable id the browser keeps in localStorage: ties a student's sandbox to a reload. */
  clientId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,64}$/)
    .optional(),
});

export const OpenSchema = z.object({
  type: z.literal('open'),
  /** Chosen by the browser, unique on its socket; every reply about this pane carries it. */
  channel,
  pane: id,
  env: id,
  /**
   * `presenter`: the lecturer's shell for this pane (audience sockets become read-only
   * viewers of it). `sandbox`: a shell of the caller's own (issue: audience sandboxes).
   */
  scope: z.enum(['presenter', 'sandbox']).default('presenter'),
  cols,
  rows,
  /** Characters of this pane's output the browser already shows: resume after them. */
  since: seq.optional(),
  /** The session the browser last saw for this pane; if it changed, the screen is reset. */
  session: sessionId.optional(),
});

export const InputSchema = z.object({
  type: z.literal('input'),
  channel,
  data: z.string().min(1).max(Limits.MAX_INPUT_CHARS),
});

export const ResizeSchema = z.object({ type: z.literal('resize'), channel, cols, rows });

export const AckSchema = z.object({
  type: z.literal('ack'),
  channel,
  /**
   * Position of the output the browser has parsed up to (the `seq` of an `output` or
   * `snapshot`). Absolute, so an ack that crosses a snapshot cannot be miscounted.
   */
  seq,
});

export const CloseSchema = z.object({
  type: z.literal('close'),
  channel,
  /** Also end the shell and remove its container (otherwise only detach). */
  end: z.boolean().default(false),
});

export const RestartSchema = z.object({ type: z.literal('restart'), channel });

export const PingSchema = z.object({ type: z.literal('ping'), t: z.number().optional() });

/** Where a deck is: reveal's horizontal index and fragment. */
const slidePosition = {
  h: z.number().int().min(0).max(10_000),
  f: z.number().int().min(-1).max(1_000).default(-1),
};

/** Presenter: I am on this slide and fragment (the audience follows). */
export const SlideSchema = z.object({ type: z.literal('slide'), ...slidePosition });

/** Anyone: my answer to a poll (one vote per browser; a new vote replaces the old one). */
export const VoteSchema = z.object({ type: z.literal('vote'), poll: id, option: z.number().int().min(0).max(31) });

/** Presenter: show (or hide) a poll's results to everyone; `reset` clears its votes. */
export const PollControlSchema = z.object({
  type: z.literal('poll-control'),
  poll: id,
  action: z.enum(['reveal', 'hide', 'reset']),
});

/** Presenter: return a shared environment (the Docker lab) to its seeded state. */
export const EnvironmentResetSchema = z.object({ type: z.literal('env-reset'), env: id });

/**
 * Presenter: return every demo to where a lecture starts: each shared environment to its seeded
 * state and every presenter pane to a fresh shell (per-session environments: a new container).
 * Progress comes as `env-state` (per shared environment) and `demos-state`.
 */
export const DemosResetSchema = z.object({ type: z.literal('demos-reset') });

/**
 * Presenter: start or stop recording a pane's session as an asciicast v2 file on the server
 * (`recordings/live/<pane>-<time>.cast`). The recording starts with the current screen.
 */
export const RecordSchema = z.object({
  type: z.literal('record'),
  channel,
  action: z.enum(['start', 'stop']),
});

export const ClientMessageSchema = z.discriminatedUnion('type', [
  HelloSchema,
  OpenSchema,
  InputSchema,
  ResizeSchema,
  AckSchema,
  CloseSchema,
  RestartSchema,
  PingSchema,
  SlideSchema,
  VoteSchema,
  PollControlSchema,
  EnvironmentResetSchema,
  DemosResetSchema,
  RecordSchema,
]);

export type ClientMessage = z.infer<typeof ClientMessageSchema>;
export type ClientMessageInput = z.input<typeof ClientMessageSchema>;
export type OpenMessage = z.infer<typeof OpenSchema>;

// ---------------------------------------------------------------------------------------------
// Server → browser
// ---------------------------------------------------------------------------------------------

export const WelcomeSchema = z.object({
  type: z.literal('welcome'),
  protocol: z.number().int(),
  role: z.enum(['presenter', 'audience']),
  clientId: z.string(),
});

export const OpenedSchema = z.object({
  type: z.literal('opened'),
  channel,
  session: z.string(),
  /** `driver` types and sizes the shell; `viewer` only watches (a mirror). */
  mode: z.enum(['driver', 'viewer']),
  /** What follows: `replay` continues after `since`; `snapshot` replaces the screen. */
  resume: z.enum(['replay', 'snapshot', 'fresh']),
  cols,
  rows,
});

export const OutputSchema = z.object({
  type: z.literal('output'),
  channel,
  data: z.string(),
  /** Position of the end of this chunk in the session's output (characters since start). */
  seq,
});

export const SnapshotSchema = z.object({
  type: z.literal('snapshot'),
  channel,
  /** The screen (and some scrollback) as escape sequences, to write into a reset terminal. */
  data: z.string(),
  seq,
  cols,
  rows,
});

export const StateSchema = z.object({
  type: z.literal('state'),
  channel,
  state: z.enum(['starting', 'ready', 'exited', 'error']),
  exitCode: z.number().int().optional(),
  /** For `error` (and `exited`): what happened and what to do, in words for a lecturer. */
  message: z.string().optional(),
});

export const ResizedSchema = z.object({ type: z.literal('resized'), channel, cols, rows });

export const ErrorCodeSchema = z.enum([
  'bad-message',
  'protocol-version',
  'unknown-channel',
  'channel-in-use',
  'unknown-environment',
  'forbidden',
  'backend-unavailable',
  'capacity',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ErrorSchema = z.object({
  type: z.literal('error'),
  code: ErrorCodeSchema,
  message: z.string(),
  channel: channel.optional(),
});

export const ClosedSchema = z.object({
  type: z.literal('closed'),
  channel,
  reason: z.string(),
});

export const PongSchema = z.object({ type: z.literal('pong'), t: z.number().optional() });

/** To the audience: the presenter's slide and fragment (also sent on joining). */
export const SlideSyncSchema = z.object({ type: z.literal('slide-sync'), h: z.number().int().min(0), f: z.number().int().min(-1) });

/** To presenters: how many audience browsers are connected. */
export const AudienceSchema = z.object({ type: z.literal('audience'), count: z.number().int().min(0) });

/** A poll's state: counts per option; everyone gets counts once the presenter revealed them. */
export const PollStateSchema = z.object({
  type: z.literal('poll'),
  poll: z.string(),
  revealed: z.boolean(),
  total: z.number().int().min(0),
  /** Votes per option: always for presenters, for the audience only when revealed. */
  counts: z.array(z.number().int().min(0)).optional(),
  /** This browser's own vote. */
  mine: z.number().int().optional(),
});

/** The state of a shared environment (the lab): for the presenter's indicator. */
export const EnvironmentStateSchema = z.object({
  type: z.literal('env-state'),
  env: z.string(),
  state: z.enum(['idle', 'starting', 'ready', 'resetting', 'error']),
  message: z.string().optional(),
});

/** To presenters: where a "Reset demos" is; it always ends in `ready` or `error` (with a message). */
export const DemosStateSchema = z.object({
  type: z.literal('demos-state'),
  state: z.enum(['resetting', 'ready', 'error']),
  message: z.string().optional(),
});

/** To presenters: whether a pane's session is being recorded, and into which file. */
export const RecordingSchema = z.object({
  type: z.literal('recording'),
  channel,
  recording: z.boolean(),
  /** The file's path relative to the recordings folder, e.g. `live/docker-lab-2025-….cast`. */
  file: z.string().optional(),
  /** Seconds recorded (on stop). */
  seconds: z.number().min(0).optional(),
});

export const ServerMessageSchema = z.discriminatedUnion('type', [
  WelcomeSchema,
  OpenedSchema,
  OutputSchema,
  SnapshotSchema,
  StateSchema,
  ResizedSchema,
  ErrorSchema,
  ClosedSchema,
  PongSchema,
  SlideSyncSchema,
  AudienceSchema,
  PollStateSchema,
  EnvironmentStateSchema,
  DemosStateSchema,
  RecordingSchema,
]);

export type ServerMessage = z.infer<typeof ServerMessageSchema>;

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodType<T>, raw: string): ParseResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, message: result.data };
  const issue = result.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  return { ok: false, error: `${issue?.message ?? 'invalid message'}${where}` };
}

/** Validate a frame from a browser. Never throws. */
export function parseClientMessage(raw: string): ParseResult<ClientMessage> {
  return parseWith(ClientMessageSchema, raw);
}

/** Validate a frame from the server. Never throws. */
export function parseServerMessage(raw: string): ParseResult<ServerMessage> {
  return parseWith(ServerMessageSchema, raw);
}

/**
 * Output travels as binary frames (protocol 2): no JSON escaping on the server, no JSON or
 * schema parsing in the browser, for the one message that carries nearly all the bytes.
 *
 *     byte 0      kind (1 = output)
 *     bytes 1-4   channel, uint32 big-endian
 *     bytes 5-12  seq, float64 big-endian (an integer: characters since the session started)
 *     bytes 13-   the output, UTF-8
 *
 * `seq` still counts characters (UTF-16 code units) of the decoded text, as in protocol 1.
 */
export const BinaryFrame = { OUTPUT: 1, INPUT: 2, HEADER_BYTES: 13, INPUT_HEADER_BYTES: 5 } as const;

/**
 * Input may travel as a binary frame too (browser -> server; the server takes JSON `input` as
 * well, so a page from before it still types). A keystroke is the one message on the path of
 * its own echo: as a frame it is two field reads, where JSON and the schema cost tens of
 * microseconds each time on a cold cache (a keystroke comes every few hundred milliseconds).
 *
 *     byte 0      kind (2 = input)
 *     bytes 1-4   channel, uint32 big-endian
 *     bytes 5-    what was typed, UTF-8 (1 to Limits.MAX_INPUT_CHARS characters once decoded)
 */
export type InputMessage = z.infer<typeof InputSchema>;

interface Utf8 {
  encode(text: string): Uint8Array;
  decode(bytes: Uint8Array): string;
}
let utf8: Utf8 | undefined;
/** TextEncoder/TextDecoder without DOM or Node types (both platforms have them). */
function textCodec(): Utf8 {
  if (!utf8) {
    const g = globalThis as unknown as { TextEncoder: new () => Utf8; TextDecoder: new () => Utf8 };
    const encoder = new g.TextEncoder();
    const decoder = new g.TextDecoder();
    utf8 = { encode: (text) => encoder.encode(text), decode: (bytes) => decoder.decode(bytes) };
  }
  return utf8;
}

/**
 * Text this short (a keystroke, its echo, a prompt) is converted by hand when it is all ASCII.
 * The platform's encoder and decoder are a call out of JavaScript each time, which costs more
 * than a few bytes do: on a keystroke's path, with the cache cold (a key comes every few hundred
 * ms), TextEncoder/TextDecoder were about a third of the client's time per echo.
 */
const SHORT_TEXT_BYTES = 64;

/** `bytes` from `start` as text: by hand if short and ASCII, else the platform's UTF-8 decoder. */
function decodeText(bytes: Uint8Array, start: number): string {
  const end = bytes.length;
  if (end - start <= SHORT_TEXT_BYTES) {
    let text = '';
    let i = start;
    for (; i < end; i++) {
      const b = bytes[i] as number;
      if (b > 0x7f) break;
      text += String.fromCharCode(b);
    }
    if (i === end) return text;
  }
  return textCodec().decode(bytes.subarray(start));
}

/**
 * Copy `text` into `target` from `at`, a byte per character, if it is all ASCII (then its UTF-8
 * is exactly that); false at its first other character, `target` then partly written. For short
 * text on a keystroke's path, where a call into the platform's encoder costs more (the server's
 * output frames use it too).
 */
export function copyAscii(text: string, target: Uint8Array, at: number): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return false;
    target[at + i] = c;
  }
  return true;
}

/** A frame of `header` bytes followed by `text` as UTF-8 (header left for the caller to fill). */
function frameWithText(header: number, text: string): Uint8Array {
  if (text.length <= SHORT_TEXT_BYTES) {
    const frame = new Uint8Array(header + text.length);
    if (copyAscii(text, frame, header)) return frame;
  }
  const bytes = textCodec().encode(text);
  const frame = new Uint8Array(header + bytes.length);
  frame.set(bytes, header);
  return frame;
}

/** The uint32 (big-endian) at `at`. */
function readUint32(bytes: Uint8Array, at: number): number {
  const b = (i: number) => bytes[at + i] as number;
  // `>>> 0`: a first byte of 0x80 or more would make `<< 24` negative.
  return ((b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3)) >>> 0;
}

/** Write an output frame's header into the first `BinaryFrame.HEADER_BYTES` bytes of `frame`. */
export function writeOutputHeader(frame: Uint8Array, channel: number, seq: number): void {
  const view = new DataView(frame.buffer, frame.byteOffset, BinaryFrame.HEADER_BYTES);
  view.setUint8(0, BinaryFrame.OUTPUT);
  view.setUint32(1, channel);
  view.setFloat64(5, seq);
}

/** An output message as a binary frame (the server has a faster path for the same layout). */
export function encodeOutputFrame(channel: number, seq: number, data: string): Uint8Array {
  const frame = frameWithText(BinaryFrame.HEADER_BYTES, data);
  writeOutputHeader(frame, channel, seq);
  return frame;
}

/** An input message as a binary frame (layout above). */
export function encodeInputFrame(channel: number, data: string): Uint8Array {
  const frame = frameWithText(BinaryFrame.INPUT_HEADER_BYTES, data);
  frame[0] = BinaryFrame.INPUT;
  frame[1] = channel >>> 24;
  frame[2] = (channel >>> 16) & 0xff;
  frame[3] = (channel >>> 8) & 0xff;
  frame[4] = channel & 0xff;
  return frame;
}

/**
 * Validate a binary frame from a browser: an input frame, held to the same bounds as JSON
 * `input` (InputSchema). Never throws.
 */
export function decodeClientFrame(bytes: Uint8Array): ParseResult<InputMessage> {
  if (bytes.length < BinaryFrame.INPUT_HEADER_BYTES) return { ok: false, error: 'binary frame too short' };
  const kind = bytes[0];
  if (kind !== BinaryFrame.INPUT) return { ok: false, error: `unknown binary frame kind ${kind}` };
  const channel = readUint32(bytes, 1);
  if (channel > 1_000_000) return { ok: false, error: 'invalid input frame: channel out of range' };
  // A UTF-16 unit takes at most 3 bytes of UTF-8: past that, too long without decoding it.
  if (bytes.length - BinaryFrame.INPUT_HEADER_BYTES > 3 * Limits.MAX_INPUT_CHARS) {
    return { ok: false, error: `invalid input frame: more than ${Limits.MAX_INPUT_CHARS} characters` };
  }
  const data = decodeText(bytes, BinaryFrame.INPUT_HEADER_BYTES);
  if (data.length === 0) return { ok: false, error: 'invalid input frame: no characters' };
  if (data.length > Limits.MAX_INPUT_CHARS) return { ok: false, error: `invalid input frame: more than ${Limits.MAX_INPUT_CHARS} characters` };
  return { ok: true, message: { type: 'input', channel, data } };
}

function decodeBinary(bytes: Uint8Array): ParseResult<ServerMessage> {
  if (bytes.length < BinaryFrame.HEADER_BYTES) return { ok: false, error: 'binary frame too short' };
  if (bytes[0] !== BinaryFrame.OUTPUT) return { ok: false, error: `unknown binary frame kind ${bytes[0]}` };
  const channel = readUint32(bytes, 1);
  const seq = new DataView(bytes.buffer, bytes.byteOffset + 5, 8).getFloat64(0);
  if (channel > 1_000_000 || !Number.isSafeInteger(seq) || seq < 0) return { ok: false, error: 'invalid output frame header' };
  const data = decodeText(bytes, BinaryFrame.HEADER_BYTES);
  return { ok: true, message: { type: 'output', channel, seq, data } };
}

/**
 * Validate a WebSocket frame from the server, whatever the platform handed over: text (JSON,
 * schema-checked) or binary (an output frame: ArrayBuffer in browsers, Buffer/Uint8Array in
 * Node). Never throws.
 */
export function decodeServerFrame(data: unknown): ParseResult<ServerMessage> {
  if (typeof data === 'string') return parseServerMessage(data);
  if (data instanceof ArrayBuffer) return decodeBinary(new Uint8Array(data));
  if (data instanceof Uint8Array) return decodeBinary(data);
  return { ok: false, error: 'unsupported frame' };
}

export function encode(message: ClientMessageInput | ServerMessage): string {
  return JSON.stringify(message);
}
export * from './asciicast.js';
export * from './lifecycle.js';
