import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { listUsers } from "@/db/queries/users";
import { isAdmin } from "@/lib/auth/actor";
import { requireActor } from "@/lib/auth/session";
import { CreateUserForm } from "./create-user-form";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const actor = await requireActor();
  if (!isAdmin(actor)) notFound();
  const users = await listUsers(getDb());
  return (
    <>
      <PageHeader title="Users" description="Everyone who can sign in. Admins manage the registry, teams and users." />
      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <Card>
          <Table label="Users" head={["Name", "Email", "Role", "Sign-in", "Created"]}>
            {users.map((u) => (
              <tr key={u.id}>
                <Td className="font-medium">{u.name}</Td>
                <Td>{u.email}</Td>
                <Td>
                  <Badge tone={u.role === "admin" ? "info" : "neutral"}>{u.role}</Badge>
                </Td>
                <Td>{u.oidc_subject ? "single sign-on" : "password"}</Td>
                <Td className="text-slate-500">{u.created_at.toISOString().slice(0, 10)}</Td>
              </tr>
            ))}
          </Table>
        </Card>
        <Card title="New user">
          <CreateUserForm />
        </Card>
      </div>
    </>
  );
}
