import type { SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';

/** The schema a route validates with, as OpenAPI, so /docs shows the rules actually applied. */
export function openApiSchema(schema: z.ZodType): SchemaObject {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as SchemaObject;
}
