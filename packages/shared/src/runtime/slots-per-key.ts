/** At most `perKey` slots held per key at once (a token's waits, a token's webhook attempts). */
export interface SlotsPerKey<K> {
  /** false when the key holds its maximum already */
  take(key: K): boolean;
  /** gives one back; returns how many the key may still take */
  give(key: K): number;
}

export function makeSlotsPerKey<K>(perKey: number): SlotsPerKey<K> {
  const held = new Map<K, number>();
  return {
    take(key) {
      const count = held.get(key) ?? 0;
      if (count >= perKey) return false;
      held.set(key, count + 1);
      return true;
    },
    give(key) {
      const count = (held.get(key) ?? 1) - 1;
      if (count > 0) held.set(key, count);
      else held.delete(key);
      return perKey - count;
    },
  };
}
