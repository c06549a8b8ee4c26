/** jsdom lacks what recharts and the clipboard button use; give the minimum, and unmount after each test. */
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

class NoopResizeObserver {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}
const g = globalThis as unknown as { ResizeObserver?: unknown };
g.ResizeObserver ??= NoopResizeObserver;

// jsdom does no layout, so every box is 0×0 and recharts' ResponsiveContainer would draw nothing.
// Give containers a plausible size; only recharts reads it here.
const realRect = HTMLElement.prototype.getBoundingClientRect;
HTMLElement.prototype.getBoundingClientRect = function (this: HTMLElement) {
  if (this.classList.contains('recharts-responsive-container')) {
    return { x: 0, y: 0, top: 0, left: 0, right: 520, bottom: 240, width: 520, height: 240, toJSON: () => ({}) } as DOMRect;
  }
  return realRect.call(this);
};

afterEach(() => {
  cleanup();
  localStorage.clear();
  sessionStorage.clear();
  document.documentElement.removeAttribute('data-theme');
});
