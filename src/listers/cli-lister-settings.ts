import { z } from 'zod';

/** A program and its leading arguments: a string split on blanks, or a list of words. */
const commandLine = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** Site keys of the listers that drive a grid CLI client (AccessMethod directx and SRM). */
export const cliListerSiteKeys = {
  /** The xrdfs program (AccessMethod directx) and gfal-ls (AccessMethod SRM), with leading arguments. */
  XrdfsCommand: commandLine,
  GfalCommand: commandLine,
} as const;

export type CliListerSettings = { [K in keyof typeof cliListerSiteKeys]: z.infer<(typeof cliListerSiteKeys)[K]> };

/** A command setting as the words to run: a string is split on blanks. */
export function commandWords(command: string | readonly string[]): string[] {
  return typeof command === 'string' ? command.trim().split(/\s+/) : [...command];
}
