import type { Deck as DeckData } from '@lecture/slides';
import type { LectureClient } from '@lecture/terminal';
import { Deck, Slide } from '@revealjs/react';
import type { RevealApi } from 'reveal.js';
import RevealNotes from 'reveal.js/plugin/notes';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { PageMode } from '../mode';
import { installBridge } from './bridge';
import { fitCodeForPrint } from './codeFit';
import { DeckContext, type DeckContextValue } from './context';
import { PresenterBar } from './PresenterBar';
import { SlideBody } from './SlideBody';
import { useConnection } from './useConnection';
import { useHall } from './useHall';

/** The background of title and section-divider slides (theme.css paints its gradient on top). */
const DARK_SLIDE = '#0f1c33';

export interface DeckViewProps {
  readonly deck: DeckData;
  readonly client: LectureClient | undefined;
  readonly mode: PageMode;
}

/**
 * The deck: reveal.js through its React wrapper, with our own layout (reveal's scaling is off,
 * so terminals are never CSS-transformed: text stays sharp and mouse selection exact).
 */
export function DeckView({ deck, client, mode }: DeckViewProps) {
  const revealRef = useRef<RevealApi | null>(null);
  // State, not only the ref: effects that need reveal (following the presenter) must run again
  // once it is ready, or a slide announced while the deck was still loading is never applied.
  const [revealReady, setRevealReady] = useState(false);
  const [current, setCurrent] = useState(-1);
  const { status, role } = useConnection(client);
  const hall = useHall(client);
  const roleRef = useRef(role);
  roleRef.current = role;
  // Audience: follow the presenter until the student browses away on their own.
  const [following, setFollowing] = useState(true);
  const syncing = useRef(false);
  // The slide on screen, by id: where the page stays when a new version of the deck arrives.
  const currentId = useRef<string | undefined>(undefined);

  const announce = useCallback(() => {
    const reveal = revealRef.current;
    if (!reveal || roleRef.current !== 'presenter' || mode.receiver) return;
    const { h, f } = reveal.getIndices();
    client?.send({ type: 'slide', h, f: f ?? -1 });
  }, [client, mode.receiver]);

  // Subscribe here rather than through the wrapper's event props: those are attached a render
  // after `ready`, and a slide change in between (a hash in the URL) would be missed.
  const onReady = useCallback(
    (reveal: RevealApi) => {
      revealRef.current = reveal;
      // Handle for tests, the exporters and the console: `lectureDeck.slide(3)`.
      (window as unknown as { lectureDeck?: RevealApi }).lectureDeck = reveal;
      const update = () => {
        setCurrent(reveal.getIndices().h);
        currentId.current = reveal.getCurrentSlide()?.id;
        announce();
        if (!syncing.current && roleRef.current === 'audience') setFollowing(false);
      };
      for (const event of ['slidechanged', 'fragmentshown', 'fragmenthidden']) reveal.on(event, update);
      reveal.on('sync', () => setCurrent(reveal.getIndices().h));
      setCurrent(reveal.getIndices().h);
      currentId.current = reveal.getCurrentSlide()?.id;
      setRevealReady(true);
      document.documentElement.dataset.deckReady = 'true';
      if (mode.print) void fitCodeForPrint();
    },
    [announce, mode.print],
  );

  // npm run dev: a new version of the deck (reveal has synced its slides by now) keeps the page
  // on the same slide, by id, wherever an edit moved it.
  useEffect(() => {
    const reveal = revealRef.current;
    const id = currentId.current;
    document.documentElement.dataset.deckSlides = String(deck.slides.length);
    if (!reveal || !id) return;
    const index = deck.slides.findIndex((s) => s.id === id);
    const { h, f } = reveal.getIndices();
    if (index < 0 || index === h) return;
    syncing.current = true;
    reveal.slide(index, 0, f);
    syncing.current = false;
  }, [deck]);

  // The presenter announces where they are whenever the socket (re)opens, and once the deck is
  // ready: on a first load the socket may open before reveal (which fires no slide change for
  // the slide it starts on), and the room would stay wherever it was last told.
  useEffect(() => {
    if (revealReady && status === 'open' && role === 'presenter') announce();
  }, [revealReady, status, role, announce]);

  // The audience moves with the presenter while following.
  const target = hall.presenterAt;
  useEffect(() => {
    const reveal = revealRef.current;
    if (!revealReady || !reveal || !target || role !== 'audience' || !following || mode.receiver) return;
    const { h, f } = reveal.getIndices();
    if (h === target.h && (f ?? -1) === target.f) return;
    syncing.current = true;
    reveal.slide(target.h, 0, target.f);
    syncing.current = false;
  }, [target, role, following, mode.receiver, revealReady]);

  const context = useMemo<DeckContextValue>(
    () => ({
      client,
      role,
      receiver: mode.receiver,
      print: mode.print,
      currentSlide: current,
      hall,
      sandboxEnv: deck.meta.sandbox ?? 'sandbox',
    }),
    [client, role, mode, current, hall, deck.meta.sandbox],
  );

  useEffect(() => {
    document.documentElement.dataset.role = role ?? 'unknown';
  }, [role]);

  // The presenter's speaker view (a popup of `?receiver` iframes) reads the live terminals and
  // the polls' running counts from this window: see bridge.ts.
  const hallRef = useRef(hall);
  hallRef.current = hall;
  useEffect(() => {
    if (role !== 'presenter' || mode.receiver) return;
    return installBridge((id) => hallRef.current.polls.get(id));
  }, [role, mode.receiver]);

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
      // How reveal shows the slides within viewDistance (the rest it hides): theme.css lays them
      // out as columns.
      display: 'flex',
      pdfMaxPagesPerSlide: 1,
      pdfSeparateFragments: false,
      // The print view (PDF): one 16:9 page of 1920×1080 px per slide, speaker notes with ?notes.
      ...(mode.print ? { width: 1920, height: 1080, margin: 0 } : {}),
      showNotes: (mode.print && /[?&]notes\b/.test(location.search) ? 'separate-page' : false) as unknown as boolean,
    }),
    [mode.print],
  );

  // "Part N" on section dividers, counted in deck order. Not a CSS counter: reveal hides slides
  // beyond viewDistance with display: none, which counters skip, so every divider said "Part 1".
  const partNumbers = useMemo(() => {
    const parts = new Map<string, string>();
    for (const slide of deck.slides) if (slide.classes.includes('section-title')) parts.set(slide.id, String(parts.size + 1));
    return parts;
  }, [deck]);

  return (
    <DeckContext.Provider value={context}>
      <Deck config={config} plugins={[RevealNotes]} onReady={onReady}>
        {deck.slides.map((slide) => (
          <Slide
            key={slide.id}
            id={slide.id}
            className={[`layout-${slide.layout}`, ...slide.classes].join(' ')}
            data-section={slide.section}
            data-part={partNumbers.get(slide.id)}
            style={partNumbers.has(slide.id) ? { counterReset: `deck-part ${partNumbers.get(slide.id)}` } : undefined}
            // Title and section dividers are dark (theme.css): reveal then uses light arrows.
            {...(slide.classes.some((c) => c === 'title' || c === 'section-title') ? { 'data-background-color': DARK_SLIDE } : {})}
          >
            <SlideBody slide={slide} active={slide.index === current} near={Math.abs(slide.index - current) === 1} />
            {slide.section && <div className="slide-section">{slide.section}</div>}
            {slide.notes && <aside className="notes" dangerouslySetInnerHTML={{ __html: slide.notes }} />}
          </Slide>
        ))}
      </Deck>
      {!mode.receiver && !mode.print && !mode.static && (
        <PresenterBar
          status={status}
          role={role}
          following={following}
          onFollow={() => setFollowing(true)}
        />
      )}
    </DeckContext.Provider>
  );
}
