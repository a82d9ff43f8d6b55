/**
 * What the journey compiler asks before a definition that sends email can be saved: which of
 * these template keys do not exist? Implemented by the templates module (email issue); the
 * engine depends only on this class.
 */
export abstract class TemplateCatalog {
  abstract missing(templateKeys: string[]): Promise<string[]>;
}
