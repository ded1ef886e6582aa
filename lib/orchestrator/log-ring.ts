import { redactSecrets, secretForms } from "./redact-secrets";

/**
 * The last lines an instance wrote, bounded in count and line length, with every secret
 * value of the instance (also JSON-escaped or URL-encoded) replaced before a line is stored.
 */
export class LogRing {
  private readonly lines: string[] = [];
  private partial = "";
  private readonly secretForms: string[];

  constructor(
    secrets: string[],
    private readonly maxLines = 500,
    private readonly maxLineLength = 2000,
  ) {
    this.secretForms = secretForms(secrets);
  }

  /** Appends raw output; complete lines are stored, a trailing partial line waits for its end. */
  write(chunk: string | Buffer): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop() ?? "";
    if (this.partial.length > this.maxLineLength) {
      // A long line is stored in pieces. What could be the start of a secret that the next chunk
      // completes stays behind, so a piece never ends with part of one.
      const redacted = redactSecrets(this.partial, this.secretForms);
      const keep = Math.min(redacted.length, Math.max(0, (this.secretForms[0]?.length ?? 0) - 1));
      parts.push(redacted.slice(0, redacted.length - keep));
      this.partial = redacted.slice(redacted.length - keep);
    }
    for (const line of parts) this.push(line);
  }

  /** A line of the orchestrator's own (start, exit), marked so it stands out from the server's output. */
  note(message: string): void {
    this.push(`[orchestrator] ${new Date().toISOString()} ${message}`);
  }

  private push(line: string): void {
    // Redacted before it is cut short, so a cut cannot leave the start of a secret behind.
    const redacted = redactSecrets(line, this.secretForms);
    const clean = redacted.length > this.maxLineLength ? `${redacted.slice(0, this.maxLineLength)}…` : redacted;
    this.lines.push(clean);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }

  tail(count: number): string[] {
    return this.lines.slice(-count);
  }

  lastLine(): string | undefined {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const line = this.lines[i];
      if (line && !line.startsWith("[orchestrator]")) return line;
    }
    return undefined;
  }
}
