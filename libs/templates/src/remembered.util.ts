/**
 * `compute` answered once per distinct key, kept in a bounded map (the keys come from customer
 * data, so there is no telling how many there are): for Intl objects and checks, which cost more
 * to build than the rest of a render and take one of a few values per shop.
 */
export function remembered<T>(compute: (key: string) => T, limit = 1000): (key: string) => T {
  const known = new Map<string, T>();
  return (key) => {
    if (known.has(key)) {
      return known.get(key)!;
    }
    if (known.size >= limit) {
      known.clear();
    }
    const value = compute(key);
    known.set(key, value);
    return value;
  };
}
