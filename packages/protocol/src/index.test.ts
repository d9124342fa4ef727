import { describe, expect, it } from 'vitest';
import {
  BinaryFrame,
  decodeClientFrame,
  encodeInputFrame,
  ErrorCodeSchema,
  type ClientMessageInput,
  FlowControl,
  Limits,
  PROTOCOL_VERSION,
  type ServerMessage,
  decodeServerFrame,
  encode,
  encodeOutputFrame,
  parseClientMessage,
  parseServerMessage,
} from './index.js';

/** Parse a client message given as an object (or raw text), expecting it to be refused. */
function refused(message: unknown): string {
  const raw = typeof message === 'string' ? message : JSON.stringify(message);
  const result = parseClientMessage(raw);
  if (result.ok) throw new Error(`expected ${raw.slice(0, 120)} to be refused`);
  expect(result.error.length).toBeGreaterThan(0);
  return result.error;
}

function accepted(message: unknown) {
  const result = parseClientMessage(JSON.stringify(message));
  if (!result.ok) throw new Error(`expected ${JSON.stringify(message).slice(0, 120)} to be accepted: ${result.error}`);
  return result.message;
}

const open = { type: 'open', channel: 1, pane: 'tutorial', env: 'lab', cols: 80, rows: 24 } as const;

describe('client messages', () => {
  const valid: ClientMessageInput[] = [
    { type: 'hello', protocol: PROTOCOL_VERSION },
    { type: 'hello', protocol: PROTOCOL_VERSION, clientId: 'abcdefghijklmnop_-12' },
    { ...open },
    { ...open, scope: 'sandbox', since: 1234, session: 'AAAAAAAAAAAAAAAAAAAAAAAA' },
    { type: 'input', channel: 1, data: 'ls -l\r' },
    { type: 'resize', channel: 1, cols: 120, rows: 40 },
    { type: 'ack', channel: 1, seq: 0 },
    { type: 'ack', channel: 1, seq: 5000 },
    { type: 'close', channel: 1 },
    { type: 'close', channel: 1, end: true },
    { type: 'restart', channel: 1 },
    { type: 'ping' },
    { type: 'ping', t: 12.5 },
  ];

  it.each(valid.map((m) => [m.type, m] as const))('accepts a valid %s', (_type, message) => {
    const parsed = accepted(message);
    expect(parsed.type).toBe(message.type);
    // Every field the browser sent comes through unchanged.
    expect(parsed).toMatchObject(message as Record<string, unknown>);
  });

  it('covers every client message type', () => {
    const types = new Set(valid.map((m) => m.type));
    expect([...types].sort()).toEqual(['ack', 'close', 'hello', 'input', 'open', 'ping', 'resize', 'restart']);
  });

  it('fills in defaults: open scope is presenter, close does not end the shell', () => {
    const o = accepted(open);
    expect(o.type === 'open' && o.scope).toBe('presenter');
    const c = accepted({ type: 'close', channel: 3 });
    expect(c.type === 'close' && c.end).toBe(false);
  });

  it('encode produces what parse accepts', () => {
    const message: ClientMessageInput = { type: 'input', channel: 7, data: 'echo "hi" \u00e9\x1b[A\r' };
    const result = parseClientMessage(encode(message));
    expect(result).toEqual({ ok: true, message });
  });

  it('rejects text that is not JSON', () => {
    expect(refused('{"type": "hello"')).toBe('not JSON');
    expect(refused('')).toBe('not JSON');
    expect(refused('hello')).toBe('not JSON');
  });

  it('rejects JSON that is not a message object', () => {
    refused('null');
    refused('42');
    refused('[]');
    refused('"hello"');
  });

  it('rejects an unknown type, naming the field', () => {
    expect(refused({ type: 'exec', channel: 1, command: 'rm -rf /' })).toMatch(/type/);
    expect(refused({ channel: 1 })).toMatch(/type/);
  });

  it('rejects missing fields, naming the field', () => {
    expect(refused({ type: 'hello' })).toMatch(/protocol/);
    expect(refused({ type: 'input', channel: 1 })).toMatch(/data/);
    expect(refused({ type: 'input', data: 'x' })).toMatch(/channel/);
    expect(refused({ type: 'ack', channel: 1 })).toMatch(/seq/);
    expect(refused({ type: 'resize', channel: 1, cols: 80 })).toMatch(/rows/);
    const { pane: _pane, ...noPane } = open;
    expect(refused(noPane)).toMatch(/pane/);
    const { env: _env, ...noEnv } = open;
    expect(refused(noEnv)).toMatch(/env/);
  });

  it('rejects fields of the wrong type', () => {
    expect(refused({ type: 'input', channel: '1', data: 'x' })).toMatch(/channel/);
    expect(refused({ type: 'input', channel: 1.5, data: 'x' })).toMatch(/channel/);
    expect(refused({ type: 'input', channel: -1, data: 'x' })).toMatch(/channel/);
    expect(refused({ type: 'input', channel: 1, data: 42 })).toMatch(/data/);
    expect(refused({ type: 'hello', protocol: '1' })).toMatch(/protocol/);
    expect(refused({ type: 'close', channel: 1, end: 'yes' })).toMatch(/end/);
    expect(refused({ ...open, scope: 'root' })).toMatch(/scope/);
  });

  it.each([
    ['upper case', 'Tutorial'],
    ['a slash', 'lab/../etc'],
    ['a space', 'my pane'],
    ['a dot', 'a.b'],
    ['a leading dash', '-pane'],
    ['an underscore', 'my_pane'],
    ['a shell metacharacter', 'pane;rm'],
    ['nothing', ''],
    ['65 characters', 'a'.repeat(65)],
  ])('rejects a pane id with %s', (_what, pane) => {
    const error = refused({ ...open, pane });
    expect(error).toMatch(/pane/);
    expect(error).toMatch(/a-z, 0-9 and -/);
  });

  it('accepts a pane id of exactly 64 characters', () => {
    accepted({ ...open, pane: `a${'-'.repeat(63)}` });
    accepted({ ...open, pane: 'b'.repeat(64) });
  });

  it('rejects an env id with bad characters', () => {
    expect(refused({ ...open, env: 'lab; docker run --privileged' })).toMatch(/env/);
    expect(refused({ ...open, env: 'LAB' })).toMatch(/env/);
  });

  it('rejects a malformed session or client id', () => {
    expect(refused({ ...open, session: 'short' })).toMatch(/session/);
    expect(refused({ ...open, session: 'a'.repeat(16).concat('/') })).toMatch(/session/);
    expect(refused({ type: 'hello', protocol: 1, clientId: 'has spaces in it!!' })).toMatch(/clientId/);
  });

  it('accepts input of exactly MAX_INPUT_CHARS and rejects one more', () => {
    accepted({ type: 'input', channel: 1, data: 'x'.repeat(Limits.MAX_INPUT_CHARS) });
    expect(refused({ type: 'input', channel: 1, data: 'x'.repeat(Limits.MAX_INPUT_CHARS + 1) })).toMatch(/data/);
  });

  it('rejects empty input', () => {
    expect(refused({ type: 'input', channel: 1, data: '' })).toMatch(/data/);
  });

  it.each([
    ['cols too small', { cols: 1, rows: 24 }, /cols/],
    ['cols too large', { cols: Limits.MAX_COLS + 1, rows: 24 }, /cols/],
    ['cols fractional', { cols: 80.5, rows: 24 }, /cols/],
    ['rows zero', { cols: 80, rows: 0 }, /rows/],
    ['rows too large', { cols: 80, rows: Limits.MAX_ROWS + 1 }, /rows/],
    ['rows negative', { cols: 80, rows: -3 }, /rows/],
  ])('rejects a size with %s (open and resize)', (_what, size, field) => {
    expect(refused({ ...open, ...size })).toMatch(field);
    expect(refused({ type: 'resize', channel: 1, ...size })).toMatch(field);
  });

  it('accepts the size bounds themselves', () => {
    accepted({ type: 'resize', channel: 1, cols: 2, rows: 1 });
    accepted({ type: 'resize', channel: 1, cols: Limits.MAX_COLS, rows: Limits.MAX_ROWS });
  });

  it('rejects a negative or fractional seq (ack and open since)', () => {
    expect(refused({ type: 'ack', channel: 1, seq: -1 })).toMatch(/seq/);
    expect(refused({ type: 'ack', channel: 1, seq: 1.5 })).toMatch(/seq/);
    expect(refused({ ...open, since: -5 })).toMatch(/since/);
  });

  it('does not throw on hostile JSON', () => {
    expect(() => parseClientMessage('{"__proto__": {"type": "hello"}}')).not.toThrow();
    expect(parseClientMessage('{"__proto__": {"type": "hello"}}').ok).toBe(false);
    expect(() => parseClientMessage('['.repeat(100_000))).not.toThrow();
  });
});

