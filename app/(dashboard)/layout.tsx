import Link from "next/link";
import type { ReactNode } from "react";
import { SubmitButton } from "@/components/ui/button";
import { Badge } from "@/components/ui/badge";
import { NAV_ITEMS } from "@/components/shell/nav";
import { NavLinks } from "@/components/shell/nav-links";
import { isAdmin } from "@/lib/auth/actor";
import { requireActor } from "@/lib/auth/session";
import { signOutAction } from "./actions";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const actor = await requireActor();
  const items = NAV_ITEMS.filter((item) => !item.adminOnly || isAdmin(actor));
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <nav aria-label="Main" className="mx-auto flex max-w-6xl flex-wrap items-center gap-4 px-4 py-3">
          <Link href="/" className="flex items-center gap-2 font-semibold text-slate-900">
            {/* biome-ignore lint/performance/noImgElement: a static SVG needs no optimisation */}
            <img src="/logo.svg" alt="" width={24} height={24} />
            MCP Orchestrator
          </Link>
          <NavLinks items={items} />
          <div className="ml-auto flex items-center gap-3 text-sm">
            <span className="text-slate-600" data-testid="current-user">
              {actor.name} {isAdmin(actor) && <Badge tone="info">admin</Badge>}
            </span>
            <form action={signOutAction}>
              <SubmitButton variant="ghost" pendingText="Signing out…">
                Sign out
              </SubmitButton>
            </form>
          </div>
        </nav>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-8">{children}</main>
    </div>
  );
}
