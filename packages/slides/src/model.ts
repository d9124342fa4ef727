/**
 * The lecture as data: what `slides/*.md` says, parsed apart from the components that render
 * it (as Slidev does). The deck renders it, the server reads its panes, the demo runner its steps.
 */
export interface Deck {
  readonly meta: DeckMeta;
  readonly slides: readonly Slide[];
}

export interface DeckMeta {
  readonly title: string;
  readonly subtitle?: string;
  readonly author?: string;
  /** The audience environment that "try it" slides open (default `sandbox`). */
  readonly sandbox?: string;
}

export type SlideLayout = 'plain' | 'split' | 'stack' | 'full';

export interface Slide {
  readonly id: string;
  /** 0-based position in the deck (reveal's horizontal index). */
  readonly index: number;
  readonly section?: string;
  readonly title?: string;
  readonly classes: readonly string[];
  readonly layout: SlideLayout;
  /** `sandbox`: students may open a shell of their own here. */
  readonly try?: 'sandbox';
  readonly blocks: readonly Block[];
  /** Speaker notes, as HTML. */
  readonly notes?: string;
  /** Speaker notes as the lecturer wrote them (for the PDF and plain-text uses). */
  readonly notesText?: string;
  /** Line in the source file where the slide starts (for error messages). */
  readonly line: number;
}

export type Block = HtmlBlock | TerminalBlock | ConsoleBlock | PollBlock;

export interface HtmlBlock {
  readonly kind: 'html';
  readonly html: string;
}

export interface TerminalBlock {
  readonly kind: 'terminal';
  readonly pane: string;
  readonly env: string;
  readonly title?: string;
  /** Line of the block's opening fence in the source file (for errors about its environment). */
  readonly line?: number;
}

export interface ConsoleBlock {
  readonly kind: 'console';
  /** The pane the steps go to (the slide's terminal unless named). */
  readonly pane: string;
  readonly lines: readonly ConsoleLine[];
}

export type ConsoleLine =
  | { readonly kind: 'step'; readonly step: Step }
  | { readonly kind: 'output'; readonly text: string };

export interface Step {
  /** What the slide shows, e.g. `docker ps` or `Ctrl-P Ctrl-Q`. */
  readonly display: string;
  /** What is typed into the terminal, Enter included where it belongs. */
  readonly send: string;
  /** How long the demo runner may wait for this step to finish. */
  readonly waitSeconds: number;
}

export interface PollBlock {
  readonly kind: 'poll';
  readonly id: string;
  readonly question: string;
  readonly options: readonly string[];
}

/**
 * A mistake in a deck's source (Markdown, front matter, environments), with where it is: the
 * message reads `file:line: what` (or `line N: what` when the file is not known), the form
 * editors and terminals turn into links.
 */
export class DeckError extends Error {
  /** The message without the place. */
  readonly reason: string;
  constructor(
    message: string,
    readonly line: number,
    readonly file?: string,
  ) {
    super(file ? `${file}:${line}: ${message}` : `line ${line}: ${message}`);
    this.name = 'DeckError';
    this.reason = message;
  }

  /** The same mistake, placed in `file` (for errors raised before the file was known). */
  inFile(file: string): DeckError {
    return this.file ? this : new DeckError(this.reason, this.line, file);
  }
}
