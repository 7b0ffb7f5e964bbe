/**
 * Things worth telling the reader that are not figures: a close() that hung, an
 * unhandled rejection. Collected rather than thrown, so one library's trouble
 * is reported once at the end instead of aborting the run for the others.
 */
const notes = new Set();
let context = 'setup';

/** Names the scenario that later notes belong to. */
export function setNoteContext(scenarioId) {
  context = scenarioId;
}

export function note(message) {
  notes.add(`[${context}] ${message}`);
}

export function allNotes() {
  return [...notes];
}
