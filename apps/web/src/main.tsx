import { createRoot } from 'react-dom/client';
import { App } from './App';
// The deck's fonts, bundled from npm (served by the deck itself: nothing from a CDN, works offline).
import '@fontsource-variable/source-sans-3/wght.css';
import '@fontsource-variable/source-sans-3/wght-italic.css';
import '@fontsource-variable/jetbrains-mono/wght.css';
import '@fontsource-variable/jetbrains-mono/wght-italic.css';
import 'reveal.js/reset.css';
import 'reveal.js/reveal.css';
import '@xterm/xterm/css/xterm.css';
import 'highlight.js/styles/github-dark.css';
import '@lecture/terminal/terminal.css';
import './deck/theme.css';
import './deck/slides.css';
import './deck/print.css';

/**
 * xterm.js measures its cell size once, from the font it is given: load the terminal's font
 * before any terminal exists, or the grid would be sized from a fallback's metrics. The fonts
 * are local files, so this takes milliseconds; a broken font never holds the deck back long.
 */
async function fontsLoaded(): Promise<void> {
  const wanted = ['400 16px "JetBrains Mono Variable"', '700 16px "JetBrains Mono Variable"', '400 16px "Source Sans 3 Variable"'];
  await Promise.race([
    Promise.all(wanted.map((font) => document.fonts.load(font))),
    new Promise((resolve) => setTimeout(resolve, 2000)),
  ]).catch(() => undefined);
}

const root = document.getElementById('root');
if (root) void fontsLoaded().then(() => createRoot(root).render(<App />));
