import { createPageClient } from '@lecture/terminal';
import deck from 'virtual:deck';
import { useEffect, useState } from 'react';
import { DeckView } from './deck/DeckView';
import { pageMode } from './mode';

export function App() {
  const mode = pageMode();
  // Speaker-view iframes, the print view and the static copy render the slides only: no socket.
  const [client] = useState(() => (mode.receiver || mode.print || mode.static ? undefined : createPageClient()));
  useEffect(() => () => client?.dispose(), [client]);
  return <DeckView deck={deck} client={client} mode={mode} />;
}
