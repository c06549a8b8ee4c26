import { render } from '@testing-library/react';
import { App } from '../../src/renderer/src/App';
import { StoreProvider } from '../../src/renderer/src/state/context';
import { createAppStore } from '../../src/renderer/src/state/store';
import type { SpecTuneApi } from '../../src/shared/ipc-contract';

/** The real App and store over a given API. */
export function renderApp(api: SpecTuneApi) {
  const store = createAppStore(api);
  const utils = render(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
  );
  return { store, ...utils };
}
