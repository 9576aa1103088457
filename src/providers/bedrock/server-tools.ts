/**
 * Anthropic tool types that run on Anthropic's own servers (web search and fetch, code
 * execution, the advisor, MCP toolsets): Bedrock has none of them, on any of its APIs. Tool
 * search is not here: InvokeModel takes it (with its beta); Converse has no form for it.
 */
export const anthropicServerToolType = /^(web_search|web_fetch|code_execution|advisor|mcp_toolset)(_|$)/;
