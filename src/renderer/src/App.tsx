import { useEffect, useLayoutEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from './state/context';
import type { Screen, Theme } from './state/store';
import { ErrorPanel } from './components/ErrorPanel';
import { ServersScreen } from './screens/ServersScreen';
import { SweepScreen } from './screens/SweepScreen';
import { ResultsScreen } from './screens/ResultsScreen';
import { OneClickScreen } from './screens/OneClickScreen';
import { PresetsScreen } from './screens/PresetsScreen';
import { HistoryScreen } from './screens/HistoryScreen';
import { StartScreen } from './screens/StartScreen';
import { progressPct } from './format';

const NAV: { id: Screen; label: string }[] = [
  { id: 'start', label: 'Get started' },
  { id: 'servers', label: 'Servers' },
  { id: 'sweep', label: 'Sweep' },
  { id: 'results', label: 'Results' },
  { id: 'oneclick', label: 'One click' },
  { id: 'presets', label: 'Presets' },
  { id: 'history', label: 'History' },
];

const NOTICE_MS = 12_000;

const NEXT_THEME: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };

export function App() {
  const { screen, setScreen, theme, setTheme, notice, dismissNotice, initError, running, progress, init } = useApp(
    useShallow((s) => ({
      screen: s.screen,
      setScreen: s.setScreen,
      theme: s.theme,
      setTheme: s.setTheme,
      notice: s.notice,
      dismissNotice: s.dismissNotice,
      initError: s.initError,
      running: s.sweep.running,
      progress: s.sweep.progress,
      init: s.init,
    })),
  );

  useEffect(() => {
    let off: (() => void) | undefined;
    let gone = false;
    void init().then((o) => (gone ? o() : (off = o)));
    return () => {
      gone = true;
      off?.();
    };
  }, [init]);

  useEffect(() => {
    // Confirmations fade after a while; errors stay until dismissed.
    if (notice?.kind !== 'ok') return;
    const t = setTimeout(dismissNotice, NOTICE_MS);
    return () => clearTimeout(t);
  }, [notice, dismissNotice]);

  // Each screen opens at its top, not at the previous screen's scroll position. A layout effect runs
  // before the screens' own effects, so one that shows something (One click's answer) still can.
  useLayoutEffect(() => {
    const page = document.scrollingElement ?? document.documentElement;
    page.scrollTop = 0;
  }, [screen]);

  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'system') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', theme);
  }, [theme]);

  return (
    <div className="app">
      {/* Keyboard users reach the screen without tabbing through the whole navigation first. */}
      <a
        className="skip-link"
        href="#content"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('content')?.focus();
        }}
      >
        Skip to the screen
      </a>
      <div className="sidebar-col">
        <nav className="sidebar" aria-label="Screens">
          <h1 className="brand">SpecTune</h1>
          <ul>
            {NAV.map((n) => (
              <li key={n.id}>
                <button type="button" aria-current={screen === n.id ? 'page' : undefined} onClick={() => setScreen(n.id)} data-testid={`nav-${n.id}`}>
                  {n.label}
                  {n.id === 'sweep' && running && progress && <span className="nav-pill">{progressPct(progress)}%</span>}
                </button>
              </li>
            ))}
          </ul>
          <button type="button" className="theme-toggle" onClick={() => setTheme(NEXT_THEME[theme])} aria-label={`Theme: ${theme}. Switch to ${NEXT_THEME[theme]}`}>
            Theme: {theme}
          </button>
        </nav>
      </div>
      <main className="content" id="content" tabIndex={-1}>
        <ErrorPanel error={initError} title="Could not reach SpecTune's services" testId="init-error" />
        {notice && (
          <p className={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
            <span data-testid="notice">{notice.text}</span>
            <button type="button" className="link" onClick={dismissNotice} aria-label="Dismiss message">
              ✕
            </button>
          </p>
        )}
        {screen === 'start' && <StartScreen />}
        {screen === 'servers' && <ServersScreen />}
        {screen === 'sweep' && <SweepScreen />}
        {screen === 'results' && <ResultsScreen />}
        {screen === 'oneclick' && <OneClickScreen />}
        {screen === 'presets' && <PresetsScreen />}
        {screen === 'history' && <HistoryScreen />}
      </main>
    </div>
  );
}
