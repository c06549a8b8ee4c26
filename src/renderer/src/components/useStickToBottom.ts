import { useLayoutEffect, useRef } from 'react';

/** Keep a scrolling box on its newest line: always on mount, later only if the user has not scrolled up to read. */
export function useStickToBottom<T extends HTMLElement>(dep: unknown) {
  const ref = useRef<T>(null);
  const mounted = useRef(false);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (!mounted.current || el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
    mounted.current = true;
  }, [dep]);
  return ref;
}
