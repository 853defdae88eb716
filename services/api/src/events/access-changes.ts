import type { Logger } from '@taskclaim/shared/runtime';
import type { RedisClient } from '@taskclaim/shared/queue';

/**
 * An admin revoked a token or changed an operator (deactivated, or moved between departments): every
 * API process hears it at once, forgets the tokens and operator departments it trusted and checks its event streams, so a
 * revoked token's stream ends within moments in whichever process holds it. A missed message is
 * covered by the streams' own access check (ACCESS_CHECK_MS) and the token cache's short trust.
 */
const accessChangesChannel = (prefix: string): string => `${prefix}:access-changed`;

export interface AccessChanges {
  /** tells every API process (this one included); never fails the admin request that made the change */
  publish(): Promise<void>;
  close(): Promise<void>;
}

export async function makeAccessChanges(deps: { publisher: RedisClient; subscriber: RedisClient; prefix: string; logger: Logger; onChange: () => void }): Promise<AccessChanges> {
  const channel = accessChangesChannel(deps.prefix);
  const listener = (from: string) => {
    if (from === channel) deps.onChange();
  };
  deps.subscriber.on('message', listener);
  await deps.subscriber.subscribe(channel);
  return {
    async publish() {
      // This process acts at once, whatever Redis does.
      deps.onChange();
      await deps.publisher.publish(channel, '1').catch((error: Error) =>
        deps.logger.warn('could not tell the other API processes of an access change; their streams check within a second', { error: error.message }),
      );
    },
    async close() {
      deps.subscriber.off('message', listener);
      await deps.subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}
