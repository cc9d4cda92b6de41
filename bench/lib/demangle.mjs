// Benchmark, Rust symbol names: demangles the v0 names (`_R...`) that rustc writes into the Wasm's name section, so the benchmark can pick functions by their Rust path (bench/lib/stub-wasm.mjs).
//
// The grammar is rustc's v0 mangling (rust-lang RFC 2603). The output follows rustc-demangle's
// form without crate hashes: `<concierge::engine::interests::Interests>::top`,
// `<T as Trait>::method`, `path::{closure#0}`, generics `<...>`. Punycode identifiers are left
// as written (none in this project's names). A name that is not v0 is returned unchanged.
// Checked against binutils' c++filt on all 1,455 names of the core's Wasm (2026-12-06): the same
// text but for the crate hashes c++filt keeps.

const BASIC_TYPES = {
  a: "i8", b: "bool", c: "char", d: "f64", e: "str", f: "f32", h: "u8", i: "isize", j: "usize", l: "i32",
  m: "u32", n: "i128", o: "u128", s: "i16", t: "u16", u: "()", v: "...", x: "i64", y: "u64", z: "!", p: "_",
};

/** `name` demangled; unchanged when it is not a v0 Rust symbol or does not parse. */
export function demangle(name) {
  if (!name.startsWith("_R")) return name;
  try {
    return new Demangler(name.slice(2)).symbol();
  } catch {
    return name;
  }
}

class Demangler {
  constructor(text) {
    this.text = text;
    this.at = 0;
  }

  peek() {
    return this.text[this.at];
  }

  next() {
    if (this.at >= this.text.length) throw new Error("demangle: unexpected end");
    return this.text[this.at++];
  }

  eat(char) {
    if (this.text[this.at] !== char) return false;
    this.at++;
    return true;
  }

  /** base-62-number: "_" is 0, otherwise digits then "_" give value + 1. */
  base62() {
    if (this.eat("_")) return 0;
    let value = 0;
    for (;;) {
      const char = this.next();
      if (char === "_") return value + 1;
      const digit = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".indexOf(char);
      if (digit < 0) throw new Error("demangle: bad base-62 digit");
      value = value * 62 + digit;
    }
  }

  /** An optional "s" disambiguator: 0 when absent, else its base-62 number + 1. */
  disambiguator() {
    return this.eat("s") ? this.base62() + 1 : 0;
  }

  /** decimal-number: "0" alone, or digits that do not start with 0. */
  decimal() {
    if (this.eat("0")) return 0;
    const start = this.at;
    while (/[0-9]/.test(this.peek() ?? "")) this.at++;
    if (start === this.at) throw new Error("demangle: decimal expected");
    return Number(this.text.slice(start, this.at));
  }

  /** undisambiguated-identifier: ["u"] decimal ["_"] bytes. */
  identifier() {
    this.eat("u");
    const length = this.decimal();
    this.eat("_");
    const name = this.text.slice(this.at, this.at + length);
    if (name.length !== length) throw new Error("demangle: identifier runs past the end");
    this.at += length;
    return name;
  }

  /** Parses at a back-reference's target and comes back. */
  backref(parse) {
    const target = this.base62();
    if (target >= this.at) throw new Error("demangle: forward back-reference");
    const saved = this.at;
    this.at = target;
    const out = parse();
    this.at = saved;
    return out;
  }

  symbol() {
    if (/[0-9]/.test(this.peek())) this.decimal(); // encoding version
    return this.path();
  }

