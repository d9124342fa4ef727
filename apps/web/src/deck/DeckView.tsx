import type { Deck as DeckData } from '@lecture/slides';
import type { TerminalClient } from '@lecture/terminal';
import { Deck, Slide } from '@revealjs/react';
import { type RevealApi } from 'reveal.js';
import RevealNotes from 'reveal.js/plugin/notes';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { PageMode } from '../mode';
import { DeckContext, type DeckContextValue } from './context';
import { SlideBody } from './SlideBody';
import { useConnection } from './useConnection';

export interface DeckViewProps {
  readonly deck: DeckData;
  readonly client: TerminalClient | undefined;
  readonly mode: PageMode;
}

/**
 * The deck: reveal.js through its React wrapper, with our own layout (reveal's scaling is off,
 * so terminals are never CSS-transformed: text stays sharp and mouse selection exact).
 */
export function DeckView({ deck, client, mode }: DeckViewProps) {
  const deckRef = useRef<RevealApi | null>(null);
  const [current, setCurrent] = useState(-1);
  const { status, role } = useConnection(client);

  // Subscribe here rather than through the wrapper's event props: those are attached a render
  // after `ready`, and a slide change in between (a hash in the URL) would be missed.
  const onReady = useCallback((reveal: RevealApi) => {
    const update = () => setCurrent(reveal.getIndices().h);
    // Handle for tests, the exporters and the console: `lectureDeck.slide(3)`.
    (window as unknown as { lectureDeck?: RevealApi }).lectureDeck = reveal;
    reveal.on('slidechanged', update);
    reveal.on('sync', update);
    update();
  }, []);

  const context = useMemo<DeckContextValue>(
    () => ({ client, role, receiver: mode.receiver, print: mode.print, currentSlide: current }),
    [client, role, mode, current],
  );

  useEffect(() => {
    document.documentElement.dataset.role = role ?? 'unknown';
  }, [role]);

  const config = useMemo(
    () => ({
      hash: true,
      history: false,
      disableLayout: true,
      center: false,
      transition: 'fade' as const,
      transitionSpeed: 'fast' as const,
      controls: true,
      progress: true,
      slideNumber: 'c/t' as const,
      // Slides stay in the DOM, so a terminal keeps its screen when the lecturer navigates away.
      viewDistance: 2,
      pdfMaxPagesPerSlide: 1,
      pdfSeparateFragments: false,
      showNotes: false,
    }),
    [],
  );

  return (
    <DeckContext.Provider value={context}>
      <Deck
        config={config}
        plugins={[RevealNotes]}
        deckRef={deckRef}
        onReady={onReady}
      >
        {deck.slides.map((slide) => (
          <Slide
            key={slide.id}
            id={slide.id}
            className={[`layout-${slide.layout}`, ...slide.classes].join(' ')}
            data-section={slide.section}
          >
            <SlideBody slide={slide} active={slide.index === current} />
            {slide.notes && <aside className="notes" dangerouslySetInnerHTML={{ __html: slide.notes }} />}
          </Slide>
        ))}
      </Deck>
      {!mode.receiver && !mode.print && (
        <div className="deck-status" data-connection={status} data-role={role ?? ''}>
          <span className="deck-status__dot" />
          {status === 'open' ? (role === 'presenter' ? 'Presenter' : 'Audience') : status === 'connecting' ? 'Connecting…' : 'Offline – retrying'}
        </div>
      )}
    </DeckContext.Provider>
  );
}
