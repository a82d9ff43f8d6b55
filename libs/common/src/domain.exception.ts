/**
 * Base of every lib's exception. Domain code throws these with a code from its lib's enum; the
 * API's one exception filter maps each code to an HTTP status. Domain code never throws HTTP
 * exceptions itself.
 */
export abstract class DomainException<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
