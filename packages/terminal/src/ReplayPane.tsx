import { FitAddon } from '@xterm/addon-fit';
import { SerializeAddon } from '@xterm/addon-serialize';
import { Terminal } from '@xterm/xterm';
import { type Cast, parseCast } from '@lecture/protocol';
import { type CSSProperties, useEffect, useRef, useState } from 'react';
import { useCreated } from './created.js';
import { cssFontFamily, fitFont } from './fit.js';

export interface ReplayPaneProps {
  /** URL of the asciicast v2 file. */
  readonly src: string;
  readonly pane: string;
  /** Play while true (the slide is shown); pause when it turns false. */
  readonly active?: boolean;
  /** The slide is next to the one shown: make the terminal ahead, in idle time (TerminalPane). */
  readonly preload?: boolean;
  /**
   * Show the final screen at once, as static text (the PDF): no controls, no animation, the
   * screen rendered to HTML by xterm's serialize addon so that it prints as real text.
   */
  readonly instant?: boolean;
  /** Why a replay is shown instead of a live shell (e.g. "No Docker Engine is reachable"). */
  readonly reason?: string;
  /** Multiplies the font size the CSS gives the pane (the back-row buttons). */
  readonly fontScale?: number;
}

export const REPLAY_SPEEDS = [1, 2, 4] as const;
const MIN_FONT_PX = 5;

type Load = { status: 'loading' } | { status: 'ready'; cast: Cast } | { status: 'missing'; message: string };

function formatTime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * A recorded demo, played into an xterm.js terminal: clearly labelled "Replay", with play and
 * pause, speed and a seek bar. It starts on the recording's first frame (the screen as the slide
 * began) and plays while its slide is shown. DOM signals: `data-terminal-state="replay"`, and
 * `data-replay-done="true"` once the end is on screen.
 */
