import { describe, expect, it } from 'vitest';
import { CastFormatError, capIdle, castEventLine, castHeaderLine, formatCast, outputUntil, parseCast } from './asciicast.js';

describe('asciicast v2', () => {
  it('writes a header and events that read back the same', () => {
    const text = [
      castHeaderLine({ version: 2, width: 96, height: 30, timestamp: 1700000000, title: 'lab' }),
      castEventLine(0, 'o', 'first frame\r\n'),
      castEventLine(0.1234567, 'o', 'ls\r\n'),
      castEventLine(1.5, 'r', '100x40'),
      castEventLine(2, 'o', 'a "quoted" \u001b[1mbold\u001b[0m ✓\r\n'),
    ].join('\n');
    expect(text.split('\n')[0]).toBe('{"version":2,"width":96,"height":30,"timestamp":1700000000,"title":"lab"}');
    expect(text.split('\n')[2]).toBe('[0.123457,"o","ls\\r\\n"]');
    const cast = parseCast(`${text}\n`);
    expect(cast.header).toEqual({ version: 2, width: 96, height: 30, timestamp: 1700000000, title: 'lab' });
    expect(cast.events).toHaveLength(4);
    expect(cast.events[3]).toEqual([2, 'o', 'a "quoted" \u001b[1mbold\u001b[0m ✓\r\n']);
    expect(cast.duration).toBe(2);
    expect(outputUntil(cast, 1)).toBe('first frame\r\nls\r\n');
    expect(parseCast(formatCast(cast))).toEqual(cast);
  });

  it('shortens long pauses and keeps the order', () => {
    const cast = parseCast(
      [castHeaderLine({ version: 2, width: 80, height: 24 }), '[0,"o","a"]', '[0.5,"o","b"]', '[30.5,"o","c"]', '[31,"o","d"]'].join('\n'),
    );
    const capped = capIdle(cast, 2);
    expect(capped.events.map((e) => e[0])).toEqual([0, 0.5, 2.5, 3]);
    expect(capped.duration).toBe(3);
    expect(capped.header.idle_time_limit).toBe(2);
  });

  it('refuses what is not a cast', () => {
    expect(() => parseCast('')).toThrow(CastFormatError);
    expect(() => parseCast('{"version":1,"width":80,"height":24}')).toThrow(/header/);
    expect(() => parseCast('{"version":2}')).toThrow(/width/);
    expect(() => parseCast('{"version":2,"width":80,"height":24}\n[1,"x","?"]')).toThrow(/line 2/);
    expect(() => parseCast('{"version":2,"width":80,"height":24}\nnot json')).toThrow(/line 2: not JSON/);
  });
});
