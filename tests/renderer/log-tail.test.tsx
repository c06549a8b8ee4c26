// @vitest-environment jsdom
/** The app's log view: a server's escape sequences are shown as text, never passed on raw. */
import './setup-dom';
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { LogTail } from '../../src/renderer/src/components/LogTail';

describe('LogTail', () => {
  it('shows control characters made visible (a line can reach the view without the launcher cleaning it)', () => {
    render(<LogTail lines={[{ stream: 'stdout', line: 'ready \u001b]0;pwned\u0007 \u001b[2J\u009b done', at: new Date().toISOString() }]} />);
    const text = screen.getByTestId('server-log').textContent ?? '';
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain('ready ␛]0;pwned␇ ␛[2J\\u009b done');
  });
});
