// The API explorer's form: one labelled field per property of a Chainlet's input schema (JSON Schema
// 2020-12 as the compiler emits it: local `$ref`s into `$defs`), prefilled with a value. Shapes a form
// field cannot express faithfully (arrays, unions, nullables, maps) fall back to a JSON field.

type Schema = Record<string, unknown>;

/** What reading the form gives: the value, or the first field that does not hold a valid one. */
export type FormValue = { ok: true; value: unknown } | { ok: false; error: string; field: HTMLElement };

export interface SchemaForm {
  element: HTMLElement;
  read(): FormValue;
}

interface Field {
  element: HTMLElement;
  /** `undefined` when an optional field is left empty (the property is then omitted). */
  read(): FormValue | { ok: true; value: undefined };
}

const MAX_REF_DEPTH = 32;

/** The form of the request body `schema` (an object keyed by parameter name), prefilled with `value`. */
export function schemaForm(schema: Schema, value: unknown, idPrefix: string): SchemaForm {
  let counter = 0;
  const nextId = () => `${idPrefix}-${++counter}`;

  const resolve = (s: Schema): Schema => {
    let current = s;
    for (let depth = 0; typeof current.$ref === "string" && depth < MAX_REF_DEPTH; depth++) {
      const match = /^#\/\$defs\/(.+)$/.exec(current.$ref);
      const defs = (schema.$defs ?? {}) as Record<string, Schema>;
      const target = match ? defs[decodeURIComponent(match[1]!).replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
      if (!target) return {};
      current = target;
    }
    return current;
  };

  const labelled = (id: string, name: string, required: boolean, s: Schema, control: HTMLElement, hint: string): HTMLElement => {
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = name;
    const wrapper = document.createElement("div");
    wrapper.className = "field";
    wrapper.append(label, control);
    const help = [hint, typeof s.description === "string" ? s.description : "", required ? "" : "optional"].filter(Boolean).join(" · ");
    if (help) {
      const note = document.createElement("span");
      note.className = "muted hint";
      note.id = `${id}-hint`;
      note.textContent = help;
      control.setAttribute("aria-describedby", note.id);
      wrapper.append(note);
    }
    return wrapper;
  };

  const invalid = (control: HTMLElement, name: string, error: string): FormValue => ({ ok: false, error: `${name}: ${error}`, field: control });

  const field = (raw: Schema, current: unknown, name: string, required: boolean, depth: number): Field => {
    const s = resolve(raw);
    const id = nextId();
    const choices = Array.isArray(s.enum) ? (s.enum as unknown[]) : "const" in s ? [s.const] : undefined;
    if (choices) {
      const select = document.createElement("select");
      select.id = id;
      if (!required) select.append(new Option("(none)", ""));
      choices.forEach((choice, index) => select.append(new Option(typeof choice === "string" ? choice : JSON.stringify(choice), String(index))));
      const at = choices.findIndex((choice) => JSON.stringify(choice) === JSON.stringify(current));
      select.value = at >= 0 ? String(at) : required ? "0" : "";
      return {
        element: labelled(id, name, required, s, select, "choice"),
        read: () => ({ ok: true, value: select.value === "" ? undefined : choices[Number(select.value)] }),
      };
    }
    const type = s.type;
    if (type === "string" || type === "number" || type === "integer") {
      const input = document.createElement("input");
      input.id = id;
      input.name = name;
      input.required = required;
      if (type === "string") {
        input.type = "text";
        if (typeof s.minLength === "number") input.minLength = s.minLength;
        if (typeof s.maxLength === "number") input.maxLength = s.maxLength;
        if (typeof s.pattern === "string") input.title = `matches ${s.pattern}`;
      } else {
        input.type = "number";
        input.step = type === "integer" ? "1" : "any";
        const min = s.minimum ?? s.exclusiveMinimum;
        const max = s.maximum ?? s.exclusiveMaximum;
        if (typeof min === "number") input.min = String(min);
        if (typeof max === "number") input.max = String(max);
      }
      input.value = current === undefined || current === null ? "" : String(current);
      const hint = type === "string" ? `text${typeof s.format === "string" ? ` (${s.format})` : ""}` : `${type}${input.min ? ` ≥ ${input.min}` : ""}${input.max ? ` ≤ ${input.max}` : ""}`;
      return {
        element: labelled(id, name, required, s, input, hint),
        read: () => {
          if (input.value === "") return required && type !== "string" ? invalid(input, name, "a number is required") : { ok: true, value: required ? "" : undefined };
          if (type === "string") return { ok: true, value: input.value };
          const number = Number(input.value);
          if (!Number.isFinite(number) || (type === "integer" && !Number.isInteger(number))) return invalid(input, name, `not ${type === "integer" ? "an integer" : "a number"}`);
          return { ok: true, value: number };
        },
      };
    }
    if (type === "boolean") {
      const input = document.createElement("input");
      input.type = "checkbox";
      input.id = id;
      input.checked = current === true;
      return { element: labelled(id, name, required, s, input, "yes / no"), read: () => ({ ok: true, value: input.checked }) };
    }
    if (type === "object" && s.properties && typeof s.properties === "object" && depth < 8) {
      const fieldset = document.createElement("fieldset");
      const legend = document.createElement("legend");
      legend.textContent = name;
      fieldset.append(legend);
      const children = objectFields(s, current, depth + 1);
      for (const child of children) fieldset.append(child.field.element);
      return { element: fieldset, read: () => readObject(children) };
    }
    const text = document.createElement("textarea");
    text.id = id;
    text.spellcheck = false;
    text.rows = 3;
    text.value = current === undefined ? "" : JSON.stringify(current, null, 2);
    return {
      element: labelled(id, name, required, s, text, "JSON"),
      read: () => {
        if (text.value.trim() === "") return required ? invalid(text, name, "a JSON value is required") : { ok: true, value: undefined };
        try {
          return { ok: true, value: JSON.parse(text.value) as unknown };
        } catch (error) {
          return invalid(text, name, `not JSON (${(error as Error).message})`);
        }
      },
    };
  };

  const objectFields = (s: Schema, current: unknown, depth: number) => {
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
    const values = current && typeof current === "object" ? (current as Record<string, unknown>) : {};
    return Object.entries(properties).map(([name, propertySchema]) => ({ name, field: field(propertySchema, values[name], name, required.has(name), depth) }));
  };

  const readObject = (children: { name: string; field: Field }[]): FormValue => {
    const out: Record<string, unknown> = {};
    for (const { name, field: child } of children) {
      const read = child.read();
      if (!read.ok) return read;
      if (read.value !== undefined) out[name] = read.value;
    }
    return { ok: true, value: out };
  };

  const element = document.createElement("div");
  element.className = "schema-form";
  const root = resolve(schema);
  if (root.type === "object" && root.properties) {
    const children = objectFields(root, value, 0);
    for (const child of children) element.append(child.field.element);
    if (children.length === 0) element.append(Object.assign(document.createElement("p"), { className: "muted", textContent: "No parameters." }));
    return { element, read: () => readObject(children) };
  }
  const whole = field(root, value, "body", true, 0);
  element.append(whole.element);
  return { element, read: () => whole.read() as FormValue };
}
