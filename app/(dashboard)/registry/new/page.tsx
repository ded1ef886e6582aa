import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { requireAdmin } from "@/lib/auth/session";
import { AddServerForm, ImportServerJsonForm } from "./add-server-forms";

export const metadata: Metadata = { title: "Add a server" };

export default async function NewServerPage() {
  await requireAdmin();
  return (
    <>
      <PageHeader
        title="Add a server"
        description={
          <Link href="/registry" className="text-indigo-700 hover:underline">
            ← Registry
          </Link>
        }
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Describe it">
          <AddServerForm />
        </Card>
        <Card title="Or import a server.json">
          <ImportServerJsonForm />
        </Card>
      </div>
    </>
  );
}
