import { render } from '@testing-library/react';
import { App } from '../../src/renderer/src/App';
import { StoreProvider } from '../../src/renderer/src/state/context';
import { createAppStore, type Screen } from '../../src/renderer/src/state/store';
import type { SpecTuneApi } from '../../src/shared/ipc-contract';

/**
 * The real App and store over a given API. The app opens on the guided Start screen; tests of
 * the other screens open on Servers, where they begin their walk (pass 'start' for the flow).
 */
export function renderApp(api: SpecTuneApi, screen: Screen = 'servers') {
  const store = createAppStore(api, { screen });
  const utils = render(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
  );
  return { store, ...utils };
}
