import type { ReactNode } from "react";

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex items-center justify-center gap-2">
          {/* biome-ignore lint/performance/noImgElement: a static SVG needs no optimisation */}
          <img src="/logo.svg" alt="" width={32} height={32} />
          <span className="text-lg font-semibold text-slate-900">MCP Orchestrator</span>
        </div>
        {children}
      </div>
    </main>
  );
}
