import { z } from 'zod';

/**
 * The OpenAPI schema of a contract, so that /api/docs shows exactly the zod contracts the
 * server validates with and the client parses with (one source of truth, no DTO copies).
 */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete json['$schema'];
  return json;
}
