import { describe, expect, it } from 'vitest';
import { Emitter } from './lifecycle.js';

// The container backend's Emitter (packages/containers, one value per fire) keeps the same rules
// and its test repeats these: a fire runs the listeners there were when it began, in order.
const make = () => new Emitter<[string]>();

describe('Emitter', () => {
  it('calls listeners in the order they subscribed, until each is disposed', () => {
    const e = make();
    const seen: string[] = [];
    const a = e.on((v) => seen.push(`a${v}`));
    e.on((v) => seen.push(`b${v}`));
    e.fire('1');
    a.dispose();
    a.dispose(); // twice is once
    e.fire('2');
    expect(seen).toEqual(['a1', 'b1', 'b2']);
    e.clear();
    e.fire('3');
    expect(seen).toEqual(['a1', 'b1', 'b2']);
  });

  it('a fire runs the listeners there were when it began: one removed meanwhile still runs, one added waits for the next', () => {
    const e = make();
    const seen: string[] = [];
    let b: { dispose(): void } | undefined;
    e.on((v) => {
      seen.push(`a${v}`);
      b?.dispose();
      if (v === '1') e.on((w) => seen.push(`late${w}`));
    });
    b = e.on((v) => seen.push(`b${v}`));
    e.fire('1');
    e.fire('2');
    expect(seen).toEqual(['a1', 'b1', 'a2', 'late2']);
  });

  it('the same listener subscribed twice runs twice, and each subscription ends on its own', () => {
    const e = make();
    let calls = 0;
    const listener = () => calls++;
    const first = e.on(listener);
    e.on(listener);
    e.fire('x');
    first.dispose();
    e.fire('x');
    expect(calls).toBe(3);
  });
});