export function ReplayPane(props: ReplayPaneProps) {
  const { src, pane, active = true, instant = false, reason } = props;
  const hostRef = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const fitRef = useRef<FitAddon | null>(null);
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<number>(1);
  const [position, setPosition] = useState(0);
  const [done, setDone] = useState(false);
  const [html, setHtml] = useState<string | undefined>();
  /** The final screen's grid: the static text is sized from it by CSS (container units). */
  const [size, setSize] = useState<{ cols: number; rows: number } | undefined>();
  /** Playback: the time shown, and the index of the next event to write. */
  const play = useRef({ time: 0, next: 0 });
  const cast = load.status === 'ready' ? load.cast : undefined;
  const fontScale = props.fontScale ?? 1;
  const fontScaleRef = useRef(fontScale);
  fontScaleRef.current = fontScale;
  // Made when its slide is shown or is next to it, not at page load; the PDF's (instant) at once.
  const created = useCreated(active || instant, props.preload ?? false);

  useEffect(() => {
    let cancelled = false;
    setLoad({ status: 'loading' });
    fetch(src)
      .then(async (response) => {
        if (!response.ok) throw new Error(response.status === 404 ? 'there is no recording of this demo' : `HTTP ${response.status}`);
        return parseCast(await response.text());
      })
      .then(
        (parsed) => !cancelled && setLoad({ status: 'ready', cast: parsed }),
        (error: unknown) =>
          !cancelled && setLoad({ status: 'missing', message: `No replay: ${error instanceof Error ? error.message : String(error)}.` }),
      );
    return () => {
      cancelled = true;
    };
  }, [src]);

  // Fit the font so the recording's cols × rows fill the pane (never CSS-scaled: stays sharp).
  const layout = () => {
    const term = termRef.current;
    const fit = fitRef.current;
    const host = hostRef.current;
    if (!term || !fit || !host) return;
    fitFont(term, fit, host, { scale: fontScaleRef.current, minPx: MIN_FONT_PX, grid: { cols: term.cols, rows: term.rows } });
  };

  // The terminal, once the recording is loaded (its size is the recording's).
  // biome-ignore lint/correctness/useExhaustiveDependencies: once per recording; layout and advance read refs
  useEffect(() => {
    const host = hostRef.current;
    if (!host || !cast || !created) return;
    const term = new Terminal({
      cols: cast.header.width,
      rows: cast.header.height,
      allowProposedApi: true,
      disableStdin: true,
      cursorBlink: false,
      cursorInactiveStyle: 'none',
      fontFamily: cssFontFamily(host),
      scrollback: 1000,
      theme: { background: '#101418', foreground: '#e6e6e6', cursor: '#f5c542', selectionBackground: '#3a5a80' },
    });
    const fit = new FitAddon();
    const serializer = new SerializeAddon();
    term.loadAddon(fit);
    term.loadAddon(serializer as never);
    termRef.current = term;
    fitRef.current = fit;
    play.current = { time: 0, next: 0 };
    setDone(false);
    setPosition(0);
    if (instant) {
      // The final screen, as HTML text: what the PDF shows.
      term.open(host);
      const all = cast.events.map((e) => (e[1] === 'o' ? e[2] : '')).join('');
      term.write(all, () => {
        setSize({ cols: term.cols, rows: term.rows });
        setHtml(serializer.serializeAsHTML({ scrollback: 0, includeGlobalBackground: true }));
        play.current = { time: cast.duration, next: cast.events.length };
        setPosition(cast.duration);
        setDone(true);
      });
    } else {
      term.open(host);
      // The first frame (t=0): the screen as the slide began.
      advance(term, cast, 0);
      const observer = new ResizeObserver(() => layout());
      observer.observe(host);
      layout();
      return () => {
        observer.disconnect();
        serializer.dispose();
        term.dispose();
        termRef.current = null;
        fitRef.current = null;
      };
    }
    return () => {
      serializer.dispose();
      term.dispose();
      termRef.current = null;
      fitRef.current = null;
    };
  }, [cast, instant, created]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: refit when the font scale changes
  useEffect(() => layout(), [fontScale]);

  /** Write the events up to `time` (from the start again when seeking back). */
  function advance(term: Terminal, c: Cast, time: number): void {
    const state = play.current;
    if (time < state.time) {
      term.reset();
      state.next = 0;
    }
    let chunk = '';
    while (state.next < c.events.length && (c.events[state.next] as Cast['events'][number])[0] <= time) {
      const [, code, data] = c.events[state.next] as Cast['events'][number];
      if (code === 'o') chunk += data;
      else if (code === 'r') {
        if (chunk) term.write(chunk);
        chunk = '';
        const [cols, rows] = data.split('x').map(Number);
        if (cols && rows) term.resize(cols, rows);
      }
      state.next++;
    }
    state.time = time;
    const end = state.next >= c.events.length;
    if (chunk) term.write(chunk, () => end && time >= c.duration && setDone(true));
    else if (end && time >= c.duration) setDone(true);
  }

  // Play while the slide is shown.
  useEffect(() => {
    if (instant || !cast) return;
    setPlaying(active && play.current.time < cast.duration);
  }, [active, cast, instant]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: advance reads refs
  useEffect(() => {
    const term = termRef.current;
    if (!playing || !cast || !term) return;
    let last = performance.now();
    let frame = requestAnimationFrame(function tick(now) {
      const time = Math.min(cast.duration, play.current.time + ((now - last) / 1000) * speed);
      last = now;
      advance(term, cast, time);
      setPosition(time);
      if (time >= cast.duration) {
        setPlaying(false);
        return;
      }
      frame = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(frame);
  }, [playing, cast, speed]);

  const seek = (time: number) => {
    const term = termRef.current;
    if (!term || !cast) return;
    setDone(false);
    advance(term, cast, time);
    setPosition(time);
  };

  const toggle = () => {
    if (!cast) return;
    if (!playing && play.current.time >= cast.duration) seek(0);
    setPlaying((p) => !p);
  };

  return (
    <div
      className={`terminal-pane replay-pane${instant ? ' replay-pane--instant' : ''}`}
      data-pane={pane}
      data-terminal-state="replay"
      data-replay-done={done || load.status === 'missing' ? 'true' : 'false'}
      {...(load.status === 'missing' ? { 'data-replay-missing': 'true' } : {})}
      {...(cast ? { 'data-replay-duration': cast.duration.toFixed(1) } : {})}
    >
      <div className="replay-pane__banner">
        <span className="replay-pane__label">Replay</span>
        {reason && <span className="replay-pane__reason">{reason}</span>}
      </div>
      <div className="terminal-pane__host replay-pane__host" ref={hostRef} style={html ? { display: 'none' } : undefined} />
      {html && (
        <div className="replay-pane__screen">
          <div
            className="replay-pane__text"
            style={{ '--cols': size?.cols ?? 80, '--rows': size?.rows ?? 24 } as CSSProperties}
            dangerouslySetInnerHTML={{ __html: html }}
          />
        </div>
      )}
      {load.status === 'missing' && (
        <div className="terminal-pane__status terminal-pane__status--error" role="status">
          {load.message}
        </div>
      )}
      {!instant && cast && (
        <div className="replay-pane__controls">
          <button type="button" onClick={toggle} aria-label={playing ? 'Pause' : 'Play'} title={playing ? 'Pause' : 'Play'}>
            {playing ? '❚❚' : '▶'}
          </button>
          <input
            type="range"
            className="replay-pane__seek"
            aria-label="Seek"
            min={0}
            max={cast.duration}
            step={0.05}
            value={position}
            onChange={(e) => seek(Number(e.currentTarget.value))}
          />
          <span className="replay-pane__time">
            {formatTime(position)} / {formatTime(cast.duration)}
          </span>
          {REPLAY_SPEEDS.map((s) => (
            <button key={s} type="button" className="replay-pane__speed" aria-pressed={speed === s} onClick={() => setSpeed(s)}>
              {s}×
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
