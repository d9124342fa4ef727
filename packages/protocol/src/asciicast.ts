/**
 * The asciicast v2 format (asciinema's): a JSON header line, then one JSON array per event,
 * `[seconds, code, data]` with code `o` (output), `i` (input), `r` (resize, "COLSxROWS") or
 * `m` (marker). Shared by the server's recorder and the deck's replay; no DOM or Node types.
 * https://docs.asciinema.org/manual/asciicast/v2/
 */

export interface CastHeader {
  readonly version: 2;
  readonly width: number;
  readonly height: number;
  /** Unix time (seconds) of the start of the recording. */
  readonly timestamp?: number;
  readonly title?: string;
  /** Players shorten pauses longer than this (seconds). */
  readonly idle_time_limit?: number;
}

export type CastEventCode = 'o' | 'i' | 'r' | 'm';
export type CastEvent = readonly [time: number, code: CastEventCode, data: string];

export interface Cast {
  readonly header: CastHeader;
  readonly events: readonly CastEvent[];
  /** Time of the last event, in seconds. */
  readonly duration: number;
}

export function castHeaderLine(header: CastHeader): string {
  return JSON.stringify(header);
}

/** One event line; time rounded to microseconds, as asciinema writes it. */
export function castEventLine(time: number, code: CastEventCode, data: string): string {
  return JSON.stringify([Math.round(Math.max(0, time) * 1e6) / 1e6, code, data]);
}

export class CastFormatError extends Error {
  override name = 'CastFormatError';
}

/** Parse a whole cast. Throws CastFormatError on a bad header or event; blank lines are skipped. */
export function parseCast(text: string): Cast {
  const lines = text.split('\n');
  let header: CastHeader | undefined;
  const events: CastEvent[] = [];
  let last = 0;
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new CastFormatError(`line ${i + 1}: not JSON`);
    }
    if (!header) {
      const h = value as Partial<CastHeader> | null;
      if (!h || typeof h !== 'object' || Array.isArray(h) || h.version !== 2) {
        throw new CastFormatError('line 1: not an asciicast v2 header');
      }
      if (!Number.isInteger(h.width) || !Number.isInteger(h.height) || (h.width as number) < 1 || (h.height as number) < 1) {
        throw new CastFormatError('line 1: the header needs a width and a height');
      }
      header = h as CastHeader;
      return;
    }
    if (!Array.isArray(value) || typeof value[0] !== 'number' || !['o', 'i', 'r', 'm'].includes(value[1]) || typeof value[2] !== 'string') {
      throw new CastFormatError(`line ${i + 1}: not an event`);
    }
    // Events are in time order; a clock that went back is clamped.
    last = Math.max(last, value[0]);
    events.push([last, value[1] as CastEventCode, value[2]]);
  });
  if (!header) throw new CastFormatError('empty cast');
  return { header, events, duration: last };
}

/** The output of a cast up to `time` (seconds), joined: what a terminal shows at that moment. */
export function outputUntil(cast: Cast, time: number): string {
  let out = '';
  for (const [t, code, data] of cast.events) {
    if (t > time) break;
    if (code === 'o') out += data;
  }
  return out;
}

/** The same cast with every pause longer than `cap` seconds shortened to `cap`. */
export function capIdle(cast: Cast, cap: number): Cast {
  let previous = 0;
  let time = 0;
  const events = cast.events.map(([t, code, data]): CastEvent => {
    time += Math.min(t - previous, cap);
    previous = t;
    return [time, code, data];
  });
  return { header: { ...cast.header, idle_time_limit: cap }, events, duration: time };
}

/** A cast as file text: the header line, then one line per event. */
export function formatCast(cast: Cast): string {
  const lines = [castHeaderLine(cast.header), ...cast.events.map(([t, code, data]) => castEventLine(t, code, data))];
  return `${lines.join('\n')}\n`;
}
