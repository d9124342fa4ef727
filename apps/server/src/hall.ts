import { type Disposable, Emitter } from '@lecture/containers';
import type { Role, ServerMessage } from '@lecture/protocol';

/** Far more than a lecture hall; a bound on what a script can make the server hold. */
const MAX_VOTES_PER_POLL = 5_000;

/** A connected browser, as the lecture hall sees it. */
export interface Member {
  readonly role: Role;
  readonly clientId: string;
  send(message: ServerMessage): void;
}

type EnvState = Extract<ServerMessage, { type: 'env-state' }>;
type DemosState = Extract<ServerMessage, { type: 'demos-state' }>;

interface Poll {
  readonly options: number;
  readonly votes: Map<string, number>;
  revealed: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export interface LectureHallOptions {
  /** poll id → number of options, from the deck: votes for anything else are refused. */
  readonly polls: ReadonlyMap<string, number>;
  /** Poll updates are batched: a hundred votes in a second make a few broadcasts, not 10 000 frames. */
  readonly pollBroadcastMs?: number;
}

/**
 * What the room shares: the presenter's slide, who is following, the polls, and the state of
 * shared environments. Roles are enforced here, on the server: an audience socket can vote and
 * nothing else.
 */
export class LectureHall {
  private readonly members = new Set<Member>();
  private readonly audienceChanged = new Emitter<number>();
  private position = { h: 0, f: -1 };
  private readonly polls = new Map<string, Poll>();
  private readonly environments = new Map<string, EnvState>();
  private demos: DemosState | undefined;

  constructor(private readonly options: LectureHallOptions) {
    for (const [id, count] of options.polls) {
      this.polls.set(id, { options: count, votes: new Map(), revealed: false, timer: undefined });
    }
  }

  /**
   * The deck's polls after an edit (npm run dev): new ones open, removed ones go, and one whose
   * number of options changed starts again; the others keep their votes.
   */
  setPolls(polls: ReadonlyMap<string, number>): void {
    for (const [id, poll] of this.polls) {
      if (polls.get(id) === poll.options) continue;
      clearTimeout(poll.timer);
      this.polls.delete(id);
    }
    for (const [id, count] of polls) {
      if (this.polls.has(id)) continue;
      this.polls.set(id, { options: count, votes: new Map(), revealed: false, timer: undefined });
      for (const member of this.members) member.send(this.pollState(id, member));
    }
  }

  get audienceCount(): number {
    let n = 0;
    for (const m of this.members) if (m.role === 'audience') n++;
    return n;
  }

  join(member: Member): void {
    this.members.add(member);
    // A late joiner lands on the current slide, with the polls as they are.
    if (member.role === 'audience') member.send({ type: 'slide-sync', ...this.position });
    for (const id of this.polls.keys()) member.send(this.pollState(id, member));
    if (member.role === 'presenter') {
      for (const state of this.environments.values()) member.send(state);
      if (this.demos) member.send(this.demos);
    }
    this.broadcastCount();
  }

  leave(member: Member): void {
    if (this.members.delete(member)) this.broadcastCount();
  }

  slide(from: Member, h: number, f: number): void {
    if (from.role !== 'presenter') return;
    if (this.position.h === h && this.position.f === f) return;
    this.position = { h, f };
    for (const m of this.members) if (m !== from) m.send({ type: 'slide-sync', h, f });
  }

  vote(from: Member, pollId: string, option: number): string | undefined {
    const poll = this.polls.get(pollId);
    if (!poll) return `there is no poll "${pollId}"`;
    if (option >= poll.options) return `poll "${pollId}" has ${poll.options} options`;
    if (!poll.votes.has(from.clientId) && poll.votes.size >= MAX_VOTES_PER_POLL) return 'this poll is full';
    poll.votes.set(from.clientId, option);
    from.send(this.pollState(pollId, from));
    this.schedulePollBroadcast(pollId);
    return undefined;
  }

  pollControl(from: Member, pollId: string, action: 'reveal' | 'hide' | 'reset'): string | undefined {
    if (from.role !== 'presenter') return 'only the presenter can control a poll';
    const poll = this.polls.get(pollId);
    if (!poll) return `there is no poll "${pollId}"`;
    // A poll reset is asked again: hidden, or the answers would show on the projector as they
    // came in (as "Reset demos" does for every poll).
    if (action === 'reset') {
      poll.votes.clear();
      poll.revealed = false;
    } else poll.revealed = action === 'reveal';
    this.broadcastPoll(pollId);
    return undefined;
  }

  /**
   * Every poll empty and hidden again ("Reset demos"): the votes cast while rehearsing must not
   * greet the real audience.
   */
  resetPolls(): void {
    for (const [id, poll] of this.polls) {
      if (poll.votes.size === 0 && !poll.revealed) continue;
      poll.votes.clear();
      poll.revealed = false;
      this.broadcastPoll(id);
    }
  }

  /** A shared environment changed state (the lab starting, resetting…): tell the presenters. */
  environment(state: EnvState): void {
    this.environments.set(state.env, state);
    for (const m of this.members) if (m.role === 'presenter') m.send(state);
  }

  /** Where a "Reset demos" is: tell the presenters. */
  demosState(state: DemosState): void {
    this.demos = state;
    for (const m of this.members) if (m.role === 'presenter') m.send(state);
  }

  /** The last state of each shared environment (tests, health). */
  environmentState(env: string): EnvState | undefined {
    return this.environments.get(env);
  }

  private pollState(pollId: string, member: Member): ServerMessage {
    const poll = this.polls.get(pollId) as Poll;
    const counts = new Array<number>(poll.options).fill(0);
    for (const option of poll.votes.values()) counts[option] = (counts[option] ?? 0) + 1;
    const mine = poll.votes.get(member.clientId);
    return {
      type: 'poll',
      poll: pollId,
      revealed: poll.revealed,
      total: poll.votes.size,
      ...(member.role === 'presenter' || poll.revealed ? { counts } : {}),
      ...(mine !== undefined ? { mine } : {}),
    };
  }

  private schedulePollBroadcast(pollId: string): void {
    const poll = this.polls.get(pollId) as Poll;
    poll.timer ??= setTimeout(() => {
      poll.timer = undefined;
      this.broadcastPoll(pollId);
    }, this.options.pollBroadcastMs ?? 200);
  }

  private broadcastPoll(pollId: string): void {
    for (const m of this.members) m.send(this.pollState(pollId, m));
  }

  private broadcastCount(): void {
    const message: ServerMessage = { type: 'audience', count: this.audienceCount };
    for (const m of this.members) if (m.role === 'presenter') m.send(message);
    this.audienceChanged.fire(this.audienceCount);
  }

  /** Someone joined or left (the warm pool of sandboxes follows the room). */
  onAudienceChange(listener: (count: number) => void): Disposable {
    return this.audienceChanged.on(listener);
  }

  dispose(): void {
    this.audienceChanged.clear();
    for (const poll of this.polls.values()) clearTimeout(poll.timer);
    this.members.clear();
  }
}
