import type { LectureClient, PaneChannel, PaneState } from '@lecture/client';
import { DisposableStore, toDisposable } from '@lecture/protocol';
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { type Ref, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { useCreated } from './created.js';
import { cssFontFamily, fitFont } from './fit.js';
import { CursorFollower } from './follow.js';

export type { PaneState };

export interface TerminalPaneHandle {
  /** Type into the shell (click-to-run); false when the pane cannot take input now. */
  send(data: string): boolean;
  focus(): void;
  /** The text of the row the cursor is on (where a prompt is): click-to-run watches it. */
  cursorLine(): string;
  /** Called whenever xterm.js has parsed output; returns the unsubscribe. */
  onOutput(listener: () => void): () => void;
  /** Presenter: start or stop recording this pane on the server; false when not connected. */
  record(start: boolean): boolean;
  /** End the shell for good (its container is removed); the pane shows it as closed. */
  end(): void;
}

export interface TerminalPaneProps {
  readonly client: LectureClient;
  readonly pane: string;
  readonly env: string;
  readonly scope?: 'presenter' | 'sandbox';
  /** Connect only while true (the slide is shown); the screen stays when it turns false. */
  readonly active: boolean;
  /**
   * The slide is next to the one shown: create the terminal now, in idle time, so that it is
   * ready when the slide arrives. Without it (and never active) a pane creates no terminal.
   */
  readonly preload?: boolean;
  readonly title?: string;
  /** Multiplies the font size the CSS gives the pane (the back-row buttons). */
  readonly fontScale?: number;
  readonly ref?: Ref<TerminalPaneHandle>;
  /** Called when the user presses the key that returns focus to the slides. */
  readonly onEscape?: () => void;
  readonly onStateChange?: (state: PaneState) => void;
  /** The server says whether this pane is being recorded (presenter). */
  readonly onRecording?: (recording: boolean, file?: string) => void;
}

/** The key that hands the keyboard back to the deck while a terminal has focus. */
export const RELEASE_KEY = { ctrlKey: true, key: ']' } as const;

const MIN_FONT_PX = 6;
/**
 * A mirror never shrinks the lecturer's grid below this: on a phone, 100 columns at 4 px are
 * unreadable, so the mirror keeps 11 px text and scrolls sideways instead.
 */
const MIN_MIRROR_FONT_PX = 11;

/**
 * A live shell on a slide: a thin binding between xterm.js and the client's pane channel, which
 * owns the protocol (resume position, acknowledgements, the pane's state). Here: xterm writes,
 * input, fit. The terminal is never scaled with CSS: its font is sized from the pane's CSS
 * font-size, so it stays sharp and the mouse maps to the right cells. Output is acknowledged
 * once xterm.js has parsed it (flow control).
 */
export function TerminalPane(props: TerminalPaneProps) {
  const { client, pane, env, active, scope = 'presenter' } = props;
  const hostRef = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const fitRef = useRef<FitAddon | null>(null);
  const channelRef = useRef<PaneChannel | null>(null);
  const [state, setState] = useState<PaneState>('connecting');
  const [message, setMessage] = useState<string | undefined>();
  const [mode, setMode] = useState<'driver' | 'viewer'>('driver');
  /** A passing notice over a working terminal (a paste that was too large), cleared after a while. */
  const [notice, setNotice] = useState<string | undefined>();
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(undefined), 8000);
    return () => clearTimeout(timer);
  }, [notice]);
  // Bumped to reopen the channel: a viewer follows the lecturer to a fresh shell.
  const [epoch, setEpoch] = useState(0);
  const fontScale = props.fontScale ?? 1;
  const fontScaleRef = useRef(fontScale);
  fontScaleRef.current = fontScale;
  const propsRef = useRef(props);
  propsRef.current = props;
  const followerRef = useRef<CursorFollower | null>(null);
  // Made when its slide is shown or is next to the one shown, not at page load.
  const created = useCreated(active, props.preload ?? false);

  // Size the font from CSS, then fit: the driver's cols/rows follow the pane, a viewer's font
  // follows the driver's grid.
  const layout = () => {
    const term = termRef.current;
    const host = hostRef.current;
    const fit = fitRef.current;
    if (!term || !host || !fit) return;
    const channel = channelRef.current;
    const grid = channel?.mode === 'viewer' ? channel.grid : undefined;
    const minPx = grid ? MIN_MIRROR_FONT_PX : MIN_FONT_PX;
    if (!fitFont(term, fit, host, { scale: fontScaleRef.current, minPx, ...(grid ? { grid } : {}) })) return;
    if (grid) {
      followerRef.current?.follow();
      return;
    }
    const proposed = fit.proposeDimensions();
    if (!proposed || !Number.isFinite(proposed.cols) || proposed.cols < 2 || proposed.rows < 1) return;
    if (proposed.cols !== term.cols || proposed.rows !== term.rows) {
      term.resize(proposed.cols, proposed.rows);
      channel?.send({ type: 'resize', cols: term.cols, rows: term.rows });
    }
  };

  // The terminal lives as long as the component once created: navigating away keeps its screen.
  // biome-ignore lint/correctness/useExhaustiveDependencies: created once per mount; layout() reads refs only
  useEffect(() => {
    const host = hostRef.current;
    if (!host || !created) return;
    const term = new Terminal({
      allowProposedApi: false,
      convertEol: false,
      // Steady, as VS Code's terminal: xterm.js blinks with a CSS animation that it restarts at
      // every rendered frame of output (a flood paints measurably slower), and a screenshot or a
      // PDF page could catch it dark.
      cursorBlink: false,
      fontFamily: cssFontFamily(host),
      scrollback: 5000,
      theme: { background: '#101418', foreground: '#e6e6e6', cursor: '#f5c542', selectionBackground: '#3a5a80' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host);
    termRef.current = term;
    fitRef.current = fit;
    term.attachCustomKeyEventHandler((event) => {
      if (event.type === 'keydown' && event.ctrlKey === RELEASE_KEY.ctrlKey && event.key === RELEASE_KEY.key) {
        term.blur();
        propsRef.current.onEscape?.();
        return false;
      }
      return true;
    });
    // DOM signals for tests and styling: the grid size and what the mouse selected.
    const frame = host.parentElement;
    // Everything this mount owns, given back together.
    const owned = new DisposableStore();
    const sized = term.onResize(({ cols, rows }) => {
      frame?.setAttribute('data-cols', String(cols));
      frame?.setAttribute('data-rows', String(rows));
    });
    frame?.setAttribute('data-cols', String(term.cols));
    frame?.setAttribute('data-rows', String(term.rows));
    owned.add(sized);
    // The whole buffer, scrollback included, without trailing empty lines, for tests: the DOM
    // renderer holds only the visible rows, and a long output scrolls the command that made it
    // out of them.
    if (frame) {
      Object.defineProperty(frame, 'bufferText', { configurable: true, value: () => bufferText(term) });
      owned.add(toDisposable(() => Reflect.deleteProperty(frame, 'bufferText')));
    }
    const selected = term.onSelectionChange(() => frame?.setAttribute('data-selection', term.getSelection().slice(0, 1000)));
    owned.add(selected);
    owned.add(
      term.onData((data) => {
        // Chunked and paced by the client: a 1 MiB paste arrives whole, or the pane says why not.
        if (channelRef.current?.mode === 'driver') channelRef.current.input(data);
      }),
    );
    // Keys typed into the terminal belong to the shell, never to the slides.
    const stopKeys = (event: KeyboardEvent) => event.stopPropagation();
    host.addEventListener('keydown', stopKeys);
    owned.add(toDisposable(() => host.removeEventListener('keydown', stopKeys)));
    const follower = new CursorFollower(term, host, () => channelRef.current?.mode === 'viewer');
    followerRef.current = follower;
    owned.add(follower);
    const observer = new ResizeObserver(() => layout());
    observer.observe(host);
    owned.add(toDisposable(() => observer.disconnect()));
    // Last in, so disposed last: the listeners above go before the terminal they listen to.
    owned.add(term);
    layout();
    return () => {
      owned.dispose();
      termRef.current = null;
      fitRef.current = null;
      followerRef.current = null;
    };
  }, [created]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: layout() reads refs; re-run when the scale changes
  useEffect(() => layout(), [fontScale]);

  // The channel, while active. Its resume state outlives it: the next channel of this pane
  // continues from what this terminal shows.
  const resume = useRef<PaneChannel['resumePoint']>(undefined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reconnect only when these change; the rest are refs
  useEffect(() => {
    const term = termRef.current;
    if (!active || !term) return;
    const changeState = (next: PaneState, text?: string) => {
      setState(next);
      setMessage(text);
      propsRef.current.onStateChange?.(next);
    };
    changeState('connecting');
    let reopen: ReturnType<typeof setTimeout> | undefined;
    const channel = client.open(
      {
        pane,
        env,
        scope,
        size: () => ({ cols: Math.max(2, term.cols), rows: Math.max(1, term.rows) }),
        ack: 'rendered',
        ...(resume.current ? { resume: resume.current } : {}),
      },
      {
        onPaneState: changeState,
        onOpened: (m, reset) => {
          setMode(m.mode);
          // Reset through the write queue: output still queued must not land on the new screen.
          if (reset && m.resume !== 'snapshot') term.write('\x1bc');
          layout();
        },
        onSnapshot: (m) => {
          layout();
          // RIS then the screen, in the write queue after whatever was still being parsed.
          term.write(`\x1bc${m.data}`);
        },
        // Acknowledged once xterm.js has parsed it, as VS Code's pty host expects.
        onOutput: (data, seq) => term.write(data, () => channel.parsed(seq)),
        onResized: () => layout(),
        onClosed: () => {
          propsRef.current.onRecording?.(false);
          // The lecturer ended this shell (e.g. "New shell"): a mirror waits for the next one.
          if (channel.mode === 'viewer') reopen = setTimeout(() => setEpoch((e) => e + 1), 500);
        },
        onRecording: (m) => propsRef.current.onRecording?.(m.recording, m.file),
        onInputRefused: (text) => setNotice(text),
      },
    );
    channelRef.current = channel;
    return () => {
      clearTimeout(reopen);
      resume.current = channel.resumePoint;
      channelRef.current = null;
      channel.close(false);
    };
  }, [active, client, pane, env, scope, epoch, created]);

  useImperativeHandle(
    props.ref,
    () => ({
      send(data: string) {
        const channel = channelRef.current;
        if (channel?.mode !== 'driver' || state !== 'ready') return false;
        return channel.input(data);
      },
      focus() {
        termRef.current?.focus();
      },
      end() {
        channelRef.current?.close(true);
        channelRef.current = null;
      },
      record(start: boolean) {
        const channel = channelRef.current;
        if (channel?.mode !== 'driver') return false;
        return channel.send({ type: 'record', action: start ? 'start' : 'stop' });
      },
      cursorLine() {
        const buffer = termRef.current?.buffer.active;
        return buffer?.getLine(buffer.baseY + buffer.cursorY)?.translateToString(true) ?? '';
      },
      onOutput(listener: () => void) {
        const subscription = termRef.current?.onWriteParsed(listener);
        return () => subscription?.dispose();
      },
    }),
    [state],
  );

  return (
    <div
      className={`terminal-pane terminal-pane--${state} terminal-pane--${mode}`}
      data-pane={pane}
      data-env={env}
      data-terminal-state={state}
      data-terminal-mode={mode}
    >
      {/* xterm.js focuses itself on a click into the host. */}
      <div className="terminal-pane__host" ref={hostRef} />
      {notice && (
        <div className="terminal-pane__notice" role="alert">
          {notice}
        </div>
      )}
      {state !== 'ready' && (
        <div className={`terminal-pane__status terminal-pane__status--${state}`} role="status">
          {state === 'connecting' && (message ?? 'Connecting…')}
          {state === 'error' && (message ?? 'This terminal is unavailable.')}
          {state === 'exited' && (
            <>
              {message ?? 'The shell has exited.'}
              {mode === 'driver' && (
                <button
                  type="button"
                  onClick={() =>
                    // An ended session cannot restart: reopening the pane starts a new one.
                    channelRef.current?.ended !== false ? setEpoch((e) => e + 1) : channelRef.current.send({ type: 'restart' })
                  }
                >
                  Restart shell
                </button>
              )}
            </>
          )}
        </div>
      )}
    </div>
  );
}

function bufferText(term: Terminal): string {
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
  return lines.join('\n').replace(/\n+$/, '');
}
