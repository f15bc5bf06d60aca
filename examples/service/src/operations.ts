/**
 * The operations this service runs, as typed documents: `graphql()` (generated in ./gql from
 * schema/seek-gateway.graphql) gives each one its result and variables types. After editing
 * them, regenerate: `npm run example:service:codegen`.
 */
import { graphql } from './gql';

/** SEEK's `version` and `self` (the partner: the gateway sends the partner token for a service). */
export const ServiceStatus = graphql(`
  query ServiceStatus {
    version
    self {
      partner {
        name
      }
    }
  }
`);

/** A SEEK browser token for one of our users and a hirer, from the gateway's `browserToken`. */
export const BrowserTokenForUser = graphql(`
  mutation BrowserTokenForUser($hirerId: String!, $scope: String!, $userId: String!) {
    browserToken(hirerId: $hirerId, scope: $scope, userId: $userId) {
      accessToken
      expiresIn
      expiresAt
      hirerId
      scope
    }
  }
`);

/** A candidate's application and its files (partner token): the résumé's URL is downloaded next. */
export const CandidateAttachments = graphql(`
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
`);
