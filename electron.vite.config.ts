import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  main: {
    build: {
      // ESM-only packages (execa, conf and its ESM deps) are bundled; the rest load from node_modules.
      externalizeDeps: { exclude: ['execa', 'electron-store', 'conf'] },
      rolldownOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          // The demo server, run by Electron's binary in Node mode (ELECTRON_RUN_AS_NODE); its engine child re-runs this file.
          simulator: resolve('src/simulator/standalone.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload is a classic script that may only require('electron'): one CJS file, nothing external.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    plugins: [react()],
    build: { rolldownOptions: { input: resolve('src/renderer/index.html') } },
  },
});
