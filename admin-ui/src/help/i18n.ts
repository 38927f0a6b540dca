import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import ko from '../locales/help.ko.json';
import en from '../locales/help.en.json';

/** The same choice as the console's (one key on this device). */
const STORAGE_KEY = 'storedesk.language';

export type HelpLanguage = 'ko' | 'en';

const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;

void i18n.use(initReactI18next).init({
  resources: { ko: { translation: ko }, en: { translation: en } },
  lng: saved === 'en' ? 'en' : 'ko',
  fallbackLng: 'ko',
  interpolation: { escapeValue: false },
});
document.documentElement.lang = i18n.language;

export function setHelpLanguage(language: HelpLanguage): void {
  localStorage.setItem(STORAGE_KEY, language);
  document.documentElement.lang = language;
  void i18n.changeLanguage(language);
}
