import type { PollBlock } from '@lecture/slides';
import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import { pageMode } from '../mode';
import { useBridged } from './bridge';
import { useDeck } from './context';
import type { PollState } from './useHall';

/**
 * A poll on a slide. Students vote from their devices; the results stay hidden on the projector
 * until the lecturer reveals them, while the lecturer sees the running count privately in the
 * speaker view. The slide shows where to join (address and QR code). On paper and in the static
 * copy there is no room to vote in: the poll is a question with its options.
 */
export function Poll({ block }: { block: PollBlock }) {
  const { client, role, hall, receiver, print } = useDeck();
  const offline = print || pageMode().static;
  // The speaker view has no socket: it reads the presenter's poll state from the deck's window.
  const bridged = useBridged((bridge) => (receiver ? bridge.poll(block.id) : undefined));
  const state: PollState | undefined = receiver ? bridged : hall.polls.get(block.id);
  const presenter = role === 'presenter';
  const counts = state?.counts;
  const max = Math.max(1, ...(counts ?? [0]));
  const vote = (option: number) => client?.send({ type: 'vote', poll: block.id, option });
  const control = (action: 'reveal' | 'hide' | 'reset') => client?.send({ type: 'poll-control', poll: block.id, action });
  // On the projector (the presenter's slide, the students' screens) only once revealed; in the
  // speaker view always: that is the lecturer's private running count.
  const showResults = counts !== undefined && (state?.revealed || receiver);
  if (offline) {
    return (
      <div className="poll poll--offline" data-poll={block.id}>
        <p className="poll__question">{block.question}</p>
        <ol className="poll__options">
          {block.options.map((option, i) => (
            <li key={option} className="poll__option">
              <span className="poll__vote poll__vote--static">
                <span className="poll__letter">{String.fromCharCode(65 + i)}</span>
                <span className="poll__text">{option}</span>
              </span>
            </li>
          ))}
        </ol>
        <p className="poll__footer">A live poll in the lecture: the audience answers from their phones.</p>
      </div>
    );
  }
  return (
    <div className="poll-layout">
      <div className="poll" data-poll={block.id} data-revealed={state?.revealed ? 'true' : 'false'}>
        <p className="poll__question">{block.question}</p>
        <ol className="poll__options">
          {block.options.map((option, i) => (
            <li key={option} className={state?.mine === i ? 'poll__option poll__option--mine' : 'poll__option'}>
              <button
                type="button"
                className="poll__vote"
                disabled={presenter || receiver || !client}
                aria-pressed={state?.mine === i}
                onClick={() => vote(i)}
              >
                <span className="poll__letter">{String.fromCharCode(65 + i)}</span>
                <span className="poll__text">{option}</span>
                {showResults && <span className="poll__count">{counts?.[i] ?? 0}</span>}
              </button>
              {showResults && (
                <span className="poll__bar" style={{ width: `${((counts?.[i] ?? 0) / max) * 100}%` }} data-count={counts?.[i] ?? 0} />
              )}
            </li>
          ))}
        </ol>
        <div className="poll__footer">
          <span className="poll__total" data-total={state?.total ?? 0}>
            {state?.total ?? 0} {state?.total === 1 ? 'answer' : 'answers'}
          </span>
          {receiver && state && !state.revealed && <span className="poll__private">Only you see the counts: not revealed yet</span>}
          {presenter && (
            <span className="poll__controls">
              <button type="button" onClick={() => control(state?.revealed ? 'hide' : 'reveal')}>
                {state?.revealed ? 'Hide results' : 'Reveal results'}
              </button>
              <button type="button" onClick={() => control('reset')}>
                Reset
              </button>
            </span>
          )}
          {!presenter && !receiver && state?.mine !== undefined && !state.revealed && (
            <span>Thanks! Results come when the lecturer reveals them.</span>
          )}
        </div>
      </div>
      {!receiver && <JoinCard />}
    </div>
  );
}

/** Where the room joins: the audience address and its QR code, beside the question. */
function JoinCard() {
  const [join, setJoin] = useState<{ url: string; svg: string }>();
  useEffect(() => {
    let cancelled = false;
    void fetch('/api/info')
      .then((r) => r.json() as Promise<{ audienceUrl: string }>)
      .then(async ({ audienceUrl }) => {
        const svg = await QRCode.toString(audienceUrl, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
        if (!cancelled) setJoin({ url: audienceUrl, svg });
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, []);
  if (!join) return null;
  return (
    <aside className="poll-join" data-join-url={join.url}>
      {/* The SVG is generated here from the server's own address, not taken from the page. */}
      <div className="poll-join__qr" dangerouslySetInnerHTML={{ __html: join.svg }} />
      <p className="poll-join__label">Answer on your phone</p>
      <p className="poll-join__url">{join.url.replace(/^https?:\/\//, '').replace(/\/$/, '')}</p>
    </aside>
  );
}
