/** The application menu, as data; index.ts builds it with Electron's Menu. */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openDataFolder: () => void;
  openExternal: (url: string) => void;
  isMac: boolean;
  dev: boolean;
}

const HELP_LINKS = {
  vllmSpecDecode: 'https://docs.vllm.ai/en/latest/features/spec_decode.html',
  leviathan: 'https://arxiv.org/abs/2211.17192',
};

export function menuTemplate(a: MenuActions): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  if (a.dev) view.unshift({ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' });
  return [
    ...(a.isMac ? [{ role: 'appMenu' } as MenuItemConstructorOptions] : []),
    {
      label: '&File',
      submenu: [{ label: 'Open Data Folder', click: a.openDataFolder }, { type: 'separator' }, a.isMac ? { role: 'close' } : { role: 'quit' }],
    },
    { role: 'editMenu' },
    { label: '&View', submenu: view },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'vLLM Speculative Decoding Docs', click: () => a.openExternal(HELP_LINKS.vllmSpecDecode) },
        { label: 'Speculative Decoding Paper (Leviathan et al.)', click: () => a.openExternal(HELP_LINKS.leviathan) },
      ],
    },
  ];
}
