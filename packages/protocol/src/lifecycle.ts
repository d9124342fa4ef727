/**
 * One idiom for owning resources, shared by the server, the client and the browser (after
 * xterm.js and VS Code): whatever holds a subscription, a timer or a child resource gets a
 * `Disposable`, collects them in a `DisposableStore`, and keeps one that is replaced over time
 * (the current shell's subscriptions, say) in a `MutableDisposable`.
 */

/** Something that owns a resource and gives it back. */
export interface Disposable {
  dispose(): void;
}

export function toDisposable(dispose: () => void): Disposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      dispose();
    },
  };
}

/** Owns many disposables; disposing it disposes them all (and anything added later at once). */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  add<T extends Disposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.add(item);
    return item;
  }

  /** Dispose what it holds now; the store stays usable. */
  clear(): void {
    const items = [...this.items];
    this.items.clear();
    for (const item of items) item.dispose();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clear();
  }
}

/** Holds at most one disposable: setting a new value disposes the old one. */
export class MutableDisposable<T extends Disposable = Disposable> implements Disposable {
  private current: T | undefined;

  get value(): T | undefined {
    return this.current;
  }

  set value(next: T | undefined) {
    if (next === this.current) return;
    this.current?.dispose();
    this.current = next;
  }

  /** Forget the value without disposing it (its ownership passed elsewhere). */
  clearAndLeak(): T | undefined {
    const value = this.current;
    this.current = undefined;
    return value;
  }

  dispose(): void {
    this.value = undefined;
  }
}

export type Listener<T extends unknown[]> = (...args: T) => void;

/** A minimal event emitter with disposable subscriptions. */
export class Emitter<T extends unknown[]> {
  /**
   * Replaced on (un)subscribe, never changed in place: a fire runs the listeners there were when
   * it began without copying them first (the client fires for every frame; subscriptions are rare).
   */
  private listeners: readonly Listener<T>[] = [];

  on(listener: Listener<T>): Disposable {
    this.listeners = [...this.listeners, listener];
    return toDisposable(() => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners = [...this.listeners.slice(0, at), ...this.listeners.slice(at + 1)];
    });
  }

  fire(...args: T): void {
    for (const listener of this.listeners) listener(...args);
  }

  clear(): void {
    this.listeners = [];
  }
}
