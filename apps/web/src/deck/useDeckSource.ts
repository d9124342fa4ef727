import type { Deck } from '@lecture/slides';
import { useEffect, useState } from 'react';
import type { PageMode } from '../mode';

/** A mistake in the deck being edited (npm run dev), as the server reports it. */
export interface DeckProblem {
  readonly file?: string;
  readonly line?: number;
  readonly message: string;
}

interface DeckStatus {
  readonly version: number;
  readonly problem?: DeckProblem;
}

export interface DeckState {
  readonly deck: Deck | undefined;
  readonly problem: DeckProblem | undefined;
  /** Why the deck could not be loaded at all. */
  readonly failure: string | undefined;
}

const base = import.meta.env.BASE_URL;

async function fetchDeck(): Promise<Deck> {
  const response = await fetch(`${base}deck.json`, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`The deck could not be loaded (HTTP ${response.status}).`);
  return (await response.json()) as Deck;
}

/**
 * The deck the page renders: `deck.json` from the server (or beside the static copy). While the
 * server watches the deck (npm run dev), an event stream says when it changed: a good edit is
 * fetched and replaces the deck in place (no reload); a broken one brings its problem, and the
 * last good deck stays.
 */
export function useDeckSource(mode: PageMode): DeckState {
  const [deck, setDeck] = useState<Deck | undefined>(undefined);
  const [problem, setProblem] = useState<DeckProblem | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);

  useEffect(() => {
    let cancelled = false;
    let loaded = 0;
    let loading: Promise<void> = fetchDeck().then(
      (d) => {
        if (!cancelled) setDeck(d);
      },
      (error: unknown) => {
        if (!cancelled) setFailure(error instanceof Error ? error.message : String(error));
      },
    );
    if (mode.static || mode.print) {
      return () => {
        cancelled = true;
      };
    }
    const events = new EventSource(`${base}api/deck/events`);
    events.onmessage = (event: MessageEvent<string>) => {
      const status = JSON.parse(event.data) as DeckStatus;
      setProblem(status.problem);
      // The first status names the version the page already has (or is loading).
      if (loaded === 0) loaded = status.version;
      if (status.version === loaded) return;
      loaded = status.version;
      loading = loading.then(() =>
        fetchDeck().then(
          (d) => {
            if (!cancelled) setDeck(d);
          },
          () => undefined,
        ),
      );
    };
    return () => {
      cancelled = true;
      events.close();
    };
  }, [mode.static, mode.print]);

  return { deck, problem, failure };
}
