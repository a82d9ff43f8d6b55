import { hashPassword, verifyPassword } from './password.util';

describe('console password hashing (scrypt)', () => {
  it('accepts the password it hashed and refuses any other', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash: the same password twice gives two different hashes', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
    expect(a.split('$').slice(0, 4)).toEqual(['scrypt', String(2 ** 15), '8', '3']);
    expect(Buffer.from(a.split('$')[4]!, 'base64url')).toHaveLength(16);
  });

  it('reads the parameters from the stored hash (old hashes keep working when they are raised)', async () => {
    const hash = await hashPassword('パスワードです');
    const [, , , , salt] = hash.split('$');
    // The same salt with other parameters derives another key: the stored parameters are used.
    const otherParams = `scrypt$${2 ** 14}$8$1$${salt}$${hash.split('$')[5]}`;
    expect(await verifyPassword('パスワードです', otherParams)).toBe(false);
    // Unicode is normalised: the decomposed form of the same text is the same password.
    expect(await verifyPassword('パスワードです'.normalize('NFD'), hash)).toBe(true);
  });

  it.each(['', 'plain', 'scrypt$x$8$1$c2FsdA$a2V5', 'bcrypt$10$8$1$c2FsdA$a2V5', 'scrypt$16384$8$0$c2FsdA$a2V5'])(
    'refuses a stored value that is not one of its hashes: %p',
    async (stored) => {
      expect(await verifyPassword('whatever', stored)).toBe(false);
    },
  );
});
