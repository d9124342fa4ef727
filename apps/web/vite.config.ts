import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The deck is not part of the build: the page loads it at run time (`deck.json`, from the server
// or beside the static copy), so one build presents any deck and `npm run dev` can update it.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000, sourcemap: true },
  server: {
    proxy: {
      '/ws': { target: 'ws://127.0.0.1:8080', ws: true },
      '/api': 'http://127.0.0.1:8080',
      '/presenter': 'http://127.0.0.1:8080',
      '/deck.json': 'http://127.0.0.1:8080',
      '/recordings': 'http://127.0.0.1:8080',
    },
  },
});
