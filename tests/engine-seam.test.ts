/**
 * The engine seam stays closed: outside src/engines/ (and the id list in
 * shared/engine-descriptor.ts) no code names an engine, and no engine folder
 * imports another's. Read with the TypeScript parser, so comments never count
 * and every string form does ('vllm', "vllm", `vllm`, and an id quoted inside a
 * message). A seventh engine then touches only its own folder, the id list and
 * its persona.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from './helpers/source-files';
import { ENGINE_IDENTITY, ENGINE_IDS, EngineDescriptorSchema } from '../src/shared/engine-descriptor';
import { ENGINES } from '../src/engines';

const ROOT = resolve(import.meta.dirname, '..');
const LAYERS = ['src/core', 'src/cli', 'src/main', 'src/http', 'src/renderer', 'src/shared'];
const EXEMPT = new Set(['src/shared/engine-descriptor.ts']);
/** The ids, and the spellings the command line accepts for them that are also folder names. */
const NAMES = [...new Set<string>([...ENGINE_IDS, 'llamacpp'])];
/** How many named engines may remain, each with a comment beside it saying why. */
const ALLOWED = 3;

interface Hit {
  file: string;
  line: number;
  text: string;
  commented: boolean;
}

/** A string literal that is an engine id, or quotes one ('…, e.g. "vllm"'). */
function namesAnEngine(text: string): boolean {
  return NAMES.some((id) => text === id || [`"${id}"`, `'${id}'`, `\`${id}\``].some((q) => text.includes(q)));
}

function hitsIn(path: string): Hit[] {
  const text = readFileSync(path, 'utf8');
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, path.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const lines = text.split('\n');
  const hits: Hit[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node) || ts.isJsxText(node)) {
      if (namesAnEngine(node.text)) {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const here = lines[line] ?? '';
        const before = lines[line - 1] ?? '';
        hits.push({ file: relative(ROOT, path), line: line + 1, text: here.trim(), commented: /\/\/|\/\*/.test(here) || /^\s*(\/\/|\*|\/\*)/.test(before) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return hits;
}

describe('nothing outside an engine folder knows an engine', () => {
  const hits = LAYERS.flatMap((l) => sourceFiles(join(ROOT, l)))
    .filter((f) => !EXEMPT.has(relative(ROOT, f)))
    .flatMap(hitsIn);

  it(`names an engine at most ${ALLOWED} times in core, cli, main, http, renderer and shared, each with its reason beside it`, () => {
    const shown = hits.map((h) => `${h.file}:${h.line}: ${h.text}`);
    expect(shown.length, shown.join('\n')).toBeLessThanOrEqual(ALLOWED);
    expect(hits.filter((h) => !h.commented).map((h) => `${h.file}:${h.line}: ${h.text}`)).toEqual([]);
  });

  it('the check itself finds a quoted id in code and ignores one in a comment', () => {
    const probe = (code: string) => {
      const src = ts.createSourceFile('x.ts', code, ts.ScriptTarget.Latest, true);
      const found: string[] = [];
      const visit = (n: ts.Node) => {
        if ((ts.isStringLiteralLike(n) || ts.isTemplateLiteralToken(n)) && namesAnEngine(n.text)) found.push(n.text);
        ts.forEachChild(n, visit);
      };
      visit(src);
      return found;
    };
    expect(probe("const e = engineById('vllm');")).toEqual(['vllm']);
    expect(probe('const m = `start "ollama" first`;')).toEqual(['start "ollama" first']);
    expect(probe("// engineById('vllm')\nconst x = 'vllm-ish';")).toEqual([]);
  });
});

describe('every engine id has its engine', () => {
  it('ENGINES holds one engine per id, whose descriptor takes its label and address from ENGINE_IDENTITY', () => {
    expect(ENGINES.map((e) => e.descriptor.id).sort()).toEqual([...ENGINE_IDS].sort());
    for (const e of ENGINES) {
      expect(EngineDescriptorSchema.safeParse(e.descriptor).success).toBe(true);
      expect(e.descriptor).toMatchObject({ label: ENGINE_IDENTITY[e.descriptor.id].label, defaultUrl: ENGINE_IDENTITY[e.descriptor.id].defaultUrl });
    }
  });
});

describe('engines do not reach into each other', () => {
  const enginesDir = join(ROOT, 'src', 'engines');
  const folders = readdirSync(enginesDir).filter((n) => statSync(join(enginesDir, n)).isDirectory());

  it('an engine folder imports only itself, common/, the interface and the layers below; common/ imports no engine', () => {
    const crossings: string[] = [];
    for (const folder of folders) {
      for (const file of sourceFiles(join(enginesDir, folder))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
          const target = normalize(resolve(dirname(file), m[1]));
          if (!target.startsWith(enginesDir + sep)) continue;
          const top = relative(enginesDir, target).split(sep)[0];
          if (folders.includes(top) && top !== folder && top !== 'common') crossings.push(`${relative(ROOT, file)} → ${m[1]}`);
        }
      }
    }
    expect(folders).toContain('common');
    expect(crossings).toEqual([]);
  });
});
