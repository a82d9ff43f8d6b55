export { ConfigModule } from './config.module';
export { KizunaConfig } from './kizuna-config';
export { InvalidConfigError, loadConfig } from './load-config';
// The parsers only for messaging's sending-policy spec, whose tables are written in the env syntax;
// they leave this surface when that spec moves (issue #11: index.ts exports what libs and apps use).
export {
  parseFrequencyCapRules,
  parseQuietHours,
  type FrequencyCapRule,
  type QuietHours,
} from './sending-policy.config';
