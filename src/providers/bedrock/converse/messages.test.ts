import { describe, expect, it } from 'vitest';
import { newConversionContext } from './context.ts';
import { addAutomaticCachePoint, liftSystemMessages, toConverseMessages } from './messages.ts';
import { claudeConverseProfile, genericConverseProfile, type ConverseModelProfile } from './profile.ts';

function convert(messages: unknown, profile: ConverseModelProfile = claudeConverseProfile, cacheControl?: unknown) {
  const context = newConversionContext(profile);
  const converted = toConverseMessages(messages, context);
  addAutomaticCachePoint(converted, cacheControl, context);
  return { messages: converted, removed: context.removed, cachePoints: context.cachePoints };
}

describe('toConverseMessages', () => {
  it('keeps alternating turns as they are', () => {
    expect(convert([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] }, { role: 'user', content: 'Bye' }])).toEqual({
      messages: [
        { role: 'user', content: [{ text: 'Hi' }] },
        { role: 'assistant', content: [{ text: 'Hello' }] },
        { role: 'user', content: [{ text: 'Bye' }] },
      ],
      removed: [],
      cachePoints: 0,
    });
  });

  it('merges consecutive same-role turns, also those made adjacent by a dropped turn', () => {
    const messages = [
      { role: 'user', content: 'One' },
      { role: 'user', content: [{ type: 'text', text: 'Two' }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Hmm', signature: 'sig' }] },
      { role: 'user', content: 'Three' },
    ];
    expect(convert(messages, genericConverseProfile)).toEqual({
      messages: [{ role: 'user', content: [{ text: 'One' }, { text: 'Two' }, { text: 'Three' }] }],
      removed: ['messages.2.content.0', 'messages.2'],
      cachePoints: 0,
    });
  });

  it('puts the automatic-caching breakpoint at the end of the last message', () => {
    expect(convert([{ role: 'user', content: 'Hi' }], claudeConverseProfile, { type: 'ephemeral', ttl: '1h' })).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Hi' }, { cachePoint: { type: 'default', ttl: '1h' } }] }],
      removed: [],
      cachePoints: 1,
    });
  });

  it('adds no second cache point when the last block already has one', () => {
    expect(convert([{ role: 'user', content: [{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral' } }] }], claudeConverseProfile, { type: 'ephemeral' })).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Hi' }, { cachePoint: { type: 'default' } }] }],
      removed: [],
      cachePoints: 1,
    });
  });

  it('lists automatic caching as removed for a model without cache points', () => {
    expect(convert([{ role: 'user', content: 'Hi' }], genericConverseProfile, { type: 'ephemeral' })).toEqual({ messages: [{ role: 'user', content: [{ text: 'Hi' }] }], removed: ['cache_control'], cachePoints: 0 });
  });

  it.each([
    [[{ role: 'assistant', content: 'Prefill first' }, { role: 'user', content: 'Hi' }], 'messages.0: Bedrock Converse needs the conversation to start with a user message.'],
    [[{ role: 'user', content: '' }, { role: 'assistant', content: 'Hello' }], 'messages.1: Bedrock Converse needs the conversation to start with a user message.'],
    [[{ role: 'user', content: 'Hi' }, { role: 'system', content: 'Be brief.' }], 'messages.1.role: the role "system" is not supported on Bedrock Converse.'],
    [[{ role: 'tool', content: 'x' }], 'messages.0.role: the role "tool" is not supported on Bedrock Converse.'],
    [[{ role: 'user', content: 42 }], 'messages.0.content: expected a string or a list of content blocks.'],
    [{ role: 'user' }, 'messages: expected a list of messages.'],
  ])('refuses %j with a 400 naming it', (messages, message) => {
    expect(() => convert(messages)).toThrow(expect.objectContaining({ code: 'GW_UNSUPPORTED_FEATURE', status: 400, message }));
  });
});

describe('liftSystemMessages', () => {
  it('moves mid-conversation system messages (Claude Code sends one) after the system prompt, in order', () => {
    const context = newConversionContext(claudeConverseProfile);
    const environment = { type: 'text', text: '# Environment\nPlatform: linux', cache_control: { type: 'ephemeral' } };
    const lifted = liftSystemMessages('You are Claude Code.', [{ role: 'user', content: 'run it' }, { role: 'system', content: [environment] }, { role: 'assistant', content: 'ok' }, { role: 'system', content: 'Be brief.' }], context);
    expect(lifted).toEqual({
      system: [{ type: 'text', text: 'You are Claude Code.' }, environment, { type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: 'run it' }, { role: 'assistant', content: 'ok' }],
    });
    expect(context.removed).toEqual(['messages.1 (moved to system)', 'messages.3 (moved to system)']);
  });

  it('leaves a conversation without system messages exactly as it was', () => {
    const messages = [{ role: 'user', content: 'Hi' }];
    const system = [{ type: 'text', text: 'S' }];
    const lifted = liftSystemMessages(system, messages, newConversionContext(claudeConverseProfile));
    expect(lifted.system).toBe(system);
    expect(lifted.messages).toBe(messages);
  });
});
