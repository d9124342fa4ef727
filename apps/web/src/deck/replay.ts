import { useCallback, useEffect, useState } from 'react';

/** Built as a static copy of the lecture (`npm run export:static`): no server, every pane replays. */
export const STATIC_BUILD = import.meta.env.VITE_STATIC === '1';

/** Where a demo's recording is: beside the deck (the server's /recordings, or the static copy's folder). */
export function recordingUrl(name: string): string {
  return new URL(`recordings/${name}.cast`, document.baseURI).href;
}

interface Health {
  ok: boolean;
  backend?: { problem?: string; fix?: string };
}

let cached: Promise<string | undefined> | undefined;

/** Why the server cannot run shells (its /api/health), or undefined when it can or cannot say. */
function fetchProblem(): Promise<string | undefined> {
  return fetch('/api/health', { cache: 'no-store' })
    .then(async (response) => {
      const health = (await response.json()) as Health;
      if (health.ok) return undefined;
      const { problem = 'The server has no container engine.', fix = '' } = health.backend ?? {};
      return `${problem} ${fix}`.trim();
    })
    .catch(() => undefined);
}

/**
 * The server's backend problem, asked once per page; `recheck()` asks again (a pane that failed
 * to start may have met an engine that went away).
 */
export function useBackendProblem(enabled: boolean): [problem: string | undefined, recheck: () => void] {
  const [problem, setProblem] = useState<string | undefined>();
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    cached ??= fetchProblem();
    void cached.then((p) => live && setProblem(p));
    return () => {
      live = false;
    };
  }, [enabled]);
  const recheck = useCallback(() => {
    if (!enabled) return;
    cached = fetchProblem();
    void cached.then(setProblem);
  }, [enabled]);
  return [problem, recheck];
}
