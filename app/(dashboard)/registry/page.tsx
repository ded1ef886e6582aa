import type { Metadata } from "next";
import Link from "next/link";
import { ConnectionBadge } from "@/components/registry/state-badge";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db";
import { isAdmin } from "@/lib/auth/actor";
import { requireActor } from "@/lib/auth/session";
import { oauthFlowMessage } from "@/lib/oauth/flow-message";
import { registryView } from "@/lib/registry/registry-view";

export const metadata: Metadata = { title: "Registry" };

export default async function RegistryPage({
  searchParams,
}: {
  searchParams: Promise<{ q?: string; oauth?: string }>;
}) {
  const actor = await requireActor();
  const query = await searchParams;
  const q = (query.q ?? "").trim().toLowerCase();
  // A sign-in that could not be tied to a server (expired or foreign state) is explained here.
  const oauthError = await oauthFlowMessage(query.oauth);
  const entries = (await registryView(getDb(), actor)).filter(
    (e) => !q || e.name.toLowerCase().includes(q) || e.description.toLowerCase().includes(q) || e.slug.includes(q),
  );
  return (
    <>
      <PageHeader
        title="Registry"
        description="The MCP servers your organisation offers. Connect one with your own credential (or your team's) to use it through gateways."
        actions={
          isAdmin(actor) ? (
            <Link
              href="/registry/new"
              className="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500"
            >
              Add server
            </Link>
          ) : undefined
        }
      />
      {oauthError && (
        <p role="alert" className="mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {oauthError}
        </p>
      )}
      <form className="mb-6" aria-label="Search the registry">
        <input
          name="q"
          defaultValue={q}
          placeholder="Search servers"
          aria-label="Search servers"
          className="w-full max-w-md rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300"
        />
      </form>
      {entries.length === 0 ? (
        <EmptyState title={q ? "No server matches" : "The registry is empty"}>
          {isAdmin(actor)
            ? "Add servers with the Add server button, `npm run cli -- catalog add` or the API."
            : "Ask an admin to add servers."}
        </EmptyState>
      ) : (
        <ul className="grid gap-4 md:grid-cols-2 lg:grid-cols-3">
          {entries.map((e) => (
            <li key={e.id} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
              <div className="flex items-start justify-between gap-2">
                <Link href={`/registry/${e.slug}`} className="font-semibold text-indigo-700 hover:underline">
                  {e.name}
                </Link>
                <Badge>{e.kind}</Badge>
              </div>
              <p className="mt-1 line-clamp-3 text-sm text-slate-600">{e.description || "No description."}</p>
              <div className="mt-3 flex items-center justify-between text-xs text-slate-500">
                <ConnectionBadge state={e.state} />
                <span>{e.tools.length} tools</span>
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
