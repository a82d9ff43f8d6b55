import { checkHostAllowed } from './host-allow-list.util';

describe('checkHostAllowed', () => {
  it.each<[string, string[], { host: string | undefined; allowed: boolean }]>([
    ['https://hooks.example.test/x', ['hooks.example.test'], { host: 'hooks.example.test', allowed: true }],
    ['https://HOOKS.Example.test:8443/x', ['hooks.example.test'], { host: 'hooks.example.test', allowed: true }],
    ['https://hooks.example.test/x', ['Hooks.Example.Test'], { host: 'hooks.example.test', allowed: true }],
    ['https://evil.test/?u=hooks.example.test', ['hooks.example.test'], { host: 'evil.test', allowed: false }],
    [
      'https://hooks.example.test.evil.test/',
      ['hooks.example.test'],
      { host: 'hooks.example.test.evil.test', allowed: false },
    ],
    ['https://hooks.example.test/x', [], { host: 'hooks.example.test', allowed: false }],
    ['not a url', ['not a url'], { host: undefined, allowed: false }],
  ])('%s against %j', (url, hosts, expected) => {
    expect(checkHostAllowed(url, hosts)).toEqual(expected);
  });
});
