import { graphql } from './graphql';

/** Ticket changes shared by the queue (bulk) and the ticket page; the cache updates both. */

export const AssignTicket = graphql(`
  mutation AssignTicket($ticketId: ID!, $assigneeId: ID) {
    assignTicket(ticketId: $ticketId, assigneeId: $assigneeId) {
      id
      assignee {
        id
        displayName
      }
      updatedAt
    }
  }
`);

export const SetTicketStatus = graphql(`
  mutation SetTicketStatus($ticketId: ID!, $status: TicketStatus!) {
    setTicketStatus(ticketId: $ticketId, status: $status) {
      id
      status
      updatedAt
      resolvedAt
    }
  }
`);
