import { describe, expect, it } from 'vitest';
import { newConversionContext } from './context.ts';
import { documentName, toConverseDocument, toConverseImage } from './media.ts';
import { claudeConverseProfile, genericConverseProfile } from './profile.ts';

const pdf = { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' };

describe('toConverseImage', () => {
  it.each([
    ['image/jpeg', 'jpeg'],
    ['image/png', 'png'],
    ['image/gif', 'gif'],
    ['image/webp', 'webp'],
  ])('maps a base64 %s image', (media_type, format) => {
    const context = newConversionContext(claudeConverseProfile);
    expect(toConverseImage({ type: 'image', source: { type: 'base64', media_type, data: 'iVBORw0KGgo=' } }, 'messages.0.content.0', context)).toEqual({ image: { format, source: { bytes: 'iVBORw0KGgo=' } } });
    expect(context.removed).toEqual([]);
  });

  it('drops and lists transformations', () => {
    const context = newConversionContext(claudeConverseProfile);
    const block = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA==' }, transformations: { oversized_image: 'downsize' } };
    expect(toConverseImage(block, 'messages.0.content.1', context)).toEqual({ image: { format: 'png', source: { bytes: 'AA==' } } });
    expect(context.removed).toEqual(['messages.0.content.1.transformations']);
  });

  it.each([
    [{ type: 'url', url: 'https://example.com/cat.png' }, 'messages.0.content.0.source: image URL sources are not available on Bedrock Converse; send the image as base64.'],
    [{ type: 'file', file_id: 'file_011' }, 'messages.0.content.0.source: Files API image sources are not available on AWS Bedrock.'],
    [{ type: 'base64', media_type: 'image/bmp', data: 'AA==' }, 'messages.0.content.0.source.media_type: the image type image/bmp is not supported on Bedrock Converse (jpeg, png, gif, webp).'],
    [{ type: 'base64', media_type: 'image/png' }, 'messages.0.content.0.source.data: expected a string.'],
  ])('refuses the source %j with a 400', (source, message) => {
    expect(() => toConverseImage({ type: 'image', source }, 'messages.0.content.0', newConversionContext(claudeConverseProfile))).toThrow(expect.objectContaining({ code: 'GW_UNSUPPORTED_FEATURE', message }));
  });

  it('refuses an image for a model that cannot take images', () => {
    const block = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA==' } };
    expect(() => toConverseImage(block, 'messages.2.content.0', newConversionContext(genericConverseProfile))).toThrow(
      expect.objectContaining({ code: 'GW_UNSUPPORTED_FEATURE', status: 400, message: 'messages.2.content.0: this model cannot take images on Bedrock Converse.' }),
    );
  });
});

describe('toConverseDocument', () => {
  function convert(block: Record<string, unknown>) {
    const context = newConversionContext(claudeConverseProfile);
    return toConverseDocument(block, 'messages.0.content.0', context);
  }

  it('maps a base64 PDF with title, context and citations', () => {
    expect(convert({ type: 'document', source: pdf, title: 'Q3 report_final.pdf', context: 'Finance', citations: { enabled: true } })).toEqual({
      document: { format: 'pdf', name: 'Q3 report final pdf', source: { bytes: 'JVBERi0xLjQK' }, context: 'Finance', citations: { enabled: true } },
    });
  });

  it('maps a plain-text source', () => {
    expect(convert({ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'The grass is green.' } })).toEqual({
      document: { format: 'txt', name: 'document-1', source: { text: 'The grass is green.' } },
    });
  });

  it.each([
    ['a string', 'The sky is blue.', [{ text: 'The sky is blue.' }]],
    ['text blocks', [{ type: 'text', text: 'One.' }, { type: 'text', text: 'Two.' }], [{ text: 'One.' }, { text: 'Two.' }]],
  ])('maps a content source holding %s', (_name, content, parts) => {
    expect(convert({ type: 'document', source: { type: 'content', content }, citations: { enabled: false } })).toEqual({
      document: { format: 'txt', name: 'document-1', source: { content: parts }, citations: { enabled: false } },
    });
  });

  it.each([
    [{ type: 'url', url: 'https://example.com/a.pdf' }, 'messages.0.content.0.source: document URL sources are not available on Bedrock Converse; send the document as base64.'],
    [{ type: 'file', file_id: 'file_011' }, 'messages.0.content.0.source: Files API document sources are not available on AWS Bedrock.'],
    [{ type: 'base64', media_type: 'text/csv', data: 'YSxi' }, 'messages.0.content.0.source.media_type: the document type text/csv is not supported on Bedrock Converse (application/pdf).'],
    [{ type: 'content', content: [{ type: 'image', source: {} }] }, 'messages.0.content.0.source.content.0: a content document on Bedrock Converse can hold only text blocks.'],
    [{ type: 'archive' }, 'messages.0.content.0.source.type: the document source type "archive" is not supported on Bedrock Converse.'],
  ])('refuses the source %j with a 400', (source, message) => {
    expect(() => convert({ type: 'document', source })).toThrow(expect.objectContaining({ code: 'GW_UNSUPPORTED_FEATURE', message }));
  });

  it('refuses a document for a model that cannot take documents', () => {
    expect(() => toConverseDocument({ type: 'document', source: pdf }, 'messages.0.content.3', newConversionContext(genericConverseProfile))).toThrow(
      expect.objectContaining({ message: 'messages.0.content.3: this model cannot take documents on Bedrock Converse.' }),
    );
  });
});

describe('documentName', () => {
  it('sanitises titles, numbers untitled documents and keeps names unique', () => {
    const context = newConversionContext(claudeConverseProfile);
    const names = [' Annual   Report (2025) [draft] ', 'Annual Report (2025) [draft]', 'résumé.docx', '***', undefined, 'document-5'].map((title) => {
      context.documents++;
      return documentName(title, context);
    });
    expect(names).toEqual(['Annual Report (2025) [draft]', 'Annual Report (2025) [draft] (2)', 'r sum docx', 'document-4', 'document-5', 'document-5 (2)']);
  });
});
