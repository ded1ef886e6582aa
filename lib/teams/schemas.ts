import { z } from "zod";
import { emailSchema } from "@/lib/users/schemas";

export const teamNameSchema = z
  .string({ message: "Enter a team name." })
  .trim()
  .min(1, { message: "Enter a team name." })
  .max(80, { message: "Use at most 80 characters." });

export const createTeamSchema = z.object({ name: teamNameSchema });
export const renameTeamSchema = z.object({ name: teamNameSchema });
export const teamRoleSchema = z.enum(["admin", "member"], { message: "Choose team admin or member." });
/**
 * `invite`: an org admin's choice to invite rather than add at once. Team admins always invite
 * (a person joins a team only by accepting), so for them it changes nothing.
 */
export const addMemberSchema = z.object({
  email: emailSchema,
  role: teamRoleSchema.default("member"),
  invite: z.boolean({ message: "invite is true or false." }).default(false),
});
