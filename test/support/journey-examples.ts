import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The example definitions in docs/journeys.md, by name: tests compile and run them. */
export function documentedExamples(): Map<string, unknown> {
  const markdown = readFileSync(path.resolve(__dirname, '../../docs/journeys.md'), 'utf8');
  const examples = new Map<string, unknown>();
  for (const match of markdown.matchAll(/```yaml\n([\s\S]*?)```/g)) {
    const definition = parseYaml(match[1]!) as { name: string };
    examples.set(definition.name, definition);
  }
  return examples;
}
