/**
 * Click-to-run without surprises: the DOM-free core behind a demo's step buttons (the React
 * component only binds it to the buttons and to the slide's terminal).
 *
 * - A clicked step is `running` until the shell's prompt is back (the cursor's row ends like a
 *   prompt and the output has been quiet for a moment).
 * - Clicking another step meanwhile queues it (`queued`, in order); it is typed only once the
 *   running one has finished, never into it. Clicking a queued step takes it out of the queue.
 * - A step made only of keys (Ctrl-P Ctrl-Q, Enter) is meant for the running program: when nothing
 *   is queued before it, it goes to a program that waits for input (no prompt and quiet for
 *   `waitingMs`, 5 s, e.g. `docker attach`) at once, or as soon as the program is waiting; a program
 *   still starting (`docker run -it` before its prompt) gets it only after its prompt.
 * - The first step of a demo whose terminal last showed another demo clears the screen first
 *   (readline's clear-display, Esc Ctrl-L: the screen and the scrollback, prompt kept), so each
 *   demo starts on a clean screen, for the mirrors and recordings too.
 */

export type StepPhase = 'queued' | 'running' | 'done';

export interface RunnableStep {
  /** Index of the step on its slide. */
  readonly index: number;
  /** What is typed. */
  readonly send: string;
}

/** The slide's terminal, as the runner needs it. */
export interface StepTarget {
  /** Type into the shell; false when the pane cannot take input now. */
  send(data: string): boolean;
  /** The text of the row the cursor is on. */
  cursorLine(): string;
  /** Called whenever the terminal has parsed new output; returns the unsubscribe. */
  onOutput(listener: () => void): () => void;
}

export interface StepRunnerOptions {
  /** The slide the steps belong to (a demo). */
  readonly demo: string;
  /** The pane they are typed into. */
  readonly pane: string;
  /** The slide's terminal, when it has one now. */
  readonly target: () => StepTarget | undefined;
  /** Quiet needed after a prompt-like row before a step counts as finished. */
  readonly quietMs?: number;
  /** A step that printed nothing at all is finished after this long if the row is a prompt. */
  readonly silentMs?: number;
  /** A running step quiet this long without a prompt waits for input: key steps go to it. */
  readonly waitingMs?: number;
  /** Which demo each pane showed last: shared by the runners of one page. */
  readonly lastDemo?: Map<string, string>;
}

