// @vitest-environment jsdom
import './setup-dom';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { browserInfo, createFakeApi } from './fake-api';
import { renderApp } from './render-app';

const cards = () => screen.getAllByTestId('engine-card');
const card = (engine: string) => cards().find((c) => c.getAttribute('data-engine') === engine)!;

describe('The first screen finds the simulator', () => {
  it('offers "Try it without a server" beside the engine cards, and it fills the flow with a simulated engine', async () => {
    const user = userEvent.setup();
    renderApp(createFakeApi().api, 'start');
    await waitFor(() => expect(cards().length).toBeGreaterThan(4));
    const tryIt = screen.getByRole('button', { name: /Try it without a server/ });
    // Beside the cards, before any engine is picked.
    expect(tryIt.parentElement).toBe(cards()[0].parentElement);
    await user.click(tryIt);
    const picked = cards().find((c) => c.getAttribute('aria-pressed') === 'true');
    expect(picked).toBeTruthy();
    await waitFor(() => expect((screen.getByLabelText('Command') as HTMLInputElement).value.startsWith(browserInfo.simulatorCommand.join(' '))).toBe(true));
    expect(screen.getByTestId('guide-demo').textContent).toMatch(/Using the simulator/);
  });
});
