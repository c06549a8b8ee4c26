/**
 * The whole UI state: one zustand store made of slices, each in its own file (ui, session,
 * endpoints, server, sweep, guide, library, results). It only calls the API and keeps what
 * comes back (results, events); every decision is made by the services. Requests go through
 * runTask ("busy → call → done"), runs through startRun, and form errors through revalidate.
 * Created per API so tests can hand it an in-memory double.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { SpecTuneApi } from '../../../shared/ipc-contract';
import { uiSlice, type Screen, type UiSlice } from './slices/ui';
import { sessionSlice, type SessionSlice } from './slices/session';
import { endpointsSlice, type EndpointsSlice } from './slices/endpoints';
import { serverSlice, type ServerSlice } from './slices/server';
import { sweepSlice, type SweepSlice } from './slices/sweep';
import { guideSlice, type GuideSlice } from './slices/guide';
import { librarySlice, type LibrarySlice } from './slices/library';
import { resultsSlice, type ResultsSlice } from './slices/results';

export type { Screen, Theme } from './slices/ui';
export { errorLine } from './tools';

export type AppState = UiSlice & SessionSlice & EndpointsSlice & ServerSlice & SweepSlice & GuideSlice & LibrarySlice & ResultsSlice;

export interface StoreOptions {
  /** The screen the app opens on (the guided flow; component tests of other screens start there directly). */
  screen?: Screen;
}

export type AppStore = StoreApi<AppState>;

export function createAppStore(api: SpecTuneApi, opts: StoreOptions = {}): AppStore {
  return createStore<AppState>()((set, get) => {
    const tools = { set, get };
    return {
      ...uiSlice(tools, opts.screen ?? 'start'),
      ...sessionSlice(tools, api),
      ...endpointsSlice(tools),
      ...serverSlice(tools),
      ...sweepSlice(tools),
      ...guideSlice(tools),
      ...librarySlice(tools),
      ...resultsSlice(tools),
    };
  });
}
