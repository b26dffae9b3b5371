/** The body of a `runRemote` call: arguments keyed by parameter name, `undefined` ones left out. */
export function argumentsBody(parameters: readonly string[], args: readonly unknown[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  parameters.forEach((name, index) => {
    if (args[index] !== undefined) body[name] = args[index];
  });
  return body;
}
