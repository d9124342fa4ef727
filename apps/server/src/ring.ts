/**
 * The most recent output of a session, addressed by position (characters since the session
 * started). A browser that reconnects says how much it has; if the ring still holds the rest
 * it is replayed exactly, otherwise the browser gets the current screen instead.
 */
export class OutputRing {
  private chunks: string[] = [];
  /** Position of the first character of chunks[0]. */
  private start = 0;
  private size = 0;

  constructor(private readonly capacityChars: number) {}

  /** Position of the oldest character still held. */
  get begin(): number {
    return this.start;
  }

  /** Position just after the last character pushed. */
  get end(): number {
    return this.start + this.size;
  }

  push(data: string): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.size += data.length;
    while (this.size > this.capacityChars && this.chunks.length > 1) {
      const dropped = this.chunks.shift() as string;
      this.size -= dropped.length;
      this.start += dropped.length;
    }
  }

  /** The output after `position`, or undefined when it is no longer (or not yet) held. */
  since(position: number): string | undefined {
    if (position < this.start || position > this.end) return undefined;
    let skip = position - this.start;
    const parts: string[] = [];
    for (const chunk of this.chunks) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      parts.push(skip > 0 ? chunk.slice(skip) : chunk);
      skip = 0;
    }
    return parts.join('');
  }
}
