/**
 * Longest accepted text, in characters: one chunk of bart-large-cnn's 1,024-token context of ordinary prose
 * (100,000 characters made 21 chunks at true size). Measured at true size (docs/performance.md), one chunk
 * summarized to 142 tokens already takes longer than API Gateway's 29 s on two vCPUs; a 100,000-character
 * text took 32 minutes. A request may therefore hold no more than one chunk's work.
 */
export const MAX_SUMMARY_TEXT_CHARS = 4_500;

/**
 * Longest text a summary job accepts (`POST /summarize` above MAX_SUMMARY_TEXT_CHARS answers 202 with a job):
 * about nine chunks of ordinary prose. At the measured true-size rate (100,000 characters, 21 chunks and the
 * merge rounds, in 32 minutes on two vCPUs: about 90 s a chunk), nine chunks and their merge take about 14
 * minutes, inside the 15 minutes a Lambda worker may run at the worker's memory (two vCPUs from 3,538 MB).
 */
export const MAX_SUMMARY_JOB_TEXT_CHARS = 40_000;

/** The chunks a summary job may make in its first round: the job limit's text, with room for dense prose. */
export const SUMMARY_JOB_MAX_CHUNKS = 12;
