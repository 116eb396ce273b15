/** What a person reads about nodes and draining (issue 19), Swedish and English. */
import type { Texts } from '../verification/ports';

export const DRAINING_MESSAGE: Texts = {
  sv: 'Den här fyrkant-noden håller på att stängas (dränering) och tar inte emot nya samtal. Försök igen om en stund, eller via en annan nod.',
  en: 'This fyrkant node is shutting down (draining) and takes no new calls. Try again in a moment, or through another node.',
};

/** A second `fyrkant serve` under a node id a live process on this host already uses. */
export class NodeIdInUseError extends Error {
  override readonly name = 'NodeIdInUseError';
  constructor(
    readonly nodeId: string,
    readonly pid: number,
  ) {
    super(
      `node id "${nodeId}" is in use by a running fyrkant (pid ${pid}) on this host; stop it first, or give this one its own node.id (FYRKANT_NODE__ID)`,
    );
  }
}
