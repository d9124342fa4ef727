import { describe, expect, it } from 'vitest';
import { Screen } from './screen.js';

describe('Screen: never throws when it falls behind (issue 9, item 12)', () => {
  it('takes 80 MB of unpaced output without throwing and drops to a rebuilt screen', async () => {
    let all = 0;
    let tail = '';
    const screen = new Screen(80, 24, {
      maxLagChars: 1024 * 1024,
      recent: (chars) => ({ data: tail.slice(-chars), end: all }),
    });
    const chunk = `${'line of output '.repeat(60)}\r\n`.repeat(100);
    // xterm.js itself throws past 50 MB queued ("write data discarded"): far past that here.
    for (let i = 0; all < 80_000_000; i++) {
      const data = i % 50 === 0 ? `${chunk}marker ${i}\r\n` : chunk;
      all += data.length;
      tail = (tail + data).slice(-300_000);
      expect(() => screen.write(data)).not.toThrow();
    }
    screen.write('the very last line\r\n');
    all += 'the very last line\r\n'.length;
    tail += 'the very last line\r\n';
    await screen.flush();
    expect(screen.rebuilds).toBeGreaterThan(0);
    const snapshot = screen.snapshot();
    expect(snapshot.seq).toBe(all);
    expect(snapshot.data).toContain('the very last line');
    screen.dispose();
  }, 60_000);
});
