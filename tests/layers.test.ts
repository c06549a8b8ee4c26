/**
 * The layer rules of ARCHITECTURE.md ("Layers (imports run downward only)"), checked
 * on every import under src/: import and export declarations, `import type`,
 * `import('…')` calls and `typeof import('…')` types, read with the TypeScript parser
 * so a comment or a string never counts. A broken rule fails with the rule's name,
 * the file and line, and the import.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from './helpers/source-files';

const ROOT = resolve(import.meta.dirname, '..');
const ENGINE_FOLDERS = new Set(readdirSync(join(ROOT, 'src/engines')).filter((n) => statSync(join(ROOT, 'src/engines', n)).isDirectory()));

/** Where a file sits: its top folder under src/ (`outside` for package.json, resources/…), and for engines/ its folder. */
interface Place {
  layer: string;
  /** The folder under src/engines/ (`common` included); undefined for engines/engine.ts and engines/index.ts. */
  folder?: string;
}

function placeOf(rel: string): Place {
  const parts = rel.split('/');
  if (parts[0] !== 'src' || parts.length < 2) return { layer: 'outside' };
  const layer = parts[1].replace(/\.(ts|tsx)$/, '');
  if (layer === 'engines' && parts.length >= 3 && ENGINE_FOLDERS.has(parts[2])) return { layer, folder: parts[2] };
  return { layer };
}

/** From the top: entry points, then each layer may import only those below it. */
const RANK: Record<string, number> = { cli: 5, main: 5, http: 4, core: 3, engines: 2, node: 1, shared: 0 };
const RANKED_ORDER = 'cli/main → http → core → engines → node → shared';

interface Import {
  /** Repository-relative path of the importing file. */
  file: string;
  line: number;
  spec: string;
}

interface Rule {
  name: string;
  /** `to` is where a relative import lands; a package (`zod`, `node:fs`) has no place. */
  breaks: (from: Place, to: Place | null, spec: string) => boolean;
}

const only = (layers: string[]) => (to: Place | null) => to !== null && to.layer !== 'outside' && !layers.includes(to.layer);
const isBuiltinOrElectron = (spec: string) => spec.startsWith('node:') || spec === 'electron';

/** Specific rules first: an import is reported under the first rule it breaks. */
const RULES: Rule[] = [
  { name: 'core never imports http', breaks: (f, t) => f.layer === 'core' && t?.layer === 'http' },
  { name: 'http imports only core and shared', breaks: (f, t) => f.layer === 'http' && only(['http', 'core', 'shared'])(t) },
  { name: 'renderer imports only shared', breaks: (f, t, s) => f.layer === 'renderer' && (only(['renderer', 'shared'])(t) || isBuiltinOrElectron(s)) },
  { name: 'preload imports only shared', breaks: (f, t) => f.layer === 'preload' && only(['preload', 'shared'])(t) },
  { name: 'shared imports nothing above it', breaks: (f, t) => f.layer === 'shared' && only(['shared'])(t) },
  { name: 'shared is pure (no Node built-ins, no Electron)', breaks: (f, _t, s) => f.layer === 'shared' && isBuiltinOrElectron(s) },
  { name: 'node imports only shared', breaks: (f, t) => f.layer === 'node' && only(['node', 'shared'])(t) },
  { name: 'simulator imports no engine', breaks: (f, t) => f.layer === 'simulator' && t?.layer === 'engines' },
  { name: 'simulator imports only shared and node', breaks: (f, t) => f.layer === 'simulator' && only(['simulator', 'shared', 'node'])(t) },
  {
    name: "no engine imports another engine's folder",
    breaks: (f, t) => f.folder !== undefined && f.folder !== 'common' && t?.folder !== undefined && t.folder !== f.folder && t.folder !== 'common',
  },
  { name: 'engines/common imports no engine', breaks: (f, t) => f.folder === 'common' && t?.folder !== undefined && t.folder !== 'common' },
  {
    name: `imports run downward only (${RANKED_ORDER}; renderer, preload and simulator only from entry points)`,
    breaks: (f, t) => {
      if (t === null || t.layer === 'outside' || t.layer === f.layer || !(f.layer in RANK)) return false;
      if (!(t.layer in RANK)) return RANK[f.layer] < RANK.cli;
      return RANK[t.layer] >= RANK[f.layer];
    },
  },
];

