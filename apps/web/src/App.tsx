import { createPageClient } from '@lecture/terminal';
import { useEffect, useState } from 'react';
import { DeckProblemOverlay } from './deck/DeckProblemOverlay';
import { DeckView } from './deck/DeckView';
import { useDeckSource } from './deck/useDeckSource';
import { pageMode } from './mode';

export function App() {
  const [mode] = useState(pageMode);
  // Speaker-view iframes, the print view and the static copy render the slides only: no socket.
  const [client] = useState(() => (mode.receiver || mode.print || mode.static ? undefined : createPageClient()));
  useEffect(() => () => client?.dispose(), [client]);
  const { deck, problem, failure } = useDeckSource(mode);
  return (
    <>
      {deck && <DeckView deck={deck} client={client} mode={mode} />}
      {failure && <div className="deck-problem deck-problem--fatal">{failure}</div>}
      {problem && !mode.receiver && <DeckProblemOverlay problem={problem} />}
    </>
  );
}
