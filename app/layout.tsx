import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";

// Every page reads the database or the session: nothing is prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "MCP Orchestrator", template: "%s · MCP Orchestrator" },
  description: "Run MCP servers for your organisation and reach them through one authenticated gateway.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">{children}</body>
    </html>
  );
}
