import type { DeckProblem } from './useDeckSource';

/** A broken edit (npm run dev): where and what, over the last good deck, until the next good save. */
export function DeckProblemOverlay({ problem }: { problem: DeckProblem }) {
  const where = problem.file ? `${problem.file}:${problem.line ?? 1}` : problem.line ? `line ${problem.line}` : '';
  return (
    <div className="deck-problem" role="alert" data-testid="deck-problem">
      <div className="deck-problem__title">The deck has an error: the slides show the last good version</div>
      <div className="deck-problem__message">
        {where && <span className="deck-problem__where">{where}</span>}
        {where && ': '}
        {problem.message}
      </div>
    </div>
  );
}
