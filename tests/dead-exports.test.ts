/**
 * No dead code behind an export: every name exported under src/ is used somewhere, in its
 * own file or by an import from src/, tests/, bench/, scripts/, e2e/, bin/ or a build config.
 * Read with the TypeScript parser: named, default and namespace imports (`ns.name`),
 * re-exports (`export * from`, `export { a } from`, followed to the file that declares the
 * name), `import('…')` calls (destructured or `mod.name`) and `import('…').Name` types.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from './helpers/source-files';

const ROOT = resolve(import.meta.dirname, '..');
/** Exported on purpose and used by nobody: compile-time assertions (a drift is a type error there). */
const ASSERTIONS = new Set(['src/main/ipc/channels-check.ts']);
const ALL = '*';

interface Module {
  exports: Set<string>;
  /** Names used in the file other than where they are declared. */
  localUses: Set<string>;
  /** Names this file uses from each module it imports: file → names (ALL = every export). */
  uses: Map<string, Set<string>>;
  /** Re-exports: a name this file exports → [file, name there]; `export *` as [file, ALL]. */
  forwards: [string, string, string][];
}

const rel = (path: string) => relative(ROOT, path).split(sep).join('/');

/** The repository file a relative specifier names, or null (a package, or a file outside the repo). */
function resolveSpec(from: string, spec: string, files: ReadonlySet<string>): string | null {
  if (!spec.startsWith('.')) return null;
  const base = rel(resolve(ROOT, dirname(from), spec)).replace(/\.(js|ts|tsx|mjs)$/, '');
  for (const candidate of [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`, rel(resolve(ROOT, dirname(from), spec))]) {
    if (files.has(candidate)) return candidate;
  }
  return null;
}

const hasExport = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

function declaredNames(node: ts.Node): string[] {
  if (ts.isVariableStatement(node)) return node.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
  const named = node as ts.Node & { name?: ts.Node };
  return named.name && ts.isIdentifier(named.name) ? [named.name.text] : [];
}

/** What one file exports, uses of its own, and takes from others. */
function readModule(file: string, text: string, files: ReadonlySet<string>): Module {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, /\.(tsx|jsx)$/.test(file) ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const m: Module = { exports: new Set(), localUses: new Set(), uses: new Map(), forwards: [] };
  const use = (target: string | null, name: string) => {
    if (!target) return;
    if (!m.uses.has(target)) m.uses.set(target, new Set());
    m.uses.get(target)!.add(name);
  };
  /** `id.name` anywhere in the file: the names taken from a namespace or an imported module object. */
  const membersOf = (id: string, target: string | null) => {
    const visit = (n: ts.Node) => {
      if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === id) use(target, n.name.text);
      ts.forEachChild(n, visit);
    };
    visit(source);
  };
  const declarations = new Set<ts.Node>();
  for (const st of source.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const target = resolveSpec(file, st.moduleSpecifier.text, files);
      const clause = st.importClause;
      if (clause?.name) use(target, 'default');
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) membersOf(bindings.name.text, target);
      else if (bindings) for (const el of bindings.elements) use(target, (el.propertyName ?? el.name).text);
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      const target = resolveSpec(file, st.moduleSpecifier.text, files);
      if (!target) continue;
      if (!st.exportClause) m.forwards.push([ALL, target, ALL]);
      else if (ts.isNamedExports(st.exportClause)) {
        for (const el of st.exportClause.elements) {
          m.exports.add(el.name.text);
          m.forwards.push([el.name.text, target, (el.propertyName ?? el.name).text]);
        }
      }
    } else if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
      for (const el of st.exportClause.elements) {
        m.exports.add(el.name.text);
        if (el.propertyName) m.localUses.add(el.name.text);
      }
    } else if (hasExport(st)) {
      for (const name of declaredNames(st)) m.exports.add(name);
      declarations.add(st);
    }
  }
  const visit = (n: ts.Node) => {
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteralLike(n.arguments[0])) {
      const target = resolveSpec(file, n.arguments[0].text, files);
      const holder = ts.isAwaitExpression(n.parent) ? n.parent.parent : n.parent;
      if (ts.isVariableDeclaration(holder) && ts.isObjectBindingPattern(holder.name)) {
        for (const el of holder.name.elements) use(target, (el.propertyName ?? el.name).getText(source));
      } else if (ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name)) membersOf(holder.name.text, target);
      else use(target, ALL);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      const target = resolveSpec(file, n.argument.literal.text, files);
      const q = n.qualifier;
      use(target, q ? (ts.isIdentifier(q) ? q.text : q.left.getText(source).split('.')[0]) : ALL);
    } else if (ts.isIdentifier(n) && !isDeclarationName(n, declarations)) m.localUses.add(n.text);
    ts.forEachChild(n, visit);
  };
  visit(source);
  return m;
}

/** The identifier that names an exported declaration (its own name is not a use). */
function isDeclarationName(id: ts.Identifier, declarations: ReadonlySet<ts.Node>): boolean {
  const p = id.parent;
  if (declarations.has(p) && (p as ts.Node & { name?: ts.Node }).name === id) return true;
  return ts.isVariableDeclaration(p) && p.name === id && declarations.has(p.parent.parent);
}

/** Exports of src/ used nowhere, as `file: name`. */
function deadExports(modules: ReadonlyMap<string, Module>): string[] {
  const used = new Map<string, Set<string>>();
  const mark = (file: string, name: string): boolean => {
    if (!used.has(file)) used.set(file, new Set());
    const s = used.get(file)!;
    if (s.has(name)) return false;
    s.add(name);
    return true;
  };
  for (const m of modules.values()) for (const [target, names] of m.uses) for (const n of names) mark(target, n);
  // Follow re-exports until nothing changes: a name used from a barrel is used where it is declared.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [file, m] of modules) {
      const s = used.get(file) ?? new Set<string>();
      for (const [name, target, there] of m.forwards) {
        // `export *` passes on what is used from here and not declared here; `export { a }` passes on a.
        const wanted = name === ALL ? [...s].filter((n) => n === ALL || !m.exports.has(n)) : s.has(name) || s.has(ALL) ? [there] : [];
        for (const n of wanted) changed = mark(target, n) || changed;
      }
    }
  }
  const out: string[] = [];
  for (const [file, m] of modules) {
    if (!file.startsWith('src/') || ASSERTIONS.has(file)) continue;
    const s = used.get(file) ?? new Set<string>();
    for (const name of m.exports) if (!s.has(name) && !s.has(ALL) && !m.localUses.has(name)) out.push(`${file}: ${name}`);
  }
  return out.sort();
}

function repositoryModules(): Map<string, Module> {
  const roots = ['src', 'tests', 'bench', 'scripts', 'e2e'].flatMap((d) => sourceFiles(join(ROOT, d)));
  const extra = [
    ...readdirSync(join(ROOT, 'bin')).filter((n) => /\.(js|mjs)$/.test(n)).map((n) => join(ROOT, 'bin', n)),
    ...readdirSync(join(ROOT, 'scripts')).filter((n) => /\.(js|mjs)$/.test(n)).map((n) => join(ROOT, 'scripts', n)),
    ...['electron.vite.config.ts', 'vitest.config.mts', 'playwright.config.ts'].map((n) => join(ROOT, n)).filter(existsSync),
  ].filter((p) => statSync(p).isFile());
  const all = [...roots, ...extra];
  const files = new Set(all.map(rel));
  return new Map(all.map((p) => [rel(p), readModule(rel(p), readFileSync(p, 'utf8'), files)]));
}

describe('dead exports', () => {
  it('every export under src/ is used: in its own file, or imported from anywhere in the repository', () => {
    const modules = repositoryModules();
    expect(modules.size).toBeGreaterThan(400);
    expect(deadExports(modules)).toEqual([]);
  });

  it('finds one that is not, through a barrel, a namespace and a dynamic import', () => {
    const files = new Set(['src/a.ts', 'src/b.ts', 'src/index.ts', 'tests/t.ts']);
    const modules = new Map<string, Module>([
      ['src/a.ts', readModule('src/a.ts', 'export function used() {}\nexport const viaNs = 1;\nexport function dead() {}\nexport const local = 2;\nconst twice = local * 2;\nexport { twice };', files)],
      ['src/b.ts', readModule('src/b.ts', 'export const loaded = 1;\nexport const neverLoaded = 2;\nexport type Shape = { a: number };', files)],
      ['src/index.ts', readModule('src/index.ts', "export * from './a';", files)],
      ['tests/t.ts', readModule('tests/t.ts', "import { used } from '../src';\nimport * as a from '../src/a';\nconst { loaded } = await import('../src/b');\ntype S = import('../src/b').Shape;\nused(a.viaNs, loaded);", files)],
    ]);
    expect(deadExports(modules)).toEqual(['src/a.ts: dead', 'src/b.ts: neverLoaded']);
  });
});
