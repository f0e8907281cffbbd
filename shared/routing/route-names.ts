/** The capabilities /chat can route a message to, by the names clients use in `route`. */
import * as z from '../schema';

export const CHAT_ROUTE_NAMES = [
  'llm',
  'rag',
  'rag-faiss',
  'image',
  'caption',
  'vqa',
  'researcher',
  'summarize',
  'sentiment',
] as const;
export type ChatRouteName = (typeof CHAT_ROUTE_NAMES)[number];
export const ChatRouteName = z.enum(CHAT_ROUTE_NAMES);

/** A candidate route and how strongly the stage that scored it favours it (cosine similarity, or 1 for a rule). */
export interface RouteCandidate {
  readonly name: ChatRouteName;
  readonly score: number;
}

/** Which stage of the router decided. */
export type RouteStage = 'override' | 'rule' | 'retrieval' | 'semantic' | 'fallback';

export interface RouteDecision {
  readonly name: ChatRouteName;
  /** 1 for an override or a rule; the deciding similarity otherwise. */
  readonly confidence: number;
  /** Why, in words that name the rule or the score and its threshold. */
  readonly reason: string;
  readonly stage: RouteStage;
  /** What else was considered, best first. */
  readonly candidates: readonly RouteCandidate[];
}
