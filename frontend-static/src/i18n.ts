// English and Norwegian (bokmål) UI text. Every string the user reads comes from here; the choice is kept in
// localStorage and set on <html lang>.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type {
  ConnectionStatus, CustomerMatch, EAccountingInvoiceStatus, EntitySync, IntegrationStatus, InvoiceNumberSource,
  OrderFlowStart, System, TransferKind, TransferMode, TransferStatus,
} from "./api/types";

export type Lang = "en" | "nb";

const en = {
  appName: "bokbro",
  skipToContent: "Skip to content",
  mainNav: "Main",
  navIntegrations: "Integrations",
  navTransfers: "Transfer log",
  language: "Language",
  signOut: "Sign out",
  loading: "Loading…",
  retry: "Try again",
  close: "Close",
  notFound: "Not found",
  notFoundText: "There is no such page, or your token does not give access to it.",
  backToIntegrations: "Back to integrations",

  // sign-in
  signInTitle: "Sign in",
  signInIntro: "Paste an operator or partner API token. It is kept in this browser tab only and forgotten when the tab is closed.",
  tokenLabel: "API token",
  tokenHelp: "The operator token is printed when bokbro starts; partner tokens are made with the createApiToken mutation.",
  signInButton: "Sign in",
  signingIn: "Checking the token…",
  tokenEmpty: "Paste a token first.",
  tokenRejected: "This token was not accepted. Check that you copied all of it and that it has not been revoked.",
  sessionEnded: "The server no longer accepts your token. Sign in again.",
  networkError: "bokbro could not be reached. Check your connection and try again.",
  serverError: "Something went wrong on the server",

  // integrations
  integrationsTitle: "Integrations",
  searchIntegrations: "Search integrations",
  searchIntegrationsHelp: "Company, contact, e-mail or system",
  integrationsCount: (shown: number, all: number) =>
    `${shown === all ? all : `${shown} of ${all}`} ${all === 1 ? "integration" : "integrations"}`,
  noIntegrations: "No integrations yet.",
  noIntegrationsMatch: "No integration matches the search.",
  colCompany: "Company",
  colFlow: "Source → target",
  colStatus: "Status",
  colConnections: "Connections",
  colCreated: "Created",
  noConnections: "none yet",

  // integration page
  integrationNav: "Integration",
  tabOverview: "Overview",
  tabSettings: "Settings",
  tabTransfers: "Transfer log",
  company: "Company",
  contactPerson: "Contact person",
  email: "E-mail",
  status: "Status",
  created: "Created",
  webhookUrl: "Webhook address",
  connections: "Connections",
  connectionOf: (system: string) => `${system} connection`,
  lastTested: "Last tested",
  never: "never",
  webhooks: "Webhooks",
  webhooksOn: "registered, pointing at bokbro",
  webhooksOff: "not registered",
  checks: "Checks",
  checkOk: "OK",
  checkFailed: "Failed",
  testAgain: "Test the connection again",
  testing: "Testing…",
  tested: (system: string) => `${system} connection tested.`,
  noConnectionsYet: "No systems are connected yet.",

  // operator views: last transfer and failures in the list, transfers per hour, reconciliation
  colLastTransfer: "Last transfer",
  colFailures24h: "Failures (24 h)",
  noTransferYet: "none yet",
  openLastTransfer: (status: string, time: string) => `Last transfer: ${status}, ${time}`,
  showFailures: (n: number) => `${n} ${n === 1 ? "failure" : "failures"} in the last 24 hours: show the failed transfers`,
  noFailures: "No failures in the last 24 hours",
  chartTitle: "Transfers per hour",
  chartPeriod: "Period",
  chartDays: (n: number) => `Last ${n} days`,
  chartHelp: "Each bar is one hour of your local time; a transfer counts in the hour it ended. A failure that was resent later still counts as a failure in its hour.",
  chartSummary: (days: number, ok: number, failed: number) =>
    `In the last ${days} days: ${ok} succeeded, ${failed} failed.`,
  chartBusiest: (time: string, n: number) => `Busiest hour: ${time}, with ${n} ${n === 1 ? "transfer" : "transfers"}.`,
  chartNone: (days: number) => `No transfers ended in the last ${days} days.`,
  chartBar: (time: string, ok: number, failed: number) => `${time}: ${ok} succeeded, ${failed} failed`,
  chartShowTable: "Show the numbers as a table",
  chartTableCaption: "Transfers per hour; hours without transfers are left out",
  colHour: "Hour",
  refresh: "Refresh",
  tabReconciliation: "Reconciliation",
  reconcileIntro: (source: string, target: string, orders: boolean) =>
    `Compares the ${orders ? "orders completed" : "invoices booked"} in ${source} in a period with the transfer log and with what ${target} really holds. Amounts exclude VAT.`,
  targetKind: { INVOICE: "Invoice", ORDER: "Order", DRAFT: "Draft" } as Record<string, string>,
  dateFrom: "From",
  dateTo: "To",
  reconcileButton: "Reconcile",
  reconciling: "Reconciling…",
  reconcileResult: (from: string, to: string) => `Result for ${from} – ${to}`,
  reconcileStatus: { OK: "OK", MISSING: "Missing", DIFFERENT: "Different", EXTRA: "Extra" } as Record<string, string>,
  reconcileStatusHelp: {
    OK: "in the target with the same amount",
    MISSING: "booked in the source, not in the target",
    DIFFERENT: "in the target with another amount",
    EXTRA: "in the target, but not booked in the source in the period",
  } as Record<string, string>,
  colSourceAmount: "Amount in source",
  colTargetAmount: "Amount in target",
  colTransfer: "Transfer",
  notTransferred: "not transferred",
  reconcileNoLines: "Nothing was booked or completed in the period, and the target holds none of ours.",
  reconcileAllOk: "Nothing is missing.",
  transferMissing: (n: number) => `Transfer the missing (${n})`,
  transferringMissing: "Transferring…",
  transferredMissing: (n: number) =>
    `${n === 1 ? "1 transfer" : `${n} transfers`} queued. They appear in the transfer log as they run.`,
  openLog: "Open the transfer log",

  // settings
  settingsTitle: "Settings",
  invoiceTransferMode: "How booked invoices are transferred",
  modeInvoiceHelp: "Lands in the accounting system as a finished invoice that cannot be edited.",
  modeOrderHelp: "Lands as a draft order that you check and invoice in the accounting system yourself.",
  sendInvoiceToCustomer: "Send the invoice to the customer",
  sendInvoiceHelp: "When on, the accounting system e-mails (or sends by EHF) each invoice to the customer as it is created.",
  entitySyncTitle: "Real-time sync of records",
  entitySyncHelp: "New and changed records in the source are carried over at once.",
  syncCustomers: "Customers",
  syncSuppliers: "Suppliers",
  syncProducts: "Products",
  syncBoms: "BOMs (bundles)",
  notSynced: (source: string) =>
    `Stock levels and the financial value of the inventory are not synchronised. They stay in ${source}.`,
  notSyncedWhere: (source: string) => `They stay in ${source}.`,
  save: "Save settings",
  saving: "Saving…",
  saved: (time: string) => `Settings saved at ${time}.`,
  unsaved: "You have unsaved changes.",
  noSettings: "This integration has no settings yet.",
  settingsIntro: (source: string, target: string) =>
    `Every setting of this ${source} → ${target} integration. Changes apply to the next transfer.`,
  sectionInvoices: "Invoices",
  sectionEAccounting: "Visma eAccounting",
  sectionWebshopCustomers: "Webshop customers",
  sectionRecords: "Records and purchase orders",
  startOrderFlowFrom: "Start order flow from",
  startOrderFlowHelp: (source: string) => `Whether invoices booked in ${source} are transferred at all.`,
  orderFlow: {
    RACKBEAT: (source: string) => `${source}: transfer each invoice as it is booked`,
    DONT_TRANSFER: () => "Don't transfer invoices",
  } as Record<OrderFlowStart, (source: string) => string>,
  invoiceTransferModeHelp: "Whether an invoice arrives finished or as an order you check first.",
  invoiceNumberSource: "Invoice numbers",
  invoiceNumberSourceHelp: (target: string) =>
    `Who numbers the invoices; a number already used in ${target} is refused with an explanation, never reused.`,
  invoiceNumbers: {
    TARGET: (_source: string, target: string) => `${target} numbers them (recommended)`,
    SOURCE: (source: string) => `The number of the ${source} document`,
  } as Record<InvoiceNumberSource, (source: string, target: string) => string>,
  webshopModeNote: "How each order is transferred (a paid invoice or an editable order, sent to the customer or not) is set per payment method under Mappings.",
  eaccountingInvoiceStatus: "What a transferred invoice becomes in eAccounting",
  eaccountingInvoiceStatusHelp: "A draft you check and send yourself, a finished invoice, or a finished invoice eAccounting e-mails to the customer.",
  eaccountingStatus: {
    DRAFT: "Invoice draft", INVOICED: "Invoice", INVOICED_AND_EMAIL: "Invoice, e-mailed to the customer by eAccounting",
  } as Record<EAccountingInvoiceStatus, string>,
  useExactQuantity: "Keep exact quantities (more than 2 decimals)",
  useExactQuantityHelp: "eAccounting rows take 2 decimals. On: such a line is sent as 1 × the exact line amount, the real quantity in the row text. Off: the quantity is rounded to 2 decimals.",
  customerNumberOffset: "Customer number offset",
  customerNumberOffsetHelp: (target: string) =>
    `Webshop customers get this number plus their webshop customer number in ${target} (default 100000), so they never collide with its own customers — as long as those stay below it (the preflight checks this).`,
  customerNumberOffsetInvalid: "Enter a whole number from 0 to 1000000000.",
  customerMatch: "How an order's customer is found",
  customerMatchHelp: (target: string) =>
    `By customer number, or a business by its organisation number first, so that a company already in ${target} is reused.`,
  customerMatches: {
    CUSTOMER_NUMBER: "By customer number (plus the offset)",
    ORGANIZATION_NUMBER: "Businesses by organisation number first",
  } as Record<CustomerMatch, string>,
  updateExistingCustomers: "Update existing customers from the order",
  updateExistingCustomersHelp: "On: a customer who already exists gets the name, address and e-mail of the webshop order. Off (\"do not update existing customer\"): it is left as it is.",
  transferPurchaseOrders: "Transfer purchase orders",
  transferPurchaseOrdersHelp: (source: string, target: string) =>
    `Purchase orders booked in ${source} go to ${target}, to be matched against the supplier invoices there.`,
  notSyncedTitle: "Never synchronised",
  fixErrors: "Correct the marked field first.",

  // transfer log
  transfersTitle: "Transfer log",
  allIntegrations: "All integrations",
  filters: "Filters",
  filterStatus: "Status",
  filterKind: "Kind",
  filterAny: "Any",
  searchRef: "Search source reference",
  searchRefHelp: "Invoice or order number, customer number, …",
  clearFilters: "Clear filters",
  live: "Live",
  liveConnecting: "Connecting to live updates…",
  liveReconnecting: "Reconnecting to live updates…",
  liveHelp: "New transfers and status changes appear here as they happen.",
  loaded: (n: number, more: boolean) =>
    `${n.toLocaleString("en-GB")} ${n === 1 ? "transfer" : "transfers"} loaded${more ? "; there are more" : ""}`,
  loadMore: "Load more",
  loadingMore: "Loading more…",
  noTransfers: "No transfers yet. They appear here the moment the source sends a document.",
  noTransfersMatch: "No transfer matches the filters.",
  resendFailed: "Resend all failed",
  resendFailedConfirm: "Resend every failed transfer in this view?",
  resendFailedYes: "Yes, resend them",
  cancel: "Cancel",
  resentMany: (n: number) => (n === 1 ? "1 transfer queued again." : `${n} transfers queued again.`),
  colTransferStatus: "Status",
  colKind: "Kind",
  colSourceRef: "Source ref.",
  colIntegration: "Integration",
  colTargetRef: "Target ref.",
  colMode: "As",
  colAttempts: "Attempts",
  colTrigger: "Trigger",
  colUpdated: "Updated",
  openTransfer: (kind: string, ref: string) => `Open ${kind} ${ref}`,
  tableHelp: "Use the arrow keys to move between rows and Enter to open one.",

  // transfer detail
  detailTitle: (kind: string, ref: string) => `${kind} ${ref}`,
  detailRegion: "Transfer details",
  from: "From",
  to: "To",
  sourceRef: "Source reference",
  targetRef: "Target reference",
  mode: "Transferred as",
  trigger: "Trigger",
  attempts: "Attempts",
  createdAt: "Created",
  startedAt: "Started",
  finishedAt: "Finished",
  duration: "Duration",
  nextAttempt: "Next attempt",
  error: "What went wrong",
  errorMessage: (system: string) => `Message from ${system}`,
  errorCode: "Code",
  otherLanguage: "Explanation in Norwegian",
  noExplanation: "There is no explanation for this error yet; the message above is what the system said.",
  resendTitle: "Resend",
  resendHelp: "Fix the cause first. A document already in the target is not made twice.",
  resendAs: "Transfer as",
  resendEmail: "Send the invoice to the customer",
  resendButton: "Resend",
  resending: "Resending…",
  resent: "Queued again. The status updates here live.",
  attemptLog: "Attempts",
  attemptN: (n: number) => `Attempt ${n}`,
  worker: "Worker",
  exchanges: (n: number) => (n === 1 ? "1 HTTP exchange" : `${n} HTTP exchanges`),
  noExchanges: "No HTTP exchanges were recorded.",
  request: "Request",
  response: "Response",
  noBody: "(no body)",
  redactedNote: "Secrets (tokens, keys, auth headers) are redacted before anything is stored.",
  noAttempts: "Not attempted yet.",
  loadingDetail: "Loading the transfer…",
  transferGone: "This transfer was not found.",

  // enums
  transferStatus: {
    QUEUED: "Queued", RUNNING: "Running", RETRYING: "Retrying", SUCCEEDED: "Succeeded", FAILED: "Failed",
  } as Record<TransferStatus, string>,
  transferKind: {
    INVOICE: "Invoice", ORDER: "Order", CUSTOMER: "Customer", SUPPLIER: "Supplier", PRODUCT: "Product", BOM: "BOM",
    PURCHASE_ORDER: "Purchase order",
  } as Record<TransferKind, string>,
  transferMode: { INVOICE: "Booked invoice", ORDER: "Editable sales order" } as Record<TransferMode, string>,
  integrationStatus: { ONBOARDING: "Onboarding", ACTIVE: "Active", PAUSED: "Paused" } as Record<IntegrationStatus, string>,
  connectionStatus: { UNTESTED: "Not tested", OK: "OK", FAILED: "Failed" } as Record<ConnectionStatus, string>,
  entitySync: { RACKBEAT_TO_TARGET: (s: string, t: string) => `${s} → ${t}`, OFF: () => "Off" } as Record<
    EntitySync, (source: string, target: string) => string>,
  triggers: { webhook: "Webhook", manual: "Manual", resend: "Resend", reconcile: "Reconciliation" } as Record<string, string>,
};

