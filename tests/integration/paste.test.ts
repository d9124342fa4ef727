import { createHash } from 'node:crypto';
import { LectureClient, type PaneChannel } from '@lecture/client';
import { DockerBackend } from '@lecture/containers';
import { Limits, WS_PATH } from '@lecture/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type LectureServer, startLectureServer } from '../../apps/server/src/app.js';
import { catalogue } from './environments.js';

// Large pastes (issue 9, item 4): the client chunks and paces them within the server's limits,
// so a 1 MiB paste reaches the shell whole and in order; a paste past the limit is refused
// whole, saying so. Today's browser sent one frame: 100 kB vanished, 1 MiB closed the socket.
const secret = 'paste-test-secret-0000001';
let server: LectureServer;

beforeAll(async () => {
  server = await startLectureServer({ backend: new DockerBackend(), environments: catalogue, secret, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close();
});

function presenterPane(pane: string) {
  let text = '';
  let closedCode: number | undefined;
  const refused: string[] = [];
  const client = new LectureClient({
    url: `${server.url.replace('http', 'ws')}${WS_PATH}`,
    reconnect: false,
    socket: (url) => {
      const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${secret}` } });
      ws.on('close', (code) => {
        closedCode = code;
      });
      return ws;
    },
  });
  const channel: PaneChannel = client.open(
    { pane, env: 'sandbox', size: () => ({ cols: 120, rows: 30 }), ack: 'rendered' },
    {
      onSnapshot: (m) => {
        text = m.data;
      },
      onOutput: (data, seq) => {
        text = (text + data).slice(-50_000);
        channel.parsed(seq);
      },
      onInputRefused: (message) => refused.push(message),
    },
  );
  const until = async (pattern: RegExp, timeoutMs = 120_000) => {
    const start = Date.now();
    while (!pattern.test(text)) {
      if (Date.now() - start > timeoutMs) throw new Error(`no ${pattern} in ${JSON.stringify(text.slice(-300))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { client, channel, until, refused, closed: () => closedCode };
}

it('a 1 MiB paste arrives complete and in order, and the socket stays open', async () => {
  const { client, channel, until, closed } = presenterPane('it-paste');
  await until(/\$ $/, 90_000);
  // No echo: the shell's answer, not a megabyte of echo, is what we read back.
  channel.input('stty -echo; cat > /tmp/paste; stty echo; wc -c < /tmp/paste; sha256sum /tmp/paste | cut -c1-16\r');
  await new Promise((r) => setTimeout(r, 500));
  let paste = '';
  for (let i = 0; paste.length < 1024 * 1024; i++) paste += `line ${String(i).padStart(7, '0')} ${'abcdefghij'.repeat(8)}\n`;
  paste = paste.slice(0, 1024 * 1024 - 1);
  paste += '\n';
  const expected = createHash('sha256').update(paste).digest('hex').slice(0, 16);
  // As a terminal sends a paste: newlines as carriage returns; then Ctrl-D ends cat's input.
  expect(channel.input(paste.replace(/\n/g, '\r'))).toBe(true);
  channel.input('\x04');
  await until(new RegExp(`${1024 * 1024}\\r\\n${expected}`), 180_000);
  expect(closed()).toBeUndefined();
  client.dispose();
});

it('a paste past the limit is refused whole, and the pane says so', async () => {
  const { client, channel, until, refused } = presenterPane('it-paste-huge');
  await until(/\$ $/, 90_000);
  expect(channel.input('x'.repeat(Limits.MAX_PASTE_CHARS + 1))).toBe(false);
  expect(refused).toHaveLength(1);
  expect(refused[0]).toMatch(/The paste was too large .* nothing was sent/);
  channel.input('echo still-$((6*7))\r');
  await until(/still-42/);
  client.dispose();
});
