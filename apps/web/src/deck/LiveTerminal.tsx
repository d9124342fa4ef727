import type { TerminalBlock } from '@lecture/slides';
import { TerminalPane, type TerminalPaneHandle, type PaneState } from '@lecture/terminal';
import { useCallback, useState } from 'react';
import { useDeck } from './context';

const SCALES = [0.6, 0.7, 0.8, 0.9, 1, 1.15, 1.3, 1.5, 1.75, 2];

function releaseFocus(): void {
  (document.activeElement as HTMLElement | null)?.blur?.();
  document.querySelector<HTMLElement>('.reveal')?.focus?.();
}

/** A terminal block on a slide: the pane with its title bar (font size, maximise). */
export function LiveTerminal({
  block,
  active,
  register,
  scope = 'presenter',
}: {
  block: TerminalBlock;
  active: boolean;
  register: (handle: TerminalPaneHandle | null) => void;
  scope?: 'presenter' | 'sandbox';
}) {
  const { client, receiver, print } = useDeck();
  const [scaleIndex, setScaleIndex] = useState(() => {
    const stored = localStorage.getItem('lecture.terminalScale');
    const saved = stored === null ? Number.NaN : Number(stored);
    return Number.isInteger(saved) && saved >= 0 && saved < SCALES.length ? saved : SCALES.indexOf(1);
  });
  const [maximised, setMaximised] = useState(false);
  const [state, setState] = useState<PaneState>('connecting');
  const scale = (delta: number) =>
    setScaleIndex((i) => {
      const next = Math.min(SCALES.length - 1, Math.max(0, i + delta));
      localStorage.setItem('lecture.terminalScale', String(next));
      return next;
    });
  const ref = useCallback((handle: TerminalPaneHandle | null) => register(handle), [register]);

  return (
    <div className={`live-terminal${maximised ? ' live-terminal--maximised' : ''}`} data-pane-frame={block.pane}>
      <div className="live-terminal__bar">
        <span className={`live-terminal__dot live-terminal__dot--${state}`} />
        <span className="live-terminal__title">{block.title ?? block.pane}</span>
        <span className="live-terminal__env">{block.env}</span>
        <span className="live-terminal__spacer" />
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
        {client && !receiver && !print ? (
          <TerminalPane
            ref={ref}
            client={client}
            pane={block.pane}
            env={block.env}
            scope={scope}
            active={active}
            fontScale={SCALES[scaleIndex]}
            onEscape={releaseFocus}
            onStateChange={setState}
          />
        ) : (
          <div className="terminal-placeholder" data-pane={block.pane} data-terminal-state="placeholder">
            Live terminal “{block.title ?? block.pane}” ({block.env})
          </div>
        )}
      </div>
      <div className="live-terminal__hint">Click to type · Ctrl+] back to the slides</div>
    </div>
  );
}