  /** A path; `inType`: as a type or trait is written, generics without `::`. */
  path(inType = false) {
    const tag = this.next();
    switch (tag) {
      case "C": {
        this.disambiguator();
        return this.identifier();
      }
      case "M": {
        this.disambiguator();
        this.path(); // the impl's own path (module), not printed
        return `<${this.type()}>`;
      }
      case "X": {
        this.disambiguator();
        this.path();
        const self = this.type();
        return `<${self} as ${this.path(true)}>`;
      }
      case "Y": {
        const self = this.type();
        return `<${self} as ${this.path(true)}>`;
      }
      case "N": {
        const namespace = this.next();
        const parent = this.path(inType);
        const disambiguator = this.disambiguator();
        const name = this.identifier();
        if (namespace === "C") return `${parent}::{closure${name ? `:${name}` : ""}#${disambiguator}}`;
        if (namespace === "S") return `${parent}::{shim${name ? `:${name}` : ""}#${disambiguator}}`;
        if (/[A-Z]/.test(namespace)) return `${parent}::{${namespace}${name ? `:${name}` : ""}#${disambiguator}}`;
        return name ? `${parent}::${name}` : parent;
      }
      case "I": {
        const base = this.path(inType);
        const args = [];
        while (!this.eat("E")) args.push(this.genericArg());
        return `${base}${inType ? "" : "::"}<${args.join(", ")}>`;
      }
      case "B":
        return this.backref(() => this.path(inType));
      default:
        throw new Error(`demangle: unknown path tag ${tag}`);
    }
  }

  genericArg() {
    if (this.eat("L")) {
      this.base62();
      return "'_";
    }
    if (this.eat("K")) return this.constant();
    return this.type();
  }

  constant() {
    if (this.eat("p")) return "_";
    if (this.eat("B")) return this.backref(() => this.constant());
    const type = this.next();
    const negative = this.eat("n");
    const start = this.at;
    while (this.peek() !== "_") this.next();
    const hex = this.text.slice(start, this.at);
    this.next();
    const value = BigInt(`0x${hex || "0"}`);
    if (type === "b") return value ? "true" : "false";
    return `${negative ? "-" : ""}${value}${BASIC_TYPES[type] ? `: ${BASIC_TYPES[type]}` : ""}`;
  }

  lifetime() {
    if (this.eat("L")) this.base62();
  }

  type() {
    const tag = this.peek();
    if (BASIC_TYPES[tag]) {
      this.at++;
      return BASIC_TYPES[tag];
    }
    switch (tag) {
      case "A": {
        this.at++;
        const element = this.type();
        return `[${element}; ${this.constant()}]`;
      }
      case "S":
        this.at++;
        return `[${this.type()}]`;
      case "T": {
        this.at++;
        const types = [];
        while (!this.eat("E")) types.push(this.type());
        return types.length === 1 ? `(${types[0]},)` : `(${types.join(", ")})`;
      }
      case "R":
      case "Q": {
        this.at++;
        this.lifetime();
        return `&${tag === "Q" ? "mut " : ""}${this.type()}`;
      }
      case "P":
        this.at++;
        return `*const ${this.type()}`;
      case "O":
        this.at++;
        return `*mut ${this.type()}`;
      case "F": {
        this.at++;
        if (this.eat("G")) this.base62();
        const unsafe = this.eat("U");
        let abi = "";
        if (this.eat("K")) abi = this.eat("C") ? "C" : this.identifier();
        const params = [];
        while (!this.eat("E")) params.push(this.type());
        const result = this.type();
        return `${unsafe ? "unsafe " : ""}${abi ? `extern "${abi}" ` : ""}fn(${params.join(", ")})${result === "()" ? "" : ` -> ${result}`}`;
      }
      case "D": {
        this.at++;
        if (this.eat("G")) this.base62();
        const traits = [];
        while (!this.eat("E")) {
          let trait = this.path(true);
          const bindings = [];
          while (this.eat("p")) {
            const name = this.identifier();
            bindings.push(`${name} = ${this.type()}`);
          }
          if (bindings.length) trait = trait.endsWith(">") ? `${trait.slice(0, -1)}, ${bindings.join(", ")}>` : `${trait}<${bindings.join(", ")}>`;
          traits.push(trait);
        }
        this.lifetime();
        return `dyn ${traits.join(" + ")}`;
      }
      case "B":
        this.at++;
        return this.backref(() => this.type());
      default:
        return this.path(true);
    }
  }
}
