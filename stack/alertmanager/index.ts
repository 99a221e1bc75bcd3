export {
  ALERTMANAGER_INSTALL,
  findAlertmanager,
  freePort,
  startAlertmanager,
  type AlertmanagerProcess,
  type StartAlertmanagerOptions,
} from './alertmanager.ts';
