import { describe, expect, it } from 'vitest';
import { allFeaturesOn, disabledFeatureIn, type FeatureSwitches } from './feature-switches.ts';

const on: FeatureSwitches = { tool_use: true, extended_thinking: true, documents: true };
const tool = { name: 'get_weather', input_schema: { type: 'object' } };
const document = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } };
const user = (content: unknown) => ({ role: 'user', content });

describe('disabledFeatureIn', () => {
  it.each<[string, Partial<FeatureSwitches>, Record<string, unknown>, string | undefined]>([
    ['everything on', {}, { tools: [tool], thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [user([document])] }, undefined],
    ['tools off, tools sent', { tool_use: false }, { tools: [tool] }, 'Tool use is turned off on this gateway (ENABLE_TOOL_USE=false); the request has it at tools. Remove it, or ask the operator to turn it on.'],
    ['tools off, an empty tools list', { tool_use: false }, { tools: [] }, undefined],
    ['thinking off, thinking enabled', { extended_thinking: false }, { thinking: { type: 'enabled', budget_tokens: 1024 } }, 'Extended thinking is turned off on this gateway (ENABLE_EXTENDED_THINKING=false); the request has it at thinking. Remove it, or ask the operator to turn it on.'],
    ['thinking off, adaptive thinking', { extended_thinking: false }, { thinking: { type: 'adaptive' } }, 'Extended thinking is turned off on this gateway (ENABLE_EXTENDED_THINKING=false); the request has it at thinking. Remove it, or ask the operator to turn it on.'],
    ['thinking off, thinking disabled', { extended_thinking: false }, { thinking: { type: 'disabled' } }, undefined],
    ['documents off, a document', { documents: false }, { messages: [user('hi'), { role: 'assistant', content: 'ok' }, user([{ type: 'text', text: 'read' }, document])] }, 'Document support is turned off on this gateway (ENABLE_DOCUMENT_SUPPORT=false); the request has it at messages.2.content.1. Remove it, or ask the operator to turn it on.'],
    ['documents off, a document in a tool result', { documents: false }, { messages: [user([{ type: 'tool_result', tool_use_id: 't', content: [document] }])] }, 'Document support is turned off on this gateway (ENABLE_DOCUMENT_SUPPORT=false); the request has it at messages.0.content.0.content.0. Remove it, or ask the operator to turn it on.'],
    ['documents off, text only', { documents: false }, { messages: [user('hi'), user([{ type: 'text', text: 'x' }])] }, undefined],
  ])('%s', (_name, switches, body, message) => {
    const error = disabledFeatureIn(body, { ...on, ...switches });
    expect(error?.message).toBe(message);
    if (error !== undefined) expect({ code: error.code, status: error.status, type: error.type }).toEqual({ code: 'GW_FEATURE_DISABLED', status: 400, type: 'invalid_request_error' });
  });
});

describe('allFeaturesOn', () => {
  it('is true only when no switch is off', () => {
    expect(allFeaturesOn(on)).toBe(true);
    expect(allFeaturesOn({ ...on, documents: false })).toBe(false);
  });
});