describe('server messages', () => {
  const sent: ServerMessage[] = [
    { type: 'welcome', protocol: PROTOCOL_VERSION, role: 'presenter', clientId: 'abcdefghijklmnopqr' },
    { type: 'welcome', protocol: PROTOCOL_VERSION, role: 'audience', clientId: 'abcdefghijklmnopqr' },
    { type: 'opened', channel: 1, session: 'sess', mode: 'driver', resume: 'fresh', cols: 80, rows: 24 },
    { type: 'opened', channel: 1, session: 'sess', mode: 'viewer', resume: 'replay', cols: 80, rows: 24 },
    { type: 'opened', channel: 1, session: 'sess', mode: 'viewer', resume: 'snapshot', cols: 80, rows: 24 },
    { type: 'output', channel: 1, data: '$ ', seq: 2 },
    { type: 'snapshot', channel: 1, data: '\x1b[0m$ ls', seq: 10, cols: 80, rows: 24 },
    { type: 'state', channel: 1, state: 'starting' },
    { type: 'state', channel: 1, state: 'ready' },
    { type: 'state', channel: 1, state: 'exited', exitCode: 0, message: 'The shell exited with code 0.' },
    { type: 'state', channel: 1, state: 'error', message: 'Docker is not running. Start it.' },
    { type: 'resized', channel: 1, cols: 100, rows: 30 },
    { type: 'error', code: 'bad-message', message: 'invalid message: not JSON' },
    { type: 'error', code: 'forbidden', message: 'read-only', channel: 2 },
    { type: 'closed', channel: 1, reason: 'The shell was closed.' },
    { type: 'pong' },
    { type: 'pong', t: 3 },
  ];

  it.each(sent.map((m) => [m.type, m] as const))('accepts what the server sends: %s', (_type, message) => {
    expect(parseServerMessage(JSON.stringify(message))).toEqual({ ok: true, message });
  });

  it('accepts every error code of the schema on the wire, and no other', () => {
    for (const code of ErrorCodeSchema.options) {
      expect(parseServerMessage(JSON.stringify({ type: 'error', code, message: 'x' })).ok).toBe(true);
    }
    expect(parseServerMessage(JSON.stringify({ type: 'error', code: 'teapot', message: 'x' })).ok).toBe(false);
  });

  it('rejects frames the browser cannot trust', () => {
    expect(parseServerMessage('<html>')).toEqual({ ok: false, error: 'not JSON' });
    expect(parseServerMessage(JSON.stringify({ type: 'output', channel: 1, data: 'x' })).ok).toBe(false);
    expect(parseServerMessage(JSON.stringify({ type: 'error', code: 'teapot', message: 'x' })).ok).toBe(false);
    expect(parseServerMessage(JSON.stringify({ type: 'welcome', protocol: 1, role: 'admin', clientId: 'x' })).ok).toBe(false);
    expect(parseServerMessage(JSON.stringify({ type: 'hello', protocol: 1 })).ok).toBe(false);
  });
});

