/**
 * The fake LINE Messaging API lives in src/dev/fake-line-api.ts since local mode (`npm start`
 * without LINE credentials, issue #12) serves it in-process; tests keep importing it from here.
 */
export * from '../../src/dev/fake-line-api.ts';
