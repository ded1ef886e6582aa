import { z } from "zod";

export const createGatewaySchema = z.object({
  name: z.string().trim().min(1, { message: "Name the gateway." }).max(100),
  slug: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "Use lower-case letters, digits and '-'." })
    .max(48)
    .optional(),
  description: z.string().trim().max(2000).default(""),
  teamId: z.uuid().optional(),
});
export type CreateGatewayInput = z.input<typeof createGatewaySchema>;

/**
 * Which prompts or resources of a server an assignment exposes: "all" (including ones it adds
 * later), "none", or a list (prompt names; resource URIs and URI templates, as the server gives
 * them). Stored as null for all, a list otherwise.
 */
const exposureSchema = z.union([
  z.literal("all"),
  z.literal("none"),
  z
    .array(z.string().trim().min(1).max(2000))
    .max(500)
    .transform((list) => [...new Set(list)]),
]);
export type Exposure = z.input<typeof exposureSchema>;

/**
 * Left out, prompts and resources follow the tools: all of them with all tools, none with a chosen
 * subset of tools. Someone who narrows a server to a few tools means to expose only those, and
 * should not find its prompts and resources (files, records) open beside them.
 */
const exposed = (choice: z.output<typeof exposureSchema> | undefined, tools: string[] | null): string[] | null => {
  const c = choice ?? (tools === null ? "all" : "none");
  return c === "all" ? null : c === "none" ? [] : c;
};

export const assignmentSchema = z
  .object({
    server: z.string().min(1, { message: "Choose a server." }),
    /** null or absent: every tool the server offers. A tool listed twice is one choice. */
    tools: z
      .array(z.string().min(1))
      .nullable()
      .default(null)
      .transform((t) => (t ? [...new Set(t)] : t)),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]*$/, { message: "Use letters, digits, '_' and '-'." })
      .max(40)
      .nullable()
      .default(null),
    mode: z.enum(["static", "call_time"]).default("call_time"),
    credentialId: z.uuid().nullable().default(null),
    prompts: exposureSchema.optional(),
    resources: exposureSchema.optional(),
  })
  .refine((a) => a.mode === "call_time" || a.credentialId, {
    message: "A static assignment needs a credential.",
    path: ["credentialId"],
  })
  .transform((a) => ({ ...a, prompts: exposed(a.prompts, a.tools), resources: exposed(a.resources, a.tools) }));

export const saveAssignmentsSchema = z.object({ assignments: z.array(assignmentSchema).max(100) });
export type SaveAssignmentsInput = z.input<typeof saveAssignmentsSchema>;
