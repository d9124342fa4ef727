/** How this page was opened: the deck, or one of reveal's speaker-view iframes. */
export interface PageMode {
  /** Inside reveal's speaker view (`?receiver`): never opens a shell. */
  readonly receiver: boolean;
  /** reveal's print view (`?print-pdf`): every terminal shows its recording's final screen. */
  readonly print: boolean;
  /** Every terminal replays its recording: the static copy (VITE_STATIC=1) or `?replay`. */
  readonly replay: boolean;
  /** The static copy of the lecture: no server behind the page. */
  readonly static: boolean;
}

export function pageMode(search = location.search): PageMode {
  const params = new URLSearchParams(search);
  const isStatic = import.meta.env.VITE_STATIC === '1';
  return {
    receiver: params.has('receiver'),
    print: /print-pdf/.test(search),
    replay: isStatic || params.has('replay'),
    static: isStatic,
  };
}
