/**
 * Chat Completions stream scenarios, one upstream chunk per item, for the fake OpenAI-compatible
 * upstream (openai.ts) and the converters' tests. Each reproduces a provider's habits
 * (protocols.md §6.5, §6.6): Groq's `x_groq.usage` on the last chunk, OpenRouter's comment lines
 * and `reasoning` + `reasoning_details`, DeepSeek's `reasoning_content` and cache counts, tool
 * arguments whole or in fragments, parallel calls interleaved by index, a missing usage, a
 * mid-stream error chunk. `completionOf` folds a scenario into the non-streaming answer.
 */

export type ChunkItem =
  | { readonly chunk: Record<string, unknown> }
  /** A comment line (`: text`), as OpenRouter sends while it waits. */
  | { readonly comment: string };

const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_765_000_000, model: 'fake-model', system_fingerprint: null };

function chunk(delta: Record<string, unknown>, finishReason: string | null = null, extra: Record<string, unknown> = {}): ChunkItem {
  return { chunk: { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...extra } };
}

const usage = (prompt: number, completion: number, extra: Record<string, unknown> = {}) => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, ...extra });
const usageChunk = (value: Record<string, unknown>): ChunkItem => ({ chunk: { ...base, choices: [], usage: value } });
const role = chunk({ role: 'assistant', content: '' });
const call = (index: number, id: string | undefined, name: string | undefined, args: string) => ({ index, ...(id === undefined ? {} : { id, type: 'function' }), function: { ...(name === undefined ? {} : { name }), arguments: args } });

export const openAIScenarios = {
  text: [role, chunk({ content: 'Hello' }), chunk({ content: ', world.' }), chunk({}, 'stop'), usageChunk(usage(12, 4, { prompt_tokens_details: { cached_tokens: 8 } }))],
  'tool-split': [
    role,
    chunk({ tool_calls: [call(0, 'call_abc', 'get_weather', '')] }),
    chunk({ tool_calls: [call(0, undefined, undefined, '{"ci')] }),
    chunk({ tool_calls: [call(0, undefined, undefined, 'ty":"Par')] }),
    chunk({ tool_calls: [call(0, undefined, undefined, 'is"}')] }),
    chunk({}, 'tool_calls'),
    usageChunk(usage(30, 12)),
  ],
  'tool-whole': [role, chunk({ content: 'Checking.' }), chunk({ tool_calls: [call(0, 'functions.get_weather:0', 'get_weather', '{"city":"Rome"}')] }), chunk({}, 'stop'), usageChunk(usage(30, 12))],
  'parallel-interleaved': [
    role,
    chunk({ tool_calls: [call(0, 'call_1', 'get_weather', '{"city":')] }),
    chunk({ tool_calls: [call(1, 'call_2', 'get_time', '{"zone":')] }),
    chunk({ tool_calls: [call(0, undefined, undefined, '"Paris"}')] }),
    chunk({ tool_calls: [call(1, undefined, undefined, '"CET"}')] }),
    chunk({}, 'tool_calls'),
    usageChunk(usage(40, 20)),
  ],
  groq: [
    role,
    chunk({ reasoning: 'Simple greeting.' }),
    chunk({ content: 'Hi!' }),
    chunk({}, 'stop', { x_groq: { id: 'req_groq_1', usage: usage(9, 6) } }),
  ],
  openrouter: [
    { comment: 'OPENROUTER PROCESSING' },
    role,
    { comment: 'OPENROUTER PROCESSING' },
    chunk({ reasoning: 'Think', reasoning_details: [{ type: 'reasoning.text', text: 'Think', format: 'unknown', index: 0 }] }),
    chunk({ reasoning: 'ing.', reasoning_details: [{ type: 'reasoning.text', text: 'ing.', format: 'unknown', index: 0 }] }),
    chunk({ content: 'Answer.' }),
    chunk({}, 'stop', { provider: 'Fake' }),
    usageChunk(usage(20, 10, { prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 5 }, cost: 0.0001 })),
  ],
  deepseek: [
    role,
    chunk({ content: null, reasoning_content: 'Let me see.' }),
    chunk({ content: '42', reasoning_content: null }),
    chunk({ content: '' }, 'stop', { usage: usage(64, 8, { prompt_cache_hit_tokens: 60, prompt_cache_miss_tokens: 4 }) }),
  ],
  'missing-usage': [role, chunk({ content: 'No usage here.' }), chunk({}, 'length')],
  'mid-stream-error': [role, chunk({ content: 'Partial' }), { chunk: { ...base, error: { code: 502, message: 'Upstream provider failed' }, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] } }],
} satisfies Record<string, readonly ChunkItem[]>;

export type OpenAIScenario = keyof typeof openAIScenarios;

/** `data: …` framing of a scenario, `data: [DONE]` at the end (unless `done` is false). */
export function frameScenario(items: readonly ChunkItem[], done = true): string {
  const frames = items.map((item) => ('comment' in item ? `: ${item.comment}\n\n` : `data: ${JSON.stringify(item.chunk)}\n\n`));
  return frames.join('') + (done ? 'data: [DONE]\n\n' : '');
}

interface Folded {
  content: string;
  reasoning: string;
  tool_calls: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  finish_reason: string | null;
  usage: unknown;
  error: unknown;
}

/** The non-streaming `chat.completion` a scenario stands for (its error, when it has one, as `error`). */
export function completionOf(items: readonly ChunkItem[], reasoningField = 'reasoning_content'): Record<string, unknown> {
  const folded: Folded = { content: '', reasoning: '', tool_calls: [], finish_reason: null, usage: undefined, error: undefined };
  const byIndex = new Map<number, Folded['tool_calls'][number]>();
  for (const item of items) {
    if ('comment' in item) continue;
    const { choices, usage: chunkUsage, x_groq: groq, error } = item.chunk as { choices: { delta: Record<string, unknown>; finish_reason: string | null }[]; usage?: unknown; x_groq?: { usage?: unknown }; error?: unknown };
    if (error !== undefined) folded.error = error;
    if (chunkUsage !== undefined) folded.usage = chunkUsage;
    if (groq?.usage !== undefined) folded.usage = groq.usage;
    const choice = choices[0];
    if (choice === undefined) continue;
    const delta = choice.delta;
    if (typeof delta.content === 'string') folded.content += delta.content;
    const reasoning = typeof delta.reasoning_content === 'string' ? delta.reasoning_content : typeof delta.reasoning === 'string' ? delta.reasoning : '';
    folded.reasoning += reasoning;
    for (const entry of (delta.tool_calls ?? []) as ReturnType<typeof call>[]) {
      let target = byIndex.get(entry.index);
      if (target === undefined) {
        target = { id: 'id' in entry ? String(entry.id) : '', type: 'function', function: { name: entry.function.name ?? '', arguments: '' } };
        byIndex.set(entry.index, target);
        folded.tool_calls.push(target);
      }
      target.function.arguments += entry.function.arguments;
    }
    if (choice.finish_reason !== null) folded.finish_reason = choice.finish_reason;
  }
  if (folded.error !== undefined) return { error: folded.error };
  const message: Record<string, unknown> = { role: 'assistant', content: folded.content === '' ? null : folded.content, refusal: null };
  if (folded.reasoning !== '') message[reasoningField] = folded.reasoning;
  if (folded.tool_calls.length > 0) message.tool_calls = folded.tool_calls;
  return {
    id: base.id,
    object: 'chat.completion',
    created: base.created,
    model: base.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: folded.finish_reason }],
    ...(folded.usage === undefined ? {} : { usage: folded.usage }),
  };
}
