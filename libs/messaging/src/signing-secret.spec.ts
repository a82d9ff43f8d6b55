import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { developmentSecret } from './signing-secret';

describe('developmentSecret', () => {
  it('creates a private secret once and then keeps returning it', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kizuna-secret-')), 'nested', 'token.secret');
    const first = developmentSecret(file);
    expect(first.length).toBe(48);
    expect(developmentSecret(file).equals(first)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.toString('base64url'));
  });
});
