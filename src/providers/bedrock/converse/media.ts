import { requiredString, unsupported, type ConversionContext, type ConverseBlock } from './context.ts';
import { isRecord } from './values.ts';

/**
 * Anthropic image and document blocks -> Converse `image` and `document` (protocols.md §4.5).
 * Bytes travel as the same base64 string. URL and Files API sources cannot go to Bedrock (another
 * module inlines URL images before conversion when fetching is enabled), so they are a 400, as is
 * a block the model cannot take at all.
 */

const imageFormats: ReadonlyMap<string, string> = new Map([
  ['image/jpeg', 'jpeg'],
  ['image/png', 'png'],
  ['image/gif', 'gif'],
  ['image/webp', 'webp'],
]);

export function toConverseImage(block: Record<string, unknown>, path: string, context: ConversionContext): ConverseBlock {
  if (!context.profile.images) throw unsupported(path, 'this model cannot take images on Bedrock Converse.');
  const source = block.source;
  if (!isRecord(source)) throw unsupported(`${path}.source`, 'expected an image source object.');
  rejectRemoteSource(source, `${path}.source`, 'image');
  if (source.type !== 'base64') throw unsupported(`${path}.source.type`, `the image source type ${JSON.stringify(source.type)} is not supported on Bedrock Converse.`);
  const mediaType = requiredString(source, 'media_type', `${path}.source`);
  const format = imageFormats.get(mediaType);
  if (format === undefined) throw unsupported(`${path}.source.media_type`, `the image type ${mediaType} is not supported on Bedrock Converse (jpeg, png, gif, webp).`);
  if (block.transformations !== undefined && block.transformations !== null) context.removed.push(`${path}.transformations`);
  return { image: { format, source: { bytes: requiredString(source, 'data', `${path}.source`) } } };
}

export function toConverseDocument(block: Record<string, unknown>, path: string, context: ConversionContext): ConverseBlock {
  if (!context.profile.documents) throw unsupported(path, 'this model cannot take documents on Bedrock Converse.');
  const source = block.source;
  if (!isRecord(source)) throw unsupported(`${path}.source`, 'expected a document source object.');
  context.documents++;
  const document: Record<string, unknown> = { ...documentSource(source, `${path}.source`), name: documentName(block.title, context) };
  if (typeof block.context === 'string' && block.context !== '') document.context = block.context;
  if (isRecord(block.citations)) document.citations = { enabled: block.citations.enabled === true };
  return { document };
}

function documentSource(source: Record<string, unknown>, path: string): Record<string, unknown> {
  rejectRemoteSource(source, path, 'document');
  switch (source.type) {
    case 'base64': {
      if (source.media_type !== 'application/pdf') throw unsupported(`${path}.media_type`, `the document type ${String(source.media_type)} is not supported on Bedrock Converse (application/pdf).`);
      return { format: 'pdf', source: { bytes: requiredString(source, 'data', path) } };
    }
    case 'text':
      return { format: 'txt', source: { text: requiredString(source, 'data', path) } };
    case 'content':
      return { format: 'txt', source: { content: contentDocumentParts(source.content, `${path}.content`) } };
    default:
      throw unsupported(`${path}.type`, `the document source type ${JSON.stringify(source.type)} is not supported on Bedrock Converse.`);
  }
}

function contentDocumentParts(content: unknown, path: string): ConverseBlock[] {
  if (typeof content === 'string') return [{ text: content }];
  if (!Array.isArray(content)) throw unsupported(path, 'expected a string or a list of text blocks.');
  return content.map((part, index) => {
    if (!isRecord(part) || part.type !== 'text') throw unsupported(`${path}.${index}`, 'a content document on Bedrock Converse can hold only text blocks.');
    return { text: requiredString(part, 'text', `${path}.${index}`) };
  });
}

function rejectRemoteSource(source: Record<string, unknown>, path: string, kind: 'image' | 'document'): void {
  if (source.type === 'url') throw unsupported(path, `${kind} URL sources are not available on Bedrock Converse; send the ${kind} as base64.`);
  if (source.type === 'file') throw unsupported(path, `Files API ${kind} sources are not available on AWS Bedrock.`);
}

/**
 * The prompt-visible document name Converse requires: the title reduced to the allowed characters
 * (letters, digits, single spaces, hyphens, parentheses, square brackets), else `document-N`
 * (N counts documents in the request from 1), made unique with ` (2)`, ` (3)`…
 */
export function documentName(title: unknown, context: ConversionContext): string {
  const cleaned = typeof title === 'string' ? title.replace(/[^A-Za-z0-9\-()[\] ]/g, ' ').replace(/ +/g, ' ').trim() : '';
  const base = cleaned === '' ? `document-${context.documents}` : cleaned;
  let name = base;
  for (let suffix = 2; context.documentNames.has(name); suffix++) name = `${base} (${suffix})`;
  context.documentNames.add(name);
  return name;
}
