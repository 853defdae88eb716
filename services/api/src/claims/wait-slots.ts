/** How many waits each token holds; one token cannot hold thousands of sockets with `Prefer: wait`. */
export interface WaitSlots {
  /** false when the token holds its maximum already */
  take(tokenId: number): boolean;
  give(tokenId: number): void;
}

export function makeWaitSlots(perToken: number): WaitSlots {
  const held = new Map<number, number>();
  return {
    take(tokenId) {
      const count = held.get(tokenId) ?? 0;
      if (count >= perToken) return false;
      held.set(tokenId, count + 1);
      return true;
    },
    give(tokenId) {
      const count = (held.get(tokenId) ?? 1) - 1;
      if (count > 0) held.set(tokenId, count);
      else held.delete(tokenId);
    },
  };
}
