import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { CodeBlock } from "@/components/ui/code-block";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { orNotFound } from "@/lib/http/page-not-found";
import { requireActor } from "@/lib/auth/session";
import { type ConnectConfig, connectConfigs, signInConfigs } from "@/lib/gateway/connect-configs";
import { gatewayEditorData } from "@/lib/gateway/editor-data";
import { canEditGateway, getGatewayOrThrow, userViewer } from "@/lib/gateway/gateway-access";
import { loadGateway } from "@/lib/gateway/load-gateway";
import { publicOrigin } from "@/lib/http/public-url";
import { AssignmentsForm } from "../gateway-forms";

export const metadata: Metadata = { title: "Gateway" };

/** Each client's configuration, copyable. */
function ConfigList({ testId, configs, kind }: { testId: string; configs: ConnectConfig[]; kind: string }) {
  return (
    <div className="space-y-4" data-testid={testId}>
      {configs.map((c) => (
        <div key={c.client}>
          <h3 className="text-sm font-semibold text-slate-900">{c.client}</h3>
          <p className="mb-1 text-xs text-slate-500">{c.where}</p>
          <CodeBlock code={c.code} label={`${c.client} ${kind}`} />
        </div>
      ))}
    </div>
  );
}

export default async function GatewayPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const db = getDb();
  const viewer = await userViewer(db, await requireActor());
  const gateway = await orNotFound(getGatewayOrThrow(db, viewer, slug));
  const { tools, clashes, assignments } = await loadGateway(db, gateway);
  const exposure = (list: string[] | null) => (list === null ? "all" : list.length === 0 ? "none" : list.join(", "));
  const editable = canEditGateway(viewer, gateway);
  const servers = editable ? await gatewayEditorData(db, viewer, gateway) : [];
  const url = `${publicOrigin(await headers())}/api/mcp/${gateway.slug}`;
  return (
    <>
      <PageHeader
        title={gateway.name}
        description={
          <Link href="/gateways" className="text-indigo-700 hover:underline">
            ← All gateways
          </Link>
        }
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <div className="space-y-6">
          <Card
            title="Connect a client"
            description="Clients that support sign-in need only the URL: they open the browser, you sign in and approve them, and they act as you (see Connected apps on the Tokens page)."
          >
            <div className="mb-4">
              <CodeBlock code={url} label="URL" />
            </div>
            <ConfigList testId="sign-in-configs" configs={signInConfigs(gateway.slug, url)} kind="sign-in config" />
            <details className="mt-6 border-t border-slate-100 pt-4">
              <summary className="cursor-pointer text-sm font-semibold text-slate-900">With a token instead</summary>
              <p className="mt-2 text-xs text-slate-500">
                For clients that cannot sign in, and for scripts: replace &lt;YOUR_TOKEN&gt; with a token from the{" "}
                <Link className="underline" href="/tokens">
                  Tokens
                </Link>{" "}
                page.
              </p>
              <div className="mt-4">
                <ConfigList testId="connect-configs" configs={connectConfigs(gateway.slug, url)} kind="config" />
              </div>
            </details>
          </Card>
          <Card title="Tools" description="What clients see, and whose credential each call uses.">
            {clashes.length > 0 && (
              <div
                role="alert"
                className="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900"
              >
                A server's tools changed after this gateway was saved, and some names now clash. Hidden until one of the
                servers gets another prefix:{" "}
                {clashes.map((c) => `${c.name} of ${c.hidden} (kept: ${c.kept}'s)`).join("; ")}.
              </div>
            )}
            {tools.length === 0 ? (
              <EmptyState title="No tools yet">
                {editable ? "Choose servers and tools in the form on this page." : "An admin has not chosen tools yet."}
              </EmptyState>
            ) : (
              <Table label="Tools" head={["Tool", "Server", "Credential"]}>
                {tools.map((t) => (
                  <tr key={t.name}>
                    <Td>
                      <code className="text-xs">{t.name}</code>
                    </Td>
                    <Td>{t.assignment.item.name}</Td>
                    <Td>
                      {t.assignment.mode === "static" ? <Badge>fixed</Badge> : <Badge tone="info">caller's</Badge>}
                    </Td>
                  </tr>
                ))}
              </Table>
            )}
          </Card>
          {assignments.length > 0 && (
            <Card
              title="Prompts and resources"
              description="What clients may list and read of each server besides its tools; anything else is unknown to them."
            >
              <Table label="Prompts and resources" head={["Server", "Prompts", "Resources"]}>
                {assignments.map((a) => (
                  <tr key={a.id}>
                    <Td>{a.item.name}</Td>
                    <Td>{exposure(a.prompts)}</Td>
                    <Td>{exposure(a.resources)}</Td>
                  </tr>
                ))}
              </Table>
            </Card>
          )}
        </div>
        {editable && (
          <Card
            title="Choose tools"
            description="Pick servers, which of their tools, prompts and resources, and how each call finds its credential."
          >
            {servers.length === 0 ? (
              <EmptyState title="The registry is empty">Add a server to the registry first.</EmptyState>
            ) : (
              <AssignmentsForm gateway={gateway.slug} servers={servers} />
            )}
          </Card>
        )}
      </div>
    </>
  );
}
