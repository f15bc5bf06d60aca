/* eslint-disable */
import * as types from './graphql';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
  '\n  query ServiceStatus {\n    version\n    self {\n      partner {\n        name\n      }\n    }\n  }\n': typeof types.ServiceStatusDocument;
  '\n  mutation BrowserTokenForUser($hirerId: String!, $scope: String!, $userId: String!) {\n    browserToken(hirerId: $hirerId, scope: $scope, userId: $userId) {\n      accessToken\n      expiresIn\n      expiresAt\n      hirerId\n      scope\n    }\n  }\n': typeof types.BrowserTokenForUserDocument;
  '\n  query CandidateAttachments($id: String!) {\n    candidateProfile(id: $id) {\n      candidate {\n        person {\n          name {\n            formattedName\n          }\n        }\n      }\n      attachments {\n        seekRoleCode\n        url\n      }\n    }\n  }\n': typeof types.CandidateAttachmentsDocument;
};
const documents: Documents = {
  '\n  query ServiceStatus {\n    version\n    self {\n      partner {\n        name\n      }\n    }\n  }\n':
    types.ServiceStatusDocument,
  '\n  mutation BrowserTokenForUser($hirerId: String!, $scope: String!, $userId: String!) {\n    browserToken(hirerId: $hirerId, scope: $scope, userId: $userId) {\n      accessToken\n      expiresIn\n      expiresAt\n      hirerId\n      scope\n    }\n  }\n':
    types.BrowserTokenForUserDocument,
  '\n  query CandidateAttachments($id: String!) {\n    candidateProfile(id: $id) {\n      candidate {\n        person {\n          name {\n            formattedName\n          }\n        }\n      }\n      attachments {\n        seekRoleCode\n        url\n      }\n    }\n  }\n':
    types.CandidateAttachmentsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  query ServiceStatus {\n    version\n    self {\n      partner {\n        name\n      }\n    }\n  }\n',
): typeof import('./graphql').ServiceStatusDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation BrowserTokenForUser($hirerId: String!, $scope: String!, $userId: String!) {\n    browserToken(hirerId: $hirerId, scope: $scope, userId: $userId) {\n      accessToken\n      expiresIn\n      expiresAt\n      hirerId\n      scope\n    }\n  }\n',
): typeof import('./graphql').BrowserTokenForUserDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  query CandidateAttachments($id: String!) {\n    candidateProfile(id: $id) {\n      candidate {\n        person {\n          name {\n            formattedName\n          }\n        }\n      }\n      attachments {\n        seekRoleCode\n        url\n      }\n    }\n  }\n',
): typeof import('./graphql').CandidateAttachmentsDocument;

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
