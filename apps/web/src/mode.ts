/** How this page was opened: the deck, or one of reveal's speaker-view iframes. */
export interface PageMode {
  /** Inside reveal's speaker view (`?receiver`): never opens a shell. */
  readonly receiver: boolean;
  /** reveal's print view (`?print-pdf`). */
  readonly print: boolean;
}

export function pageMode(search = location.search): PageMode {
  const params = new URLSearchParams(search);
  return { receiver: params.has('receiver'), print: /print-pdf/.test(search) };
}
