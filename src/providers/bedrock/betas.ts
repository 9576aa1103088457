/**
 * Which `anthropic-beta` values may go to Bedrock InvokeModel, as data (protocols.md §3.5 and
 * seed 004's mapping). Toward Anthropic betas are never filtered; toward Bedrock an unknown beta
 * is a 400 ValidationException, so only listed values pass. Values are exact and lowercase (seed
 * 003 dropped `interleaved-thinking` for years over a capital I). Per-model policies come from
 * the model catalog; this is the default for Claude on InvokeModel.
 */

export interface BetaPolicy {
  /** Betas passed through unchanged. */
  readonly allow: ReadonlySet<string>;
  /** Betas replaced by one or more Bedrock equivalents. */
  readonly map: ReadonlyMap<string, readonly string[]>;
}

export const defaultInvokeBetaPolicy: BetaPolicy = {
  allow: new Set([
    'computer-use-2025-01-24',
    'computer-use-2025-11-24',
    'context-1m-2025-08-07',
    'context-management-2025-06-27',
    'compact-2026-01-12',
    'effort-2025-11-24',
    'fine-grained-tool-streaming-2025-05-14',
    'interleaved-thinking-2025-05-14',
    'tool-search-tool-2025-10-19',
    'tool-examples-2025-10-29',
    'thinking-binding-controls-2026-08-01',
    'thinking-display-updates-2026-08-18',
    'mid-conversation-output-config-2026-07-01',
    'mid-conversation-tool-changes-2026-07-01',
  ]),
  map: new Map([['advanced-tool-use-2025-11-20', ['tool-examples-2025-10-29', 'tool-search-tool-2025-10-19']]]),
};

/**
 * The betas Claude accepts through Converse's `additionalModelRequestFields.anthropic_beta`
 * (protocols.md §4.1, LiteLLM's Converse list [OBS]): narrower than InvokeModel's.
 */
export const defaultConverseBetaPolicy: BetaPolicy = {
  allow: new Set([
    'computer-use-2025-01-24',
    'computer-use-2025-11-24',
    'context-1m-2025-08-07',
    'effort-2025-11-24',
    'fine-grained-tool-streaming-2025-05-14',
    'structured-outputs-2025-11-13',
    'thinking-binding-controls-2026-08-01',
    'thinking-display-updates-2026-08-18',
  ]),
  map: new Map(),
};

export interface FilteredBetas {
  /** What goes into the body as `anthropic_beta`, in first-seen order, without duplicates. */
  readonly kept: string[];
  /** Client betas Bedrock does not take (logged, and their body fields removed). */
  readonly dropped: string[];
}

/** Splits an `anthropic-beta` header value and applies `policy`. */
export function filterBetas(header: string | undefined, policy: BetaPolicy): FilteredBetas {
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const raw of (header ?? '').split(',')) {
    const beta = raw.trim().toLowerCase();
    if (beta === '') continue;
    const mapped = policy.map.get(beta) ?? (policy.allow.has(beta) ? [beta] : undefined);
    if (mapped === undefined) {
      if (!dropped.includes(beta)) dropped.push(beta);
      continue;
    }
    for (const value of mapped) if (!kept.includes(value)) kept.push(value);
  }
  return { kept, dropped };
}
