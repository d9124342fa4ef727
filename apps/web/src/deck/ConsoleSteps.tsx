import type { ConsoleBlock } from '@lecture/slides';
import type { TerminalPaneHandle } from '@lecture/terminal';
import { type MouseEvent, useState } from 'react';
import { useDeck } from './context';

/**
 * The commands of a demo. For the presenter each is a button that types it into the slide's
 * terminal (the server also refuses input from anyone else); the audience sees plain text.
 */
export function ConsoleSteps({ block, panes }: { block: ConsoleBlock; panes: Map<string, TerminalPaneHandle> }) {
  const { role } = useDeck();
  const [done, setDone] = useState<ReadonlySet<number>>(new Set());
  const presenter = role === 'presenter';
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
        const run = (event: MouseEvent<HTMLButtonElement>) => {
          const pane = panes.get(block.pane);
          if (pane?.send(line.step.send)) setDone((d) => new Set(d).add(i));
          // The keyboard goes back to the deck, not to the terminal nor this button (where Space
          // or Enter would run the step again): a clicker's PageDown moves to the next slide.
          event.currentTarget.blur();
        };
        return presenter ? (
          <button
            key={i}
            type="button"
            className={`console-steps__step${done.has(i) ? ' console-steps__step--done' : ''}`}
            data-step={i}
            title="Run in the terminal"
            onClick={run}
          >
            <span className="console-steps__prompt">$</span> <code>{line.step.display}</code>
          </button>
        ) : (
          <div key={i} className="console-steps__step console-steps__step--static">
            <span className="console-steps__prompt">$</span> <code>{line.step.display}</code>
          </div>
        );
      })}
    </div>
  );
}
