import type { TextCitation } from '@anthropic-ai/sdk/resources/messages';
import { isRecord } from './values.ts';

/**
 * A Converse `Citation` (or a stream `citation` delta) -> an Anthropic citation (protocols.md
 * §1.8 shapes). The location member picks the type; `sourceContent` texts are the cited text.
 * Web locations (Nova grounding) have no Anthropic form a client could send back (no encrypted
 * index), and unknown locations are open-ended: both give undefined and the caller skips them.
 */
export function fromConverseCitation(citation: unknown): TextCitation | undefined {
  if (!isRecord(citation) || !isRecord(citation.location)) return undefined;
  const cited_text = citedText(citation.sourceContent);
  const title = typeof citation.title === 'string' ? citation.title : null;
  const { documentChar, documentPage, documentChunk, searchResultLocation } = citation.location;
  if (isRecord(documentChar)) {
    const [document_index, start_char_index, end_char_index] = numbers(documentChar, 'documentIndex', 'start', 'end');
    return { type: 'char_location', cited_text, document_index, document_title: title, start_char_index, end_char_index, file_id: null };
  }
  if (isRecord(documentPage)) {
    const [document_index, start_page_number, end_page_number] = numbers(documentPage, 'documentIndex', 'start', 'end');
    return { type: 'page_location', cited_text, document_index, document_title: title, start_page_number, end_page_number, file_id: null };
  }
  if (isRecord(documentChunk)) {
    const [document_index, start_block_index, end_block_index] = numbers(documentChunk, 'documentIndex', 'start', 'end');
    return { type: 'content_block_location', cited_text, document_index, document_title: title, start_block_index, end_block_index, file_id: null };
  }
  if (isRecord(searchResultLocation)) {
    const [search_result_index, start_block_index, end_block_index] = numbers(searchResultLocation, 'searchResultIndex', 'start', 'end');
    const source = typeof citation.source === 'string' ? citation.source : '';
    return { type: 'search_result_location', cited_text, search_result_index, source, title, start_block_index, end_block_index };
  }
  return undefined;
}

function citedText(sourceContent: unknown): string {
  if (!Array.isArray(sourceContent)) return '';
  return sourceContent.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
}

/** The three numeric members of a location (0 when Bedrock leaves one out). */
function numbers(location: Record<string, unknown>, ...keys: [string, string, string]): [number, number, number] {
  const read = (key: string): number => {
    const value = location[key];
    return typeof value === 'number' ? value : 0;
  };
  return [read(keys[0]), read(keys[1]), read(keys[2])];
}
