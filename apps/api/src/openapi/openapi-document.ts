import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/**
 * The api's OpenAPI document, read from the controllers' metadata. Served at /docs, and written
 * to a file by write-openapi.ts for the console's generated types: both come from here, so the
 * console is typed against exactly what the api serves.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Kizuna API')
      .setDescription(
        'Customer-journey orchestration: event ingest, customers, operations. See docs/ in the repository.',
      )
      .setVersion('1')
      .addBearerAuth()
      .addBasicAuth()
      .addCookieAuth('kizuna_session')
      .build(),
  );
}
