export { ConfigModule } from './config.module';
export { envSchema, type Env } from './env.schema';
export { KizunaConfig } from './kizuna-config';
export { InvalidConfigError, loadConfig } from './load-config';
export {
  parseFrequencyCapRules,
  parseQuietHours,
  type FrequencyCapRule,
  type QuietHours,
} from './sending-policy.config';
export { parseTrustProxy, type TrustProxy } from './trust-proxy.config';
