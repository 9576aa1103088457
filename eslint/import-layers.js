import { dirname, relative, resolve, sep } from 'node:path';

/**
 * Imports point one way (README, Architecture): http -> routing -> providers -> shared leaves.
 * A local ESLint rule, no dependency: each relative import of a file under src/ (tests aside) is
 * resolved, both ends are given their area, and an edge the table below does not allow is an
 * error. Relative paths are resolved, not pattern-matched, so `../anthropic/` from a provider
 * (another provider) and from routing (the wire-format leaf) are told apart.
 */

/**
 * Shared leaves: they import only each other. `anthropic/` and `openai/` are wire formats (types,
 * converters, error shapes); a new top-level folder must be placed here or in `allowed` below.
 */
const leaves = ['anthropic', 'openai', 'errors', 'ids', 'service-tier', 'config', 'store', 'metrics', 'usage', 'request', 'upstream', 'logging', 'version', 'readiness', 'startup-error'];

/**
 * Area -> the areas it may import (besides itself and the leaves). `providers` is the contract
 * and the registry (src/providers/*.ts); `providers/*` is any one provider's folder, which never
 * imports another provider. main.ts, app.ts and cli/ wire everything and may import anything.
 */
const allowed = {
  providers: [],
  'providers/*': ['providers'],
  routing: ['providers'],
  // Programmatic Tool Calling wraps providers (src/ptc/provider.ts) and is wired by app.ts.
  ptc: ['providers'],
  accounting: ['routing', 'providers'],
  http: ['accounting', 'routing', 'providers', 'ptc'],
};

const roots = new Set(['main', 'app', 'cli']);

/**
 * Type-only imports that point up, allowed: the dependency bag's type (AppDependencies in
 * app.ts) is how the layers below main receive what main built.
 */
const typeOnlyUp = new Set(['app']);

/**
 * Edges that break the rule today, each to be removed by the work named: [file, imported file]
 * relative to src/. Keep this list short; an entry that no longer matches anything can go.
 */
export const temporaryExceptions = [];

function areaOf(file) {
  const parts = file.split(sep);
  if (parts.length === 1) return parts[0].replace(/\.ts$/, '');
  if (parts[0] === 'providers') return parts.length === 2 ? 'providers' : `providers/${parts[1]}`;
  return parts[0];
}

function mayImport(from, to, typeOnly) {
  if (from === to || roots.has(from) || leaves.includes(to)) return true;
  if (typeOnly && typeOnlyUp.has(to)) return true;
  if (leaves.includes(from)) return false;
  const rule = allowed[from.startsWith('providers/') ? 'providers/*' : from];
  return rule !== undefined && rule.includes(to);
}

export const importLayers = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports point one way: http -> routing -> providers -> shared leaves.' },
    messages: { upward: '{{from}} may not import {{to}} ({{target}}): imports point one way, http -> routing -> providers -> shared leaves (eslint/import-layers.js; a new folder is placed there).' },
    schema: [],
  },
  create(context) {
    const source = resolve(context.filename);
    const srcRoot = resolve(context.cwd, 'src');
    const file = relative(srcRoot, source);
    if (file.startsWith('..') || file.endsWith('.test.ts')) return {};
    const from = areaOf(file);
    function check(node, specifier, typeOnly) {
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const target = relative(srcRoot, resolve(dirname(source), specifier));
      if (target.startsWith('..')) return;
      const to = areaOf(target);
      if (mayImport(from, to, typeOnly)) return;
      if (temporaryExceptions.some(([exceptFrom, exceptTo]) => exceptFrom === file && exceptTo === target)) return;
      context.report({ node, messageId: 'upward', data: { from, to, target } });
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value, node.importKind === 'type'),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value, false),
    };
  },
};
