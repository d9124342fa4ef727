import type { ServerMessage } from '@lecture/protocol';
import type { LectureClient } from '@lecture/terminal';
import { useEffect, useState } from 'react';

export type PollState = Extract<ServerMessage, { type: 'poll' }>;
export type EnvState = Extract<ServerMessage, { type: 'env-state' }>;
export type DemosState = Extract<ServerMessage, { type: 'demos-state' }>;

export interface HallState {
  /** Audience browsers following (presenter only). */
  readonly audience: number;
  readonly polls: ReadonlyMap<string, PollState>;
  readonly environments: ReadonlyMap<string, EnvState>;
  /** Where the last "Reset demos" is (presenter only). */
  readonly demos?: DemosState;
  /** The presenter's position, as last announced (audience only). */
  readonly presenterAt: { h: number; f: number } | undefined;
}

/** The room's shared state, from the messages that belong to no terminal. */
export function useHall(client: LectureClient | undefined): HallState {
  const [state, setState] = useState<HallState>({
    audience: 0,
    polls: new Map(),
    environments: new Map(),
    presenterAt: undefined,
  });
  useEffect(() => {
    const subscription = client?.onMessage((m) => {
      switch (m.type) {
        case 'audience':
          setState((s) => ({ ...s, audience: m.count }));
          break;
        case 'poll':
          setState((s) => ({ ...s, polls: new Map(s.polls).set(m.poll, m) }));
          break;
        case 'env-state':
          setState((s) => ({ ...s, environments: new Map(s.environments).set(m.env, m) }));
          break;
        case 'demos-state':
          setState((s) => ({ ...s, demos: m }));
          break;
        case 'slide-sync':
          setState((s) => ({ ...s, presenterAt: { h: m.h, f: m.f } }));
          break;
        default:
          break;
      }
    });
    return () => subscription?.dispose();
  }, [client]);
  return state;
}
