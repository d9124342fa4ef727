import { describe, expect, it } from 'vitest';
import { Emitter } from './backend.js';

// The protocol's Emitter (lifecycle.ts) keeps the same rules, and its test covers each one.
describe('Emitter', () => {
  it('fires to the listeners there were when it began, in order; each subscription ends on its own', () => {
    const shell = new Emitter<string>();
    const got: string[] = [];
    const log = (chunk: string) => got.push(chunk);
    const first = shell.on(log);
    const late = { dispose: () => {} };
    shell.on((chunk) => {
      got.push(`second:${chunk}`);
      // A listener removed during a fire still runs in it; one added waits for the next fire.
      first.dispose();
      Object.assign(
        late,
        shell.on((c) => got.push(`late:${c}`)),
      );
    });
    shell.on(log); // the same listener again: a subscription of its own
    shell.fire('a');
    late.dispose();
    shell.fire('b');
    expect(got).toEqual(['a', 'second:a', 'a', 'second:b', 'b']);
  });
});
