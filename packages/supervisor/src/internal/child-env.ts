/** The variable that tells a Node child it is supervised, and as which child (its value is the child's name). */
export const CHILD_ENV = 'DROVE_SUPERVISOR_CHILD';
