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
  })
  .refine((a) => a.mode === "call_time" || a.credentialId, {
    message: "A static assignment needs a credential.",
    path: ["credentialId"],
  });

export const saveAssignmentsSchema = z.object({ assignments: z.array(assignmentSchema).max(100) });
export type SaveAssignmentsInput = z.input<typeof saveAssignmentsSchema>;
