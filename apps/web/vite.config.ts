import { resolve } from 'node:path';
import { DEFAULT_DECK, loadDeckFolder } from '@lecture/slides';
import react from '@vitejs/plugin-react';
import { type Plugin, defineConfig } from 'vite';

const repoRoot = resolve(import.meta.dirname, '../..');
const deckPath = resolve(repoRoot, process.env.LECTURE_DECK ?? process.env.LECTURE_SLIDES ?? DEFAULT_DECK);

/** The lecture, parsed at build time into data: `import deck from 'virtual:deck'`. */
function deckContent(): Plugin {
  const id = 'virtual:deck';
  return {
    name: 'lecture-deck-content',
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    load(loaded) {
      if (loaded !== `\0${id}`) return undefined;
      const folder = loadDeckFolder(deckPath, { repoRoot });
      for (const file of folder.files) this.addWatchFile(file);
      return `export default ${JSON.stringify(folder.deck)};`;
    },
  };
}

export default defineConfig({
  plugins: [react(), deckContent()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000, sourcemap: true },
  server: { proxy: { '/ws': { target: 'ws://127.0.0.1:8080', ws: true }, '/api': 'http://127.0.0.1:8080', '/presenter': 'http://127.0.0.1:8080' } },
});
