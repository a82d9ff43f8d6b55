import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiConsumes } from '@nestjs/swagger';

/**
 * What a route's request body may be, declared next to the route like its access. The
 * UntrustedInputInterceptor enforces it; the same declaration feeds the OpenAPI document.
 */

export const CONSUMES_METADATA = 'kizuna:consumes';
export const INVALID_TEXT_METADATA = 'kizuna:invalid-text';

/** Every route takes JSON unless it says otherwise. */
export const DEFAULT_MEDIA_TYPES: readonly string[] = ['application/json'];

/** The media types the YAML body parser reads (configure-http.ts). */
export const YAML_MEDIA_TYPES: readonly string[] = ['application/yaml', 'application/x-yaml', 'text/yaml'];

/** Body media types this route accepts; `*` takes any (the body is then the route's business). */
export const Consumes = (...mediaTypes: string[]): MethodDecorator & ClassDecorator =>
  mediaTypes.includes('*')
    ? SetMetadata(CONSUMES_METADATA, mediaTypes)
    : applyDecorators(SetMetadata(CONSUMES_METADATA, mediaTypes), ApiConsumes(...mediaTypes));

/**
 * NUL characters and lone surrogates in this route's body are replaced by U+FFFD instead of
 * refused: for senders that retry or drop a refused request and cannot fix the data (Segment
 * SDKs, Shopify webhooks). See docs/decisions/0015-untrusted-input.md.
 */
export const ReplaceInvalidText = (): MethodDecorator & ClassDecorator => SetMetadata(INVALID_TEXT_METADATA, 'replace');
