/**
 * This node's part of the app (issue 19): registers it and ends what a crashed run left unfinished
 * before anything else starts, beats while it runs, and marks it stopped last. First in the app
 * service list, so it starts first and stops last (after the calls have ended).
 */
import type { NodeService } from '../services/nodes/node-service';
import { apiRuntime } from './api-runtime';
import type { AppContext } from './context';

/** The node of this app (built with the verification service that asks it about every call). */
export function nodeOf(ctx: AppContext): NodeService {
  return apiRuntime(ctx).node;
}

export function nodeAppService(ctx: AppContext): { name: string; start(): Promise<void>; stop(): Promise<void> } {
  return {
    name: 'node',
    async start() {
      const node = nodeOf(ctx);
      await node.start();
      node.startHeartbeat();
    },
    async stop() {
      nodeOf(ctx).stop();
    },
  };
}
