import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Where an operation is answered:
 * - `seek`: only SEEK root fields (and `__typename`): the document goes to SEEK as it is;
 * - `local`: only gateway fields and introspection: answered here;
 * - `mixed`: both; executed here, with SEEK's part delegated in one batched request.
 */
export type OperationRoute = 'seek' | 'local' | 'mixed';

export const classifyOperation = (
  document: DocumentNode,
  operation: OperationDefinitionNode,
  localRootFields: ReadonlySet<string>,
): OperationRoute => {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  }
  let seek = false;
  let local = false;
  const visited = new Set<string>();
  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__typename') continue;
        if (name.startsWith('__') || localRootFields.has(name)) local = true;
        else seek = true;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (fragment && !visited.has(name)) {
          visited.add(name);
          visit(fragment.selectionSet);
        }
      }
    }
  };
  visit(operation.selectionSet);
  if (seek && local) return 'mixed';
  return seek ? 'seek' : 'local';
};
