export { TerminalClient, type Channel, type ChannelHandlers, type ChannelRequest, type ConnectionStatus } from './client.js';
export { RELEASE_KEY, TerminalPane, type PaneState, type TerminalPaneHandle, type TerminalPaneProps } from './TerminalPane.js';
export { REPLAY_SPEEDS, ReplayPane, type ReplayPaneProps } from './ReplayPane.js';
