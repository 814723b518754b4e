// A row of the host's prompts table, as the database returns it. The adapter reads its
// columns through the option names (options.columns), so the row itself is untyped.
export type PromptRow = Record<string, unknown>;
/** The host's key: an integer or a text id. */
export type PromptId = string | number;
