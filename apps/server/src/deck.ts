import { type Disposable, Emitter } from '@lecture/containers';
import { type DeckFolder, DeckError } from '@lecture/slides';
import type express from 'express';

/** A mistake in the deck being edited, as the page shows it: `file:line: message`. */
export interface DeckProblem {
  readonly file?: string;
  readonly line?: number;
  readonly message: string;
}

/** What the page is told when the deck changes: fetch /deck.json again if the version moved. */
export interface DeckStatus {
  readonly version: number;
  readonly problem?: DeckProblem;
}

/** Open update streams (npm run dev): far more than the author's tabs and a hall following along. */
export const MAX_DECK_STREAMS = 1_000;

/**
 * The deck the server presents: the last good one, as the JSON the page renders, a version that
 * moves with every good edit, and the problem of a broken edit (which never replaces the last
 * good deck). In watch mode (`npm run dev`) pages follow it through a server-sent event stream.
 */
export class LiveDeck {
  private current: DeckFolder;
  private json: string;
  private version = 1;
  private problem: DeckProblem | undefined;
  private readonly changes = new Emitter<DeckStatus>();
  private streams = 0;

  constructor(
    folder: DeckFolder,
    /** True when the server watches the deck's files (pages then subscribe to updates). */
    readonly watching = false,
  ) {
    this.current = folder;
    this.json = JSON.stringify(folder.deck);
  }

  get folder(): DeckFolder {
    return this.current;
  }

  get status(): DeckStatus {
    return { version: this.version, ...(this.problem ? { problem: this.problem } : {}) };
  }

  /** A good edit: the new deck replaces the old one and pages load it. */
  replace(folder: DeckFolder): void {
    this.current = folder;
    this.json = JSON.stringify(folder.deck);
    this.version++;
    this.problem = undefined;
    this.changes.fire(this.status);
  }

  /** A broken edit: pages show the problem over the last good deck. */
  fail(error: unknown): DeckProblem {
    this.problem = problemOf(error);
    this.changes.fire(this.status);
    return this.problem;
  }

  onChange(listener: (status: DeckStatus) => void): Disposable {
    return this.changes.on(listener);
  }

  /** `GET /deck.json` (the deck the page renders) and `GET /api/deck/events` (its updates). */
  routes(app: express.Express): void {
    app.get('/deck.json', (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.type('application/json').send(this.json);
    });
    app.get('/api/deck/events', (req, res) => {
      // 204 tells an EventSource to stop: a deck that is not watched never changes.
      if (!this.watching) {
        res.status(204).end();
        return;
      }
      if (this.streams >= MAX_DECK_STREAMS) {
        res.status(503).type('text/plain').send('Too many deck update streams.');
        return;
      }
      this.streams++;
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      const send = (status: DeckStatus) => res.write(`data: ${JSON.stringify(status)}\n\n`);
      res.write('retry: 1000\n\n');
      send(this.status);
      const subscription = this.onChange(send);
      // A comment now and then keeps proxies from closing a quiet stream.
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 25_000);
      req.on('close', () => {
        this.streams--;
        clearInterval(keepAlive);
        subscription.dispose();
      });
    });
  }
}

export function problemOf(error: unknown): DeckProblem {
  if (error instanceof DeckError) return { ...(error.file ? { file: error.file } : {}), line: error.line, message: error.reason };
  return { message: error instanceof Error ? error.message : String(error) };
}

/** `file:line: message`, as terminals and editors link it. */
export function formatProblem(problem: DeckProblem): string {
  const where = problem.file ? `${problem.file}:${problem.line ?? 1}: ` : problem.line ? `line ${problem.line}: ` : '';
  return `${where}${problem.message}`;
}
