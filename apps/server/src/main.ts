#!/usr/bin/env node
/**
 * The composition root: configuration, the deck folder (its slides and environments), the
 * Docker backend, and the server. Everything else receives its parts from here.
 */
import { DockerBackend } from '@lecture/containers';
import { type DeckFolder, loadDeckFolder, panesOf, pollsOf } from '@lecture/slides';
import { type DeckUpdate, startLectureServer } from './app.js';
import { loadConfig } from './config.js';
import { LiveDeck, formatProblem } from './deck.js';
import { watchDeck } from './deck-watch.js';

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<void> {
  const config = loadConfig();
  const load = () => loadDeckFolder(config.deck, { repoRoot: config.repoRoot });
  const folder = load();
  const deck = folder.deck;
  const live = new LiveDeck(folder, config.watch);
  const catalogue = folder.environments.map((e) => e.spec);
  const backend = new DockerBackend({
    log,
    logBytes: config.containerLogBytes,
    gvisorRuntime: config.gvisorRuntime,
    apiTimeoutMs: config.dockerTimeoutMs,
  });
  backend.onSharedState(({ environment, state }) =>
    log(`environment ${environment}: ${state.state}${'message' in state ? ` (${state.message})` : ''}`),
  );
  // Crash recovery, before serving: the containers of a server that died (this one, before a
  // restart) go now, not at the first shell. A hung or missing engine is not waited for.
  const health = await backend.health();
  if (health.ok) await backend.recover();

  const server = await startLectureServer({
    backend,
    environments: catalogue,
    secret: config.secret,
    port: config.port,
    host: config.host,
    webRoot: config.webRoot,
    panes: panesOf(deck),
    polls: pollsOf(deck),
    // Students may open sandboxes of the deck's audience environments only.
    sandboxes: { environments: deckUpdate(folder).sandboxEnvironments, warmPool: config.sandboxPool },
    recordingsDir: config.recordingsDir,
    audienceUrl: `http://${config.publicHost}:${config.port}/`,
    allowedOrigins: config.allowedOrigins,
    trustProxy: config.trustProxy,
    limits: config.limits,
    deck: live,
    log,
  });

  if (health.ok) {
    log(`${health.engine}`);
    // Once, at start-up: which wall the audience's sandboxes have (and how to add gVisor).
    if (health.isolation) log(`${health.isolation.summary}${health.isolation.fix ? ` ${health.isolation.fix}` : ''}`);
    // Start the deck's shared environments now (the lab needs seconds to be ready), so they are
    // up when the lecturer reaches the first demo.
    const used = new Set(panesOf(deck).values());
    for (const env of catalogue) {
      if (env.lifecycle === 'shared' && used.has(env.id) && process.env.LECTURE_WARM_UP !== '0') backend.warmUp(env).catch(() => undefined);
    }
  } else log(`WARNING: ${health.problem} ${health.fix} The deck still loads; its terminals say the same.`);

  const base = `http://${config.publicHost}:${server.port}`;
  console.log(
    [
      '',
      `  "${deck.meta.title}" is live (${deck.slides.length} slides).`,
      '',
      `  Presenter:  ${base}/presenter?key=${config.secret}`,
      '              (keep this one to yourself: it gives control of the shells)',
      `  Audience:   ${base}/`,
      `  This machine: http://localhost:${server.port}/`,
      '',
    ].join('\n'),
  );

  // npm run dev: every save reloads the deck; a good one replaces the old one in open pages (and
  // ends only the shells whose pane or environment changed), a broken one shows its file:line
  // in the page and here, over the last good deck.
  const watcher = config.watch
    ? watchDeck({
        dir: folder.dir,
        files: () => live.folder.files,
        onChange: () => {
          const started = Date.now();
          let next: DeckFolder;
          try {
            next = load();
          } catch (error) {
            log(`deck error: ${formatProblem(live.fail(error))} (the last good deck stays up)`);
            return;
          }
          const ended = server.updateDeck(deckUpdate(next));
          live.replace(next);
          log(`deck reloaded in ${Date.now() - started} ms: ${next.deck.slides.length} slides${ended.length ? `; ended the shells of ${ended.join(', ')}` : ''}`);
        },
      })
    : undefined;
  if (watcher) log(`watching ${folder.dir}: saved changes reach open pages`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: removing the containers this server created…`);
    watcher?.dispose();
    // Bounded: a hung engine must not keep the server (and its port) alive.
    const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), config.shutdownMs).unref());
    const result = await Promise.race([server.close().then(() => 'closed' as const), deadline]);
    if (result === 'timeout') log(`stopped after ${config.shutdownMs} ms without waiting for the engine any longer`);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** What the server takes from a version of the deck. */
function deckUpdate(folder: DeckFolder): DeckUpdate {
  return {
    environments: folder.environments.map((e) => e.spec),
    panes: panesOf(folder.deck),
    polls: pollsOf(folder.deck),
    sandboxEnvironments: folder.environments.filter((e) => e.access === 'audience').map((e) => e.spec.id),
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
