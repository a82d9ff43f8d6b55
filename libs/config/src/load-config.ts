import { envSchema } from './env.schema';
import { KizunaConfig } from './kizuna-config';

export class InvalidConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidConfigError';
  }
}

/**
 * Validates the whole environment at once and reports every bad variable, not just the first,
 * so an operator fixes a deployment in one round trip.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): KizunaConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new InvalidConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const value = env[name];
        const shown =
          value === undefined
            ? ''
            : ` (got "${name.endsWith('KEY') || name.endsWith('SECRET') ? '***' : redactUrlPassword(value)}")`;
        return `${name}: ${issue.message}${shown}`;
      }),
    );
  }
  return new KizunaConfig(parsed.data);
}

/** `scheme://user:password@host` shown as `scheme://user:***@host`: a bad DATABASE_URL must not leak its password. */
function redactUrlPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^/]*@/i, '$1:***@');
}
