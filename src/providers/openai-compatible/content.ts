import { refuse, remove, type ConversionContext } from './context.ts';
import { isRecord } from './values.ts';

/**
 * Anthropic user content blocks -> Chat Completions content parts (protocols.md §6.1): text,
 * images (base64 as a data URL, or the URL), PDFs as `file` parts where the provider takes them,
 * plain-text documents as text. Anything else is a 400 naming the block; `cache_control` and
 * `citations` are hints with no Chat Completions form, dropped and listed.
 */

export type ContentPart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'image_url'; readonly image_url: { readonly url: string } }
  | { readonly type: 'file'; readonly file: { readonly filename: string; readonly file_data: string } };

export function toContentPart(block: unknown, path: string, context: ConversionContext): ContentPart {
  if (!isRecord(block)) throw refuse(context, path, 'expected a content block object.');
  if (block.cache_control !== undefined) remove(context, 'cache_control');
  switch (block.type) {
    case 'text':
      if (typeof block.text !== 'string') throw refuse(context, `${path}.text`, 'expected a string.');
      if (block.citations !== undefined && block.citations !== null) remove(context, `${path}.citations`);
      return { type: 'text', text: block.text };
    case 'image':
      return toImagePart(block.source, path, context);
    case 'document':
      return toDocumentPart(block, path, context);
    default:
      throw refuse(context, `${path}.type`, `${JSON.stringify(block.type)} content has no Chat Completions form on ${context.provider}.`);
  }
}

function toImagePart(source: unknown, path: string, context: ConversionContext): ContentPart {
  if (!context.traits.images) throw refuse(context, path, `${context.provider} does not take images with ${context.model}.`);
  if (isRecord(source) && source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (isRecord(source) && source.type === 'url' && typeof source.url === 'string') return { type: 'image_url', image_url: { url: source.url } };
  throw refuse(context, `${path}.source`, 'only base64 and URL image sources have a Chat Completions form.');
}

function toDocumentPart(block: Record<string, unknown>, path: string, context: ConversionContext): ContentPart {
  const source = block.source;
  if (block.citations !== undefined && block.citations !== null) remove(context, `${path}.citations`);
  if (isRecord(source) && source.type === 'text' && typeof source.data === 'string') return { type: 'text', text: source.data };
  if (isRecord(source) && source.type === 'content' && Array.isArray(source.content)) {
    const text = source.content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
    return { type: 'text', text };
  }
  const filename = typeof block.title === 'string' && block.title !== '' ? block.title : 'document.pdf';
  const { pdf } = context.traits;
  if (pdf !== false && isRecord(source) && source.type === 'base64' && source.media_type === 'application/pdf' && typeof source.data === 'string') {
    return { type: 'file', file: { filename, file_data: `data:application/pdf;base64,${source.data}` } };
  }
  if (pdf === 'url' && isRecord(source) && source.type === 'url' && typeof source.url === 'string') return { type: 'file', file: { filename, file_data: source.url } };
  throw refuse(context, path, `${context.provider} does not take ${pdf === false ? `PDF documents with ${context.model}` : 'this document source'}.`);
}
