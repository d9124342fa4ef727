import { createRoot } from 'react-dom/client';
import { App } from './App';
import 'reveal.js/reset.css';
import 'reveal.js/reveal.css';
import '@xterm/xterm/css/xterm.css';
import 'highlight.js/styles/github-dark.css';
import '@lecture/terminal/terminal.css';
import './deck/theme.css';
import './deck/slides.css';
import './deck/print.css';

const root = document.getElementById('root');
if (root) createRoot(root).render(<App />);
