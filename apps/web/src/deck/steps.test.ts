import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLEAR_DISPLAY, StepRunner, type StepTarget } from './steps';

/** A terminal as the runner sees it: what was typed, the cursor's row, output as it arrives. */
class FakeTerminal implements StepTarget {
  typed: string[] = [];
  row = 'root@lab:~/demo#';
  ready = true;
  private readonly listeners = new Set<() => void>();
  send(data: string): boolean {
    if (!this.ready) return false;
    this.typed.push(data);
    return true;
  }
  cursorLine(): string {
    return this.row;
  }
  onOutput(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  /** The shell prints, ending on `row`. */
  print(row: string): void {
    this.row = row;
    for (const l of [...this.listeners]) l();
  }
}

const PROMPT = 'root@lab:~/demo#';
let term: FakeTerminal;
let lastDemo: Map<string, string>;

function runner(demo = 'demo-a', target: () => StepTarget | undefined = () => term) {
  return new StepRunner({ demo, pane: 'docker-lab', target, lastDemo });
}

beforeEach(() => {
  vi.useFakeTimers();
  term = new FakeTerminal();
  lastDemo = new Map();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('StepRunner', () => {
  it('a clicked step is running until the prompt is back and the output is quiet', () => {
    const r = runner();
    r.click({ index: 0, send: 'docker build .\r' });
    expect(r.phase(0)).toBe('running');
    term.print('Step 1/3 : FROM lecture/debian:bookworm');
    vi.advanceTimersByTime(1000);
    expect(r.phase(0)).toBe('running');
    term.print(PROMPT);
    vi.advanceTimersByTime(100);
    expect(r.phase(0)).toBe('running');
    vi.advanceTimersByTime(400);
    expect(r.phase(0)).toBe('done');
  });

  it('a step clicked meanwhile is queued, visibly, and typed only after the prompt is back', () => {
    const r = runner();
    r.click({ index: 0, send: 'sleep 3\r' });
    term.print('sleep 3');
    r.click({ index: 1, send: 'docker ps\r' });
    r.click({ index: 2, send: 'docker images\r' });
    expect([r.phase(1), r.queuePosition(1), r.phase(2), r.queuePosition(2)]).toEqual(['queued', 1, 'queued', 2]);
    vi.advanceTimersByTime(2000);
    // Never typed into the running command.
    expect(term.typed).toEqual([`${CLEAR_DISPLAY}sleep 3\r`]);
    term.print(PROMPT);
    vi.advanceTimersByTime(500);
    expect(r.phase(0)).toBe('done');
    expect(r.phase(1)).toBe('running');
    expect(term.typed.at(-1)).toBe('docker ps\r');
    term.print(PROMPT);
    vi.advanceTimersByTime(500);
    expect(term.typed.at(-1)).toBe('docker images\r');
    term.print(PROMPT);
    vi.advanceTimersByTime(500);
    expect([r.phase(0), r.phase(1), r.phase(2)]).toEqual(['done', 'done', 'done']);
  });

  it('clicking a queued step takes it out of the queue', () => {
    const r = runner();
    r.click({ index: 0, send: 'sleep 3\r' });
    r.click({ index: 1, send: 'docker ps\r' });
    r.click({ index: 1, send: 'docker ps\r' });
    expect(r.phase(1)).toBeUndefined();
    term.print(PROMPT);
    vi.advanceTimersByTime(500);
    expect(term.typed).toHaveLength(1);
  });

  it('key steps go to the running program at once (Enter into docker attach, Ctrl-P Ctrl-Q)', () => {
    const r = runner();
    r.click({ index: 0, send: 'docker container attach tutorial\r' });
    term.print('docker container attach tutorial');
    vi.advanceTimersByTime(5000);
    expect(r.phase(0)).toBe('running');
    r.click({ index: 1, send: '\r' });
    expect(term.typed.at(-1)).toBe('\r');
    term.print('root@0123456789ab:/#');
    vi.advanceTimersByTime(500);
    expect([r.phase(0), r.phase(1)]).toEqual(['done', 'done']);
    r.click({ index: 2, send: '\x10\x11' });
    expect(term.typed.at(-1)).toBe('\x10\x11');
    term.print(PROMPT);
    vi.advanceTimersByTime(500);
    expect(r.phase(2)).toBe('done');
  });

  it('keys clicked while the running step is still printing wait for it (Ctrl-P Ctrl-Q right after docker run)', () => {
    const r = runner();
    r.click({ index: 0, send: 'docker run -it lecture/debian:bookworm bash\r' });
    term.print('docker run -it lecture/debian:bookworm bash');
    r.click({ index: 1, send: '\x10\x11' });
    expect(r.phase(1)).toBe('queued');
    // Starting takes a while on a busy machine: still not sent into the starting program.
    vi.advanceTimersByTime(4000);
    expect(term.typed).toHaveLength(1);
    term.print('root@0123456789ab:/#');
    vi.advanceTimersByTime(500);
    expect(term.typed.at(-1)).toBe('\x10\x11');
  });

  it('Enter clicked right after docker attach waits, then goes to it once it waits for input', () => {
    const r = runner();
    r.click({ index: 0, send: 'docker container attach tutorial\r' });
    term.print('docker container attach tutorial');
    r.click({ index: 1, send: '\r' });
    expect(r.phase(1)).toBe('queued');
    vi.advanceTimersByTime(5100);
    expect(term.typed.at(-1)).toBe('\r');
    term.print('root@0123456789ab:/#');
    vi.advanceTimersByTime(500);
    expect([r.phase(0), r.phase(1)]).toEqual(['done', 'done']);
  });

  it('an answer to a question is typed once the question is asked', () => {
    const r = runner();
    r.click({ index: 0, send: 'docker system prune\r' });
    r.click({ index: 1, send: 'y\r' });
    expect(r.phase(1)).toBe('queued');
    term.print('Are you sure you want to continue? [y/N]');
    vi.advanceTimersByTime(500);
    expect(term.typed.at(-1)).toBe('y\r');
  });

  it('steps clicked before the terminal can take input are typed when it can', () => {
    term.ready = false;
    const r = runner();
    r.click({ index: 0, send: 'whoami\r' });
    expect(r.phase(0)).toBe('queued');
    vi.advanceTimersByTime(1000);
    expect(term.typed).toEqual([]);
    term.ready = true;
    vi.advanceTimersByTime(300);
    expect(r.phase(0)).toBe('running');
    expect(term.typed).toHaveLength(1);
  });

  it('the first step of a new demo clears the screen (Esc Ctrl-L); the next steps and the same demo again do not', () => {
    const a = runner('demo-a');
    a.click({ index: 0, send: 'ls\r' });
    term.print(PROMPT);
    vi.advanceTimersByTime(500);
    a.click({ index: 1, send: 'pwd\r' });
    term.print(PROMPT);
    vi.advanceTimersByTime(500);
    const b = runner('demo-b');
    b.click({ index: 0, send: 'docker ps\r' });
    term.print(PROMPT);
    vi.advanceTimersByTime(500);
    expect(term.typed).toEqual([`${CLEAR_DISPLAY}ls\r`, 'pwd\r', `${CLEAR_DISPLAY}docker ps\r`]);
  });

  it('never clears inside a program that is not a shell at its prompt', () => {
    term.row = 'Password:';
    const r = runner('demo-c');
    r.click({ index: 0, send: 'secret\r' });
    expect(term.typed).toEqual(['secret\r']);
  });

  it('reset forgets phases and queue', () => {
    const r = runner();
    r.click({ index: 0, send: 'sleep 3\r' });
    r.click({ index: 1, send: 'ls\r' });
    r.reset();
    expect([r.phase(0), r.phase(1), r.busy]).toEqual([undefined, undefined, false]);
  });
});
