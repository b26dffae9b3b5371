import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { diagnosticMessage, type DiagnosticMessage } from "./diagnostic-messages.js";

/** Absolute folder of a Chainlet's `dockerImage.dataDir`, which is relative to the Chainlet's source file. */
export function dataDirPath(chainletFile: string, dataDir: string): string {
  return resolve(dirname(chainletFile), dataDir);
}

/** CH1430 when `dataDir` cannot be copied into the image, or undefined when it is a folder. */
export function dataDirProblem(chainletName: string, chainletFile: string, dataDir: string, shownFile: string): DiagnosticMessage<"CH1430"> | undefined {
  const path = dataDirPath(chainletFile, dataDir);
  if (existsSync(path) && statSync(path).isDirectory()) return undefined;
  return diagnosticMessage("CH1430", "notAFolder", chainletName, dataDir, shownFile);
}
