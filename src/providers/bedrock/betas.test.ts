import { describe, expect, it } from 'vitest';
import { defaultConverseBetaPolicy, defaultInvokeBetaPolicy, filterBetas } from './betas.ts';

describe('filterBetas', () => {
  it('keeps allowed betas, maps advanced-tool-use and drops the rest (Claude Code 2.1.197 list)', () => {
    const header =
      'claude-code-20250219, oauth-2025-04-20, context-1m-2025-08-07, interleaved-thinking-2025-05-14, redact-thinking-2026-02-12, thinking-token-count-2026-05-13, context-management-2025-06-27, prompt-caching-scope-2026-01-05, mid-conversation-system-2026-04-07, advisor-tool-2026-03-01, advanced-tool-use-2025-11-20, effort-2025-11-24, extended-cache-ttl-2025-04-11, cache-diagnosis-2026-04-07';
    expect(filterBetas(header, defaultInvokeBetaPolicy)).toEqual({
      kept: ['context-1m-2025-08-07', 'interleaved-thinking-2025-05-14', 'context-management-2025-06-27', 'tool-examples-2025-10-29', 'tool-search-tool-2025-10-19', 'effort-2025-11-24'],
      dropped: [
        'claude-code-20250219',
        'oauth-2025-04-20',
        'redact-thinking-2026-02-12',
        'thinking-token-count-2026-05-13',
        'prompt-caching-scope-2026-01-05',
        'mid-conversation-system-2026-04-07',
        'advisor-tool-2026-03-01',
        'extended-cache-ttl-2025-04-11',
        'cache-diagnosis-2026-04-07',
      ],
    });
  });

  it('compares case-insensitively and removes duplicates, including ones a mapping creates', () => {
    expect(filterBetas('Interleaved-Thinking-2025-05-14,interleaved-thinking-2025-05-14,tool-examples-2025-10-29,advanced-tool-use-2025-11-20', defaultInvokeBetaPolicy)).toEqual({
      kept: ['interleaved-thinking-2025-05-14', 'tool-examples-2025-10-29', 'tool-search-tool-2025-10-19'],
      dropped: [],
    });
  });

  it.each([[undefined], [''], [' , ,']])('is empty for %j', (header) => {
    expect(filterBetas(header, defaultInvokeBetaPolicy)).toEqual({ kept: [], dropped: [] });
  });
});

describe('defaultConverseBetaPolicy', () => {
  it('keeps only the betas Claude takes through Converse, with no mappings', () => {
    const header =
      'claude-code-20250219,context-1m-2025-08-07,interleaved-thinking-2025-05-14,context-management-2025-06-27,advanced-tool-use-2025-11-20,effort-2025-11-24,fine-grained-tool-streaming-2025-05-14,structured-outputs-2025-11-13,computer-use-2025-01-24,computer-use-2025-11-24,thinking-binding-controls-2026-08-01,thinking-display-updates-2026-08-18,tool-search-tool-2025-10-19';
    expect(filterBetas(header, defaultConverseBetaPolicy)).toEqual({
      kept: [
        'context-1m-2025-08-07',
        'effort-2025-11-24',
        'fine-grained-tool-streaming-2025-05-14',
        'structured-outputs-2025-11-13',
        'computer-use-2025-01-24',
        'computer-use-2025-11-24',
        'thinking-binding-controls-2026-08-01',
        'thinking-display-updates-2026-08-18',
      ],
      dropped: ['claude-code-20250219', 'interleaved-thinking-2025-05-14', 'context-management-2025-06-27', 'advanced-tool-use-2025-11-20', 'tool-search-tool-2025-10-19'],
    });
  });
});
