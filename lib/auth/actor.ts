import type { User, UserRole } from "@/db/schema";

/** The signed-in person (or token owner) an operation is done for. */
export interface Actor {
  id: string;
  email: string;
  name: string;
  role: UserRole;
}

export function toActor(user: User): Actor {
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

export const isAdmin = (actor: Actor) => actor.role === "admin";
