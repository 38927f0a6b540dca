import { graphql } from './graphql';

/** What an agent may do to an order; each answer carries what the panels show. */

export const CreateRefund = graphql(`
  mutation CreateRefund($orderId: ID!, $amount: Int!, $reason: String!, $key: String!) {
    createRefund(orderId: $orderId, amount: $amount, reason: $reason, idempotencyKey: $key) {
      id
      amount
      status
      dueAt
      overdue
      failureReason
    }
  }
`);

export const RetryRefund = graphql(`
  mutation RetryRefund($refundId: ID!) {
    retryRefund(refundId: $refundId) {
      id
      status
      failureReason
      attempts
    }
  }
`);

export const ApproveRequest = graphql(`
  mutation ApproveRequest($requestId: ID!, $note: String) {
    approveCancellation(requestId: $requestId, note: $note) {
      id
      status
      decidedAt
    }
  }
`);

export const RejectRequest = graphql(`
  mutation RejectRequest($requestId: ID!, $reason: String!) {
    rejectCancellation(requestId: $requestId, reason: $reason) {
      id
      status
      decidedAt
    }
  }
`);

export const UpdateExpectedDelivery = graphql(`
  mutation UpdateExpectedDelivery($orderId: ID!, $at: DateTime!, $reason: String) {
    updateExpectedDelivery(orderId: $orderId, expectedDeliveryAt: $at, reason: $reason) {
      id
      shipment {
        expectedDeliveryAt
        delayed
      }
    }
  }
`);
