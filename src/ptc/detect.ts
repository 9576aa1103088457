import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a Messages request asks for Programmatic Tool Calling, as the official API defines it
 * (docs/ptc.md): a `code_execution` tool of a version that calls tools (`code_execution_20250825`
 * and later) and at least one client tool whose `allowed_callers` names a code execution version
 * (the default is `["direct"]`). The `advanced-tool-use-2025-11-20` beta that introduced the
 * feature is recognised (and removed toward an upstream that emulates) but not required: the
 * API and `@anthropic-ai/sdk` 1.x carry `allowed_callers` without it. Pure.
 */

/** The code execution tool versions whose code can call client tools. */
export const ptcToolVersions = ['code_execution_20250825', 'code_execution_20260120', 'code_execution_20260521'] as const;
export type PtcToolVersion = (typeof ptcToolVersions)[number];

/** Betas that turn Programmatic Tool Calling on (the first one and any later `advanced-tool-use-*`). */
export const ptcBetaPattern = /^advanced-tool-use-\d{4}-\d{2}-\d{2}$/;

/** A client tool the model's code may call: its name, description and input schema, as the client sent them. */
export interface CallableTool {
  readonly name: string;
  readonly description: string | undefined;
  readonly inputSchema: unknown;
  /** `allowed_callers` also holds `direct`: the model may call it itself too. */
  readonly direct: boolean;
}

export interface PtcRequest {
  /** The `code_execution` tool's type: the caller type of the calls its code makes. */
  readonly version: PtcToolVersion;
  /** The tools the code may call, in the order the client listed them. */
  readonly callable: readonly CallableTool[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isPtcToolVersion(value: unknown): value is PtcToolVersion {
  return typeof value === 'string' && (ptcToolVersions as readonly string[]).includes(value);
}

/** The callers a tool allows (`["direct"]` when it says nothing). */
export function allowedCallers(tool: Record<string, unknown>): readonly string[] {
  const callers = tool.allowed_callers;
  return Array.isArray(callers) ? callers.filter((caller): caller is string => typeof caller === 'string') : ['direct'];
}

/** The Programmatic Tool Calling part of a request body, or undefined when it asks for none. */
export function detectPtc(body: Readonly<Record<string, unknown>>): PtcRequest | undefined {
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord) : [];
  const codeTool = tools.find((tool) => isPtcToolVersion(tool.type));
  if (codeTool === undefined) return undefined;
  const callable: CallableTool[] = [];
  for (const tool of tools) {
    if (tool === codeTool || typeof tool.name !== 'string') continue;
    const callers = allowedCallers(tool);
    if (!callers.some(isPtcToolVersion)) continue;
    callable.push({
      name: tool.name,
      description: typeof tool.description === 'string' ? tool.description : undefined,
      inputSchema: tool.input_schema ?? { type: 'object' },
      direct: callers.includes('direct'),
    });
  }
  if (callable.length === 0) return undefined;
  return { version: codeTool.type as PtcToolVersion, callable };
}

/** The `anthropic-beta` values, PTC's betas removed (they mean nothing to an upstream that emulates). */
export function withoutPtcBetas(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const value = headers['anthropic-beta'];
  if (value === undefined) return headers;
  const betas = (Array.isArray(value) ? value.join(',') : value).split(',').map((beta) => beta.trim()).filter((beta) => beta !== '');
  const kept = betas.filter((beta) => !ptcBetaPattern.test(beta));
  if (kept.length === betas.length) return headers;
  const { 'anthropic-beta': _removed, ...rest } = headers;
  return kept.length === 0 ? rest : { ...rest, 'anthropic-beta': kept.join(',') };
}
