import type { PollBlock } from '@lecture/slides';
import { useDeck } from './context';

/** A poll on a slide: students vote from their devices; the presenter reveals the results. */
export function Poll({ block }: { block: PollBlock }) {
  const { client, role, hall } = useDeck();
  const state = hall.polls.get(block.id);
  const presenter = role === 'presenter';
  const counts = state?.counts;
  const max = Math.max(1, ...(counts ?? [0]));
  const vote = (option: number) => client?.send({ type: 'vote', poll: block.id, option });
  const control = (action: 'reveal' | 'hide' | 'reset') => client?.send({ type: 'poll-control', poll: block.id, action });
  const showResults = counts !== undefined && (state?.revealed || presenter);
  return (
    <div className="poll" data-poll={block.id} data-revealed={state?.revealed ? 'true' : 'false'}>
      <p className="poll__question">{block.question}</p>
      <ol className="poll__options">
        {block.options.map((option, i) => (
          <li key={option} className={state?.mine === i ? 'poll__option poll__option--mine' : 'poll__option'}>
            <button
              type="button"
              className="poll__vote"
              disabled={presenter || !client}
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
        {!presenter && state?.mine !== undefined && !state.revealed && <span>Thanks! Results come when the lecturer reveals them.</span>}
      </div>
    </div>
  );
}
