import { z } from "zod";
import { ENV_NAME } from "@/lib/orchestrator/names";
import { isReservedEnvName, RESERVED_ENV_MESSAGE } from "@/lib/orchestrator/reserved-env";

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, { message: `Use at most ${max} characters.` });

export const envVarSchema = z.object({
  name: z
    .string()
    .regex(ENV_NAME, { message: "Use letters, digits, '_', '-' or '.', not starting with a digit." })
    .superRefine((name, ctx) => {
      if (isReservedEnvName(name)) ctx.addIssue({ code: "custom", message: `${name}: ${RESERVED_ENV_MESSAGE}` });
    }),
  secret: z.boolean().default(false),
  required: z.boolean().default(false),
  default: z.string().optional(),
  description: text(500).optional(),
  prompt: z.boolean().default(true),
});

const common = {
  name: text(100).min(1, { message: "Name the server." }),
  slug: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "Use lower-case letters, digits and '-'." })
    .max(48)
    .optional(),
  description: text(2000).default(""),
};

export const localItemSchema = z
  .object({
    kind: z.literal("local"),
    ...common,
    command: text(500).min(1).optional(),
    args: z.array(z.string().max(2000)).max(100).default([]),
    image: text(500).min(1).optional(),
    imagePullSecret: text(253).optional(),
    transport: z.enum(["stdio", "http"]).default("stdio"),
    httpPort: z.number().int().min(1).max(65535).optional(),
    httpPath: z.string().startsWith("/").max(500).optional(),
    env: z.array(envVarSchema).max(100).default([]),
  })
  .refine((v) => v.command || v.image, {
    message: "Give a command (such as npx) or a container image.",
    path: ["command"],
  })
  .refine((v) => new Set(v.env.map((e) => e.name)).size === v.env.length, {
    message: "Each variable may appear once.",
    path: ["env"],
  });

export const remoteItemSchema = z.object({
  kind: z.literal("remote"),
  ...common,
  // Only web URLs: the gateway and the OAuth client speak HTTP to it, nothing else.
  url: z.url({ protocol: /^https?$/, message: "Give the server's http:// or https:// URL (https://…/mcp)." }),
  authKind: z.enum(["none", "header", "oauth"]).default("none"),
  headerName: text(200).optional(),
  oauthClientId: text(500).optional(),
  oauthClientSecret: z.string().max(2000).optional(),
  scopes: z.array(z.string().max(200)).max(50).optional(),
});

export const catalogItemSchema = z.discriminatedUnion("kind", [localItemSchema, remoteItemSchema]);
export type CatalogItemInput = z.input<typeof catalogItemSchema>;
