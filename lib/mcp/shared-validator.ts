import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";

// Servers are made per request (stateless); their JSON Schema validator (an Ajv instance,
// costly to build) is made once per process.
const KEY = Symbol.for("mcp-orchestrator.json-schema-validator");

export function sharedValidator(): AjvJsonSchemaValidator {
  const g = globalThis as typeof globalThis & { [KEY]?: AjvJsonSchemaValidator };
  g[KEY] ??= new AjvJsonSchemaValidator();
  return g[KEY];
}
