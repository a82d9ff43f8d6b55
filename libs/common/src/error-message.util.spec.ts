import { errorMessage } from './error-message.util';

describe('errorMessage', () => {
  it("is an Error's message, or anything else as text", () => {
    expect(errorMessage(new TypeError('bad input'))).toBe('bad input');
    expect(errorMessage('just text')).toBe('just text');
    expect(errorMessage(42)).toBe('42');
  });
});
