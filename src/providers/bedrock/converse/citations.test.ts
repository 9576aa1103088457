import { describe, expect, it } from 'vitest';
import { fromConverseCitation } from './citations.ts';

const sourceContent = [{ text: 'The grass ' }, { text: 'is green.' }];

describe('fromConverseCitation', () => {
  it.each([
    [
      'documentChar',
      { title: 'My Document', sourceContent, location: { documentChar: { documentIndex: 0, start: 0, end: 19 } } },
      { type: 'char_location', cited_text: 'The grass is green.', document_index: 0, document_title: 'My Document', start_char_index: 0, end_char_index: 19, file_id: null },
    ],
    [
      'documentPage',
      { sourceContent, location: { documentPage: { documentIndex: 1, start: 2, end: 3 } } },
      { type: 'page_location', cited_text: 'The grass is green.', document_index: 1, document_title: null, start_page_number: 2, end_page_number: 3, file_id: null },
    ],
    [
      'documentChunk',
      { title: 'Doc', sourceContent, location: { documentChunk: { documentIndex: 2, start: 0, end: 1 } } },
      { type: 'content_block_location', cited_text: 'The grass is green.', document_index: 2, document_title: 'Doc', start_block_index: 0, end_block_index: 1, file_id: null },
    ],
    [
      'searchResultLocation',
      { title: 'Lawns', source: 'https://example.com/lawns', sourceContent, location: { searchResultLocation: { searchResultIndex: 0, start: 1, end: 2 } } },
      { type: 'search_result_location', cited_text: 'The grass is green.', search_result_index: 0, source: 'https://example.com/lawns', title: 'Lawns', start_block_index: 1, end_block_index: 2 },
    ],
    [
      'a location with members left out',
      { location: { documentChar: {} } },
      { type: 'char_location', cited_text: '', document_index: 0, document_title: null, start_char_index: 0, end_char_index: 0, file_id: null },
    ],
  ])('maps a %s citation', (_name, citation, expected) => {
    expect(fromConverseCitation(citation)).toEqual(expected);
  });

  it.each([
    ['a web location', { sourceContent, location: { web: { url: 'https://example.com', domain: 'example.com' } } }],
    ['an unknown location', { sourceContent, location: { videoFrame: { at: 3 } } }],
    ['no location', { sourceContent }],
    ['not an object', 'citation'],
  ])('skips %s', (_name, citation) => {
    expect(fromConverseCitation(citation)).toBeUndefined();
  });
});
