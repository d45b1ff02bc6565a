/** What a CLI command may touch; tests pass their own. */
export interface CliIO {
  /** Text, or bytes of UTF-8 text. */
  stdout: (text: string | Uint8Array) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: () => number;
  /** True when stderr is a terminal (progress output is shown only then). */
  isTTY: boolean;
  /** Standard input read to its end, as UTF-8 (`explain --message -`); absent where there is none. */
  readStdin?: () => Promise<string>;
}

/** A usage mistake or a failure the user can fix: printed as one line, exit code 1 (2 for usage). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export function processIO(): CliIO {
  // A reader that went away (`shipledger explain … | head`) ends the output, not the process with
  // an unhandled 'error' event; other failures of stdout (a full disk) stay errors: one line and
  // exit code 1, at once (the error arrives after the write that failed, outside the command).
  let gone = false;
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (gone) return;
    gone = true;
    if (error.code === "EPIPE") return;
    process.stderr.write(`shipledger: cannot write the output: ${error.message}\n`);
    process.exit(1);
  });
  return {
    stdout: (text) => {
      if (!gone) process.stdout.write(text);
    },
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    now: Date.now,
    isTTY: Boolean(process.stderr.isTTY),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
  };
}
