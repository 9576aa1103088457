import { remove, type ConversionContext } from './context.ts';
import { providerEffort } from './model-traits.ts';
import { isRecord } from './values.ts';

/**
 * Anthropic `thinking` (and `output_config.effort`) -> the provider's reasoning knob
 * (protocols.md §6.1), chosen by the provider's quirks. A model without reasoning gets neither:
 * both are dropped and listed. Budgets map to efforts: up to 2,048 tokens `low`, up to 12,000
 * `medium`, above `high`; an effort goes out as the one the model takes (model-traits.ts
 * `providerEffort`: Anthropic's `max` is the model's highest, `xhigh` on GPT-5.2, `max` on
 * DeepSeek, `high` on most).
 */

type Effort = 'low' | 'medium' | 'high' | 'xhigh' | 'max';

const efforts: ReadonlySet<string> = new Set(['low', 'medium', 'high', 'xhigh', 'max']);

interface Thinking {
  /** enabled or adaptive: on; disabled: off; absent: the client said nothing. */
  readonly state: 'on' | 'off' | 'unset';
  readonly budget?: number;
  readonly effort?: Effort;
}

export function toReasoningFields(request: Record<string, unknown>, context: ConversionContext): Record<string, unknown> {
  const thinking = readThinking(request);
  if (!context.traits.reasoning) {
    if (thinking.state === 'on') remove(context, 'thinking');
    if (thinking.effort !== undefined) remove(context, 'output_config.effort');
    return {};
  }
  const effort = providerEffort(thinking.effort ?? effortOfBudget(thinking.budget), context.traits.efforts);
  switch (context.quirks.reasoning) {
    case 'effort':
      return thinking.state === 'off' ? {} : thinking.state === 'on' || thinking.effort !== undefined ? { reasoning_effort: effort } : {};
    case 'openrouter':
      if (thinking.state === 'off') return { reasoning: { enabled: false } };
      if (thinking.state === 'unset' && thinking.effort === undefined) return {};
      return { reasoning: thinking.budget !== undefined && thinking.effort === undefined ? { max_tokens: thinking.budget } : { effort } };
    case 'groq':
      return groqFields(context.traits.reasoningEffort, thinking.state === 'on', effort);
    case 'deepseek':
      // The effort only when the client named one (DeepSeek's default is its own).
      return { thinking: { type: thinking.state === 'on' ? 'enabled' : 'disabled' }, ...(thinking.effort !== undefined && thinking.state === 'on' ? { reasoning_effort: effort } : {}) };
    case 'none':
      return {};
  }
}

function readThinking(request: Record<string, unknown>): Thinking {
  const outputConfig = isRecord(request.output_config) ? request.output_config : {};
  const rawEffort = outputConfig.effort;
  const effort = typeof rawEffort === 'string' && efforts.has(rawEffort) ? (rawEffort as Effort) : undefined;
  const thinking = request.thinking;
  const base = effort === undefined ? {} : { effort };
  if (!isRecord(thinking)) return { state: 'unset', ...base };
  if (thinking.type === 'disabled') return { state: 'off', ...base };
  const budget = typeof thinking.budget_tokens === 'number' ? thinking.budget_tokens : undefined;
  return { state: 'on', ...base, ...(budget === undefined ? {} : { budget }) };
}

function effortOfBudget(budget: number | undefined): Effort {
  if (budget === undefined) return 'medium';
  return budget <= 2048 ? 'low' : budget <= 12000 ? 'medium' : 'high';
}

/** Groq: gpt-oss takes `include_reasoning` and an effort; the others `reasoning_format` (hidden keeps `<think>` out of the text). */
function groqFields(takesEffort: boolean, on: boolean, effort: string): Record<string, unknown> {
  if (takesEffort) return on ? { include_reasoning: true, reasoning_effort: effort } : { include_reasoning: false };
  return { reasoning_format: on ? 'parsed' : 'hidden' };
}
