import { readFileSync } from "node:fs";
import { join } from "node:path";
import Handlebars from "handlebars";
import { runtimeLocation } from "./runtime-location.js";

const handlebars = Handlebars.create();
// `{{json x}}`: a double-quoted, escaped string, valid in Dockerfile LABEL and ENV values.
handlebars.registerHelper("json", (value: unknown) => JSON.stringify(value));

const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Renders `emitters/templates/<name>.hbs` (no HTML escaping: the outputs are not HTML). */
export function renderTemplate(name: string, data: object): string {
  let template = compiled.get(name);
  if (!template) {
    const source = readFileSync(join(runtimeLocation().templatesDir, `${name}.hbs`), "utf8");
    template = handlebars.compile(source, { noEscape: true, strict: true });
    compiled.set(name, template);
  }
  return template(data);
}
