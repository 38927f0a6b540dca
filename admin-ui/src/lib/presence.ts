import { useEffect, useMemo, useRef, useState } from 'react';
import { useMutation, useSubscription } from 'urql';
import { graphql, type ResultOf } from '../api/graphql';

const SetPresence = graphql(`
  mutation SetPresence($ticketId: ID!, $typing: Boolean, $leaving: Boolean) {
    setTicketPresence(ticketId: $ticketId, typing: $typing, leaving: $leaving) {
      typing
      agent {
        id
        displayName
      }
    }
  }
`);

const PresenceLive = graphql(`
  subscription PresenceLive($ticketId: ID!) {
    ticketPresence(ticketId: $ticketId) {
      typing
      agent {
        id
        displayName
      }
    }
  }
`);

export type Viewer = ResultOf<typeof PresenceLive>['ticketPresence'][number];

/** The server forgets a viewer 30 s after the last heartbeat; beat well within that. */
export const HEARTBEAT_MS = 10_000;
/** A pause in typing this long ends "typing". */
export const TYPING_IDLE_MS = 4_000;

/**
 * Announces the signed-in agent on `ticketId` (and whether they are typing) and answers the
 * other agents on it, live. Leaving the page says goodbye at once; a closed tab simply stops
 * beating and fades out on the others' screens.
 */
export function usePresence(ticketId: string, me: string | null, typing: boolean): Viewer[] {
  const [, beat] = useMutation(SetPresence);
  const [{ data }] = useSubscription({ query: PresenceLive, variables: { ticketId } });
  const typingRef = useRef(typing);
  useEffect(() => {
    typingRef.current = typing;
  }, [typing]);

  useEffect(() => {
    const send = () => void beat({ ticketId, typing: typingRef.current, leaving: false });
    send();
    const timer = window.setInterval(send, HEARTBEAT_MS);
    return () => {
      window.clearInterval(timer);
      void beat({ ticketId, typing: false, leaving: true });
    };
  }, [beat, ticketId]);

  // A change of typing is told at once, not at the next heartbeat.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    void beat({ ticketId, typing, leaving: false });
  }, [beat, ticketId, typing]);

  return useMemo(() => (data?.ticketPresence ?? []).filter((viewer) => viewer.agent.id !== me), [data, me]);
}

/** `true` while keystrokes keep coming, `false` once they pause for TYPING_IDLE_MS. */
export function useTyping(): [boolean, () => void] {
  const [typing, setTyping] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const touched = () => {
    setTyping(true);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setTyping(false), TYPING_IDLE_MS);
  };
  return [typing, touched];
}
