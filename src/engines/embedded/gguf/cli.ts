/**
 * `spectune sim gguf --out DIR [--draft-divergence X] [--size tiny|small] [--seed N]`:
 * writes DIR/target.gguf and DIR/draft.gguf, a real llama model pair for the
 * embedded engine (no download, no GPU). `--draft-divergence 0` makes the draft
 * an oracle: its greedy choices equal the target's, so acceptance must be 1.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { z } from 'zod';
import { formatZodError } from '../../../shared/schemas';
import { DEFAULT_DIVERGENCE, DEFAULT_SEED, generateGgufPair } from './generate-pair';
import { MODEL_SIZE_NAMES, type ModelSize } from './model-sizes';

const USAGE = `usage: spectune sim gguf --out DIR [--draft-divergence X] [--size ${MODEL_SIZE_NAMES.join('|')}] [--seed N]

Writes DIR/target.gguf and DIR/draft.gguf: a generated llama model and a draft
that shares its embedding, output head and first block(s).
  --draft-divergence X  how strongly the target's extra blocks change its choices
                        (default ${DEFAULT_DIVERGENCE}; 0 = oracle draft, acceptance 1)
  --size                tiny (default; ~0.7 MB, for tests) or small (~110 MB,
                        big enough for speculation to pay on a CPU)
  --seed N              same seed, same files (default ${DEFAULT_SEED})
`;

const OptionsSchema = z.object({
  out: z.string({ error: 'is required: the folder to write target.gguf and draft.gguf into' }).min(1, 'is empty'),
  'draft-divergence': z.coerce
    .number({ error: 'must be a number' })
    .min(0, 'must be 0 (oracle) or more')
    .max(100, 'must be at most 100')
    .default(DEFAULT_DIVERGENCE),
  size: z.enum(MODEL_SIZE_NAMES as [ModelSize, ...ModelSize[]], { error: `must be one of ${MODEL_SIZE_NAMES.join(', ')}` }).default('tiny'),
  seed: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').max(2 ** 32 - 1, 'must fit in 32 bits').default(DEFAULT_SEED),
});

export async function runGgufCli(argv: string[]): Promise<void> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        'draft-divergence': { type: 'string' },
        size: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    fail(`${(err as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const r = OptionsSchema.safeParse(values);
  if (!r.success) fail(`${formatZodError(r.error, '-')}\n\n${USAGE}`.replace(/^-\./, '--').replace(/; -\./g, '; --'));
  const o = r.data;
  const pair = await generateGgufPair({ outDir: path.resolve(o.out), size: o.size, divergence: o['draft-divergence'], seed: o.seed });
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  process.stdout.write(
    `target ${pair.targetPath} (${mb(pair.targetBytes)}, ${pair.shape.targetBlocks} blocks, ${pair.shape.embedding}-dim)\n` +
      `draft  ${pair.draftPath} (${mb(pair.draftBytes)}, ${pair.shape.draftBlocks} block${pair.shape.draftBlocks === 1 ? '' : 's'})\n` +
      `size ${o.size}, draft divergence ${pair.divergence}${pair.divergence === 0 ? ' (oracle: acceptance must be 1)' : ''}, seed ${pair.seed}, vocabulary ${pair.vocabularySize}, written in ${Math.round(pair.elapsedMs)} ms\n`,
  );
}

function fail(message: string): never {
  process.stderr.write(`spectune sim gguf: ${message}\n`);
  process.exit(2);
}
