import { DisposableStore, toDisposable } from '@lecture/protocol';
import type { Terminal } from '@xterm/xterm';

/**
 * A mirror of the lecturer's grid can be taller than its pane: on a phone the grid keeps its
 * rows at the 11 px floor, and the pane scrolls. A terminal shows where the cursor is (the
 * prompt, the newest output), so the pane follows the cursor's row, once per frame at most
 * however much output a frame brings; unless the student scrolled the row out of view to read
 * something else. Scrolled back to it, the pane follows again.
 */
export class CursorFollower {
  private readonly owned = new DisposableStore();
  private following = true;
  private frame = 0;

  constructor(
    private readonly term: Terminal,
    private readonly host: HTMLElement,
    /** Whether the pane is a mirror now (a driver's grid fits its pane: nothing to follow). */
    private readonly mirroring: () => boolean,
  ) {
    const scrolled = () => {
      const band = this.cursorBand();
      this.following = !band || (band.top >= host.scrollTop - 1 && band.bottom <= host.scrollTop + host.clientHeight + 1);
    };
    host.addEventListener('scroll', scrolled, { passive: true });
    this.owned.add(toDisposable(() => host.removeEventListener('scroll', scrolled)));
    this.owned.add(term.onWriteParsed(() => this.follow()));
    this.owned.add(toDisposable(() => cancelAnimationFrame(this.frame)));
  }

  /** Bring the cursor's row into view at the next frame (after output, or a new font or grid). */
  follow(): void {
    if (!this.following || this.frame || !this.mirroring()) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const band = this.cursorBand();
      if (!band) return;
      const host = this.host;
      // With the pane's padding around the row, as around the grid.
      const pad = Number.parseFloat(getComputedStyle(host).paddingBottom) || 0;
      if (band.bottom > host.scrollTop + host.clientHeight - pad) host.scrollTop = band.bottom + pad - host.clientHeight;
      else if (band.top < host.scrollTop + pad) host.scrollTop = Math.max(0, band.top - pad);
    });
  }

  /** The cursor row's top and bottom in the pane's scrolled content; none when nothing scrolls. */
  private cursorBand(): { top: number; bottom: number } | undefined {
    const host = this.host;
    const screen = host.querySelector('.xterm-screen');
    if (!screen || host.scrollHeight <= host.clientHeight) return undefined;
    const box = screen.getBoundingClientRect();
    const row = box.height / this.term.rows;
    const top = box.top - host.getBoundingClientRect().top + host.scrollTop + this.term.buffer.active.cursorY * row;
    return { top, bottom: top + row };
  }

  dispose(): void {
    this.owned.dispose();
  }
}