describe('constants', () => {
  it('keeps the flow-control watermarks ordered', () => {
    expect(FlowControl.LOW_WATERMARK_CHARS).toBeLessThan(FlowControl.HIGH_WATERMARK_CHARS);
    expect(FlowControl.ACK_EVERY_CHARS).toBeLessThanOrEqual(FlowControl.HIGH_WATERMARK_CHARS);
    expect(FlowControl.VIEWER_MAX_BACKLOG_CHARS).toBeGreaterThan(FlowControl.HIGH_WATERMARK_CHARS);
    expect(FlowControl.VIEWER_RESYNC_CHARS).toBeLessThanOrEqual(FlowControl.LOW_WATERMARK_CHARS);
    // A viewer that has parsed everything has left fewer than ACK_EVERY_CHARS unacknowledged.
    expect(FlowControl.ACK_EVERY_CHARS).toBeLessThanOrEqual(FlowControl.VIEWER_RESYNC_CHARS);
  });

  it('lets the largest input fit in one frame', () => {
    const frame = encode({ type: 'input', channel: 1_000_000, data: 'x'.repeat(Limits.MAX_INPUT_CHARS) });
    expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(Limits.MAX_FRAME_BYTES);
  });
});

describe('binary output frames (protocol 2)', () => {
  it('round-trip channel, seq and text exactly, multibyte included', () => {
    const text = 'héllo ✓ 😀 \x1b[31mred\x1b[0m\r\n';
    const frame = encodeOutputFrame(7, 123_456_789_012, text);
    expect(frame.length).toBe(BinaryFrame.HEADER_BYTES + new TextEncoder().encode(text).length);
    expect(decodeServerFrame(frame)).toEqual({ ok: true, message: { type: 'output', channel: 7, seq: 123_456_789_012, data: text } });
    // As a browser gets it: an ArrayBuffer.
    const copy = frame.slice().buffer;
    expect(decodeServerFrame(copy)).toMatchObject({ ok: true, message: { data: text } });
  });

  it('refuse short frames, unknown kinds and impossible headers', () => {
    expect(decodeServerFrame(new Uint8Array(5)).ok).toBe(false);
    const unknown = encodeOutputFrame(1, 1, 'x');
    unknown[0] = 9;
    expect(decodeServerFrame(unknown)).toMatchObject({ ok: false, error: expect.stringMatching(/kind/) });
    const badSeq = encodeOutputFrame(1, 1, 'x');
    new DataView(badSeq.buffer).setFloat64(5, 1.5);
    expect(decodeServerFrame(badSeq).ok).toBe(false);
    expect(decodeServerFrame(42).ok).toBe(false);
  });
});

