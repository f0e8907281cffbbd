/**
 * The router's first stage: requests whose route their form already says. An attached image can only be
 * captioned or asked about; an explicit request to draw or generate a picture is image generation. Rules
 * are cheap and certain, so they run before any embedding.
 */
import type { RouteDecision } from './route-names';

/** A question about the attached image: a question mark, or a question word or verb leading the message. */
const QUESTION =
  /\?\s*$|^\s*(what|who|whom|whose|which|where|when|why|how|is|are|was|were|does|do|did|can|could|should|would|will|tell me|count|find|identify)\b/i;

/** Describing or captioning the attached image is captioning, even when phrased as a question. */
const DESCRIBE = /\b(caption|describe|description of)\b/i;

const DRAW_VERB = /\b(draw|paint|sketch|illustrate|doodle)\b/i;
const GENERATE_PICTURE =
  /\b(generate|create|make|produce|render|design)\b[^.?!]{0,40}\b(image|picture|pic|drawing|illustration|painting|photo|artwork|logo|poster|wallpaper)s?\b/i;

export function applyRules(message: string, hasImage: boolean): RouteDecision | undefined {
  if (hasImage) {
    const asks = message.trim().length > 0 && QUESTION.test(message) && !DESCRIBE.test(message);
    return asks
      ? {
          name: 'vqa',
          confidence: 1,
          stage: 'rule',
          reason: 'rule: an image is attached and the message asks a question about it',
          candidates: [
            { name: 'vqa', score: 1 },
            { name: 'caption', score: 0 },
          ],
        }
      : {
          name: 'caption',
          confidence: 1,
          stage: 'rule',
          reason: 'rule: an image is attached and the message asks no question about it, so it is captioned',
          candidates: [
            { name: 'caption', score: 1 },
            { name: 'vqa', score: 0 },
          ],
        };
  }
  if (DRAW_VERB.test(message) || GENERATE_PICTURE.test(message)) {
    return {
      name: 'image',
      confidence: 1,
      stage: 'rule',
      reason: 'rule: the message asks to draw or generate a picture',
      candidates: [{ name: 'image', score: 1 }],
    };
  }
  return undefined;
}
