import { z } from "zod";

export const emailSchema = z
  .string({ message: "Enter an email address." })
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: "Enter a valid email address." }));

export const passwordSchema = z
  .string({ message: "Enter a password." })
  .min(8, { message: "Use at least 8 characters." })
  .max(200, { message: "Use at most 200 characters." });

export const nameSchema = z
  .string({ message: "Enter a name." })
  .trim()
  .min(1, { message: "Enter a name." })
  .max(100, { message: "Use at most 100 characters." });

export const createUserSchema = z.object({
  email: emailSchema,
  name: nameSchema,
  password: passwordSchema,
  role: z.enum(["admin", "member"], { message: "Choose admin or member." }).default("member"),
});
export type CreateUserInput = z.input<typeof createUserSchema>;

export const setupAdminSchema = createUserSchema.omit({ role: true });
