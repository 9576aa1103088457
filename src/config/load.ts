import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { configFileVariable, environmentVariables, type Environment } from './env.ts';
import { fromSeed001, isSeed001 } from './seed-001.ts';
import { configSchema, secretPaths, type GatewayConfig } from './schema.ts';

/**
 * The one configuration loader. Sources, lowest precedence first: defaults, the YAML file
 * (`--config` or GATEWAY_CONFIG), environment variables, command-line overrides. The merged
 * value is validated once; every problem is reported with its path and where the value came
 * from. The result is deeply frozen. This folder is the only reader of `process.env`.
 */

export type { Environment };

export interface LoadConfigOptions {
  readonly env?: Environment;
  /** Path of a YAML file; overrides GATEWAY_CONFIG. */
  readonly configFile?: string;
  /** Values from the command line, by path (e.g. `server.port`). */
  readonly overrides?: Readonly<Record<string, unknown>>;
  readonly readFile?: (path: string) => string;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (!isTree(child)) node[key] = Object.create(null) as Tree;
    node = node[key] as Tree;
  }
  node[path[path.length - 1] as string] = value;
}

function readYaml(path: string, readFile: (path: string) => string): { tree: Tree; problems: string[] } {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    return { tree: {}, problems: [`${path}: cannot read the configuration file (${(error as Error).message})`] };
  }
  try {
    const parsed: unknown = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
    if (parsed === null || parsed === undefined) return { tree: {}, problems: [] };
    if (!isTree(parsed)) return { tree: {}, problems: [`${path}: the top level must be a mapping`] };
    return { tree: parsed, problems: [] };
  } catch (error) {
    return { tree: {}, problems: [`${path}: ${error instanceof YAMLParseError ? yamlProblem(error) : String(error)}`] };
  }
}

/**
 * A YAML syntax error with the code frame the parser makes (`prettyErrors`): the line, the one
 * before, and a caret under the column, indented under the problem's bullet.
 */
function yamlProblem(error: YAMLParseError): string {
  const [first = '', ...frame] = error.message.replace(/\s+$/, '').split('\n');
  while (frame[0]?.trim() === '') frame.shift();
  if (frame.length === 0) return first.replace(/:$/, '.');
  return [first, ...frame.map((line) => (line.trim() === '' ? '' : `    ${line}`))].join('\n');
}

/** Which source set each path, for error messages. */
type Origins = Map<string, string>;

function applyEnvironment(tree: Tree, env: Environment, origins: Origins, problems: string[]): void {
  const assigned = new Set<string>();
  for (const variable of environmentVariables) {
    const raw = env[variable.name];
    if (raw === undefined || raw === '') continue;
    const problem = variable.validate?.(raw);
    if (problem !== undefined) problems.push(`${variable.name}: ${problem} (from environment variable ${variable.name})`);
    for (const path of variable.paths) {
      const key = path.join('.');
      if (assigned.has(key)) continue; // the first variable listed for a path wins (PORT over PROXY_PORT)
      assigned.add(key);
      setPath(tree, path, variable.convert === undefined ? raw : variable.convert(raw, env));
      origins.set(key, `environment variable ${variable.name}`);
    }
  }
}

function describeIssue(issue: z.core.$ZodIssue, origins: Origins, file: string | undefined): string {
  const path = issue.path.map(String).join('.');
  // A problem inside a value (a JSON object from one variable) comes from where the value came from.
  const set = issue.path.map((_key, index) => issue.path.slice(0, issue.path.length - index).map(String).join('.')).find((prefix) => origins.has(prefix));
  const origin = (set === undefined ? undefined : origins.get(set)) ?? (file === undefined ? undefined : `file ${file}`);
  const where = path === '' ? '(top level)' : path;
  return `${where}: ${issue.message}${origin === undefined ? '' : ` (from ${origin})`}`;
}

