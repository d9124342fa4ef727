import type { FitAddon } from '@xterm/addon-fit';
import type { Terminal } from '@xterm/xterm';

export interface FontFitOptions {
  /** Multiplies the font size the host's CSS gives (the A−/A+ buttons). */
  readonly scale: number;
  /** Smallest font, in px, before the grid is allowed to overflow (and scroll). */
  readonly minPx: number;
  /**
   * A grid that must be shown as it is (a mirror of the lecturer's terminal, a recording): the
   * font shrinks until it fits. Without it, the caller fits the grid to the pane instead.
   */
  readonly grid?: { readonly cols: number; readonly rows: number };
}

/**
 * The terminal's font family, from its host's CSS (`--terminal-font-family` on the page): the
 * deck bundles its own monospace font, so the terminal never falls back to whatever is installed.
 */
export function cssFontFamily(host: HTMLElement): string {
  return getComputedStyle(host).fontFamily || 'monospace';
}

/**
 * Size a terminal's font from its host's CSS font-size, never by CSS scaling: the text stays
 * sharp and the mouse maps to the right cells. Returns false when the host has no size yet.
 */
export function fitFont(term: Terminal, fit: FitAddon, host: HTMLElement, options: FontFitOptions): boolean {
  if (host.clientWidth === 0) return false;
  const base = Number.parseFloat(getComputedStyle(host).fontSize) || 16;
  const wanted = Math.max(options.minPx, Math.round(base * options.scale * 10) / 10);
  if (term.options.fontSize !== wanted) term.options.fontSize = wanted;
  const grid = options.grid;
  if (!grid) return true;
  if (term.cols !== grid.cols || term.rows !== grid.rows) term.resize(grid.cols, grid.rows);
  const fits = (): boolean | undefined => {
    const proposed = fit.proposeDimensions();
    if (!proposed || !Number.isFinite(proposed.cols)) return undefined;
    return proposed.cols >= grid.cols && proposed.rows >= grid.rows;
  };
  const proposed = fit.proposeDimensions();
  if (proposed && Number.isFinite(proposed.cols) && (proposed.cols < grid.cols || proposed.rows < grid.rows)) {
    const ratio = Math.min(proposed.cols / grid.cols, proposed.rows / grid.rows);
    term.options.fontSize = Math.max(options.minPx, Math.floor(wanted * ratio * 10) / 10);
    // Cells are whole pixels, so the ratio can leave the grid a row too tall (its last row then
    // covers the replay's controls): step down until every row and column fits, or the floor.
    for (let i = 0; i < 40 && fits() === false && term.options.fontSize > options.minPx; i++) {
      term.options.fontSize = Math.max(options.minPx, Math.round((term.options.fontSize - 0.25) * 100) / 100);
    }
  }
  return true;
}
