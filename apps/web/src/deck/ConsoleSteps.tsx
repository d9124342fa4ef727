import type { ConsoleBlock } from '@lecture/slides';
import type { TerminalPaneHandle } from '@lecture/terminal';
import { useEffect, useMemo, useReducer } from 'react';
import { useDeck } from './context';
import { StepRunner, isKeyStep } from './steps';
import './steps.css';

/**
 * The commands of a demo. For the presenter each is a button that types it into the slide's
 * terminal (the server also refuses input from anyone else); the audience sees plain text.
 * A StepRunner (steps.ts) decides when: a running step shows it until the prompt is back, a
 * step clicked meanwhile waits its turn in a visible queue.
 */
export function ConsoleSteps({ block, panes, slide }: { block: ConsoleBlock; panes: Map<string, TerminalPaneHandle>; slide: string }) {
  const { role, hall } = useDeck();
  const presenter = role === 'presenter';
  const runner = useMemo(
    () => new StepRunner({ demo: slide, pane: block.pane, target: () => panes.get(block.pane) }),
    [slide, block.pane, panes],
  );
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const off = runner.onChange(rerender);
    return () => {
      off();
      runner.dispose();
    };
  }, [runner]);
  // "Reset demos": the shells are fresh, so no step is running, queued or done any more.
  const resetting = hall.demos?.state === 'resetting';
  useEffect(() => {
    if (resetting) runner.reset();
  }, [resetting, runner]);
  let stepIndex = -1;
  return (
    <div className="console-steps" data-console-pane={block.pane}>
      {block.lines.map((line, i) => {
        if (line.kind === 'output') {
          return line.text.trim() ? (
            <div key={i} className="console-steps__output">
              {line.text}
            </div>
          ) : null;
        }
        stepIndex++;
        const keys = isKeyStep(line.step.send);
        const content = (
          <>
            <span className="console-steps__prompt">{keys ? '⌨' : '$'}</span> <code>{line.step.display}</code>
          </>
        );
        if (!presenter) {
          return (
            <div key={i} className={`console-steps__step console-steps__step--static${keys ? ' console-steps__step--keys' : ''}`}>
              {content}
            </div>
          );
        }
        const phase = runner.phase(i);
        const place = runner.queuePosition(i);
        return (
          <button
            key={i}
            type="button"
            className={['console-steps__step', keys ? 'console-steps__step--keys' : '', phase ? `console-steps__step--${phase}` : '']
              .filter(Boolean)
              .join(' ')}
            data-step={stepIndex}
            data-step-state={phase ?? 'idle'}
            aria-busy={phase === 'running'}
            title={
              phase === 'queued'
                ? 'Queued: typed when the running step has finished (click to take it back)'
                : phase === 'running'
                  ? 'Running: waiting for the prompt to come back'
                  : keys
                    ? 'Send these keys to the terminal'
                    : 'Run in the terminal'
            }
            onClick={(event) => {
              runner.click({ index: i, send: line.step.send });
              // The keyboard goes back to the deck, not to the terminal nor this button (where Space
              // or Enter would run the step again): a clicker's PageDown moves to the next slide.
              event.currentTarget.blur();
            }}
          >
            {content}
            {phase === 'running' && <span className="console-steps__badge console-steps__badge--running">running</span>}
            {phase === 'queued' && <span className="console-steps__badge console-steps__badge--queued">queued {place}</span>}
          </button>
        );
      })}
    </div>
  );
}
