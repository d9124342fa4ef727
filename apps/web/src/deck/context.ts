import type { Role } from '@lecture/protocol';
import type { LectureClient } from '@lecture/terminal';
import { createContext, useContext } from 'react';
import type { HallState } from './useHall';

export interface DeckContextValue {
  readonly client: LectureClient | undefined;
  readonly role: Role | undefined;
  /** In reveal's speaker-view iframe: show slides, open no shells. */
  readonly receiver: boolean;
  readonly print: boolean;
  readonly currentSlide: number;
  readonly hall: HallState;
  /** The audience environment "try it" slides open (the deck's `sandbox:`, default `sandbox`). */
  readonly sandboxEnv: string;
}

export const DeckContext = createContext<DeckContextValue>({
  client: undefined,
  role: undefined,
  receiver: false,
  print: false,
  currentSlide: -1,
  hall: { audience: 0, polls: new Map(), environments: new Map(), presenterAt: undefined },
  sandboxEnv: 'sandbox',
});

export const useDeck = () => useContext(DeckContext);
