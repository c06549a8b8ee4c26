import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  main: {
    // execa and electron-store are ESM-only: bundle them rather than require() them.
    build: { externalizeDeps: { exclude: ['execa', 'electron-store'] } },
  },
  preload: {},
  renderer: {
    root: resolve('src/renderer'),
    plugins: [react()],
    build: { rollupOptions: { input: resolve('src/renderer/index.html') } },
  },
});
