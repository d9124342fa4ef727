export { type ConnectionStatus, LectureClient, type PaneChannel } from '@lecture/client';
export { createPageClient } from './client.js';
export { RELEASE_KEY, TerminalPane, type PaneState, type TerminalPaneHandle, type TerminalPaneProps } from './TerminalPane.js';
export { REPLAY_SPEEDS, ReplayPane, type ReplayPaneProps } from './ReplayPane.js';
