import { describe, expect, it } from 'vitest';
import { OutputRing } from './ring.js';

describe('OutputRing', () => {
  it('starts empty at position 0', () => {
    const ring = new OutputRing(100);
    expect(ring.end).toBe(0);
    expect(ring.since(0)).toBe('');
    expect(ring.since(1)).toBeUndefined();
  });

  it('replays exactly from every held position, including mid-chunk', () => {
    const ring = new OutputRing(1000);
    const chunks = ['$ ', 'ls\r\n', 'a  b  c\r\n', '$ '];
    for (const c of chunks) ring.push(c);
    const all = chunks.join('');
    expect(ring.end).toBe(all.length);
    for (let p = 0; p <= all.length; p++) expect(ring.since(p)).toBe(all.slice(p));
  });

  it('returns an empty string at the end (nothing missed)', () => {
    const ring = new OutputRing(10);
    ring.push('abc');
    expect(ring.since(3)).toBe('');
  });

  it('returns undefined for a position in the future', () => {
    const ring = new OutputRing(10);
    ring.push('abc');
    expect(ring.since(4)).toBeUndefined();
    expect(ring.since(1_000_000)).toBeUndefined();
  });

  it('ignores empty pushes', () => {
    const ring = new OutputRing(10);
    ring.push('ab');
    ring.push('');
    ring.push('c');
    expect(ring.end).toBe(3);
    expect(ring.since(0)).toBe('abc');
  });

  it('forgets old output past capacity: undefined before the held window, exact after', () => {
    const ring = new OutputRing(10);
    let all = '';
    for (let i = 0; i < 20; i++) {
      const chunk = `${i % 10}${i % 10}${i % 10}`;
      ring.push(chunk);
      all += chunk;
    }
    expect(ring.end).toBe(all.length);
    expect(ring.since(0)).toBeUndefined();
    // The last chunks (up to capacity) are held and replay exactly.
    expect(ring.since(all.length - 9)).toBe(all.slice(-9));
    // Find the oldest held position: everything from it on is exact, one before is gone.
    let oldest = all.length;
    while (oldest > 0 && ring.since(oldest - 1) !== undefined) oldest--;
    expect(oldest).toBeGreaterThan(0);
    expect(ring.since(oldest)).toBe(all.slice(oldest));
    expect(ring.since(oldest - 1)).toBeUndefined();
  });

  it('holds a bounded amount however much is pushed', () => {
    const capacity = 1000;
    const ring = new OutputRing(capacity);
    const chunk = 'x'.repeat(37);
    for (let i = 0; i < 10_000; i++) ring.push(chunk);
    expect(ring.end).toBe(370_000);
    let oldest = ring.end;
    while (ring.since(oldest - 1) !== undefined) oldest--;
    const held = ring.end - oldest;
    expect(held).toBeGreaterThanOrEqual(capacity - chunk.length);
    expect(held).toBeLessThanOrEqual(capacity);
  });

  it('keeps a single chunk larger than the capacity (the latest output is never lost)', () => {
    const ring = new OutputRing(10);
    ring.push('old');
    ring.push('y'.repeat(50));
    expect(ring.end).toBe(53);
    expect(ring.since(3)).toBe('y'.repeat(50));
    expect(ring.since(0)).toBeUndefined();
    expect(ring.since(40)).toBe('y'.repeat(13));
  });

  it('positions stay absolute after dropping: the end keeps counting', () => {
    const ring = new OutputRing(4);
    ring.push('abcd');
    ring.push('efgh');
    ring.push('ij');
    expect(ring.end).toBe(10);
    expect(ring.since(8)).toBe('ij');
    expect(ring.since(9)).toBe('j');
    expect(ring.since(6)).toBeUndefined();
  });
});
