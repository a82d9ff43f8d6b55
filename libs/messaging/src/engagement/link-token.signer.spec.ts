import { loadConfig } from '@kizuna/config';
import { LinkTokenSigner } from './link-token.signer';

const signerWith = (secret: string) => new LinkTokenSigner(loadConfig({ TOKEN_SIGNING_SECRET: secret }));

describe('LinkTokenSigner', () => {
  const signer = signerWith('a'.repeat(32));

  it('verifies its own tokens and returns the payload', () => {
    const token = signer.sign('click', { m: 'm1', u: 'https://shop.test/?a=1' });
    expect(token).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(signer.verify('click', token)).toEqual({ m: 'm1', u: 'https://shop.test/?a=1' });
  });

  it('refuses a token for another purpose, another secret, or with any change', () => {
    const token = signer.sign('open', { m: 'm1' });
    expect(signer.verify('unsubscribe', token)).toBeUndefined();
    expect(signerWith('b'.repeat(32)).verify('open', token)).toBeUndefined();
    const [body, mac] = token.split('.') as [string, string];
    const forgedBody = Buffer.from(JSON.stringify({ m: 'm2' })).toString('base64url');
    expect(signer.verify('open', `${forgedBody}.${mac}`)).toBeUndefined();
    expect(signer.verify('open', `${body}.${mac.slice(0, -2)}`)).toBeUndefined();
    expect(signer.verify('open', `${body}.${mac}.x`)).toBeUndefined();
    expect(signer.verify('open', 'garbage')).toBeUndefined();
    expect(signer.verify('open', '')).toBeUndefined();
  });

  it("refuses another spelling of its own signature (the last character's unused bits changed)", () => {
    const token = signer.sign('open', { m: 'm1' });
    const [body, mac] = token.split('.') as [string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = `${mac.slice(0, -1)}${alphabet[alphabet.indexOf(mac.at(-1)!) ^ 1]}`;
    expect(twin).not.toBe(mac);
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(mac, 'base64url'));
    expect(signer.verify('open', `${body}.${twin}`)).toBeUndefined();
  });

  it('binds the click target: changing the URL breaks the signature', () => {
    const token = signer.sign('click', { m: 'm1', u: 'https://shop.test/' });
    const [, mac] = token.split('.') as [string, string];
    const evil = Buffer.from(JSON.stringify({ m: 'm1', u: 'https://evil.test/' })).toString('base64url');
    expect(signer.verify('click', `${evil}.${mac}`)).toBeUndefined();
  });
});
