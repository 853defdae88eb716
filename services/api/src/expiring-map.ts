/**
 * A map that forgets: an entry is gone `maxAgeMs` after it was set, and the oldest go first once
 * there are more than `capacity`. For what an API process believes for a moment: the tokens and
 * departments it read, the last decision its live streams forwarded for a task.
 */
export function makeExpiringMap<K, V>(options: { capacity: number; maxAgeMs: number; now?: () => number }) {
  const { capacity, maxAgeMs, now = Date.now } = options;
  const entries = new Map<K, { value: V; at: number }>();
  return {
    set(key: K, value: V): void {
      const at = now();
      entries.delete(key);
      entries.set(key, { value, at });
      for (const [oldest, entry] of entries) {
        if (entries.size <= capacity && at - entry.at <= maxAgeMs) break;
        entries.delete(oldest);
      }
    },
    get(key: K): V | undefined {
      const entry = entries.get(key);
      return entry && now() - entry.at <= maxAgeMs ? entry.value : undefined;
    },
    delete: (key: K): void => void entries.delete(key),
    clear: (): void => entries.clear(),
  };
}
