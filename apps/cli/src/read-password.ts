import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * A password, never from the command line (it would sit in the shell history and in `ps`):
 * typed at a prompt that does not echo it, twice, when stdin is a terminal; otherwise the first
 * line of stdin (`printf '%s\n' "$PW" | npm run kizuna -- users create ...`).
 */
export async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    return firstLine(process.stdin);
  }
  const first = await promptHidden(prompt);
  const again = await promptHidden('Again: ');
  if (first !== again) {
    throw new Error('The two passwords differ');
  }
  return first;
}

async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  const lines = createInterface({ input, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line.replace(/\r$/, '');
  }
  return '';
}

function promptHidden(prompt: string): Promise<string> {
  process.stdout.write(prompt);
  let muted = true;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) {
        process.stdout.write(chunk);
      }
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      muted = false;
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    });
  });
}