describe('the text of binary frames', () => {
  // Short ASCII (keystrokes, echoes) is converted by hand; the rest by the platform's codec. The
  // bytes and the text must be the same either way, at the edges of both paths.
  const samples = [
    'a',
    '\x00\x1b\x7f\r\n',
    'x'.repeat(64),
    'x'.repeat(65),
    `${'x'.repeat(63)}é`,
    `${'x'.repeat(64)}é`,
    'é',
    '😀',
    '\ud800', // a lone surrogate: the platform's encoder writes U+FFFD
  ];

  it('encodes exactly as TextEncoder does, on both sides of the short-text limit', () => {
    for (const text of samples) {
      const utf8 = new TextEncoder().encode(text);
      expect([...encodeInputFrame(5, text).subarray(BinaryFrame.INPUT_HEADER_BYTES)], JSON.stringify(text)).toEqual([...utf8]);
      expect([...encodeOutputFrame(5, 9, text).subarray(BinaryFrame.HEADER_BYTES)], JSON.stringify(text)).toEqual([...utf8]);
    }
  });

  it('decodes exactly as TextDecoder does, invalid UTF-8 included', () => {
    const payloads = [...samples.map((t) => new TextEncoder().encode(t)), Uint8Array.of(0x61, 0xff, 0x62), Uint8Array.of(0xc3)];
    for (const payload of payloads) {
      const expected = new TextDecoder().decode(payload);
      const output = new Uint8Array(BinaryFrame.HEADER_BYTES + payload.length);
      output.set(encodeOutputFrame(2, 40, '').subarray(0, BinaryFrame.HEADER_BYTES));
      output.set(payload, BinaryFrame.HEADER_BYTES);
      expect(decodeServerFrame(output)).toMatchObject({ ok: true, message: { data: expected } });
      const input = new Uint8Array(BinaryFrame.INPUT_HEADER_BYTES + payload.length);
      input.set(encodeInputFrame(2, 'x').subarray(0, BinaryFrame.INPUT_HEADER_BYTES));
      input.set(payload, BinaryFrame.INPUT_HEADER_BYTES);
      expect(decodeClientFrame(input)).toMatchObject({ ok: true, message: { data: expected } });
    }
  });

  it('reads channels as unsigned: the largest allowed passes, one with the top bit set is refused', () => {
    expect(decodeClientFrame(encodeInputFrame(1_000_000, 'x'))).toMatchObject({ ok: true, message: { channel: 1_000_000 } });
    expect(decodeServerFrame(encodeOutputFrame(1_000_000, 1, 'x'))).toMatchObject({ ok: true, message: { channel: 1_000_000 } });
    expect(decodeClientFrame(encodeInputFrame(2 ** 31 + 5, 'x'))).toMatchObject({ ok: false, error: expect.stringMatching(/channel/) });
  });
});

describe('binary input frames', () => {
  it('round-trip channel and text exactly, multibyte included', () => {
    const text = 'ls -l ✓ 😀\r';
    const frame = encodeInputFrame(3, text);
    expect(frame.length).toBe(BinaryFrame.INPUT_HEADER_BYTES + new TextEncoder().encode(text).length);
    expect(decodeClientFrame(frame)).toEqual({ ok: true, message: { type: 'input', channel: 3, data: text } });
  });

  it('hold a binary input to the bounds of a JSON one', () => {
    const largest = encodeInputFrame(1, 'x'.repeat(Limits.MAX_INPUT_CHARS));
    expect(decodeClientFrame(largest).ok).toBe(true);
    expect(largest.length).toBeLessThanOrEqual(Limits.MAX_FRAME_BYTES);
    expect(decodeClientFrame(encodeInputFrame(1, 'x'.repeat(Limits.MAX_INPUT_CHARS + 1)))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/more than/),
    });
    // Three bytes a character: refused by its size before it is decoded.
    expect(decodeClientFrame(encodeInputFrame(1, '✓'.repeat(Limits.MAX_INPUT_CHARS + 1))).ok).toBe(false);
    expect(decodeClientFrame(encodeInputFrame(1, ''))).toMatchObject({ ok: false, error: expect.stringMatching(/no characters/) });
    expect(decodeClientFrame(encodeInputFrame(1_000_001, 'x'))).toMatchObject({ ok: false, error: expect.stringMatching(/channel/) });
    expect(decodeClientFrame(new Uint8Array(4)).ok).toBe(false);
    // An output frame is the server's: not input.
    expect(decodeClientFrame(encodeOutputFrame(1, 1, 'x'))).toMatchObject({ ok: false, error: expect.stringMatching(/kind 1/) });
  });
});
