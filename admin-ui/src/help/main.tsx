// The help center: its own small page (no component library, no GraphQL client), so a
// phone on a slow network reads an answer after a few kilobytes.
import './help.css';
import './i18n';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { HelpApp } from './App';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <HelpApp />
    </StrictMode>,
  );
}
