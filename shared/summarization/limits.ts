/**
 * Longest accepted text, in characters: one chunk of bart-large-cnn's 1,024-token context of ordinary prose
 * (100,000 characters made 21 chunks at true size). Measured at true size (docs/performance.md), one chunk
 * summarized to 142 tokens already takes longer than API Gateway's 29 s on two vCPUs; a 100,000-character
 * text took 32 minutes. A request may therefore hold no more than one chunk's work.
 */
export const MAX_SUMMARY_TEXT_CHARS = 4_500;