export type Dict = typeof en;

const nb: Dict = {
  appName: "bokbro",
  skipToContent: "Hopp til innholdet",
  mainNav: "Hovedmeny",
  navIntegrations: "Integrasjoner",
  navTransfers: "Overføringslogg",
  language: "Språk",
  signOut: "Logg ut",
  loading: "Laster …",
  retry: "Prøv igjen",
  close: "Lukk",
  notFound: "Finnes ikke",
  notFoundText: "Siden finnes ikke, eller tokenet ditt gir ikke tilgang til den.",
  backToIntegrations: "Tilbake til integrasjonene",

  signInTitle: "Logg inn",
  signInIntro: "Lim inn et API-token for operatør eller partner. Det holdes bare i denne fanen og glemmes når fanen lukkes.",
  tokenLabel: "API-token",
  tokenHelp: "Operatørtokenet skrives ut når bokbro starter; partnertokener lages med mutasjonen createApiToken.",
  signInButton: "Logg inn",
  signingIn: "Sjekker tokenet …",
  tokenEmpty: "Lim inn et token først.",
  tokenRejected: "Tokenet ble ikke godtatt. Sjekk at du kopierte hele, og at det ikke er trukket tilbake.",
  sessionEnded: "Serveren godtar ikke lenger tokenet ditt. Logg inn på nytt.",
  networkError: "Fikk ikke kontakt med bokbro. Sjekk tilkoblingen og prøv igjen.",
  serverError: "Noe gikk galt på serveren",

  integrationsTitle: "Integrasjoner",
  searchIntegrations: "Søk i integrasjoner",
  searchIntegrationsHelp: "Firma, kontaktperson, e-post eller system",
  integrationsCount: (shown, all) =>
    `${shown === all ? all : `${shown} av ${all}`} ${all === 1 ? "integrasjon" : "integrasjoner"}`,
  noIntegrations: "Ingen integrasjoner ennå.",
  noIntegrationsMatch: "Ingen integrasjon passer søket.",
  colCompany: "Firma",
  colFlow: "Kilde → mål",
  colStatus: "Status",
  colConnections: "Tilkoblinger",
  colCreated: "Opprettet",
  noConnections: "ingen ennå",

  integrationNav: "Integrasjon",
  tabOverview: "Oversikt",
  tabSettings: "Innstillinger",
  tabTransfers: "Overføringslogg",
  company: "Firma",
  contactPerson: "Kontaktperson",
  email: "E-post",
  status: "Status",
  created: "Opprettet",
  webhookUrl: "Webhook-adresse",
  connections: "Tilkoblinger",
  connectionOf: (system) => `Tilkobling til ${system}`,
  lastTested: "Sist testet",
  never: "aldri",
  webhooks: "Webhooks",
  webhooksOn: "registrert, peker til bokbro",
  webhooksOff: "ikke registrert",
  checks: "Kontroller",
  checkOk: "OK",
  checkFailed: "Feilet",
  testAgain: "Test tilkoblingen på nytt",
  testing: "Tester …",
  tested: (system) => `Tilkoblingen til ${system} er testet.`,
  noConnectionsYet: "Ingen systemer er koblet til ennå.",

  colLastTransfer: "Siste overføring",
  colFailures24h: "Feil (24 t)",
  noTransferYet: "ingen ennå",
  openLastTransfer: (status, time) => `Siste overføring: ${status}, ${time}`,
  showFailures: (n) => `${n} feil siste 24 timer: vis de feilede overføringene`,
  noFailures: "Ingen feil siste 24 timer",
  chartTitle: "Overføringer per time",
  chartPeriod: "Periode",
  chartDays: (n) => `Siste ${n} dager`,
  chartHelp: "Hver søyle er én time i din lokale tid; en overføring telles i timen den ble ferdig. En feil som senere ble sendt på nytt, telles fortsatt som feil i sin time.",
  chartSummary: (days, ok, failed) => `Siste ${days} dager: ${ok} fullført, ${failed} feilet.`,
  chartBusiest: (time, n) => `Travleste time: ${time}, med ${n} ${n === 1 ? "overføring" : "overføringer"}.`,
  chartNone: (days) => `Ingen overføringer ble ferdige de siste ${days} dagene.`,
  chartBar: (time, ok, failed) => `${time}: ${ok} fullført, ${failed} feilet`,
  chartShowTable: "Vis tallene som tabell",
  chartTableCaption: "Overføringer per time; timer uten overføringer er utelatt",
  colHour: "Time",
  refresh: "Oppdater",
  tabReconciliation: "Avstemming",
  reconcileIntro: (source, target, orders) =>
    `Sammenligner ${orders ? "ordrene som er fullført" : "fakturaene som er bokført"} i ${source} i en periode med overføringsloggen og med det ${target} faktisk har. Beløp er uten mva.`,
  targetKind: { INVOICE: "Faktura", ORDER: "Ordre", DRAFT: "Utkast" },
  dateFrom: "Fra",
  dateTo: "Til",
  reconcileButton: "Avstem",
  reconciling: "Avstemmer …",
  reconcileResult: (from, to) => `Resultat for ${from} – ${to}`,
  reconcileStatus: { OK: "OK", MISSING: "Mangler", DIFFERENT: "Avvik", EXTRA: "Ekstra" },
  reconcileStatusHelp: {
    OK: "finnes i målsystemet med samme beløp",
    MISSING: "bokført i kildesystemet, mangler i målsystemet",
    DIFFERENT: "finnes i målsystemet med et annet beløp",
    EXTRA: "finnes i målsystemet, men er ikke bokført i kildesystemet i perioden",
  },
  colSourceAmount: "Beløp i kilde",
  colTargetAmount: "Beløp i mål",
  colTransfer: "Overføring",
  notTransferred: "ikke overført",
  reconcileNoLines: "Ingenting ble bokført eller fullført i perioden, og målsystemet har ingen av våre.",
  reconcileAllOk: "Ingenting mangler.",
  transferMissing: (n) => `Overfør de manglende (${n})`,
  transferringMissing: "Overfører …",
  transferredMissing: (n) =>
    `${n === 1 ? "1 overføring" : `${n} overføringer`} lagt i kø. De vises i overføringsloggen etter hvert som de kjøres.`,
  openLog: "Åpne overføringsloggen",

  settingsTitle: "Innstillinger",
  invoiceTransferMode: "Slik overføres bokførte fakturaer",
  modeInvoiceHelp: "Kommer inn i regnskapssystemet som en ferdig faktura som ikke kan endres.",
  modeOrderHelp: "Kommer inn som en ordre du selv kontrollerer og fakturerer i regnskapssystemet.",
  sendInvoiceToCustomer: "Send fakturaen til kunden",
  sendInvoiceHelp: "Når dette er på, sender regnskapssystemet hver faktura til kunden (e-post eller EHF) når den opprettes.",
  entitySyncTitle: "Sanntidssynkronisering av registre",
  entitySyncHelp: "Nye og endrede registre i kildesystemet overføres med en gang.",
  syncCustomers: "Kunder",
  syncSuppliers: "Leverandører",
  syncProducts: "Produkter",
  syncBoms: "Strukturvarer",
  notSynced: (source) => `Lagerbeholdning og den finansielle lagerverdien synkroniseres ikke. De blir værende i ${source}.`,
  notSyncedWhere: (source) => `De blir værende i ${source}.`,
  save: "Lagre innstillingene",
  saving: "Lagrer …",
  saved: (time) => `Innstillingene er lagret kl. ${time}.`,
  unsaved: "Du har endringer som ikke er lagret.",
  noSettings: "Denne integrasjonen har ingen innstillinger ennå.",
  settingsIntro: (source, target) =>
    `Alle innstillingene for denne integrasjonen ${source} → ${target}. Endringer gjelder fra neste overføring.`,
  sectionInvoices: "Fakturaer",
  sectionEAccounting: "Visma eAccounting",
  sectionWebshopCustomers: "Nettbutikkunder",
  sectionRecords: "Registre og innkjøpsordre",
  startOrderFlowFrom: "Start ordreflyt fra",
  startOrderFlowHelp: (source) => `Om fakturaer som bokføres i ${source}, overføres i det hele tatt.`,
  orderFlow: {
    RACKBEAT: (source) => `${source}: overfør alle bokførte fakturaer`,
    DONT_TRANSFER: () => "Ikke overfør fakturaer",
  },
  invoiceTransferModeHelp: "Om fakturaen kommer inn ferdig, eller som en ordre du kontrollerer først.",
  invoiceNumberSource: "Fakturanummer",
  invoiceNumberSourceHelp: (target) =>
    `Hvem som bestemmer fakturanummeret; et nummer som allerede er brukt i ${target}, avvises med en forklaring og brukes aldri om igjen.`,
  invoiceNumbers: {
    TARGET: (_source, target) => `${target} bestemmer dem (anbefalt)`,
    SOURCE: (source) => `Nummeret på dokumentet i ${source}`,
  },
  webshopModeNote: "Hvordan hver ordre overføres (betalt faktura eller redigerbar ordre, sendt til kunden eller ikke), velges per betalingsmåte under Koblinger.",
  eaccountingInvoiceStatus: "Hva en overført faktura blir i eAccounting",
  eaccountingInvoiceStatusHelp: "Et utkast du selv kontrollerer og sender, en ferdig faktura, eller en ferdig faktura som eAccounting sender kunden på e-post.",
  eaccountingStatus: {
    DRAFT: "Fakturautkast", INVOICED: "Faktura", INVOICED_AND_EMAIL: "Faktura, sendt kunden på e-post av eAccounting",
  },
  useExactQuantity: "Behold nøyaktige antall (mer enn 2 desimaler)",
  useExactQuantityHelp: "eAccounting-linjer har 2 desimaler. På: en slik linje sendes som 1 × det nøyaktige linjebeløpet, med det virkelige antallet i linjeteksten. Av: antallet rundes av til 2 desimaler.",
  customerNumberOffset: "Tillegg til kundenummer",
  customerNumberOffsetHelp: (target) =>
    `Nettbutikkunder får dette tallet pluss kundenummeret sitt i nettbutikken i ${target} (standard 100000), så de aldri kolliderer med kundene som finnes der — så lenge de holder seg under tallet (forhåndskontrollen sjekker dette).`,
  customerNumberOffsetInvalid: "Skriv et helt tall fra 0 til 1000000000.",
  customerMatch: "Slik finnes kunden til en ordre",
  customerMatchHelp: (target) =>
    `Etter kundenummer, eller en bedrift først etter organisasjonsnummer, slik at et firma som allerede finnes i ${target}, brukes om igjen.`,
  customerMatches: {
    CUSTOMER_NUMBER: "Etter kundenummer (pluss tillegget)",
    ORGANIZATION_NUMBER: "Bedrifter først etter organisasjonsnummer",
  },
  updateExistingCustomers: "Oppdater eksisterende kunder fra ordren",
  updateExistingCustomersHelp: "På: en kunde som allerede finnes, får navn, adresse og e-post fra nettbutikkordren. Av («ikke oppdater eksisterende kunde»): kunden blir stående som den er.",
  transferPurchaseOrders: "Overfør innkjøpsordre",
  transferPurchaseOrdersHelp: (source, target) =>
    `Innkjøpsordre som bokføres i ${source}, går til ${target} for å avstemmes mot leverandørfakturaene der.`,
  notSyncedTitle: "Synkroniseres aldri",
  fixErrors: "Rett det merkede feltet først.",

  transfersTitle: "Overføringslogg",
  allIntegrations: "Alle integrasjoner",
  filters: "Filtre",
  filterStatus: "Status",
  filterKind: "Type",
  filterAny: "Alle",
  searchRef: "Søk i kildereferanse",
  searchRefHelp: "Faktura- eller ordrenummer, kundenummer, …",
  clearFilters: "Fjern filtrene",
  live: "Direkte",
  liveConnecting: "Kobler til direkteoppdateringer …",
  liveReconnecting: "Kobler til direkteoppdateringer på nytt …",
  liveHelp: "Nye overføringer og statusendringer vises her idet de skjer.",
  loaded: (n, more) =>
    `${n.toLocaleString("nb-NO")} ${n === 1 ? "overføring" : "overføringer"} lastet${more ? "; det finnes flere" : ""}`,
  loadMore: "Last flere",
  loadingMore: "Laster flere …",
  noTransfers: "Ingen overføringer ennå. De dukker opp her i det øyeblikket kildesystemet sender et dokument.",
  noTransfersMatch: "Ingen overføring passer filtrene.",
  resendFailed: "Send alle feilede på nytt",
  resendFailedConfirm: "Sende alle feilede overføringer i denne visningen på nytt?",
  resendFailedYes: "Ja, send dem på nytt",
  cancel: "Avbryt",
  resentMany: (n) => (n === 1 ? "1 overføring er lagt i kø igjen." : `${n} overføringer er lagt i kø igjen.`),
  colTransferStatus: "Status",
  colKind: "Type",
  colSourceRef: "Kildereferanse",
  colIntegration: "Integrasjon",
  colTargetRef: "Målreferanse",
  colMode: "Som",
  colAttempts: "Forsøk",
  colTrigger: "Utløst av",
  colUpdated: "Oppdatert",
  openTransfer: (kind, ref) => `Åpne ${kind} ${ref}`,
  tableHelp: "Bruk piltastene for å flytte mellom radene og Enter for å åpne en.",

  detailTitle: (kind, ref) => `${kind} ${ref}`,
  detailRegion: "Detaljer om overføringen",
  from: "Fra",
  to: "Til",
  sourceRef: "Kildereferanse",
  targetRef: "Målreferanse",
  mode: "Overført som",
  trigger: "Utløst av",
  attempts: "Forsøk",
  createdAt: "Opprettet",
  startedAt: "Startet",
  finishedAt: "Ferdig",
  duration: "Varighet",
  nextAttempt: "Neste forsøk",
  error: "Hva gikk galt",
  errorMessage: (system) => `Melding fra ${system}`,
  errorCode: "Kode",
  otherLanguage: "Forklaring på engelsk",
  noExplanation: "Det finnes ingen forklaring på denne feilen ennå; meldingen over er det systemet svarte.",
  resendTitle: "Send på nytt",
  resendHelp: "Rett årsaken først. Et dokument som allerede finnes i målsystemet, lages ikke to ganger.",
  resendAs: "Overfør som",
  resendEmail: "Send fakturaen til kunden",
  resendButton: "Send på nytt",
  resending: "Sender på nytt …",
  resent: "Lagt i kø igjen. Statusen oppdateres her fortløpende.",
  attemptLog: "Forsøk",
  attemptN: (n) => `Forsøk ${n}`,
  worker: "Arbeider",
  exchanges: (n) => (n === 1 ? "1 HTTP-utveksling" : `${n} HTTP-utvekslinger`),
  noExchanges: "Ingen HTTP-utvekslinger ble registrert.",
  request: "Forespørsel",
  response: "Svar",
  noBody: "(ingen innhold)",
  redactedNote: "Hemmeligheter (tokener, nøkler, autentiseringshoder) fjernes før noe lagres.",
  noAttempts: "Ikke forsøkt ennå.",
  loadingDetail: "Laster overføringen …",
  transferGone: "Fant ikke denne overføringen.",

  transferStatus: { QUEUED: "I kø", RUNNING: "Kjører", RETRYING: "Prøver igjen", SUCCEEDED: "Fullført", FAILED: "Feilet" },
  transferKind: {
    INVOICE: "Faktura", ORDER: "Ordre", CUSTOMER: "Kunde", SUPPLIER: "Leverandør", PRODUCT: "Produkt",
    BOM: "Strukturvare", PURCHASE_ORDER: "Innkjøpsordre",
  },
  transferMode: { INVOICE: "Bokført faktura", ORDER: "Redigerbar salgsordre" },
  integrationStatus: { ONBOARDING: "Under oppsett", ACTIVE: "Aktiv", PAUSED: "Satt på pause" },
  connectionStatus: { UNTESTED: "Ikke testet", OK: "OK", FAILED: "Feilet" },
  entitySync: { RACKBEAT_TO_TARGET: (s, t) => `${s} → ${t}`, OFF: () => "Av" },
  triggers: { webhook: "Webhook", manual: "Manuelt", resend: "Sendt på nytt", reconcile: "Avstemming" },
};

