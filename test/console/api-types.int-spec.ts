import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SCHEMA = 'apps/console/src/api/schema.d.ts';

/**
 * The console's API types are generated from the api's OpenAPI document by the build
 * (npm run build:console) and committed, so lint and editors see them on a fresh clone. `npm test`
 * builds first: if that changed the committed file, the API changed without its console types.
 */
describe("the console's generated API types", () => {
  it('are the ones the current api generates (run npm run build and commit the schema)', () => {
    const diff = execFileSync('git', ['diff', '--stat', '--', SCHEMA], { cwd: ROOT, encoding: 'utf8' });
    expect(diff).toBe('');
    const tracked = execFileSync('git', ['ls-files', '--', SCHEMA], { cwd: ROOT, encoding: 'utf8' });
    expect(tracked.trim()).toBe(SCHEMA);
  });
});
