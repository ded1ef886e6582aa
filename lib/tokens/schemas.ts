import { z } from "zod";

export const createTokenSchema = z.object({
  name: z
    .string({ message: "Name the token (for example the machine or client that uses it)." })
    .trim()
    .min(1, { message: "Name the token (for example the machine or client that uses it)." })
    .max(80, { message: "Use at most 80 characters." }),
  expiresInDays: z.coerce
    .number()
    .int()
    .min(1, { message: "Use 1 to 3650 days, or leave empty for no expiry." })
    .max(3650, { message: "Use 1 to 3650 days, or leave empty for no expiry." })
    .optional(),
});
export type CreateTokenInput = z.input<typeof createTokenSchema>;
