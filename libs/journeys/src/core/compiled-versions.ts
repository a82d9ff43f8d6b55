import { compileValidated, type CompiledJourney } from './journey.compiler';
import type { JourneyDefinition } from './journey-definition.schema';

/**
 * Compiled journey versions by (journey, version). Published versions never change, so an entry
 * never goes stale; the shell loads the definitions, the batch only reads.
 */
export class CompiledVersions {
  private readonly compiled = new Map<string, CompiledJourney>();

  has(journeyId: string, version: number): boolean {
    return this.compiled.has(key(journeyId, version));
  }

  /** Compiled once per version; later calls answer from the cache. */
  compile(journeyId: string, version: number, definition: JourneyDefinition): CompiledJourney {
    let compiled = this.compiled.get(key(journeyId, version));
    if (!compiled) {
      compiled = compileValidated(definition);
      this.compiled.set(key(journeyId, version), compiled);
    }
    return compiled;
  }

  /** A version already loaded, or the journey's active one (compiled on first use). */
  version(
    journeyId: string,
    version: number,
    active?: { activeVersion: number; definition: JourneyDefinition },
  ): CompiledJourney {
    const compiled = this.compiled.get(key(journeyId, version));
    if (compiled) {
      return compiled;
    }
    if (active && version === active.activeVersion) {
      return this.compile(journeyId, version, active.definition);
    }
    throw new Error(`journey ${journeyId} version ${version} is not loaded`);
  }

  /** The definition of a loaded version. */
  definition(journeyId: string, version: number): JourneyDefinition | undefined {
    return this.compiled.get(key(journeyId, version))?.definition;
  }
}

const key = (journeyId: string, version: number): string => `${journeyId}:${version}`;
