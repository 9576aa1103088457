import type { OpenAIEndpoint } from '../../config/schema-openai.ts';
import { providerQuirks, type KnownProvider, type OpenAICompatibleQuirks } from './quirks.ts';

/**
 * An endpoint's quirks from its configuration (`openai_compatible.<name>.quirks`), pure: the
 * preset (the built-in provider's own for a built-in name, else `generic`, or the one named by
 * `preset`) with each configured field over it. (`reasoning_models` and
 * `max_completion_tokens_models` are about models: config/openai-models.ts reads them.)
 */
export function quirksFor(endpoint: Pick<OpenAIEndpoint, 'name' | 'quirks'>): OpenAICompatibleQuirks {
  const config = endpoint.quirks;
  const presetName: KnownProvider = config.preset ?? (endpoint.name in providerQuirks ? (endpoint.name as KnownProvider) : 'generic');
  const preset = providerQuirks[presetName];
  const { maxStopSequences, userField, ...rest } = preset;
  const stops = config.max_stop_sequences ?? maxStopSequences;
  const user = config.user_field === undefined ? userField : config.user_field === 'none' ? undefined : config.user_field;
  return {
    ...rest,
    ...(config.reasoning === undefined ? {} : { reasoning: config.reasoning }),
    ...(config.images === undefined ? {} : { images: config.images }),
    ...(config.pdf === undefined ? {} : { pdf: config.pdf }),
    ...(config.top_k === undefined ? {} : { topK: config.top_k }),
    ...(config.parallel_tool_calls === undefined ? {} : { parallelToolCalls: config.parallel_tool_calls }),
    ...(config.structured_outputs === undefined ? {} : { structuredOutputs: config.structured_outputs }),
    ...(config.stream_usage === undefined ? {} : { streamUsage: config.stream_usage }),
    ...(config.replay_reasoning === undefined ? {} : { replayReasoning: config.replay_reasoning }),
    ...(stops === undefined ? {} : { maxStopSequences: stops }),
    ...(user === undefined ? {} : { userField: user }),
  };
}
