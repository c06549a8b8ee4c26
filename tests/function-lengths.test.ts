/**
 * Functions stay small enough to read, measured with the TypeScript parser (a function's
 * lines run from its first token to its closing brace, nested functions included):
 *
 * - `runSweep` (core/sweep/index.ts) at most 80 lines: the sweep reads as its steps in order;
 * - nothing in src/core over 120;
 * - nothing in src/renderer/src/state over 200;
 * - anything else over 80 only with a `// long: <why>` comment in the comments right above it.
 *   React components that return markup and route tables (a function named for its routes,
 *   or returning `Route`s) are exempt: their length is the page or the table itself.
 */
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from './helpers/source-files';

const ROOT = join(import.meta.dirname, '..');
const RUN_SWEEP_MAX = 80;
const CORE_MAX = 120;
const STATE_MAX = 200;
const ELSEWHERE_MAX = 80;

interface Measured {
  file: string;
  line: number;
  name: string;
  lines: number;
  /** A `// long: <why>` comment right above it. */
  justified: boolean;
  /** A React component returning markup, or a route table. */
  exempt: boolean;
}

function nameOf(fn: ts.FunctionLikeDeclaration, source: ts.SourceFile): string {
  if (fn.name) return fn.name.getText(source);
  const p = fn.parent;
  if ((ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && p.name) return p.name.getText(source);
  return '(anonymous)';
}

/** The node a comment about the function stands above: its statement, property or declaration. */
function anchorOf(fn: ts.FunctionLikeDeclaration): ts.Node {
  const p = fn.parent;
  if (ts.isVariableDeclaration(p) && ts.isVariableDeclarationList(p.parent) && ts.isVariableStatement(p.parent.parent)) return p.parent.parent;
  if (ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isExportAssignment(p)) return p;
  return fn;
}

/** The function itself returns JSX (not only a function nested in it). */
function returnsMarkup(fn: ts.FunctionLikeDeclaration): boolean {
  const isJsx = (e: ts.Node | undefined): boolean => {
    if (!e) return false;
    if (ts.isParenthesizedExpression(e)) return isJsx(e.expression);
    if (ts.isConditionalExpression(e)) return isJsx(e.whenTrue) || isJsx(e.whenFalse);
    if (ts.isBinaryExpression(e)) return isJsx(e.right);
    return ts.isJsxElement(e) || ts.isJsxFragment(e) || ts.isJsxSelfClosingElement(e);
  };
  if (fn.body && !ts.isBlock(fn.body)) return isJsx(fn.body);
  let found = false;
  const visit = (n: ts.Node) => {
    if (found || (n !== fn.body && ts.isFunctionLike(n))) return;
    if (ts.isReturnStatement(n) && isJsx(n.expression)) found = true;
    else ts.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return found;
}

function isRouteTable(fn: ts.FunctionLikeDeclaration, name: string, source: ts.SourceFile): boolean {
  return /routes?$/i.test(name) || /\bRoute\b/.test(fn.type?.getText(source) ?? '');
}

/** Every function with a body in one source text. */
function measure(file: string, text: string): Measured[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const lines = text.split('\n');
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const out: Measured[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const fn = node as ts.FunctionLikeDeclaration;
      const start = lineOf(fn.getStart(source));
      const name = nameOf(fn, source);
      // The comment lines right above the function's statement (JSDoc and // lines).
      let above = lineOf(anchorOf(fn).getStart(source)) - 1;
      let justified = false;
      while (above >= 0 && /^\s*(\/\/|\/\*|\*)/.test(lines[above])) {
        if (/^\s*\/\/ long: \S+ \S+/.test(lines[above])) justified = true;
        above--;
      }
      out.push({
        file,
        line: start + 1,
        name,
        lines: lineOf(fn.end) - start + 1,
        justified,
        exempt: (file.endsWith('.tsx') && returnsMarkup(fn)) || isRouteTable(fn, name, source),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The rule a measured function breaks, if any. */
function breach(m: Measured): string | null {
  const where = `${m.file}:${m.line} ${m.name} has ${m.lines} lines`;
  if (m.file.startsWith('src/core/')) return m.lines > CORE_MAX ? `${where} (src/core allows ${CORE_MAX})` : null;
  if (m.file.startsWith('src/renderer/src/state/')) return m.lines > STATE_MAX ? `${where} (src/renderer/src/state allows ${STATE_MAX})` : null;
  if (m.lines > ELSEWHERE_MAX && !m.justified && !m.exempt) return `${where} (over ${ELSEWHERE_MAX} needs a "// long: <why>" comment above it)`;
  return null;
}

describe('function lengths', () => {
  const all = sourceFiles(join(ROOT, 'src')).flatMap((path) => measure(relative(ROOT, path).split(sep).join('/'), readFileSync(path, 'utf8')));

  it(`runSweep is at most ${RUN_SWEEP_MAX} lines`, () => {
    const runSweep = all.filter((m) => m.file === 'src/core/sweep/index.ts' && m.name === 'runSweep');
    expect(runSweep).toHaveLength(1);
    expect(runSweep[0].lines).toBeLessThanOrEqual(RUN_SWEEP_MAX);
  });

  it(`no function in src/core over ${CORE_MAX} lines, in the renderer's state over ${STATE_MAX}, elsewhere over ${ELSEWHERE_MAX} without its reason`, () => {
    expect(all.length).toBeGreaterThan(1000);
    expect(all.map(breach).filter(Boolean)).toEqual([]);
  });

  it('the check catches a long function, takes a reason only outside core, and spares markup and route tables', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const fn = (head: string, n: number) => `${head}\n${body(n)}\n}\n`;
    const breaches = (file: string, text: string) => measure(file, text).map(breach).filter(Boolean);
    expect(breaches('src/shared/x.ts', fn('export function big() {', 85))).toEqual(['src/shared/x.ts:1 big has 87 lines (over 80 needs a "// long: <why>" comment above it)']);
    expect(breaches('src/shared/x.ts', `/** Doc. */\n// long: one pass over the table, split it loses the thread\n${fn('export function big() {', 85)}`)).toEqual([]);
    expect(breaches('src/shared/x.ts', `// long:\n${fn('const big = () => {', 85)}`)).toHaveLength(1);
    expect(breaches('src/core/x.ts', `// long: a reason does not count here\n${fn('export function big() {', 125)}`)).toHaveLength(1);
    expect(breaches('src/core/x.ts', fn('export function fits() {', 110))).toEqual([]);
    expect(breaches('src/renderer/src/state/x.ts', fn('export const createStore = () => {', 190))).toEqual([]);
    expect(breaches('src/renderer/src/Page.tsx', `export function Page() {\n${body(85)}\n  return <div />;\n}\n`)).toEqual([]);
    expect(breaches('src/renderer/src/Page.tsx', `export function notPage() {\n${body(85)}\n  return () => <div />;\n}\n`)).toHaveLength(1);
    expect(breaches('src/simulator/x.ts', fn('function ollamaRoutes(): Route[] {', 85))).toEqual([]);
  });
});
