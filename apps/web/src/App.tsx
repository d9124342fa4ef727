import { TerminalClient } from '@lecture/terminal';
import deck from 'virtual:deck';
import { useEffect, useState } from 'react';
import { DeckView } from './deck/DeckView';
import { pageMode } from './mode';

export function App() {
  const mode = pageMode();
  // Speaker-view iframes render the slides only: no socket, no shells.
  const [client] = useState(() => (mode.receiver ? undefined : new TerminalClient()));
  useEffect(() => () => client?.dispose(), [client]);
  return <DeckView deck={deck} client={client} mode={mode} />;
}
