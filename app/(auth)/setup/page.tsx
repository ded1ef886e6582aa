import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Card } from "@/components/ui/card";
import { getDb } from "@/db";
import { needsSetup } from "@/lib/users/setup-admin";
import { SetupForm } from "./setup-form";

export const metadata: Metadata = { title: "Set up" };

export default async function SetupPage() {
  // Set-up closes for good once an admin exists.
  if (!(await needsSetup(getDb()))) redirect("/signin");
  return (
    <Card title="Welcome" description="Create the first admin account. You can invite everyone else afterwards.">
      <SetupForm />
    </Card>
  );
}
