import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getApi } from './api';
import { createAppStore } from './state/store';
import { StoreProvider } from './state/context';
import { App } from './App';
import './styles.css';

// The store is created from the API, and the API's reconnect hook needs the store: bind it late.
const store = createAppStore(getApi({ onReconnect: () => void store.getState().resync() }));

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);