export function loadConfig(options: LoadConfigOptions = {}): GatewayConfig {
  const env = options.env ?? {};
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const file = options.configFile ?? (env[configFileVariable] === '' ? undefined : env[configFileVariable]);
  const origins: Origins = new Map();
  const problems: string[] = [];

  let tree: Tree = {};
  if (file !== undefined) {
    const yaml = readYaml(file, readFile);
    tree = yaml.tree;
    problems.push(...yaml.problems);
  }
  if (isSeed001(tree)) tree = fromSeed001(tree);
  applyEnvironment(tree, env, origins, problems);
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    setPath(tree, key.split('.'), value);
    origins.set(key, 'the command line');
  }
  applyKeyVariables(tree, env, origins);

  const result = configSchema.safeParse(tree);
  if (!result.success) problems.push(...result.error.issues.map((issue) => describeIssue(issue, origins, file)));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return deepFreeze(result.data);
}

/**
 * An OpenAI-compatible endpoint's `api_key_env: NAME` sets its `api_key` from that variable
 * (a key written in the file, or set by a seed variable such as GROQ_API_KEY, wins).
 */
function applyKeyVariables(tree: Tree, env: Environment, origins: Origins): void {
  const endpoints = tree.openai_compatible;
  if (!isTree(endpoints)) return;
  for (const [name, endpoint] of Object.entries(endpoints)) {
    if (!isTree(endpoint) || typeof endpoint.api_key_env !== 'string' || endpoint.api_key !== undefined) continue;
    const value = env[endpoint.api_key_env.trim()];
    if (value === undefined || value.trim() === '') continue;
    endpoint.api_key = value;
    origins.set(`openai_compatible.${name}.api_key`, `environment variable ${endpoint.api_key_env.trim()}`);
  }
}

/** Reads the process environment: the only place in the code base that does. */
export function processEnvironment(): Environment {
  return process.env;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const REDACTED = '[redacted]';

/**
 * A copy of the configuration safe to show: every secret replaced by "[redacted]", and in every
 * URL anywhere in it (ANTHROPIC_API_BASE, BEDROCK_ENDPOINT, DYNAMODB_ENDPOINT, route endpoints,
 * whatever is added later) the user info, every query value and the fragment, where
 * credentials hide (`https://user:password@host`, `?api_key=…`).
 */
export function redactConfig(config: GatewayConfig): unknown {
  const copy = structuredClone(config) as unknown as Tree;
  for (const path of secretPaths) {
    let node: unknown = copy;
    for (const key of path.slice(0, -1)) node = isTree(node) ? node[key] : undefined;
    const leaf = path[path.length - 1] as string;
    if (isTree(node) && node[leaf] !== undefined) node[leaf] = REDACTED;
  }
  // OpenAI-compatible endpoints: their keys, and their extra headers' values (tokens hide there too).
  const endpoints = copy.openai_compatible;
  if (isTree(endpoints)) {
    for (const endpoint of Object.values(endpoints)) {
      if (!isTree(endpoint)) continue;
      if (endpoint.api_key !== undefined) endpoint.api_key = REDACTED;
      if (isTree(endpoint.headers)) for (const name of Object.keys(endpoint.headers)) endpoint.headers[name] = REDACTED;
    }
  }
  return redactUrls(copy);
}

function redactUrls(node: unknown): unknown {
  if (typeof node === 'string') return redactUrl(node);
  if (Array.isArray(node)) return node.map(redactUrls);
  if (isTree(node)) {
    for (const [key, value] of Object.entries(node)) node[key] = redactUrls(value);
  }
  return node;
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** A URL without its secrets: user info, query values and fragment redacted; any other text unchanged. */
export function redactUrl(text: string): string {
  if (!SCHEME.test(text)) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not parseable: still never show what stands before an `@` in the authority, or a query.
    return text.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, `$1${REDACTED}@`).replace(/[?#].*$/s, `?${REDACTED}`);
  }
  const userInfo = url.username !== '' || url.password !== '' ? `${REDACTED}@` : '';
  const query = [...url.searchParams.keys()].map((name) => `${encodeURIComponent(name)}=${REDACTED}`).join('&');
  return `${url.protocol}//${userInfo}${url.host}${url.pathname === '/' && !text.slice(url.protocol.length + 2).includes('/') ? '' : url.pathname}${query === '' ? '' : `?${query}`}${url.hash === '' ? '' : `#${REDACTED}`}`;
}
