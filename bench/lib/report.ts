import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

const file = path.resolve(__dirname, '../../../docs/PERFORMANCE.md');

const HEADER = `# Performance

Every number here comes from a benchmark in \`bench/\`, run on the machine described in its
section, against a real local PostgreSQL. Each section is rewritten by its benchmark; repeat any
of them with the command shown. The load generator is a separate process from Kizuna.
`;

/** Machine, date, versions and the server settings the numbers depend on, for the head of a section. */
export async function environment(databaseUrl: string): Promise<string> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const [row] = (await client.query('SHOW server_version')).rows as Array<{ server_version: string }>;
  const pg = row?.server_version ?? 'unknown';
  // This machine's server is not at the defaults everywhere (autovacuum is off): say what it has.
  const { rows: settings } = await client.query<{ name: string; setting: string }>(
    `SELECT name, current_setting(name) AS setting FROM pg_settings
      WHERE name IN ('shared_buffers', 'effective_cache_size', 'work_mem', 'autovacuum', 'synchronous_commit',
                     'max_wal_size', 'wal_compression', 'random_page_cost')
      ORDER BY name`,
  );
  await client.end();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}`,
    `- Node.js ${process.version}, PostgreSQL ${pg} (local server)`,
    `- PostgreSQL settings: ${settings.map((s) => `${s.name}=${s.setting}`).join(', ')}`,
  ].join('\n');
}

/** Replaces (or appends) the section between this benchmark's markers. */
export function writeSection(name: string, markdown: string): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : HEADER;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const i = current.indexOf(start);
  const j = current.indexOf(end);
  const next =
    i >= 0 && j > i
      ? current.slice(0, i) + block + current.slice(j + end.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}
