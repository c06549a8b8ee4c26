import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { META_CONTENT_SECURITY_POLICY } from './src/shared/csp';
import { electronViteEnv } from './scripts/desktop-tools.mjs';

// Electron is installed in desktop-tools/, where electron-vite does not look: tell it the version (build targets) and binary.
Object.assign(process.env, electronViteEnv());

/**
 * Electron loads the built UI from file://, which has no response headers:
 * the CSP goes into index.html too (build only; the dev server needs inline scripts).
 */
function cspMeta(): Plugin {
  return {
    name: 'spectune:csp-meta',
    apply: 'build',
    transformIndexHtml(html) {
      if (/http-equiv=["']Content-Security-Policy/i.test(html)) return html;
      return { html, tags: [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: META_CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }] };
    },
  };
}

export default defineConfig({
  main: {
    build: {
      // ESM-only packages (execa, conf and its ESM deps) are bundled; the rest load from node_modules.
      externalizeDeps: { exclude: ['execa', 'conf'] },
      rolldownOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          // Programs the app starts as processes, run by Electron's binary in Node mode (ELECTRON_RUN_AS_NODE;
          // src/node/own-programs.ts): the simulator (its engine child re-runs this file) and the embedded engine's server.
          simulator: resolve('src/simulator/standalone.ts'),
          'embedded-server': resolve('src/engines/embedded/server/main.ts'),
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
    plugins: [react(), cspMeta()],
    // electron-vite leaves the renderer unminified (2.1 MB); minified it is 0.86 MB to load from disk or over an SSH tunnel.
    build: { minify: true, rolldownOptions: { input: resolve('src/renderer/index.html') } },
  },
});
