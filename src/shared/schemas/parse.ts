import type { z } from 'zod';
import { SpecTuneError } from '../errors';

/** Zod error → one line naming each bad field and what to do. */
export function formatZodError(err: z.ZodError, prefix = ''): string {
  return err.issues
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

/** Parse or throw a SpecTuneError naming every bad field. `what` prefixes the field path. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = ''): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new SpecTuneError('INVALID_INPUT', formatZodError(r.error, what));
  return r.data;
}
