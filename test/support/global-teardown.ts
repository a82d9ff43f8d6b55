export default async function globalTeardown(): Promise<void> {
  await globalThis.__KIZUNA_EMBEDDED__?.stop();
}
