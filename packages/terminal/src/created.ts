import { useEffect, useState } from 'react';

/**
 * Whether a pane's xterm.js terminal should exist yet: from the first time its slide is shown
 * (`active`), or from the next idle moment while its slide is next to the one shown (`preload`),
 * so that it is ready when the slide arrives. Once true it stays true: the terminal then lives
 * as long as the pane, and navigating away keeps its screen. Not at page load: each terminal
 * opened measures its font with forced layouts of the whole deck, and seventeen of them held a
 * phone's first seconds (docs/benchmarks.md, *Opening the deck*).
 */
export function useCreated(active: boolean, preload: boolean): boolean {
  const [created, setCreated] = useState(active);
  if (active && !created) setCreated(true);
  useEffect(() => {
    if (created || !preload) return;
    // Idle time, not the slide change's own frames (a timeout where there is no idle callback).
    if (typeof requestIdleCallback === 'function') {
      const handle = requestIdleCallback(() => setCreated(true), { timeout: 1500 });
      return () => cancelIdleCallback(handle);
    }
    const timer = setTimeout(() => setCreated(true), 200);
    return () => clearTimeout(timer);
  }, [created, preload]);
  return created;
}
