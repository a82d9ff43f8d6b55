import { readFileSync } from 'node:fs';
import path from 'node:path';
import { envSchema } from '../libs/config/src/env.schema';

/** config/.env.example is the operator's reference: it must list exactly the variables Kizuna reads. */
describe('config/.env.example', () => {
  const text = readFileSync(path.join(__dirname, '.env.example'), 'utf8');
  const documented = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);

  it('documents every variable of the schema, once', () => {
    expect([...documented].sort()).toEqual(Object.keys(envSchema.shape).sort());
  });

  it('shows each default exactly as the schema applies it', () => {
    const values = Object.fromEntries([...text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    const defaults = envSchema.parse({});
    for (const [name, value] of Object.entries(values)) {
      const expected: unknown = (defaults as Record<string, unknown>)[name];
      const shown = typeof expected === 'string' || typeof expected === 'number' ? String(expected) : '';
      expect({ name, value }).toEqual({ name, value: shown });
    }
  });
});
