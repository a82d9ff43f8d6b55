/**
 * A feature's strings in both languages. Japanese must have every English key (a missing one
 * does not compile); `{name}` placeholders are filled by `t(key, { name })`.
 */
export function defineStrings<K extends string>(
  en: Record<K, string>,
  ja: NoInfer<Record<K, string>>,
): { en: Record<K, string>; ja: Record<K, string> } {
  return { en, ja };
}
