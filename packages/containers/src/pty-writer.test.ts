import * as pty from 'node-pty';
import { describe, expect, it } from 'vitest';
import { PtyWriter, ptyMaster } from './pty-writer.js';

/** A pty that takes `room` bytes, then is full until `drain` is called. */
function fullPty(room: number) {
  const taken: string[] = [];
  let left = room;
  const writer = new PtyWriter((bytes) => {
    const n = Math.min(left, bytes.byteLength);
    left -= n;
    if (n > 0) taken.push(Buffer.from(bytes.subarray(0, n)).toString());
    return n;
  });
  return {
    writer,
    text: () => taken.join(''),
    drain: (more: number) => {
      left += more;
    },
  };
}

const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe('keystrokes written straight to the pty', () => {
  it('are written at once while the pty takes them', () => {
    const p = fullPty(100);
    p.writer.write('ls');
    p.writer.write(' -l\r');
    // Synchronously: no thread pool, no turn of the event loop.
    expect(p.text()).toBe('ls -l\r');
    expect(p.writer.queued).toBe(0);
  });

  it('keep their order when the pty is full, and all arrive once it reads', async () => {
    const p = fullPty(3);
    p.writer.write('abcdef');
    p.writer.write('ghi');
    expect(p.text()).toBe('abc');
    expect(p.writer.queued).toBe(6);
    p.drain(4);
    await settle();
    expect(p.text()).toBe('abcdefg');
    p.drain(100);
    p.writer.write('jkl');
    await settle();
    expect(p.text()).toBe('abcdefghijkl');
    expect(p.writer.queued).toBe(0);
  });

  it('drop what waits once the pty is gone, and say why', () => {
    const errors: string[] = [];
    let open = true;
    const writer = new PtyWriter(
      () => {
        if (!open) throw new Error('the pty is closed');
        return 0;
      },
      (e) => errors.push(e.message),
    );
    writer.write('held');
    open = false;
    writer.write('more');
    return settle().then(() => {
      expect(writer.queued).toBe(0);
      expect(errors).toEqual(['the pty is closed']);
    });
  });

  it('wait while a real pty is full, then all arrive', async () => {
    // The program reads nothing for half a second: the pty fills up (EAGAIN), and the rest waits
    // in the writer until it reads. Raw mode, so that no line length limit applies.
    const size = 200_000;
    const shell = pty.spawn('/bin/sh', ['-c', `stty raw -echo; sleep 0.5; head -c ${size} | wc -c`], {
      name: 'xterm',
      cols: 80,
      rows: 24,
      env: { PATH: process.env.PATH ?? '' },
    });
    let out = '';
    shell.onData((d) => {
      out += d;
    });
    const exited = new Promise<void>((r) => shell.onExit(() => r()));
    const master = ptyMaster(shell);
    if (!master) throw new Error('node-pty without the internals PtyWriter needs');
    const writer = PtyWriter.forDescriptor(master.fd, master.isOpen);
    await settle(100);
    writer.write('x'.repeat(size));
    expect(writer.queued).toBeGreaterThan(0);
    await exited;
    expect(out.trim()).toBe(String(size));
    expect(writer.queued).toBe(0);
    writer.dispose();
  });

  it('reach a real shell through node-pty’s descriptor, and stop at its exit', async () => {
    const shell = pty.spawn('/bin/sh', [], { name: 'xterm', cols: 80, rows: 24, env: { PATH: process.env.PATH ?? '' } });
    let out = '';
    shell.onData((d) => {
      out += d;
    });
    const exited = new Promise<void>((r) => shell.onExit(() => r()));
    // The node-pty installed here has what the writer needs (else keystrokes would take its slower path).
    const master = ptyMaster(shell);
    expect(master).toBeDefined();
    if (!master) return;
    expect(master.isOpen()).toBe(true);
    const errors: Error[] = [];
    const writer = PtyWriter.forDescriptor(master.fd, master.isOpen, (e) => errors.push(e));
    writer.write('echo $((6*7))-direct\r');
    for (let i = 0; i < 100 && !out.includes('42-direct'); i++) await settle(20);
    expect(out).toContain('42-direct');
    writer.write('exit\r');
    await exited;
    for (let i = 0; i < 50 && master.isOpen(); i++) await settle(20);
    // Closed by node-pty: a later keystroke is dropped, never written to a reused descriptor.
    expect(master.isOpen()).toBe(false);
    writer.write('late\r');
    expect(errors.map((e) => e.message)).toEqual(['the pty is closed']);
    writer.dispose();
  });
});
