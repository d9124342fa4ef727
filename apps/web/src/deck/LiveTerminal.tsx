import type { TerminalBlock } from '@lecture/slides';
import { ReplayPane, TerminalPane, type TerminalPaneHandle, type PaneState } from '@lecture/terminal';
import { type CSSProperties, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { pageMode } from '../mode';
import { useBridged } from './bridge';
import { useDeck } from './context';
import { STATIC_BUILD, recordingUrl, useBackendProblem } from './replay';

const SCALES = [0.6, 0.7, 0.8, 0.9, 1, 1.15, 1.3, 1.5, 1.75, 2];

function releaseFocus(): void {
  (document.activeElement as HTMLElement | null)?.blur?.();
  document.querySelector<HTMLElement>('.reveal')?.focus?.();
}

/**
 * A terminal block on a slide: the pane with its title bar (font size, maximise, and for the
 * presenter ● REC). A demo pane (one with a `recording`) replays its recording instead of a live
 * shell in the print view, in the static copy, with `?replay`, and when the server has no
 * container engine, saying why.
 */
export function LiveTerminal({
  block,
  active,
  preload = false,
  register,
  scope = 'presenter',
  recording,
}: {
  block: TerminalBlock;
  active: boolean;
  /** The slide is next to the one shown: create the live terminal ahead of it (TerminalPane). */
  preload?: boolean;
  register: (handle: TerminalPaneHandle | null) => void;
  scope?: 'presenter' | 'sandbox';
  /** Name of the demo's recording (`recordings/<name>.cast`), when it has one. */
  recording?: string;
}) {
  const { client, receiver, print, role } = useDeck();
  const forced = useMemo(() => pageMode().replay, []);
  const canReplay = recording !== undefined && !receiver && (scope === 'presenter' || print || forced);
  const [problem, recheck] = useBackendProblem(canReplay && !forced && !print);
  const replay = canReplay && (print || forced || problem !== undefined);
  const reason = forced
    ? STATIC_BUILD
      ? 'A recording of the demo: this copy of the lecture has no live shells.'
      : 'Replay requested with ?replay.'
    : problem
      ? `${problem} Showing the recorded demo instead.`
      : undefined;
  const handleRef = useRef<TerminalPaneHandle | null>(null);
  const [recordingFile, setRecordingFile] = useState<{ on: boolean; file?: string }>({ on: false });
  const [scaleIndex, setScaleIndex] = useState(() => {
    const stored = localStorage.getItem('lecture.terminalScale');
    const saved = stored === null ? Number.NaN : Number(stored);
    return Number.isInteger(saved) && saved >= 0 && saved < SCALES.length ? saved : SCALES.indexOf(1);
  });
  const [maximised, setMaximised] = useState(false);
  // While a terminal is maximised the deck's own chrome (arrows, slide number, presenter strip)
  // steps aside, so nothing covers the terminal's last row.
  useEffect(() => {
    if (!maximised) return;
    document.documentElement.classList.add('terminal-maximised');
    // Esc restores the pane (unless the shell has the keyboard: there Esc belongs to the shell,
    // Ctrl+] first), and never reaches reveal, which would open the overview behind it.
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || (event.target as Element | null)?.closest?.('.terminal-pane__host')) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      setMaximised(false);
    };
    window.addEventListener('keydown', onKey, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      document.documentElement.classList.remove('terminal-maximised');
    };
  }, [maximised]);
  // Bumped by "New sandbox": remounts the pane, which opens a fresh sandbox.
  const [generation, setGeneration] = useState(0);
  const [state, setState] = useState<PaneState>('connecting');
  const scale = (delta: number) =>
    setScaleIndex((i) => {
      const next = Math.min(SCALES.length - 1, Math.max(0, i + delta));
      localStorage.setItem('lecture.terminalScale', String(next));
      return next;
    });
  const ref = useCallback(
    (handle: TerminalPaneHandle | null) => {
      handleRef.current = handle;
      register(handle);
    },
    [register],
  );
  const onState = useCallback(
    (next: PaneState) => {
      setState(next);
      // A shell that could not start may have met a missing engine: ask the server again.
      if (next === 'error' && recording !== undefined) recheck();
    },
    [recheck, recording],
  );
  const live = client && !receiver && !print && !replay;

  return (
    <div className={`live-terminal${maximised ? ' live-terminal--maximised' : ''}`} data-pane-frame={block.pane}>
      <div className="live-terminal__bar">
        <span className={`live-terminal__dot live-terminal__dot--${replay ? 'replay' : state}`} />
        <span className="live-terminal__title">{block.title ?? block.pane}</span>
        <span className="live-terminal__env">{block.env}</span>
        <span className="live-terminal__spacer" />
        {live && role === 'presenter' && scope === 'presenter' && (
          <button
            type="button"
            className={`live-terminal__rec${recordingFile.on ? ' live-terminal__rec--on' : ''}`}
            aria-pressed={recordingFile.on}
            data-recording={recordingFile.on ? 'true' : 'false'}
            title={
              recordingFile.on
                ? `Recording to recordings/${recordingFile.file ?? 'live/'}: click to stop`
                : recordingFile.file
                  ? `Saved recordings/${recordingFile.file}. Click to record again`
                  : 'Record this terminal (asciicast, on the server)'
            }
            disabled={state !== 'ready' && !recordingFile.on}
            onClick={() => handleRef.current?.record(!recordingFile.on)}
          >
            ● REC
          </button>
        )}
        {live && (scope === 'sandbox' || role === 'presenter') && (
          <button
            type="button"
            title={
              scope === 'sandbox'
                ? 'Throw this sandbox away and start a fresh one'
                : 'End this shell and start a fresh one (a new container, except in the shared lab)'
            }
            onClick={() => {
              if (scope === 'presenter' && !window.confirm('End this shell and start a fresh one?')) return;
              handleRef.current?.end();
              setGeneration((g) => g + 1);
            }}
          >
            {scope === 'sandbox' ? 'New sandbox' : 'New shell'}
          </button>
        )}
        <button type="button" title="Smaller font" aria-label="Smaller font" onClick={() => scale(-1)}>
          A−
        </button>
        <button type="button" title="Larger font" aria-label="Larger font" onClick={() => scale(1)}>
          A+
        </button>
        <button
          type="button"
          title={maximised ? 'Back to the slide' : 'Maximise the terminal'}
          aria-label={maximised ? 'Restore terminal' : 'Maximise terminal'}
          onClick={() => setMaximised((m) => !m)}
        >
          {maximised ? '⤡' : '⤢'}
        </button>
      </div>
      <div className="live-terminal__body">
        {replay && recording ? (
          <ReplayPane
            src={recordingUrl(recording)}
            pane={block.pane}
            active={active}
            preload={preload}
            instant={print}
            {...(reason ? { reason } : {})}
            fontScale={SCALES[scaleIndex]}
          />
        ) : live ? (
          <TerminalPane
            // A new generation is a new pane: a fresh sandbox, not a reconnection to the old one.
            key={generation}
            ref={ref}
            client={client}
            pane={block.pane}
            env={block.env}
            scope={scope}
            active={active}
            preload={preload}
            fontScale={SCALES[scaleIndex]}
            onEscape={releaseFocus}
            onStateChange={onState}
            onRecording={(on, file) => setRecordingFile({ on, ...(file ? { file } : {}) })}
          />
        ) : receiver ? (
          <SpeakerMirror pane={block.pane} />
        ) : (
          <div className="terminal-placeholder" data-pane={block.pane} data-terminal-state="placeholder">
            Live terminal “{block.title ?? block.pane}” ({block.env})
          </div>
        )}
      </div>
      {!replay && (
        <div className="live-terminal__hint">
          {role === 'presenter' || scope === 'sandbox'
            ? 'Click to type · Ctrl+] back to the slides'
            : 'The lecturer’s terminal, live (read-only)'}
        </div>
      )}
    </div>
  );
}

/**
 * In the speaker view: the deck's live terminal, mirrored read-only as text (from the deck's
 * own window, see bridge.ts: no socket, no shell), fitted to the pane like a replay's screen.
 */
function SpeakerMirror({ pane }: { pane: string }) {
  const screen = useBridged((bridge) => bridge.screen(pane));
  const style = { '--cols': screen?.cols ?? 80, '--rows': screen?.rows.length ?? 24 } as CSSProperties;
  return (
    <div className="terminal-mirror" data-pane={pane} data-terminal-state={screen ? 'mirror' : 'waiting'} style={style}>
      {screen ? (
        <pre className="terminal-mirror__text">{screen.rows.join('\n')}</pre>
      ) : (
        <div className="terminal-mirror__wait">Live terminal: shown here while the deck shows it.</div>
      )}
    </div>
  );
}
