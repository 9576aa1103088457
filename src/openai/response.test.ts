import { describe, expect, it } from 'vitest';
import type { Message } from '../anthropic/types.ts';
import { fromGatewayErrorToOpenAI, toOpenAIErrorBody } from './errors.ts';
import { toFinishReason } from './finish-reason.ts';
import { toChatCompletion } from './response.ts';
import { GatewayError } from '../errors.ts';

const context = { id: 'chatcmpl-1', created: 1_765_000_000, model: 'claude-sonnet-5-5' };

describe('toChatCompletion', () => {
  it('joins text, lists tool calls, carries thinking as reasoning_content, adds cache reads back into prompt_tokens', () => {
    const message = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-5-5',
      content: [
        { type: 'thinking', thinking: 'Hmm.', signature: 'sig' },
        { type: 'text', text: 'Checking ' },
        { type: 'text', text: 'now.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 },
    } as unknown as Message;
    expect(toChatCompletion(message, context)).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_765_000_000,
      model: 'claude-sonnet-5-5',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Checking now.', refusal: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }], reasoning_content: 'Hmm.' },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 130, completion_tokens: 5, total_tokens: 135, prompt_tokens_details: { cached_tokens: 100 } },
    });
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['model_context_window_exceeded', 'length'],
    ['something_new', 'stop'],
    [null, 'stop'],
  ])('finish reason of %s is %s', (stopReason, finishReason) => {
    expect(toFinishReason(stopReason)).toBe(finishReason);
  });
});

describe('OpenAI-shaped errors', () => {
  it.each([
    ['GW_UNSUPPORTED_FEATURE', 400, 'invalid_request_error', null],
    ['GW_KEY_INVALID', 401, 'invalid_request_error', 'invalid_api_key'],
    ['GW_KEY_RATE_LIMITED', 429, 'requests', 'rate_limit_exceeded'],
    ['GW_UPSTREAM_OVERLOADED', 503, 'server_error', 'overloaded'],
    ['GW_UPSTREAM_ERROR', 500, 'server_error', null],
  ] as const)('%s', (code, status, type, errorCode) => {
    expect(fromGatewayErrorToOpenAI(new GatewayError(code, 'words'))).toEqual({ status, body: { error: { message: 'words', type, param: null, code: errorCode } } });
  });

  it('an unknown Anthropic type reads as a server error', () => {
    expect(toOpenAIErrorBody('brand_new_error', 'x')).toEqual({ error: { message: 'x', type: 'server_error', param: null, code: null } });
  });
});