/** A row that ends like a prompt or a question: `$`, `#`, `>`, `%`, `:`, `?`, `]`. */
export const PROMPT_END = /[$#>%:?\]]$/;
/** A shell's own prompt (bash's `user@host:dir$`, Apptainer's), where clearing is safe. */
export const SHELL_PROMPT = /(^[\w.-]+@[\w.-]+:\S*[#$]|^Apptainer>)$/;
/** readline's clear-display: clears the screen and the scrollback, redraws the prompt. */
export const CLEAR_DISPLAY = '\x1b\x0c';

/** A step that is only keys (no command and Enter): for the program that is running. */
export function isKeyStep(send: string): boolean {
  return !send.endsWith('\r') || send === '\r';
}

const defaultLastDemo = new Map<string, string>();

export class StepRunner {
  private readonly phases = new Map<number, StepPhase>();
  private readonly queue: RunnableStep[] = [];
  private readonly running = new Set<number>();
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void) | undefined;
  private quietTimer: ReturnType<typeof setTimeout> | undefined;
  private silentTimer: ReturnType<typeof setTimeout> | undefined;
  private waitingTimer: ReturnType<typeof setTimeout> | undefined;
  private sawOutput = false;
  private lastOutputAt = 0;
  private retry: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: StepRunnerOptions) {}

  private get waitingMs(): number {
    return this.options.waitingMs ?? 5000;
  }

  private get lastDemo(): Map<string, string> {
    return this.options.lastDemo ?? defaultLastDemo;
  }

  phase(index: number): StepPhase | undefined {
    return this.phases.get(index);
  }

  /** 1-based place in the queue of a queued step. */
  queuePosition(index: number): number | undefined {
    const i = this.queue.findIndex((s) => s.index === index);
    return i < 0 ? undefined : i + 1;
  }

  get busy(): boolean {
    return this.running.size > 0;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The presenter clicked a step. */
  click(step: RunnableStep): void {
    if (this.phases.get(step.index) === 'queued') {
      // A second click on a queued step takes it back.
      this.queue.splice(
        this.queue.findIndex((s) => s.index === step.index),
        1,
      );
      this.phases.delete(step.index);
      return this.changed();
    }
    if (this.phases.get(step.index) === 'running') return;
    const waiting = this.busy && Date.now() - this.lastOutputAt >= this.waitingMs;
    const jumpsIn = isKeyStep(step.send) && this.queue.length === 0 && (!this.busy || waiting);
    if ((this.busy || this.queue.length > 0) && !jumpsIn) {
      this.queue.push(step);
      this.phases.set(step.index, 'queued');
      this.waitForTarget();
      return this.changed();
    }
    if (!this.start(step)) {
      // The terminal is not ready (still connecting, or the shell is starting): typed when it is.
      this.queue.unshift(step);
      this.phases.set(step.index, 'queued');
      this.waitForTarget();
    }
    this.changed();
  }

  /** Forget every phase and the queue (the demos were reset). */
  reset(): void {
    this.queue.length = 0;
    this.running.clear();
    this.phases.clear();
    this.lastDemo.delete(this.options.pane);
    this.stopWatching();
    this.changed();
  }

  dispose(): void {
    this.stopWatching();
    this.listeners.clear();
  }

  private start(step: RunnableStep): boolean {
    const target = this.options.target();
    if (!target) return false;
    const idle = !this.busy && SHELL_PROMPT.test(target.cursorLine().trimEnd());
    const clear = idle && this.lastDemo.get(this.options.pane) !== this.options.demo && !isKeyStep(step.send);
    if (!target.send(clear ? CLEAR_DISPLAY + step.send : step.send)) return false;
    this.lastDemo.set(this.options.pane, this.options.demo);
    this.running.add(step.index);
    this.phases.set(step.index, 'running');
    this.watch(target);
    return true;
  }

  private watch(target: StepTarget): void {
    this.sawOutput = false;
    this.lastOutputAt = Date.now();
    this.unsubscribe ??= target.onOutput(() => {
      this.sawOutput = true;
      this.lastOutputAt = Date.now();
      clearTimeout(this.quietTimer);
      this.quietTimer = setTimeout(() => this.check(), this.options.quietMs ?? 400);
      this.armWaiting();
    });
    this.armWaiting();
    clearTimeout(this.silentTimer);
    this.silentTimer = setTimeout(() => {
      if (!this.sawOutput) this.check(true);
    }, this.options.silentMs ?? 1500);
  }

  /** When the running program goes quiet without a prompt, it waits for input: send queued keys. */
  private armWaiting(): void {
    clearTimeout(this.waitingTimer);
    this.waitingTimer = setTimeout(() => {
      const next = this.queue[0];
      if (!this.busy || !next || !isKeyStep(next.send)) return;
      const target = this.options.target();
      if (!target || PROMPT_END.test(target.cursorLine().trimEnd())) return;
      if (this.start(next)) {
        this.queue.shift();
        this.changed();
      }
    }, this.waitingMs);
  }

  private check(silent = false): void {
    const target = this.options.target();
    if (!target || !this.busy || (!this.sawOutput && !silent)) return;
    if (!PROMPT_END.test(target.cursorLine().trimEnd())) return;
    for (const index of this.running) this.phases.set(index, 'done');
    this.running.clear();
    const next = this.queue.shift();
    if (next && !this.start(next)) {
      this.queue.unshift(next);
      this.waitForTarget();
    }
    if (!this.busy) this.stopWatching();
    this.changed();
  }

  /** Steps queued while the pane cannot take input: try again until it can. */
  private waitForTarget(): void {
    if (this.busy || this.retry) return;
    this.retry = setInterval(() => {
      if (this.busy) return;
      const next = this.queue[0];
      if (!next) {
        clearInterval(this.retry);
        this.retry = undefined;
        return;
      }
      if (this.start(next)) {
        this.queue.shift();
        clearInterval(this.retry);
        this.retry = undefined;
        this.changed();
      }
    }, 250);
  }

  private stopWatching(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearTimeout(this.quietTimer);
    clearTimeout(this.silentTimer);
    clearTimeout(this.waitingTimer);
    clearInterval(this.retry);
    this.retry = undefined;
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
