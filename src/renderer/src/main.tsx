import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getApi } from './api';
import { createAppStore } from './state/store';
import { StoreProvider } from './state/context';
import { App } from './App';
import './styles.css';

const store = createAppStore(getApi());

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);
