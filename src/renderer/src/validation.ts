import type { z } from 'zod';

/** First problem of a zod error as "field: message", for small inline forms. */
export function formatZodErrorShort(err: z.ZodError): string {
  const i = err.issues[0];
  if (!i) return 'invalid input';
  return i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message;
}