/** Every module an import names in this source, with its line. */
function importsIn(file: string, text: string): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: Import[] = [];
  const add = (node: ts.Node, spec: string) => found.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, spec });
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) add(node, node.moduleSpecifier.text);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) add(node, node.arguments[0].text);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) add(node, node.argument.literal.text);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) add(node, node.moduleReference.expression.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The broken rules, one line each: `rule: file:line imports 'spec'`. */
function violations(imports: Import[]): string[] {
  const out: string[] = [];
  for (const imp of imports) {
    const from = placeOf(imp.file);
    const to = imp.spec.startsWith('.') ? placeOf(relative(ROOT, resolve(ROOT, dirname(imp.file), imp.spec)).split(sep).join('/')) : null;
    const rule = RULES.find((r) => r.breaks(from, to, imp.spec));
    if (rule) out.push(`${rule.name}: ${imp.file}:${imp.line} imports '${imp.spec}'`);
  }
  return out;
}

describe('the layer rules of ARCHITECTURE.md', () => {
  it('every import under src/ keeps them', () => {
    const imports = sourceFiles(join(ROOT, 'src')).flatMap((path) => importsIn(relative(ROOT, path).split(sep).join('/'), readFileSync(path, 'utf8')));
    expect(imports.length).toBeGreaterThan(500);
    expect(violations(imports)).toEqual([]);
  });

  it('each rule is named when a planted import breaks it', () => {
    const planted = (file: string, code: string) => violations(importsIn(file, code)).map((v) => v.split(':')[0]);
    expect(planted('src/core/x.ts', "import { startBrowserServer } from '../http';")).toEqual(['core never imports http']);
    expect(planted('src/http/x.ts', "import { request } from '../node/http';")).toEqual(['http imports only core and shared']);
    expect(planted('src/renderer/src/x.tsx', "import type { AppServices } from '../../core/app-services';")).toEqual(['renderer imports only shared']);
    expect(planted('src/renderer/src/x.tsx', "import { readFile } from 'node:fs';")).toEqual(['renderer imports only shared']);
    expect(planted('src/preload/x.ts', "import { x } from '../core/x';")).toEqual(['preload imports only shared']);
    expect(planted('src/shared/x.ts', "export { engineById } from '../engines';")).toEqual(['shared imports nothing above it']);
    expect(planted('src/shared/x.ts', "const fs = await import('node:fs');")).toEqual(['shared is pure (no Node built-ins, no Electron)']);
    expect(planted('src/node/x.ts', "type T = typeof import('../core/probes');")).toEqual(['node imports only shared']);
    expect(planted('src/simulator/personas/x.ts', "import { vllmArgv } from '../../engines/vllm/argv';")).toEqual(['simulator imports no engine']);
    expect(planted('src/simulator/x.ts', "import { runSweep } from '../core/sweep';")).toEqual(['simulator imports only shared and node']);
    expect(planted('src/engines/mlx/x.ts', "import { detect } from '../llamacpp/detect';")).toEqual(["no engine imports another engine's folder"]);
    expect(planted('src/engines/mlx/x.ts', "import { vllmEngine } from '../vllm';")).toEqual(["no engine imports another engine's folder"]);
    expect(planted('src/engines/common/x.ts', "import { ollamaEngine } from '../ollama';")).toEqual(['engines/common imports no engine']);
    expect(planted('src/engines/vllm/x.ts', "import { probe } from '../../core/probes';")[0]).toMatch(/^imports run downward only/);
    expect(planted('src/core/x.ts', "import { main } from '../cli/main';")[0]).toMatch(/^imports run downward only/);
    expect(planted('src/core/x.ts', "import { SIM_COMMANDS } from '../simulator/help';")[0]).toMatch(/^imports run downward only/);
  });

  it('allowed imports pass: downward, within a layer, an engine to common/ and the interface, packages and data files', () => {
    const planted = (file: string, code: string) => violations(importsIn(file, code));
    expect(planted('src/cli/x.ts', "import { x } from '../http';\nimport { y } from '../simulator/help';")).toEqual([]);
    expect(planted('src/core/x.ts', "import { x } from '../engines/common/openai-request';\nimport pkg from '../../package.json';")).toEqual([]);
    expect(planted('src/engines/mlx/x.ts', "import type { Engine } from '../engine';\nimport { x } from '../common/llama-server/argv';\nimport { y } from '../../node/http';")).toEqual([]);
    expect(planted('src/engines/index.ts', "import { vllmEngine } from './vllm';")).toEqual([]);
    expect(planted('src/shared/x.ts', "import { z } from 'zod';\nimport builtin from '../../resources/prompts.json';\n// import { x } from '../core/x';")).toEqual([]);
  });
});
