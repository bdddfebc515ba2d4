import type { Models } from '../src/models/index.js'

const firstNames = ['Anna', 'Ben', 'Chloe', 'David', 'Elena', 'Felix', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Kira', 'Liam']
const lastNames = ['Schmidt', 'Novak', 'Rossi', 'Dubois', 'García', 'Kowalski', 'Jensen', 'Silva', 'Müller', 'Costa']
const companies = [
  ['Acme Telecom', 'DE', 'Europe/Berlin', 'EUR', '+4915112345670'],
  ['Brightline Retail', 'GB', 'Europe/London', 'GBP', '+447911123456'],
  ['Nordic Parcel', 'SE', 'Europe/Stockholm', 'SEK', '+46701234560'],
  ['Sunrise Clinics', 'US', 'America/New_York', 'USD', '+12025550140'],
  ['Pampa Foods', 'AR', 'America/Argentina/Buenos_Aires', null, '+5491123456780'],
  ['Sakura Travel', 'JP', 'Asia/Tokyo', 'JPY', '+819012345670'],
  ['Kangaroo Bank', 'AU', 'Australia/Sydney', 'AUD', '+61412345670'],
  ['Maple Insurance', 'CA', 'America/Toronto', null, '+14165550130'],
] as const

/** Demo data for a first look at the panel. Idempotent: existing rows (by unique key) are left alone. */
export async function seedDemoData(models: Models, password: string) {
  const users = [
    { email: 'admin@example.com', name: 'Alex Admin', role: 'admin' },
    { email: 'manager1@example.com', name: 'Maria Manager', role: 'manager' },
    { email: 'manager2@example.com', name: 'Mark Manager', role: 'manager' },
  ]
  const managerIds: number[] = []
  for (const user of users) {
    const [row] = await models.AdminUser.findOrCreate({ where: { email: user.email }, defaults: { ...user, password } })
    if (user.role === 'manager') managerIds.push(Number(row.get('id')))
  }

  const products = [
    { code: 'START', name: 'Starter', description: 'Pay as you go, web sending only.', active: true },
    { code: 'BUSINESS', name: 'Business', description: 'API and SMPP access, volume pricing.', active: true },
    { code: 'ENTERPRISE', name: 'Enterprise', description: 'Dedicated routes and priority support.', active: true },
    { code: 'LEGACY-2019', name: 'Legacy 2019', description: 'Retired plan, kept for old contracts.', active: false },
  ]
  const productIds: number[] = []
  for (const product of products) {
    const [row] = await models.Product.findOrCreate({ where: { code: product.code }, defaults: product })
    if (product.active) productIds.push(Number(row.get('id')))
  }

  let created = 0
  for (let i = 0; i < 36; i += 1) {
    const [company, country, timezone, currency, phoneBase] = companies[i % companies.length]
    const first = firstNames[i % firstNames.length]
    const last = lastNames[(i * 7) % lastNames.length]
    const login = `${company.split(' ')[0].toLowerCase()}-${String(i + 1).padStart(2, '0')}`
    const exists = await models.Client.count({ where: { login } })
    if (exists) continue
    await models.Client.create({
      login,
      password,
      passwordConfirmation: password,
      managerId: managerIds[i % managerIds.length],
      notificationLimit: i % 3 === 0 ? 1000 * (i + 1) : null,
      moderation: i % 4 === 0 ? 'automatic' : 'manual',
      timezone,
      dispatchFrom: i % 5 === 0 ? '22:00' : i % 2 === 0 ? '08:00' : null,
      dispatchTo: i % 5 === 0 ? '06:00' : i % 2 === 0 ? '20:00' : null,
      currency: i % 3 === 2 ? null : currency,
      allowCredit: (i * 250).toFixed(2),
      allowOverdraw: (i % 4 === 0 ? 100 : 0).toFixed(2),
      smsPriority: i % 4,
      dynamicSender: i % 2 === 0,
      moViaSmpp: i % 6 === 0,
      dailyStatsMailing: i % 3 === 0,
      contactName: `${first} ${last}`,
      contractNumber: `C-2026-${String(100 + i)}`,
      company: i < companies.length ? company : `${company} ${['North', 'South', 'East', 'West'][i % 4]}`,
      companyCredentials: i % 2 === 0 ? `VAT ${country}${String(123456789 + i)}` : null,
      phone: phoneBase,
      country,
      telegram: i % 3 === 0 ? `${first.toLowerCase()}_${last.toLowerCase().replace(/[^a-z]/g, '')}` : null,
      skype: i % 4 === 1 ? `live:${first.toLowerCase()}.${i}` : null,
      dlrWaitDays: 1 + (i % 7),
      deliveryStatus: i % 9 === 8 ? 'expired' : 'active',
      canSendSmpp: i % 2 === 0,
      canSendApi: i % 3 !== 0,
      canSendWeb: true,
      canSendRestApi: i % 4 === 0,
      canAddSubaccount: i % 5 === 0,
      email: `${first}.${last}@${company.split(' ')[0]}.example`.toLowerCase().replace(/[^a-z0-9.@]/g, ''),
      priceUpdateEmail: i % 2 === 0 ? `prices@${company.split(' ')[0].toLowerCase()}.example` : null,
      billingEmail: `billing@${company.split(' ')[0].toLowerCase()}.example`,
      priceUpdateFormat: i % 3 === 0 ? 'csv' : 'xlsx',
      apiDlrUrl: i % 2 === 0 ? `https://hooks.${company.split(' ')[0].toLowerCase()}.example/dlr` : null,
      apiMoUrl: i % 4 === 0 ? `https://hooks.${company.split(' ')[0].toLowerCase()}.example/mo` : null,
      clientType: i % 5 === 4 ? 'individual' : 'company',
      invoiceDates: i % 2 === 0 ? '1, 15' : '1',
      sendStats: i % 2 === 1,
      sendInvoices: true,
      sendToEmail: i % 3 === 1,
      comments: i % 6 === 0 ? 'Prefers contact by e-mail.\nAsked about volume discount in Q3.' : null,
      productId: productIds[i % productIds.length],
    })
    created += 1
  }
  await seedSenderNames(models)
  return { clientsCreated: created }
}

/** A few sender names on the clients that use dynamic senders, in each state. */
async function seedSenderNames(models: Models) {
  const clients = await models.Client.findAll({ where: { dynamicSender: true }, order: [['id', 'ASC']], limit: 6 })
  const states = ['approved', 'pending', 'rejected'] as const
  for (const [i, client] of clients.entries()) {
    const brand = String(client.get('login')).split('-')[0].slice(0, 6).toUpperCase()
    for (const [j, name] of [brand, `${brand} INFO`].entries()) {
      const status = states[(i + j) % states.length]
      await models.SenderName.findOrCreate({
        where: { clientId: client.get('id'), name },
        defaults: { status, comment: status === 'rejected' ? 'Looks like another brand: please send the trademark registration.' : null },
      })
    }
  }
}
