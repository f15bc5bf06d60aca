/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> =
  T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type ServiceStatusQueryVariables = Exact<{ [key: string]: never }>;

export type ServiceStatusQuery = { version: string; self: { partner: { name: string } } };

export type BrowserTokenForUserMutationVariables = Exact<{
  hirerId: string;
  scope: string;
  userId: string;
}>;

export type BrowserTokenForUserMutation = {
  browserToken: {
    accessToken: string;
    expiresIn: number;
    expiresAt: string;
    hirerId: string;
    scope: string;
  };
};

export type CandidateAttachmentsQueryVariables = Exact<{
  id: string;
}>;

export type CandidateAttachmentsQuery = {
  candidateProfile: {
    candidate: { person: { name: { formattedName: string } } };
    attachments: Array<{ seekRoleCode: string | null; url: string }>;
  } | null;
};

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const ServiceStatusDocument = new TypedDocumentString(`
    query ServiceStatus {
  version
  self {
    partner {
      name
    }
  }
}
    `) as unknown as TypedDocumentString<ServiceStatusQuery, ServiceStatusQueryVariables>;
export const BrowserTokenForUserDocument = new TypedDocumentString(`
    mutation BrowserTokenForUser($hirerId: String!, $scope: String!, $userId: String!) {
  browserToken(hirerId: $hirerId, scope: $scope, userId: $userId) {
    accessToken
    expiresIn
    expiresAt
    hirerId
    scope
  }
}
    `) as unknown as TypedDocumentString<
  BrowserTokenForUserMutation,
  BrowserTokenForUserMutationVariables
>;
export const CandidateAttachmentsDocument = new TypedDocumentString(`
    query CandidateAttachments($id: String!) {
  candidateProfile(id: $id) {
    candidate {
      person {
        name {
          formattedName
        }
      }
    }
    attachments {
      seekRoleCode
      url
    }
  }
}
    `) as unknown as TypedDocumentString<
  CandidateAttachmentsQuery,
  CandidateAttachmentsQueryVariables
>;
