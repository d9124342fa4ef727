import { useEffect, useState } from 'react';
import type { PollState } from './useHall';

/**
 * The speaker view's window onto the deck. reveal's speaker view is a popup (opened by the deck)
 * holding the slides in `?receiver` iframes; those open no socket and no shell. What the lecturer
 * should see there privately (the live terminals, the running poll counts) is read from the
 * deck's own window instead, through this small read-only bridge: same origin, no extra shells,
 * no second connection the server would have to know about.
 */
export interface SpeakerBridge {
  /** The screen of a live terminal on the deck, as text rows; undefined when it is not shown. */
  screen(pane: string): TerminalScreen | undefined;
  /** A poll as the presenter's socket last saw it (counts included). */
  poll(id: string): PollState | undefined;
}

export interface TerminalScreen {
  readonly rows: readonly string[];
  readonly cols: number;
}

type WithBridge = Window & { lectureBridge?: SpeakerBridge };

/** The deck window installs the bridge (presenter only: the audience has no speaker view). */
export function installBridge(poll: (id: string) => PollState | undefined): () => void {
  const bridge: SpeakerBridge = {
    screen(pane) {
      // Read from the DOM the terminal already renders: the bridge adds no work to the terminal.
      // The instance on the current slide first (several slides may show the same pane).
      const selector = `[data-pane="${CSS.escape(pane)}"][data-cols]`;
      const root =
        document.querySelector<HTMLElement>(`.reveal .slides > section.present ${selector}`) ??
        document.querySelector<HTMLElement>(`.reveal .slides ${selector}`);
      const rows = root?.querySelector('.xterm-rows');
      if (!root || !rows) return undefined;
      return { rows: [...rows.children].map((row) => row.textContent ?? ''), cols: Number(root.dataset.cols) || 80 };
    },
    poll,
  };
  (window as WithBridge).lectureBridge = bridge;
  return () => {
    if ((window as WithBridge).lectureBridge === bridge) delete (window as WithBridge).lectureBridge;
  };
}

/** In a speaker-view iframe: the deck's bridge (iframe → speaker popup → its opener). */
export function speakerBridge(): SpeakerBridge | undefined {
  try {
    const popup = window.parent !== window ? window.parent : undefined;
    return ((popup?.opener ?? undefined) as WithBridge | undefined)?.lectureBridge;
  } catch {
    // Another origin: no bridge (reveal's speaker view refuses to run there anyway).
    return undefined;
  }
}

/**
 * A value read from the deck's window through the bridge, refreshed a few times a second while
 * mounted. `read` is taken once: it may close over props that never change (a pane, a poll id).
 */
export function useBridged<T>(read: (bridge: SpeakerBridge) => T | undefined, everyMs = 400): T | undefined {
  const [value, setValue] = useState<T | undefined>(undefined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `read` is taken once (see above)
  useEffect(() => {
    let last = '';
    const tick = () => {
      const bridge = speakerBridge();
      const next = bridge ? read(bridge) : undefined;
      const key = JSON.stringify(next ?? null);
      if (key !== last) {
        last = key;
        setValue(next);
      }
    };
    tick();
    const timer = setInterval(tick, everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return value;
}
