// Chromium driven over the DevTools protocol with nothing else attached: the rendered comparison's
// browser. Playwright enables DevTools' Network domain on every page, and Chromium then copies
// every WebSocket frame into a DevTools event (binary frames base64-encoded) on the renderer's
// and the browser's main threads: work no student's browser does, which cost the deck's binary
// frames more than the plain page's text ones. Here only Runtime.evaluate and Input are used.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { chromiumArgs, chromiumPath } from '../scripts/chromium.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The keys the bench presses, as `Input.dispatchKeyEvent` describes them. */
const KEYS = {
  Enter: { key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, text: '\r' },
  'Control+c': { key: 'c', code: 'KeyC', windowsVirtualKeyCode: 67, modifiers: 2 },
};

/** Headless Chromium with the flags Playwright's own launch uses to keep background pages running. */
export async function launch({ width = 1920, height = 1080 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'bench-chromium-'));
  const child = spawn(
    chromiumPath,
    [
      ...chromiumArgs,
      '--headless=new',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      `--window-size=${width},${height}`,
      '--disable-background-timer-throttling',
      '--disable-backgrounding-occluded-windows',
      '--disable-renderer-backgrounding',
      '--hide-scrollbars',
      '--mute-audio',
      'about:blank',
    ],
    // Its own process group: Chromium's helpers go with it.
    { stdio: 'ignore', detached: true },
  );
  /** Chromium and its helpers (its own process group), then its profile. */
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
      await exited;
    }
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  let endpoint;
  for (let i = 0; i < 300 && !endpoint; i++) {
    await sleep(100);
    try {
      const [port, path] = readFileSync(join(profile, 'DevToolsActivePort'), 'utf8').trim().split('\n');
      endpoint = `ws://127.0.0.1:${port}${path}`;
    } catch {}
  }
  if (!endpoint) {
    await stop();
    throw new Error('Chromium did not start');
  }
  const socket = new WebSocket(endpoint, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let next = 1;
  const pending = new Map();
  // Chromium gone (it crashed, or was closed): no command waits for an answer forever.
  socket.on('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${waiter.method}: Chromium closed the connection`));
    pending.clear();
  });
  socket.on('message', (raw) => {
    const message = JSON.parse(raw.toString());
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${waiter.method}: ${message.error.message}`));
    else waiter.resolve(message.result);
  });
  const send = (method, params = {}, sessionId) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject, method });
      socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });

  return {
    /**
     * A page in a context of its own. `phone`: a touch screen of that size (as Playwright's
     * `isMobile`), instead of the browser's window. `metrics`: the page counts what its main
     * thread does (`metrics()`); off by default, so the rendered rounds run as before.
     */
    async newPage({ phone, metrics = false } = {}) {
      const { browserContextId } = await send('Target.createBrowserContext');
      const { targetId } = await send('Target.createTarget', { url: 'about:blank', browserContextId, width, height });
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
      const call = (method, params) => send(method, params, sessionId);
      await call(
        'Emulation.setDeviceMetricsOverride',
        phone ? { ...phone, deviceScaleFactor: 1, mobile: true } : { width, height, deviceScaleFactor: 1, mobile: false },
      );
      if (phone) await call('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 });
      // Counters of the renderer's main thread (Performance.getMetrics): no events, no copies.
      if (metrics) await call('Performance.enable');
      const evaluate = async (expression) => {
        const { result, exceptionDetails } = await call('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
        if (exceptionDetails)
          throw new Error(`${expression.slice(0, 80)}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
        return result.value;
      };
      return {
        evaluate,
        /** Until `expression` is true, checked at every animation frame (as Playwright's `polling: 'raf'`). */
        async waitFor(expression, timeoutMs = 120_000) {
          const ok = await evaluate(`new Promise((resolve) => {
            const end = performance.now() + ${timeoutMs};
            const check = () => {
              let done = false;
              try { done = Boolean(${expression}); } catch {}
              if (done || performance.now() > end) resolve(done);
              else requestAnimationFrame(check);
            };
            check();
          })`);
          if (!ok) throw new Error(`timed out waiting for ${expression.slice(0, 120)}`);
        },
        async goto(url) {
          await call('Page.navigate', { url });
          // The page may change its own address (the deck drops its key from it); until the new
          // document answers, an evaluation can meet the old one or none.
          for (let i = 0; i < 600; i++) {
            const ready = await evaluate(`location.href !== 'about:blank' && document.readyState === 'complete'`).catch(() => false);
            if (ready) return;
            await sleep(100);
          }
          throw new Error(`${url} did not load`);
        },
        /** The page and its context, gone. */
        async close() {
          await send('Target.closeTarget', { targetId });
          await send('Target.disposeBrowserContext', { browserContextId });
        },
        /** The renderer's own counters, by name: TaskDuration, ScriptDuration (s), JSHeapUsedSize… */
        async metrics() {
          const { metrics } = await call('Performance.getMetrics');
          return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
        },
        async bringToFront() {
          await call('Page.bringToFront');
        },
        /** A real click in the middle of the first element that `selector` finds. */
        async click(selector) {
          const box = await evaluate(`(() => { const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect();
            return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`);
          for (const type of ['mousePressed', 'mouseReleased']) {
            await call('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
          }
        },
        async type(text) {
          await call('Input.insertText', { text });
        },
        /** A key of KEYS: one that types text goes down as `keyDown`, a shortcut as `rawKeyDown`. */
        async press(name) {
          const { text, ...key } = KEYS[name];
          await call('Input.dispatchKeyEvent', {
            type: text ? 'keyDown' : 'rawKeyDown',
            ...key,
            ...(text ? { text, unmodifiedText: text } : {}),
          });
          await call('Input.dispatchKeyEvent', { type: 'keyUp', ...key });
        },
      };
    },
    async close() {
      socket.close();
      await stop();
    },
  };
}
