import type { Block, Slide } from '@lecture/slides';
import type { TerminalPaneHandle } from '@lecture/terminal';
import { useRef } from 'react';
import { ConsoleSteps } from './ConsoleSteps';
import { LiveTerminal } from './LiveTerminal';

/** One slide's content, laid out: text (and commands) on one side, the terminal on the other. */
export function SlideBody({ slide, active }: { slide: Slide; active: boolean }) {
  const panes = useRef(new Map<string, TerminalPaneHandle>());
  const terminals = slide.blocks.filter((b): b is Extract<Block, { kind: 'terminal' }> => b.kind === 'terminal');
  const content = slide.blocks.filter((b) => b.kind !== 'terminal');
  const body = content.map((block, i) => {
    switch (block.kind) {
      case 'html':
        // biome-ignore lint/security/noDangerouslySetInnerHtml: the deck's own content, parsed at build time
        return <div key={i} className="block-html" dangerouslySetInnerHTML={{ __html: block.html }} />;
      case 'console':
        return <ConsoleSteps key={i} block={block} panes={panes.current} />;
      case 'poll':
        return (
          <div key={i} className="poll" data-poll={block.id}>
            <p className="poll__question">{block.question}</p>
            <ol className="poll__options">
              {block.options.map((o) => (
                <li key={o}>{o}</li>
              ))}
            </ol>
          </div>
        );
      default:
        return null;
    }
  });
  if (terminals.length === 0) return <div className="slide-content">{body}</div>;
  return (
    <div className="slide-grid">
      <div className="slide-content">{body}</div>
      <div className="slide-terminals">
        {terminals.map((t) => (
          <LiveTerminal
            key={t.pane}
            block={t}
            active={active}
            register={(handle) => {
              if (handle) panes.current.set(t.pane, handle);
              else panes.current.delete(t.pane);
            }}
          />
        ))}
      </div>
    </div>
  );
}
