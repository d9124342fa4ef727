/** How many audience sandboxes, how fast they start, and when they go. */
export interface SandboxPolicy {
  /** Environments an audience member may open a sandbox of. */
  readonly environments: readonly string[];
  /** Sandboxes on this server at once (each holds up to its memory limit). */
  readonly maxTotal: number;
  /** Sandboxes one network address may hold (a student with several tabs, or a script). */
  readonly perAddress: number;
  /** Containers started at the same time; the rest wait their turn (no stampede). */
  readonly startConcurrency: number;
  /** A sandbox nobody typed into for this long is removed. */
  readonly idleMs: number;
  /** A sandbox whose owner left (no browser attached) is removed after this grace (a reload is quicker). */
  readonly leaveGraceMs: number;
  /**
   * Sandboxes started ahead (a container and its shell), at most: one for each student on the
   * URL who has none yet, so that a room opening the try-it slide at once finds its prompts
   * there instead of waiting for containers (gVisor's take about a second of CPU each) and
   * shells. 0: none.
   */
  readonly warmPool: number;
}

export const DEFAULT_SANDBOX_POLICY: SandboxPolicy = {
  environments: ['sandbox'],
  maxTotal: 60,
  perAddress: 4,
  startConcurrency: 2,
  idleMs: 20 * 60_000,
  leaveGraceMs: 2 * 60_000,
  // None unless asked for: the deck's server asks for DEFAULT_SANDBOX_POOL (config.ts). A
  // server built in a test opens exactly the containers its students ask for.
  warmPool: 0,
};

/** The deck's warm pool unless LECTURE_SANDBOX_POOL says otherwise: a lecture hall's worth. */
export const DEFAULT_SANDBOX_POOL = 30;

/**
 * How many sandboxes to keep started ahead: one per student connected without a sandbox, within
 * the pool's bound and the room's cap (pooled containers hold memory as sandboxes do).
 */
export function warmPoolTarget(policy: Pick<SandboxPolicy, 'warmPool' | 'maxTotal'>, audience: number, sandboxesOpen: number): number {
  return Math.max(0, Math.min(policy.warmPool, audience - sandboxesOpen, policy.maxTotal - sandboxesOpen));
}

/**
 * Runs at most `concurrency` tasks at once, in arrival order, and tells each waiting task how
 * many are ahead of it: a hundred students pressing "Try it" start their containers a couple
 * at a time instead of all at once.
 */
export class StartQueue {
  private running = 0;
  private readonly waiting: { start: () => void; onPosition?: (ahead: number) => void }[] = [];

  constructor(private readonly concurrency: number) {}

  get pending(): number {
    return this.waiting.length;
  }

  run<T>(task: () => Promise<T>, onPosition?: (ahead: number) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        task()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.next();
          });
      };
      if (this.running < this.concurrency) start();
      else {
        this.waiting.push({ start, onPosition });
        onPosition?.(this.waiting.length);
      }
    });
  }

  private next(): void {
    const item = this.waiting.shift();
    if (!item) return;
    item.start();
    for (const [i, w] of this.waiting.entries()) w.onPosition?.(i + 1);
  }
}
