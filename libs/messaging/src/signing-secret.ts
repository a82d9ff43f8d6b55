import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@nestjs/common';

/**
 * The key a signer uses (link tokens, webhook signatures): the configured secret; when none is
 * set (allowed outside production only), one generated once into a file under ./var and reused,
 * so links survive restarts and an api and a worker started separately from one checkout agree.
 */
export function signingSecret(
  config: { signingSecret: string | undefined; developmentSecretFile: string },
  variable: string,
  signing: string,
  logger: Logger,
): Buffer {
  if (config.signingSecret) {
    return Buffer.from(config.signingSecret, 'utf8');
  }
  const secret = developmentSecret(config.developmentSecretFile);
  logger.warn({
    msg: `${variable} is not set: signing ${signing} with a generated development secret`,
    file: config.developmentSecretFile,
  });
  return secret;
}

/** Reads the development secret, creating it first if needed. */
export function developmentSecret(file: string): Buffer {
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
  }
  mkdirSync(path.dirname(file), { recursive: true });
  // Written whole under a temporary name, then linked into place: link() fails if the file
  // exists, so a racing process never reads a half-written secret and all end up with one.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temporary, `${randomBytes(48).toString('base64url')}\n`, { mode: 0o600 });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  } finally {
    unlinkSync(temporary);
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
}
