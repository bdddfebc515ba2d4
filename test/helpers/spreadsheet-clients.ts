import type { TestApp } from './harness.js'
import { createClient } from './harness.js'

/**
 * The clients of the spreadsheet fixtures (test/fixtures/spreadsheets/): values that spreadsheet
 * programs like to reinterpret — leading zeros, numbers in text fields, dates in text fields,
 * formula-like text, apostrophes, long digit strings, times, amounts, booleans, line breaks, non-ASCII.
 * The fixtures were exported from a database holding exactly these clients; a test creates them
 * again and imports each fixture back as all "unchanged".
 */
export const SPREADSHEET_CLIENTS = (ids: TestApp['ids']): [string, Record<string, unknown>][] => [
  [
    'sheet-zeros',
    {
      contractNumber: '007',
      allowCredit: '8750.00',
      allowOverdraw: '981.54',
      dispatchFrom: '22:00',
      dispatchTo: '06:00',
      canSendApi: true,
      skype: '2025-03-14',
      company: 'Zeros & Co',
      phone: '+4915112345678',
      country: 'DE',
      currency: 'EUR',
      timezone: 'Europe/Berlin',
      invoiceDates: [1, 15],
      productId: ids.productActive,
    },
  ],
  [
    'sheet-numbers',
    {
      contractNumber: '0.10',
      allowCredit: '0.10',
      notificationLimit: 1000,
      smsPriority: 3,
      dispatchFrom: '12:30',
      dispatchTo: '23:59',
      skype: '12:30',
      comments: '1E5',
      telegram: 'numbers_bot',
      disableBlacklist: true,
      sendStats: true,
    },
  ],
  [
    'sheet-long',
    {
      contractNumber: '1234567890123456789',
      company: '-minus',
      contactName: '+plus',
      skype: '@at',
      comments: '=SUM(A1) "quoted", \nsecond line',
      allowCredit: '999999999999.99',
      dynamicSender: true,
      canSendWeb: false,
      managerId: ids.manager2,
    },
  ],
  [
    'sheet-quotes',
    {
      contractNumber: '1E5',
      company: "'apostrophe",
      contactName: 'Zoë Müller – 東京',
      comments: 'TRUE',
      companyCredentials: 'VAT DE123456789; IBAN DE02 1203 0000 0000 2020 51',
      priceUpdateFormat: 'csv',
      clientType: 'individual',
      deliveryStatus: 'expired',
      moderation: 'automatic',
      apiDlrUrl: 'https://example.com/dlr?x=1&y=2',
    },
  ],
  ['sheet-plain', {}],
]

export async function createSpreadsheetClients(t: TestApp) {
  for (const [login, values] of SPREADSHEET_CLIENTS(t.ids)) await createClient(t, login, values)
}
