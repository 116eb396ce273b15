/**
 * The name of an app password as a person reads it. Names the user typed are shown as they are; the
 * one fyrkant gives the password issued at enrollment ('enrollment', stored so) reads in the page's
 * language.
 */
import { ENROLLMENT_APP_PASSWORD_NAME } from '../../domain/app-passwords/generate';
import type { Messages } from '../i18n';

export function appPasswordName(m: Messages, name: string): string {
  return name === ENROLLMENT_APP_PASSWORD_NAME ? m.t('sec.appPassword.fromEnrollment') : name;
}
