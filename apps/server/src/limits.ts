/**
 * The server's bounds that are not part of the protocol: each has a default here, a knob (an
 * environment variable, read in config.ts), a line in docs/security.md and a test.
 */
export interface ServerLimits {
  /** Wrong presenter keys per address per minute before it is refused for a minute. */
  readonly keyGuessesPerMinute: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  keyGuessesPerMinute: 10,
};

/** Environment variable of each limit. */
export const LIMIT_KNOBS: Record<keyof ServerLimits, string> = {
  keyGuessesPerMinute: 'LECTURE_KEY_GUESSES_PER_MINUTE',
};
