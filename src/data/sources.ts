/**
 * Finds the files an ingest reads: PATH may be a file, a folder (searched recursively), a
 * glob, or a .zip of those. Files come back decompressed (gzip is undone here, zip members are
 * extracted in memory with fflate) with the sha256 of their content, which is the idempotency
 * key: the same content under another name or compression is the same file.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { gunzipSync } from "node:zlib";
import { unzipSync } from "fflate";
import { PatronError } from "../core/errors.ts";

/** A file found under PATH, not read yet. */
export interface SourceFile {
  /** Display path: relative to the working directory when possible; `a.zip!member` for zip members. */
  readonly path: string;
  /** Path relative to PATH (or the member name), matched against the mapping's `files` glob. */
  readonly relativePath: string;
  read(): Uint8Array;
}

const COMPRESSION = /\.(gz|gzip)$/i;

/** The name a glob is matched against: compression suffix removed (`a.csv.gz` matches `*.csv`). */
export function logicalName(path: string): string {
  return path.replace(COMPRESSION, "");
}

/** Turns a glob (`*`, `**`, `?`, `{a,b}`) into an anchored RegExp over '/'-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === "*") {
      if (glob[i + 1] === "*") {
        i++;
        if (glob[i + 1] === "/") {
          i++;
          out += "(?:.*/)?";
        } else out += ".*";
      } else out += "[^/]*";
    } else if (ch === "?") out += "[^/]";
    else if (ch === "{") {
      const close = glob.indexOf("}", i);
      if (close < 0) out += "\\{";
      else {
        out += `(?:${glob.slice(i + 1, close).split(",").map(escapeRegExp).join("|")})`;
        i = close;
      }
    } else out += escapeRegExp(ch);
  }
  return new RegExp(`^${out}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const hasGlob = (text: string) => /[*?{]/.test(text);

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

function decompress(path: string, bytes: Uint8Array): Uint8Array {
  if (!COMPRESSION.test(path)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new PatronError(
      "E_BAD_GZIP",
      `${path}: cannot decompress (${(error as Error).message}); expected a gzip file. Re-download it or remove the .gz suffix.`,
    );
  }
}

function diskFile(path: string, root: string): SourceFile {
  const shown = display(path);
  return {
    path: shown,
    relativePath: relative(root, path).split(sep).join("/") || basename(path),
    read: () => decompress(shown, readFileSync(path)),
  };
}

function zipMembers(zipPath: string): SourceFile[] {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(readFileSync(zipPath));
  } catch (error) {
    throw new PatronError("E_BAD_ZIP", `${display(zipPath)}: not a readable zip archive (${(error as Error).message}); expected a .zip of CSV / JSONL / Parquet files.`);
  }
  return Object.keys(entries)
    .filter((name) => !name.endsWith("/") && !basename(name).startsWith(".") && !name.startsWith("__MACOSX/"))
    .sort()
    .map((name) => ({
      path: `${display(zipPath)}!${name}`,
      relativePath: name,
      read: () => decompress(`${display(zipPath)}!${name}`, entries[name]),
    }));
}

/**
 * Every file under PATH, sorted by path. A glob is taken relative to its longest fixed prefix;
 * a zip is opened (its members become files).
 */
export function listFiles(pathArg: string): SourceFile[] {
  if (hasGlob(pathArg)) {
    const parts = pathArg.split(/[\\/]/);
    const fixed: string[] = [];
    while (parts.length > 0 && !hasGlob(parts[0])) fixed.push(parts.shift()!);
    const root = resolve(fixed.join("/") || ".");
    const pattern = globToRegExp(parts.join("/"));
    if (!existsSync(root)) throw notFound(pathArg);
    const found = walk(root)
      .filter((p) => pattern.test(relative(root, p).split(sep).join("/")))
      .flatMap((p) => (p.toLowerCase().endsWith(".zip") ? zipMembers(p) : [diskFile(p, root)]));
    if (found.length === 0) {
      throw new PatronError("E_NO_FILES", `no file matches ${pathArg}. Check the pattern, or pass a file or folder.`);
    }
    return found;
  }
  const path = resolve(pathArg);
  if (!existsSync(path)) throw notFound(pathArg);
  if (statSync(path).isDirectory()) {
    return walk(path).flatMap((p) => (p.toLowerCase().endsWith(".zip") ? zipMembers(p) : [diskFile(p, path)]));
  }
  if (path.toLowerCase().endsWith(".zip")) return zipMembers(path);
  return [diskFile(path, dirname(path))];
}

function notFound(pathArg: string): PatronError {
  return new PatronError("E_NOT_FOUND", `${pathArg} does not exist; pass a file, a folder, a glob or a .zip.`);
}

/** Files whose path relative to PATH (compression suffix removed) matches the glob. */
export function selectFiles(files: readonly SourceFile[], glob: string | undefined): SourceFile[] {
  if (!glob) return [...files];
  const pattern = globToRegExp(glob);
  return files.filter((f) => pattern.test(logicalName(f.relativePath)) || pattern.test(logicalName(basename(f.relativePath))));
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
