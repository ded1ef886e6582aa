import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ConnectionBadge } from "@/components/registry/state-badge";
import { Card } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db";
import type { EnvVarSpec } from "@/db/schema";
import { isAdmin } from "@/lib/auth/actor";
import { requireActor } from "@/lib/auth/session";
import { type RegistryEntry, registryView } from "@/lib/registry/registry-view";
import { oauthFlowMessage } from "@/lib/oauth/flow-message";
import { type PinnedEndpoints, pinsOf, endpointChanges } from "@/lib/oauth/pin-endpoints";
import { findCatalogItem } from "@/lib/registry/create-catalog-item";
import { ActionButton } from "@/components/ui/action-button";
import { confirmEndpointsAction } from "../actions";
import { InstallForm } from "../install-form";
import { OAuthConnectForm } from "../oauth-connect-form";

export const metadata: Metadata = { title: "Server" };

/** What the install form asks for: a local server's prompted variables, a remote server's header. */
function installFields(e: RegistryEntry): EnvVarSpec[] | null {
  if (e.kind === "local") return e.envSchema.filter((v) => v.prompt);
  if (e.authKind === "none") return [];
  if (e.authKind === "header")
    return [{ name: e.headerName ?? "Authorization", secret: true, required: true, prompt: true }];
  return null; // OAuth: connected through the server's own sign-in, not a form
}

export default async function RegistryServerPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const { slug } = await params;
  const query = await searchParams;
  const actor = await requireActor();
  const db = getDb();
  const entry = (await registryView(db, actor)).find((e) => e.slug === slug);
  if (!entry) notFound();
  const teams = await db
    .selectFrom("teams")
    .innerJoin("team_members", "team_members.team_id", "teams.id")
    .select(["teams.id", "teams.name"])
    .where("team_members.user_id", "=", actor.id)
    .where((eb) => (isAdmin(actor) ? eb.val(true) : eb("team_members.role", "=", "admin")))
    .execute();
  const fields = installFields(entry);
  const item = entry.authKind === "oauth" ? await findCatalogItem(db, slug) : null;
  const pins = item ? pinsOf(item) : null;
  const askedToInstall = query.install === "1" || query.reauth === "1";
  const oauthError = await oauthFlowMessage(query.oauth);
  const action =
    entry.state.kind === "connected"
      ? "Replace my credential"
      : entry.state.kind === "needs_reauth"
        ? "Re-authenticate"
        : "Connect";
  return (
    <>
      <PageHeader
        title={entry.name}
        description={
          <Link href="/registry" className="text-indigo-700 hover:underline">
            ← Registry
          </Link>
        }
        actions={<ConnectionBadge state={entry.state} />}
      />
      {query.installed === "1" && (
        <p role="status" className="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          Connected. {entry.kind === "local" ? "Your copy of the server is starting. " : ""}Retry your call.
        </p>
      )}
      <div className="grid gap-6 lg:grid-cols-[1fr_22rem]">
        <Card title="About">
          <p className="text-sm text-slate-700">{entry.description || "No description."}</p>
          <h3 className="mt-4 text-sm font-semibold text-slate-900">Tools</h3>
          {entry.tools.length === 0 ? (
            <EmptyState title="Not discovered yet">Tools are listed once someone connects the server.</EmptyState>
          ) : (
            <ul className="mt-2 space-y-2 text-sm">
              {entry.tools.map((t) => (
                <li key={t.name}>
                  <code className="text-xs font-semibold">{t.name}</code>
                  {t.description && <p className="text-slate-600">{t.description}</p>}
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Your connection">
          <div className="space-y-3 text-sm">
            <ConnectionBadge state={entry.state} />
            {oauthError && (
              <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
                {oauthError}
              </p>
            )}
            {pins?.pending && (
              <SignInEndpointsChanged
                slug={entry.slug}
                name={entry.name}
                pinned={pins.pinned}
                pending={pins.pending}
                admin={isAdmin(actor)}
              />
            )}
            {fields === null ? (
              <Dialog trigger={action} title={`${action}: ${entry.name}`} open={askedToInstall}>
                <OAuthConnectForm server={entry.slug} serverName={entry.name} action={action} teams={teams} />
              </Dialog>
            ) : (
              <Dialog trigger={action} title={`${action}: ${entry.name}`} open={askedToInstall}>
                <InstallForm server={entry.slug} fields={fields} teams={teams} />
              </Dialog>
            )}
          </div>
        </Card>
      </div>
    </>
  );
}

/** Discovery found other sign-in endpoints than the pinned ones: nobody connects until an admin confirms. */
function SignInEndpointsChanged({
  slug,
  name,
  pinned,
  pending,
  admin,
}: {
  slug: string;
  name: string;
  pinned: PinnedEndpoints | undefined;
  pending: PinnedEndpoints;
  admin: boolean;
}) {
  const changes = pinned ? endpointChanges(pinned, pending) : [];
  return (
    <section aria-label="Changed sign-in endpoints" className="rounded-md bg-amber-50 px-3 py-2 text-amber-900">
      <p className="font-medium">{name}&apos;s sign-in endpoints changed.</p>
      <ul className="mt-1 list-disc pl-5 text-xs break-all">
        {changes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      {admin ? (
        <div className="mt-2 space-y-1">
          <p className="text-xs">
            Confirm only if you expected this change: the new endpoints receive people&apos;s sign-in codes and tokens.
          </p>
          <ActionButton
            action={confirmEndpointsAction}
            fields={{ server: slug }}
            label="Confirm new endpoints"
            accessibleName={`Confirm new sign-in endpoints for ${name}`}
            pendingText="Confirming…"
            variant="secondary"
          />
        </div>
      ) : (
        <p className="mt-1 text-xs">Nobody can connect until an admin confirms the change.</p>
      )}
    </section>
  );
}
