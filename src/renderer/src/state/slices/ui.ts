/** Where the user is and what the app says to them: the screen, the theme, the notice bar. */
import { loadJson, saveJson } from '../local';
import type { Tools } from '../tools';

export type Screen = 'start' | 'servers' | 'sweep' | 'results' | 'oneclick' | 'presets' | 'history';
export type Theme = 'system' | 'light' | 'dark';

const THEME_KEY = 'spectune.theme';

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

export interface UiSlice {
  screen: Screen;
  theme: Theme;
  notice: Notice | null;
  setScreen(s: Screen): void;
  setTheme(t: Theme): void;
  notify(kind: Notice['kind'], text: string): void;
  dismissNotice(): void;
}

export function uiSlice({ set }: Tools, screen: Screen): UiSlice {
  return {
    screen,
    theme: loadJson<Theme>(THEME_KEY, 'system'),
    notice: null,
    // A confirmation belongs to the screen it was given on; an error stays until it is dismissed.
    setScreen: (next) => set((st) => ({ screen: next, notice: st.notice?.kind === 'ok' ? null : st.notice })),
    setTheme(theme) {
      saveJson(THEME_KEY, theme);
      set({ theme });
    },
    notify: (kind, text) => set({ notice: { kind, text } }),
    dismissNotice: () => set({ notice: null }),
  };
}
