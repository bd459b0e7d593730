/**
 * The built-in presets: a mapping for each bundled dataset and where its bundled copy lives
 * (data/ in this repository), so `patron ingest --preset NAME` works with no PATH.
 */
import { fileURLToPath } from "node:url";
import { PatronError } from "../../core/errors.ts";
import { parseMapping, type Mapping } from "../mapping.ts";
import { cdnowMapping } from "./cdnow.ts";
import { hillstromMapping } from "./hillstrom.ts";
import { iumMapping } from "./ium.ts";
import { oneClickMapping } from "./one-click.ts";
import { onlineRetailMapping } from "./online-retail.ts";

export const PRESET_NAMES = ["online-retail", "one-click", "hillstrom", "ium", "cdnow"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface Preset {
  readonly name: PresetName;
  readonly mapping: Mapping;
  /** The bundled copy under data/. */
  readonly defaultPath: string;
}

const dataPath = (relative: string) => fileURLToPath(new URL(`../../../data/${relative}`, import.meta.url));

const presets: Record<PresetName, () => Preset> = {
  "online-retail": () => ({ name: "online-retail", mapping: parseMapping(onlineRetailMapping, "preset online-retail"), defaultPath: dataPath("online-retail/by-day") }),
  "one-click": () => ({ name: "one-click", mapping: parseMapping(oneClickMapping, "preset one-click"), defaultPath: dataPath("one-click") }),
  hillstrom: () => ({ name: "hillstrom", mapping: parseMapping(hillstromMapping, "preset hillstrom"), defaultPath: dataPath("hillstrom") }),
  ium: () => ({ name: "ium", mapping: parseMapping(iumMapping, "preset ium"), defaultPath: dataPath("ium") }),
  cdnow: () => ({ name: "cdnow", mapping: parseMapping(cdnowMapping, "preset cdnow"), defaultPath: dataPath("cdnow") }),
};

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

export function getPreset(name: string): Preset {
  if (!isPresetName(name)) {
    throw new PatronError("E_UNKNOWN_PRESET", `unknown preset "${name}"; expected one of ${PRESET_NAMES.join(", ")}.`);
  }
  return presets[name]();
}
