import type { Role } from '@lecture/protocol';
import type { TerminalClient } from '@lecture/terminal';
import { createContext, useContext } from 'react';

export interface DeckContextValue {
  readonly client: TerminalClient | undefined;
  readonly role: Role | undefined;
  /** In reveal's speaker-view iframe: show slides, open no shells. */
  readonly receiver: boolean;
  readonly print: boolean;
  readonly currentSlide: number;
}

export const DeckContext = createContext<DeckContextValue>({
  client: undefined,
  role: undefined,
  receiver: false,
  print: false,
  currentSlide: -1,
});

export const useDeck = () => useContext(DeckContext);
