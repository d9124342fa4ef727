/**
 * The protocol's client: one socket, hello, reconnection with backoff, per-pane resume and
 * acknowledgement, typed sends. Framework-free (no DOM, no React): the browser's deck, the
 * recording tool, the tests and the benchmarks all talk to the server through it.
 */
export {
  type ConnectionStatus,
  type HallMessage,
  type HallSend,
  LectureClient,
  OUTPUT_SLICE_CHARS,
  type LectureClientOptions,
  PaneChannel,
  type PaneEvents,
  type PaneMessage,
  type PaneRequest,
  type PaneSend,
  type PaneState,
} from './client.js';
export { type SocketFactory, type SocketLike, randomId } from './socket.js';
