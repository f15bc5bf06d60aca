// The GraphQL operations this page runs, and nothing else. The build registers them with the
// gateway as trusted documents (examples/frontend/manifest.ts writes the manifest from this
// file); at run time the page sends only their ids, and asks for its browser token by them.

/** The signed-in user's hirer, as SEEK knows it (`self`, scope query:organizations). */
export const SELF = `query Self {
  self { hirer { id { value } name } }
}`;

/** The job categories a posting form offers (`jobCategories`, scope query:ontologies). */
export const JOB_CATEGORIES = `query JobCategories($schemeId: String!) {
  jobCategories(schemeId: $schemeId) { id { value } name }
}`;

/** Every operation, by the name the manifest gives it. */
export const OPERATIONS = { Self: SELF, JobCategories: JOB_CATEGORIES } as const;
export type OperationName = keyof typeof OPERATIONS;