export const dictionaries: Record<Lang, Dict> = { en, nb };

export const SYSTEM_NAMES: Record<System, string> = {
  RACKBEAT: "Rackbeat", MYSTORE: "Mystore", TRIPLETEX: "Tripletex", EACCOUNTING: "Visma eAccounting",
};

const LANG_KEY = "bokbro.lang";

export function initialLang(): Lang {
  const stored = localStorage.getItem(LANG_KEY);
  if (stored === "en" || stored === "nb") return stored;
  return /^(nb|nn|no)\b/i.test(navigator.language) ? "nb" : "en";
}

export function storeLang(lang: Lang): void {
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang === "nb" ? "nb" : "en";
}

export interface I18n {
  lang: Lang;
  t: Dict;
  setLang: (lang: Lang) => void;
  /** Dates and times as the chosen language writes them. */
  dateTime: (iso: string | null | undefined) => string;
  time: (iso: string | Date) => string;
}

export const I18nContext = createContext<I18n>(null as unknown as I18n);

export function useI18n(): I18n {
  return useContext(I18nContext);
}

const formats = new Map<string, Intl.DateTimeFormat>();
function format(lang: Lang, kind: "dateTime" | "time"): Intl.DateTimeFormat {
  const key = `${lang}:${kind}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === "nb" ? "nb-NO" : "en-GB", kind === "dateTime"
      ? { dateStyle: "short", timeStyle: "medium" }
      : { timeStyle: "medium" });
    formats.set(key, f);
  }
  return f;
}

export function makeI18n(lang: Lang, setLang: (lang: Lang) => void): I18n {
  return {
    lang,
    t: dictionaries[lang],
    setLang,
    dateTime: (iso) => (iso ? format(lang, "dateTime").format(new Date(iso)) : "—"),
    time: (iso) => format(lang, "time").format(typeof iso === "string" ? new Date(iso) : iso),
  };
}
