/**
 * The server's bounds that are not part of the protocol: each has a default here, a knob (an
 * environment variable, read in config.ts), a line in docs/security.md and a test.
 */
export interface ServerLimits {
  /** Wrong presenter keys per address per minute before it is refused for a minute. */
  readonly keyGuessesPerMinute: number;
  /** Open sockets per client address (the presenter and loopback are exempt). */
  readonly socketsPerAddress: number;
  /**
   * TCP connections per peer address, counted before any HTTP (loopback and a trusted proxy are
   * exempt): a browser needs about 8, the sockets cap above applies on top.
   */
  readonly connectionsPerAddress: number;
  /** Open sockets in all (the presenter is exempt: the lecturer is never locked out). */
  readonly maxSockets: number;
  /** Open channels (panes) per client address, over all its sockets (loopback exempt). */
  readonly channelsPerAddress: number;
  /**
   * Unsent output a socket may hold, in bytes: past it a mirror is cut off (and resynced from the
   * screen once drained), and a pacing driver holds its shell.
   */
  readonly socketBufferBytes: number;
  /** How long a pacing driver that dropped holds its shell paused, in ms. */
  readonly pacerGraceMs: number;
  /** Output rate of an audience sandbox, characters per second (the pty is paused beyond it). */
  readonly sandboxOutputRate: number;
  /** Characters a sandbox may print at once before its rate applies. */
  readonly sandboxOutputBurst: number;
  /**
   * Quiet time, in ms, before the server's screen copy parses the output: a flood is never
   * parsed as it passes (the ring holds it; the screen rebuilds from its newest part).
   */
  readonly screenIdleMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  keyGuessesPerMinute: 10,
  socketsPerAddress: 16,
  connectionsPerAddress: 64,
  maxSockets: 2000,
  channelsPerAddress: 64,
  socketBufferBytes: 256 * 1024,
  pacerGraceMs: 60_000,
  sandboxOutputRate: 32 * 1024,
  sandboxOutputBurst: 256 * 1024,
  screenIdleMs: 50,
};

/** Environment variable of each limit. */
export const LIMIT_KNOBS: Record<keyof ServerLimits, string> = {
  keyGuessesPerMinute: 'LECTURE_KEY_GUESSES_PER_MINUTE',
  socketsPerAddress: 'LECTURE_SOCKETS_PER_ADDRESS',
  connectionsPerAddress: 'LECTURE_CONNECTIONS_PER_ADDRESS',
  maxSockets: 'LECTURE_MAX_SOCKETS',
  channelsPerAddress: 'LECTURE_CHANNELS_PER_ADDRESS',
  socketBufferBytes: 'LECTURE_SOCKET_BUFFER_BYTES',
  pacerGraceMs: 'LECTURE_PACER_GRACE_MS',
  sandboxOutputRate: 'LECTURE_SANDBOX_OUTPUT_RATE',
  sandboxOutputBurst: 'LECTURE_SANDBOX_OUTPUT_BURST',
  screenIdleMs: 'LECTURE_SCREEN_IDLE_MS',
};
