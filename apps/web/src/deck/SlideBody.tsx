import { type Block, type Slide, recordingName } from '@lecture/slides';
import type { TerminalPaneHandle } from '@lecture/terminal';
import { useRef, useState } from 'react';
import { useLongCode } from './codeFit';
import { ConsoleSteps } from './ConsoleSteps';
import { useDeck } from './context';
import { LiveTerminal } from './LiveTerminal';
import { Poll } from './Poll';

/**
 * One slide's content, laid out: text (and commands) on one side, the terminal on the other.
 * `near`: the slide is next to the one shown, so its terminals get ready ahead of it.
 */
export function SlideBody({ slide, active, near = false }: { slide: Slide; active: boolean; near?: boolean }) {
  const panes = useRef(new Map<string, TerminalPaneHandle>());
  const { role, sandboxEnv, print } = useDeck();
  const contentRef = useRef<HTMLDivElement>(null);
  useLongCode(contentRef, !print);
  // On a "try it" slide a student chooses between the lecturer's terminal and a sandbox of their own.
  const [own, setOwn] = useState(false);
  const tryIt = slide.try === 'sandbox' && role === 'audience';
  const terminals = slide.blocks.filter((b): b is Extract<Block, { kind: 'terminal' }> => b.kind === 'terminal');
  const content = slide.blocks.filter((b) => b.kind !== 'terminal');
  // A pane with steps on this slide is a demo: `npm run record` made its recording.
  const recordingOf = (pane: string) => recordingName(slide, pane);
  // The slide's heading apart from its body, so that the body can be balanced in the space
  // below the heading (theme.css) instead of hanging from the top of the slide.
  const first = content[0];
  const split = first?.kind === 'html' ? splitHeading(first.html) : undefined;
  const heading = split?.heading ? <div className="slide-heading" dangerouslySetInnerHTML={{ __html: split.heading }} /> : null;
  const body = content.map((block, i) => {
    switch (block.kind) {
      case 'html': {
        // The deck's own content, parsed and highlighted at build time.
        const html = i === 0 && split ? split.rest : block.html;
        return html.trim() ? <div key={i} className="block-html" dangerouslySetInnerHTML={{ __html: html }} /> : null;
      }
      case 'console':
        return <ConsoleSteps key={i} block={block} panes={panes.current} slide={slide.id} />;
      case 'poll':
        return <Poll key={i} block={block} />;
      default:
        return null;
    }
  });
  if (terminals.length === 0) {
    return (
      <div className="slide-content" ref={contentRef}>
        {heading}
        <div className="slide-body">{body}</div>
      </div>
    );
  }
  return (
    <div className="slide-grid">
      <div className="slide-content" ref={contentRef}>
        {heading}
        {body}
      </div>
      <div className="slide-terminals">
        {tryIt && (
          <div className="try-tabs" role="tablist">
            <button type="button" role="tab" aria-selected={!own} onClick={() => setOwn(false)}>
              Lecturer’s terminal
            </button>
            <button type="button" role="tab" aria-selected={own} data-try-sandbox onClick={() => setOwn(true)}>
              My own sandbox
            </button>
          </div>
        )}
        {tryIt && own && (
          <LiveTerminal
            block={{ kind: 'terminal', pane: 'my-sandbox', env: sandboxEnv, title: 'My sandbox' }}
            scope="sandbox"
            active={active}
            preload={near}
            register={() => {}}
          />
        )}
        {!(tryIt && own) && terminals.map((t) => (
          <LiveTerminal
            key={t.pane}
            block={t}
            active={active}
            preload={near}
            recording={recordingOf(t.pane)}
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

/** The leading `<h1>`/`<h2>` of a slide's first HTML block, and what follows it. */
export function splitHeading(html: string): { heading: string; rest: string } | undefined {
  const match = /^\s*(<h([12])\b[^>]*>[\s\S]*?<\/h\2>)/.exec(html);
  if (!match) return undefined;
  return { heading: match[1] as string, rest: html.slice(match[0].length) };
}
